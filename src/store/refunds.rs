//! Typed writes and reads of refund events (`refund_events`, schema v7): PII-free by
//! construction (ids, SKU, times, amounts), inserted once by their key.

use chrono::{DateTime, Utc};
use duckdb::Connection;

use super::StoreError;

/// The watermark: where the last fully read window of posting dates ended (the `refunds` stage
/// moves it; the GST export says when a period is not covered).
pub const WATERMARK: &str = "finances.posted_before";
use crate::spapi::model::finances::{OddRefund, RefundItem};

/// Store the items of refund events; an item already stored (same key) is left as it is.
/// Returns how many were new.
pub fn insert_items(conn: &Connection, items: &[RefundItem], now: DateTime<Utc>) -> Result<u64, StoreError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO refund_events (event_key, order_id, posted_at, order_item_id, adjustment_item_id, sku, quantity, value_paise, tax_paise,
                                    promotion_paise, other_paise, other_types, currency, problem, first_seen)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?) ON CONFLICT (event_key) DO NOTHING",
    )?;
    let mut new = 0;
    for i in items {
        new += stmt.execute(duckdb::params![
            i.event_key,
            i.order_id,
            i.posted_at,
            i.order_item_id,
            i.adjustment_item_id,
            i.sku,
            i.quantity,
            i.value,
            i.tax,
            i.promotion,
            i.other,
            i.other_types,
            i.currency,
            now
        ])? as u64;
    }
    Ok(new)
}

/// Keep an event that could not be read (with what is wrong), so the GST export lists it.
/// Returns whether it was new.
pub fn insert_odd(conn: &Connection, odd: &OddRefund, fallback_posted: DateTime<Utc>, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let n = conn
        .prepare_cached(
            "INSERT INTO refund_events (event_key, order_id, posted_at, problem, first_seen) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (event_key) DO NOTHING",
        )?
        .execute(duckdb::params![
            odd.event_key,
            odd.order_id.as_deref().unwrap_or("(no order id)"),
            odd.posted_at.unwrap_or(fallback_posted),
            odd.problem,
            now
        ])?;
    Ok(n > 0)
}

/// How many refund items are stored, and how many of them could not be read.
pub fn counts(conn: &Connection) -> Result<(i64, i64), StoreError> {
    Ok(conn
        .query_row("SELECT count(*), count(*) FILTER (WHERE problem IS NOT NULL) FROM refund_events", [], |r| Ok((r.get(0)?, r.get(1)?)))?)
}
