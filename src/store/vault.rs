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

/// Insert or replace sealed values (inside the caller's transaction). Values whose
/// `(order_id, field)` is not stored yet (the common case: new orders, new labels) go through
/// DuckDB's appender; the rest replace theirs, up to 64 rows per statement (DuckDB's cost is per
/// statement, not per row).
pub fn put(conn: &Connection, values: &[Sealed], now: DateTime<Utc>) -> Result<(), StoreError> {
    if values.is_empty() {
        return Ok(());
    }
    let mut ids: Vec<&str> = values.iter().map(|v| v.order_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut stored = std::collections::HashSet::new();
    for chunk in ids.chunks(256) {
        let placeholders = vec!["?"; chunk.len()].join(", ");
        let mut stmt = conn.prepare_cached(&format!("SELECT order_id, field FROM vault WHERE order_id IN ({placeholders})"))?;
        for row in stmt.query_map(duckdb::params_from_iter(chunk), |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))? {
            stored.insert(row?);
        }
    }
    let (replace, fresh): (Vec<&Sealed>, Vec<&Sealed>) =
        values.iter().partition(|v| stored.contains(&(v.order_id.clone(), v.field.clone())));
    if !fresh.is_empty() {
        let mut app = conn.appender("vault")?;
        for v in fresh {
            app.append_row(params![v.order_id, v.field, v.key_id, v.epoch, v.deadline, v.nonce, v.ciphertext, now])?;
        }
        app.flush()?;
    }
    for chunk in replace.chunks(64) {
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

/// Every sealed value of these orders, by order.
pub fn for_orders(conn: &Connection, order_ids: &[&str]) -> Result<std::collections::HashMap<String, Vec<Sealed>>, StoreError> {
    let mut out: std::collections::HashMap<String, Vec<Sealed>> = std::collections::HashMap::new();
    for chunk in order_ids.chunks(256) {
        let placeholders = vec!["?"; chunk.len()].join(", ");
        let mut stmt =
            conn.prepare_cached(&format!("SELECT {COLUMNS} FROM vault WHERE order_id IN ({placeholders}) ORDER BY order_id, field"))?;
        for row in stmt.query_map(duckdb::params_from_iter(chunk), row_to_sealed)? {
            let sealed = row?;
            out.entry(sealed.order_id.clone()).or_default().push(sealed);
        }
    }
    Ok(out)
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

/// The earliest purge deadline among live values.
pub fn earliest_deadline(conn: &Connection) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(conn.query_row("SELECT min(deadline) FROM vault", [], |r| r.get(0))?)
}

/// Orders whose values are kept past purchase + 60 days (packages in transit at the cap).
pub fn orders_kept_past_cap(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT count(DISTINCT v.order_id) FROM vault v JOIN orders o USING (order_id) WHERE v.deadline > o.purchase_date + INTERVAL 60 DAY",
        [],
        |r| r.get(0),
    )?)
}

/// Delete every value (lockdown `--shred-pii`), marking the orders purged; returns rows deleted.
pub fn shred_all(conn: &Connection, now: DateTime<Utc>) -> Result<usize, StoreError> {
    conn.execute(
        "UPDATE orders SET pii_purged_at = ? WHERE pii_purged_at IS NULL AND order_id IN (SELECT order_id FROM vault)",
        params![now],
    )?;
    Ok(conn.execute("DELETE FROM vault", [])?)
}

/// `dakiya keys rotate`: a new key generation for every live epoch, every value re-encrypted
/// under it (one transaction), the database checkpointed, then the old generations destroyed.
/// Returns how many values were re-encrypted.
pub fn rotate_all(store: &super::Store, vault: &mut crate::vault::Vault, now: DateTime<Utc>) -> anyhow::Result<usize> {
    vault.keystore_mut().rotate(now)?;
    let rows = all(store.conn())?;
    let mut resealed = Vec::with_capacity(rows.len());
    let progress = crate::progress::bar(rows.len() as u64, "re-encrypting", true);
    for row in &rows {
        resealed.push(vault.reseal(row, row.deadline, now)?);
        progress.inc(1);
    }
    progress.finish_and_clear();
    store.tx(|conn| Ok(put(conn, &resealed, now)?))?;
    store.checkpoint()?;
    vault.keystore_mut().retire_old_generations()?;
    Ok(rows.len())
}
