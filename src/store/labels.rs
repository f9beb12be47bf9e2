//! Stored labels and invoices (vault rows whose field starts with `doc:`): printed ones are
//! deleted right after printing (policy 8.1), one order's or, for a combined PDF kept under its
//! documents feed, once the PDF is printed for all the feed's orders.

use chrono::{DateTime, Utc};
use duckdb::{params, Connection};

use super::StoreError;

/// Mark one order's label printed and delete its stored documents; returns rows deleted.
pub fn printed(conn: &Connection, order_id: &str, now: DateTime<Utc>) -> Result<usize, StoreError> {
    conn.prepare_cached("UPDATE packages SET docs_state = 'printed', label_printed_at = ? WHERE order_id = ?")?.execute(params![now, order_id])?;
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
    conn.prepare_cached("UPDATE packages SET docs_state = NULL, feed_id = NULL WHERE order_id = ? AND docs_state = 'stored'")?.execute([order_id])?;
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

/// Stored documents left (labels, invoices, combined PDFs), for `audit`.
pub fn count(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("SELECT count(*) FROM vault WHERE field LIKE 'doc:%'", [], |r| r.get(0))?)
}
