//! The SQL behind `dakiya report`: operations (orders, pickups on time, holds, lead times),
//! Amazon calls per run, the purge compliance picture and the filed GST periods. PII-free by
//! construction: counts, ids of runs, dakiya's own reasons, periods. Sales and tax come from the
//! GST lines (`store::gst::Scratch`), so the report and the export agree to the paisa.

use chrono::{DateTime, NaiveDate, Utc};
use duckdb::{params, Connection};
use serde::Serialize;

use super::StoreError;

/// Orders and pickups in a range.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Operations {
    /// Orders placed in the range.
    pub orders: i64,
    /// Of them cancelled.
    pub cancelled: i64,
    /// Of them delivered.
    pub delivered: i64,
    /// Pickups booked in the range (by slot start).
    pub pickups: i64,
    /// Of them after the ship-by time.
    pub late_pickups: i64,
    /// Mean hours from order to label printed (`None`: no label printed).
    pub hours_to_label: Option<f64>,
    /// Mean hours from order to pickup slot start.
    pub hours_to_pickup: Option<f64>,
}

/// Orders, pickups and lead times of the orders placed in `[from, to)`.
pub fn operations(conn: &Connection, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Operations, StoreError> {
    Ok(conn.query_row(
        "SELECT count(*), count(*) FILTER (WHERE o.order_status = 'CANCELLED'), count(*) FILTER (WHERE o.delivered_at IS NOT NULL),
                count(p.slot_start), count(*) FILTER (WHERE p.late),
                avg(date_diff('second', o.purchase_date, p.label_printed_at)) / 3600.0,
                avg(date_diff('second', o.purchase_date, p.slot_start)) / 3600.0
         FROM orders o LEFT JOIN packages p ON p.order_id = o.order_id AND p.state = 'scheduled'
         WHERE o.purchase_date >= ? AND o.purchase_date < ?",
        params![from, to],
        |r| {
            Ok(Operations {
                orders: r.get(0)?,
                cancelled: r.get(1)?,
                delivered: r.get(2)?,
                pickups: r.get(3)?,
                late_pickups: r.get(4)?,
                hours_to_label: r.get(5)?,
                hours_to_pickup: r.get(6)?,
            })
        },
    )?)
}

/// Orders held now, by the first words of the reason (before a colon): `(reason, orders)`.
pub fn holds_by_reason(conn: &Connection) -> Result<Vec<(String, i64)>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT split_part(hold_reason, ':', 1) AS why, count(*) FROM orders WHERE hold_reason IS NOT NULL GROUP BY why ORDER BY 2 DESC, 1",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Amazon calls of one run.
#[derive(Debug, Clone, Serialize)]
pub struct RunCalls {
    /// Run id.
    pub run_id: String,
    /// Started.
    pub started_at: DateTime<Utc>,
    /// SP-API calls (every attempt).
    pub calls: i64,
    /// Attempts after the first.
    pub retries: i64,
    /// Answers 429.
    pub throttled: i64,
}

/// Calls, retries and 429s per run started in `[from, to)`, oldest first (at most `limit`, the newest).
pub fn calls_per_run(conn: &Connection, from: DateTime<Utc>, to: DateTime<Utc>, limit: usize) -> Result<Vec<RunCalls>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT * FROM (
           SELECT r.run_id, r.started_at, count(c.run_id), count(*) FILTER (WHERE c.attempt > 1), count(*) FILTER (WHERE c.http_status = 429)
           FROM runs r LEFT JOIN api_calls c ON c.run_id = r.run_id AND c.operation NOT IN ('lwaToken', 'uploadFeedDocument', 'downloadDocument')
           WHERE r.started_at >= ? AND r.started_at < ? GROUP BY r.run_id, r.started_at ORDER BY r.started_at DESC LIMIT ?
         ) ORDER BY started_at",
    )?;
    let rows = stmt.query_map(params![from, to, limit as i64], |r| {
        Ok(RunCalls { run_id: r.get(0)?, started_at: r.get(1)?, calls: r.get(2)?, retries: r.get(3)?, throttled: r.get(4)? })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Customer data against its deadlines.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Purges {
    /// Orders purged by their deadline.
    pub on_time: i64,
    /// Purged after it.
    pub late: i64,
    /// Not purged, deadline ahead.
    pub pending: i64,
    /// Not purged, deadline passed.
    pub overdue: i64,
}

/// Every order with a purge deadline, at `now`.
pub fn purges(conn: &Connection, now: DateTime<Utc>) -> Result<Purges, StoreError> {
    Ok(conn.query_row(
        "SELECT count(*) FILTER (WHERE pii_purged_at IS NOT NULL AND pii_purged_at <= pii_deadline),
                count(*) FILTER (WHERE pii_purged_at IS NOT NULL AND pii_purged_at > pii_deadline),
                count(*) FILTER (WHERE pii_purged_at IS NULL AND pii_deadline >= ?),
                count(*) FILTER (WHERE pii_purged_at IS NULL AND pii_deadline < ?)
         FROM orders WHERE pii_deadline IS NOT NULL",
        params![now, now],
        |r| Ok(Purges { on_time: r.get(0)?, late: r.get(1)?, pending: r.get(2)?, overdue: r.get(3)? }),
    )?)
}

/// Filed GST periods: `(period, from, to, locked at)`.
pub fn filed(conn: &Connection) -> Result<Vec<(String, NaiveDate, NaiveDate, DateTime<Utc>)>, StoreError> {
    let mut stmt = conn.prepare("SELECT period, from_day, to_day, locked_at FROM gst_filed ORDER BY from_day")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}
