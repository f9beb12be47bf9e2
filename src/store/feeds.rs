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

/// Booked packages whose documents were never asked for, oldest booking first.
pub fn orders_without_documents(conn: &Connection) -> Result<Vec<String>, StoreError> {
    strings(
        conn,
        "SELECT order_id FROM packages WHERE state = ? AND docs_state IS NULL ORDER BY scheduled_at, order_id",
        &[&PackageState::Scheduled],
    )
}

/// When the newest feed that did not fail was made.
pub fn last_created(conn: &Connection) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(conn.query_row("SELECT max(created_at) FROM feeds WHERE state <> ?", [FeedState::Failed], |r| r.get(0))?)
}

/// Booked packages without documents whose handover starts before `before` (or is unknown).
pub fn urgent_without_documents(conn: &Connection, before: DateTime<Utc>) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT count(*) FROM packages WHERE state = ? AND docs_state IS NULL AND (slot_start IS NULL OR slot_start < ?)",
        params![PackageState::Scheduled, before],
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

/// The feed's documents are stored: the orders it failed for are marked (and held by the
/// caller), the rest stored, the feed done.
pub fn documents_stored(
    conn: &Connection,
    local_id: &str,
    failed_orders: &[String],
    result_document_id: &str,
    report_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut fail = conn.prepare_cached("UPDATE packages SET docs_state = ? WHERE order_id = ?")?;
    for order_id in failed_orders {
        fail.execute(params![DocsState::Failed, order_id])?;
    }
    conn.execute(
        "UPDATE packages SET docs_state = ? WHERE feed_id = ? AND docs_state = ?",
        params![DocsState::Stored, local_id, DocsState::Requested],
    )?;
    conn.execute(
        "UPDATE feeds SET state = ?, result_document_id = ?, report_id = ?, finished_at = ? WHERE local_id = ?",
        params![FeedState::Done, result_document_id, report_id, now, local_id],
    )?;
    Ok(())
}
