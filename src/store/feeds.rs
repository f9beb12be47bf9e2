//! Documents feeds (`POST_EASYSHIP_DOCUMENTS`) and the packages they ask documents for: the
//! intent recorded before `createFeed`, Amazon's feed id after, and the outcome.

use chrono::{DateTime, Utc};
use duckdb::{params, Connection};

use super::states::{DocsState, FeedState, PackageState};
use super::StoreError;

fn strings(conn: &Connection, sql: &str, args: &[&dyn duckdb::ToSql]) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(args, |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Feeds Amazon has and whose documents are not fetched yet: `(local id, Amazon's feed id)`.
pub fn submitted(conn: &Connection) -> Result<Vec<(String, String)>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT local_id, feed_id FROM feeds WHERE state = ? ORDER BY created_at")?;
    let rows = stmt.query_map([FeedState::Submitted], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Feed intents whose `createFeed` outcome was never recorded: `(local id, created)`.
pub fn intents(conn: &Connection) -> Result<Vec<(String, DateTime<Utc>)>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT local_id, created_at FROM feeds WHERE state = ? ORDER BY created_at")?;
    let rows = stmt.query_map([FeedState::Intent], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Every Amazon feed id dakiya knows.
pub fn known_ids(conn: &Connection) -> Result<std::collections::HashSet<String>, StoreError> {
    Ok(strings(conn, "SELECT feed_id FROM feeds WHERE feed_id IS NOT NULL", &[])?.into_iter().collect())
}

/// Orders of a feed still waiting for their documents.
pub fn requested_orders(conn: &Connection, local_id: &str) -> Result<Vec<String>, StoreError> {
    strings(
        conn,
        "SELECT order_id FROM packages WHERE feed_id = ? AND docs_state = ? ORDER BY order_id",
        &[&local_id, &DocsState::Requested],
    )
}

/// Booked packages whose documents are to be asked for now (never asked, or due again after a
/// failed attempt), oldest booking first.
pub fn orders_without_documents(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
    strings(
        conn,
        "SELECT order_id FROM packages WHERE state = ? AND docs_state IS NULL AND (docs_retry_at IS NULL OR docs_retry_at <= ?)
           AND order_id NOT IN (SELECT order_id FROM orders WHERE cancel_requested OR order_status = 'CANCELLED')
         ORDER BY scheduled_at, order_id",
        &[&PackageState::Scheduled, &now],
    )
}

/// When the newest feed that did not fail was made.
pub fn last_created(conn: &Connection) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(conn.query_row("SELECT max(created_at) FROM feeds WHERE state <> ?", [FeedState::Failed], |r| r.get(0))?)
}

/// Booked packages without documents whose handover starts before `before` (or is unknown).
pub fn urgent_without_documents(conn: &Connection, before: DateTime<Utc>, now: DateTime<Utc>) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT count(*) FROM packages WHERE state = ? AND docs_state IS NULL AND (slot_start IS NULL OR slot_start < ?) AND (docs_retry_at IS NULL OR docs_retry_at <= ?)",
        params![PackageState::Scheduled, before, now],
        |r| r.get(0),
    )?)
}

/// The intent of a new feed for `orders`, recorded before `createFeed` is called.
pub fn record_intent(
    conn: &Connection,
    local_id: &str,
    document_id: &str,
    orders: &[String],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO feeds (local_id, state, document_id, n_orders, created_at) VALUES (?, ?, ?, ?, ?)",
        params![local_id, FeedState::Intent, document_id, orders.len() as i64, now],
    )?;
    let mut stmt = conn.prepare_cached("UPDATE packages SET docs_state = ?, feed_id = ? WHERE order_id = ?")?;
    for order_id in orders {
        stmt.execute(params![DocsState::Requested, local_id, order_id])?;
    }
    Ok(())
}

/// Amazon has the feed (answered `createFeed`, or found by `getFeeds`).
pub fn set_submitted(conn: &Connection, local_id: &str, feed_id: &str) -> Result<(), StoreError> {
    conn.execute("UPDATE feeds SET state = ?, feed_id = ? WHERE local_id = ?", params![FeedState::Submitted, feed_id, local_id])?;
    Ok(())
}

/// The feed failed (cancelled, fatal, never created): its packages are asked for again.
pub fn fail(conn: &Connection, local_id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    conn.execute("UPDATE packages SET docs_state = NULL, feed_id = NULL WHERE feed_id = ?", [local_id])?;
    conn.execute("UPDATE feeds SET state = ?, finished_at = ? WHERE local_id = ?", params![FeedState::Failed, now, local_id])?;
    Ok(())
}

/// What a feed produced for its orders.
#[derive(Debug)]
pub struct DocumentsOutcome<'a> {
    /// Orders whose documents came back (stored, per order or in the feed's shared files).
    pub done: &'a [String],
    /// Orders to ask for again: `(order, error code, not before)`.
    pub retry: &'a [(String, String, DateTime<Utc>)],
    /// Orders given up on: `(order, error code)` (held by the caller).
    pub failed: &'a [(String, String)],
}

/// The ids by which a bundle may name an order's folder.
pub fn owners(conn: &Connection, orders: &[String]) -> Result<Vec<crate::docs::Owner>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT package_id FROM packages WHERE order_id = ?")?;
    let mut out = Vec::with_capacity(orders.len());
    for order_id in orders {
        let package_id: Option<String> = stmt.query_row([order_id], |r| r.get(0)).unwrap_or(None);
        out.push(crate::docs::Owner { order_id: order_id.clone(), package_id });
    }
    Ok(out)
}

/// How often each order's documents were asked for without success.
pub fn document_attempts(conn: &Connection, orders: &[String]) -> Result<std::collections::HashMap<String, u32>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT coalesce(docs_attempts, 0) FROM packages WHERE order_id = ?")?;
    let mut out = std::collections::HashMap::new();
    for order_id in orders {
        let n: i32 = stmt.query_row([order_id], |r| r.get(0)).unwrap_or(0);
        out.insert(order_id.clone(), n.max(0) as u32);
    }
    Ok(out)
}

/// Record what a feed produced, and the feed done.
pub fn documents_outcome(
    conn: &Connection,
    local_id: &str,
    outcome: &DocumentsOutcome<'_>,
    result_document_id: &str,
    report_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    // The common case (documents stored) in a few statements, not one per order.
    for chunk in outcome.done.chunks(256) {
        let placeholders = vec!["?"; chunk.len()].join(", ");
        let mut args: Vec<&dyn duckdb::ToSql> = vec![&DocsState::Stored, &local_id];
        args.extend(chunk.iter().map(|id| id as &dyn duckdb::ToSql));
        conn.prepare_cached(&format!(
            "UPDATE packages SET docs_state = ?, docs_error = NULL, docs_retry_at = NULL WHERE feed_id = ? AND order_id IN ({placeholders})"
        ))?
        .execute(args.as_slice())?;
    }
    let mut retry = conn.prepare_cached(
        "UPDATE packages SET docs_state = NULL, feed_id = NULL, docs_attempts = coalesce(docs_attempts, 0) + 1, docs_error = ?, docs_retry_at = ? WHERE order_id = ?",
    )?;
    for (order_id, code, at) in outcome.retry {
        retry.execute(params![code, at, order_id])?;
    }
    let mut fail = conn.prepare_cached(
        "UPDATE packages SET docs_state = ?, docs_attempts = coalesce(docs_attempts, 0) + 1, docs_error = ? WHERE order_id = ?",
    )?;
    for (order_id, code) in outcome.failed {
        fail.execute(params![DocsState::Failed, code, order_id])?;
    }
    // Anything of this feed still `requested` was not in the report at all: ask again at once.
    conn.execute(
        "UPDATE packages SET docs_state = NULL, feed_id = NULL WHERE feed_id = ? AND docs_state = ?",
        params![local_id, DocsState::Requested],
    )?;
    conn.execute(
        "UPDATE feeds SET state = ?, result_document_id = ?, report_id = ?, finished_at = ? WHERE local_id = ?",
        params![FeedState::Done, result_document_id, report_id, now, local_id],
    )?;
    Ok(())
}

/// `dakiya labels request`: ask for an order's documents again in the next feed (its attempts
/// start over). Returns whether the order has a booked package.
pub fn request_again(conn: &Connection, order_id: &str) -> Result<bool, StoreError> {
    let n = conn.execute(
        "UPDATE packages SET docs_state = NULL, feed_id = NULL, docs_attempts = 0, docs_error = NULL, docs_retry_at = NULL
         WHERE order_id = ? AND state = 'scheduled' AND (docs_state IS NULL OR docs_state IN ('failed', 'stored', 'printed', 'requested'))",
        [order_id],
    )?;
    Ok(n > 0)
}
