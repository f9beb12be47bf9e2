//! Stored labels and invoices (vault rows whose field starts with `doc:`): printed ones are
//! deleted right after printing (policy 8.1), one order's or, for a combined PDF kept under its
//! documents feed, once the PDF is printed for all the feed's orders.

use chrono::{DateTime, Utc};
use duckdb::{params, Connection};

use super::StoreError;

/// Mark one order's label printed and delete its stored documents; returns rows deleted.
pub fn printed(conn: &Connection, order_id: &str, now: DateTime<Utc>) -> Result<usize, StoreError> {
    conn.prepare_cached("UPDATE packages SET docs_state = 'printed', label_printed_at = ? WHERE order_id = ?")?
        .execute(params![now, order_id])?;
    Ok(conn.prepare_cached("DELETE FROM vault WHERE order_id = ? AND field LIKE 'doc:%'")?.execute([order_id])?)
}

/// A combined PDF of a documents feed was printed: every order of the feed whose label waited is
/// printed, and the PDF (stored under the feed's local id) is deleted; returns rows deleted.
pub fn feed_printed(conn: &Connection, feed_local_id: &str, now: DateTime<Utc>) -> Result<usize, StoreError> {
    conn.prepare_cached("UPDATE packages SET docs_state = 'printed', label_printed_at = ? WHERE feed_id = ? AND docs_state = 'stored'")?
        .execute(params![now, feed_local_id])?;
    conn.prepare_cached("DELETE FROM vault WHERE order_id IN (SELECT order_id FROM packages WHERE feed_id = ? AND docs_state = 'printed') AND field LIKE 'doc:%'")?
        .execute([feed_local_id])?;
    Ok(conn.prepare_cached("DELETE FROM vault WHERE order_id = ? AND field LIKE 'doc:%'")?.execute([feed_local_id])?)
}

/// An order whose label is gone before it was printed: its documents are requested again by the
/// next documents feed.
pub fn request_again(conn: &Connection, order_id: &str) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE packages SET docs_state = NULL, feed_id = NULL WHERE order_id = ? AND docs_state = 'stored'")?
        .execute([order_id])?;
    Ok(())
}

/// Delete every stored document of printed orders, and every combined PDF none of whose orders
/// still waits to be printed (`dakiya labels purge`); returns rows deleted.
pub fn purge_printed(conn: &Connection) -> Result<usize, StoreError> {
    let orders = conn.execute(
        "DELETE FROM vault WHERE field LIKE 'doc:%' AND order_id IN (SELECT order_id FROM packages WHERE docs_state IN ('printed', 'purged'))",
        [],
    )?;
    let combined = conn.execute(
        "DELETE FROM vault WHERE field LIKE 'doc:%' AND order_id IN (SELECT local_id FROM feeds)
           AND order_id NOT IN (SELECT feed_id FROM packages WHERE feed_id IS NOT NULL AND docs_state IN ('requested', 'stored'))",
        [],
    )?;
    Ok(orders + combined)
}

/// Labels stored and waiting to be printed: `(order id, feed local id)`.
pub fn waiting(conn: &Connection) -> Result<Vec<(String, Option<String>)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT order_id, feed_id FROM packages WHERE docs_state = 'stored'
           AND order_id NOT IN (SELECT order_id FROM orders WHERE cancel_requested OR order_status = 'CANCELLED') ORDER BY order_id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// How many labels wait to be printed.
pub fn waiting_count(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("SELECT count(*) FROM packages WHERE docs_state = 'stored'", [], |r| r.get(0))?)
}

/// One package with documents, for `dakiya labels list`.
#[derive(Debug, Clone)]
pub struct LabelRow {
    /// Order id.
    pub order_id: String,
    /// Documents state.
    pub docs_state: String,
    /// Pickup slot start.
    pub slot_start: Option<DateTime<Utc>>,
    /// When the label was printed.
    pub printed_at: Option<DateTime<Utc>>,
    /// Documents stored for the order itself (combined PDFs are stored under their feed).
    pub documents: i64,
}

/// Every package whose documents were asked for, by pickup time.
pub fn list(conn: &Connection) -> Result<Vec<LabelRow>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT p.order_id, p.docs_state, p.slot_start, p.label_printed_at, count(v.field) FROM packages p
         LEFT JOIN vault v ON v.order_id = p.order_id AND v.field LIKE 'doc:%'
         WHERE p.docs_state IS NOT NULL GROUP BY ALL ORDER BY p.slot_start, p.order_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(LabelRow { order_id: r.get(0)?, docs_state: r.get(1)?, slot_start: r.get(2)?, printed_at: r.get(3)?, documents: r.get(4)? })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Stored documents left (labels, invoices, combined PDFs), for `audit`.
pub fn count(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("SELECT count(*) FROM vault WHERE field LIKE 'doc:%'", [], |r| r.get(0))?)
}
