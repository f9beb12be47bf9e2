//! Vault rows: sealed PII values keyed by `(order_id, field)`, each with its epoch and deadline.
//! Only ciphertext, nonces and key ids are stored here; the keys are in the keystore.

use chrono::{DateTime, NaiveDate, Utc};
use duckdb::{params, Connection};


use super::StoreError;
use crate::vault::Sealed;

fn row_to_sealed(row: &duckdb::Row<'_>) -> duckdb::Result<Sealed> {
    Ok(Sealed {
        order_id: row.get(0)?,
        field: row.get(1)?,
        key_id: row.get(2)?,
        epoch: row.get(3)?,
        deadline: row.get(4)?,
        nonce: row.get(5)?,
        ciphertext: row.get(6)?,
    })
}

const COLUMNS: &str = "order_id, field, key_id, epoch, deadline, nonce, ciphertext";

/// Insert or replace sealed values (inside the caller's transaction), up to 64 rows per statement
/// (DuckDB's cost is per statement, not per row).
pub fn put(conn: &Connection, values: &[Sealed], now: DateTime<Utc>) -> Result<(), StoreError> {
    for chunk in values.chunks(64) {
        let placeholders = vec!["(?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let mut stmt = conn.prepare_cached(&format!(
            "INSERT OR REPLACE INTO vault (order_id, field, key_id, epoch, deadline, nonce, ciphertext, sealed_at) VALUES {placeholders}"
        ))?;
        let mut args: Vec<&dyn duckdb::ToSql> = Vec::with_capacity(chunk.len() * 8);
        for v in chunk {
            args.extend([&v.order_id as &dyn duckdb::ToSql, &v.field, &v.key_id, &v.epoch, &v.deadline, &v.nonce, &v.ciphertext, &now]);
        }
        stmt.execute(args.as_slice())?;
    }
    Ok(())
}

/// Every sealed value of one order.
pub fn for_order(conn: &Connection, order_id: &str) -> Result<Vec<Sealed>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM vault WHERE order_id = ? ORDER BY field"))?;
    let rows = stmt.query_map([order_id], row_to_sealed)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Every sealed value (for key rotation).
pub fn all(conn: &Connection) -> Result<Vec<Sealed>, StoreError> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM vault ORDER BY order_id, field"))?;
    let rows = stmt.query_map([], row_to_sealed)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Delete every value in epochs strictly before `before`; returns rows deleted.
pub fn delete_epochs_before(conn: &Connection, before: NaiveDate) -> Result<usize, StoreError> {
    Ok(conn.execute("DELETE FROM vault WHERE epoch < ?", params![before])?)
}

/// Delete every value of one order; returns rows deleted.
pub fn delete_order(conn: &Connection, order_id: &str) -> Result<usize, StoreError> {
    Ok(conn.execute("DELETE FROM vault WHERE order_id = ?", params![order_id])?)
}

/// Rows per epoch, oldest first.
pub fn epoch_counts(conn: &Connection) -> Result<Vec<(NaiveDate, i64)>, StoreError> {
    let mut stmt = conn.prepare("SELECT epoch, count(*) FROM vault GROUP BY epoch ORDER BY epoch")?;
    let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Total vault rows.
pub fn count(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("SELECT count(*) FROM vault", [], |row| row.get(0))?)
}
