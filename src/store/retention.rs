//! The SQL of the retention rules (see [`crate::retention`]): what is due, and the deletions.
//! Every statement takes the caller's connection, so [`crate::retention::apply`] decides the
//! transactions.

use chrono::{DateTime, NaiveDate, Utc};
use duckdb::{params, Connection};

use super::StoreError;
use crate::vault::Sealed;

/// Orders with vault rows whose PII deadline falls on or before `today` while their package is
/// still on its way (`statuses`): their deadline moves a week ahead instead.
pub fn in_transit_due(conn: &Connection, today: NaiveDate, statuses: &[&str]) -> Result<Vec<String>, StoreError> {
    let placeholders = vec!["?"; statuses.len()].join(", ");
    let mut stmt = conn.prepare(&format!(
        "SELECT DISTINCT o.order_id FROM orders o JOIN vault v USING (order_id)
         WHERE o.pii_deadline IS NOT NULL AND CAST(o.pii_deadline AS DATE) <= ? AND o.delivered_at IS NULL AND o.ended_at IS NULL
           AND o.easy_ship_status IN ({placeholders}) ORDER BY o.order_id"
    ))?;
    let mut args: Vec<&dyn duckdb::ToSql> = vec![&today];
    args.extend(statuses.iter().map(|s| s as &dyn duckdb::ToSql));
    let rows = stmt.query_map(args.as_slice(), |row| row.get::<_, String>(0))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// When dakiya last heard from Amazon: the start of the newest `fetch` stage that succeeded.
pub fn last_successful_fetch(conn: &Connection) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(conn
        .query_row("SELECT max(started_at) FROM run_stages WHERE stage = 'fetch' AND outcome IN ('done', 'partial')", [], |r| r.get(0))?)
}

/// Vault rows to decide on today: those whose lease ends by `today` (epoch on or before it) and
/// those whose order's PII deadline moved to `today` or earlier (a package delivered after an
/// in-transit extension), with the order's PII deadline (absent for documents kept under a feed
/// id).
pub fn leases_ending(conn: &Connection, today: NaiveDate) -> Result<Vec<(Sealed, Option<DateTime<Utc>>)>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT v.order_id, v.field, v.key_id, v.epoch, v.deadline, v.nonce, v.ciphertext, o.pii_deadline
         FROM vault v LEFT JOIN orders o USING (order_id)
         WHERE v.epoch <= ? OR (o.pii_deadline IS NOT NULL AND CAST(o.pii_deadline AS DATE) <= ?) ORDER BY v.order_id, v.field",
    )?;
    let rows = stmt.query_map(params![today, today], |r| {
        Ok((
            Sealed {
                order_id: r.get(0)?,
                field: r.get(1)?,
                key_id: r.get(2)?,
                epoch: r.get(3)?,
                deadline: r.get(4)?,
                nonce: r.get(5)?,
                ciphertext: r.get(6)?,
            },
            r.get::<_, Option<DateTime<Utc>>>(7)?,
        ))
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Vault values past their purge time (their epoch began, or their order's deadline day came):
/// a missed deadline, for `dakiya audit`.
pub fn overdue(conn: &Connection, today: NaiveDate) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT count(*) FROM vault v LEFT JOIN orders o USING (order_id)
         WHERE v.epoch <= ? OR (o.pii_deadline IS NOT NULL AND CAST(o.pii_deadline AS DATE) <= ?)",
        params![today, today],
        |r| r.get(0),
    )?)
}

/// Orders whose customer data was purged at or after `since` but after its deadline: a run that
/// came late (the computer was off, the task did not run). For the nudge.
pub fn purged_late_since(conn: &Connection, since: DateTime<Utc>) -> Result<i64, StoreError> {
    Ok(conn
        .query_row("SELECT count(*) FROM orders WHERE pii_purged_at >= ? AND pii_purged_at > pii_deadline", params![since], |r| r.get(0))?)
}

/// Epochs that still have vault rows.
pub fn epochs_in_use(conn: &Connection) -> Result<Vec<NaiveDate>, StoreError> {
    let mut stmt = conn.prepare("SELECT DISTINCT epoch FROM vault ORDER BY epoch")?;
    let rows = stmt.query_map([], |r| r.get::<_, NaiveDate>(0))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Move the PII deadline of `orders` to `deadline`.
pub fn extend_deadlines(conn: &Connection, orders: &[String], deadline: DateTime<Utc>) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached("UPDATE orders SET pii_deadline = ? WHERE order_id = ?")?;
    for order_id in orders {
        stmt.execute(params![deadline, order_id])?;
    }
    Ok(())
}

/// Delete the vault rows `(order_id, field)`; returns how many were there.
pub fn delete_rows(conn: &Connection, rows: &[(String, String)]) -> Result<usize, StoreError> {
    let mut stmt = conn.prepare_cached("DELETE FROM vault WHERE order_id = ? AND field = ?")?;
    let mut n = 0;
    for (order_id, field) in rows {
        n += stmt.execute(params![order_id, field])?;
    }
    Ok(n)
}

/// Mark orders whose customer data is gone, and their documents as purged.
pub fn mark_purged(conn: &Connection, orders: &[String], now: DateTime<Utc>) -> Result<(), StoreError> {
    let mut mark = conn.prepare_cached(
        "UPDATE orders SET pii_purged_at = ? WHERE pii_purged_at IS NULL AND order_id = ? AND order_id NOT IN (SELECT order_id FROM vault)",
    )?;
    let mut docs = conn.prepare_cached(
        "UPDATE packages SET docs_state = 'purged' WHERE docs_state IN ('stored', 'requested', 'printed') AND order_id = ? AND order_id NOT IN (SELECT order_id FROM vault)",
    )?;
    for order_id in orders {
        mark.execute(params![now, order_id])?;
        docs.execute(params![order_id])?;
    }
    Ok(())
}

/// Orders past their deadline that never had vault rows are marked too (nothing to delete).
pub fn mark_past_deadline_without_rows(conn: &Connection, now: DateTime<Utc>) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "UPDATE orders SET pii_purged_at = ? WHERE pii_purged_at IS NULL AND pii_deadline IS NOT NULL AND pii_deadline <= ?
           AND order_id NOT IN (SELECT order_id FROM vault)",
        params![now, now],
    )?)
}

/// Run records and API call log rows older than `cutoff`.
pub fn history_before(conn: &Connection, cutoff: DateTime<Utc>) -> Result<(u64, u64), StoreError> {
    let runs: i64 = conn.query_row("SELECT count(*) FROM runs WHERE started_at < ?", params![cutoff], |row| row.get(0))?;
    let calls: i64 = conn.query_row("SELECT count(*) FROM api_calls WHERE called_at < ?", params![cutoff], |row| row.get(0))?;
    Ok((runs as u64, calls as u64))
}

/// Delete run records, their stages and API call log rows older than `cutoff`.
pub fn delete_history_before(conn: &Connection, cutoff: DateTime<Utc>) -> Result<(), StoreError> {
    conn.execute("DELETE FROM run_stages WHERE run_id IN (SELECT run_id FROM runs WHERE started_at < ?)", params![cutoff])?;
    conn.execute("DELETE FROM runs WHERE started_at < ?", params![cutoff])?;
    conn.execute("DELETE FROM api_calls WHERE called_at < ?", params![cutoff])?;
    Ok(())
}

/// Orders bought before `before`, with their purchase time (candidates for the GST rule).
pub fn orders_bought_before(conn: &Connection, before: DateTime<Utc>) -> Result<Vec<(String, DateTime<Utc>)>, StoreError> {
    let mut stmt = conn.prepare("SELECT order_id, purchase_date FROM orders WHERE purchase_date < ? ORDER BY order_id")?;
    let rows = stmt.query_map(params![before], |row| Ok((row.get::<_, String>(0)?, row.get::<_, DateTime<Utc>>(1)?)))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Delete every record of `orders`, in every table.
pub fn delete_orders(conn: &Connection, orders: &[String]) -> Result<(), StoreError> {
    for table in ["order_items", "packages", "quarantine", "vault", "orders"] {
        let mut stmt = conn.prepare(&format!("DELETE FROM {table} WHERE order_id = ?"))?;
        for id in orders {
            stmt.execute([id])?;
        }
    }
    Ok(())
}

/// One PII-free line of the purge log.
pub fn log(conn: &Connection, now: DateTime<Utc>, run_id: Option<&str>, rule: &str, n: u64, epochs: &str) -> Result<(), StoreError> {
    conn.prepare_cached("INSERT INTO purge_log (purged_at, run_id, rule, n_rows, epochs, dry_run) VALUES (?, ?, ?, ?, ?, false)")?
        .execute(params![now, run_id, rule, n as i64, epochs])?;
    Ok(())
}

/// Vault values that could not be decrypted and were deleted since `since` (purge log rule
/// `pii_unreadable`), for `dakiya audit`.
pub fn unreadable_since(conn: &Connection, since: DateTime<Utc>) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT COALESCE(sum(n_rows), 0)::BIGINT FROM purge_log WHERE rule = 'pii_unreadable' AND purged_at >= ?",
        params![since],
        |r| r.get(0),
    )?)
}
