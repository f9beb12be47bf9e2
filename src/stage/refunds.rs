//! `refunds`: refunds and other post-sale adjustments from Finances v0 `listFinancialEvents`, for
//! the GST export's credit notes (docs/gst-rules.md "Credit notes").
//!
//! One window of posting dates per day at most, not one call per order: the window starts an
//! overlap before where the last one ended (Amazon: "orders from the last 48 hours might not be
//! included in financial events"), once a week `settle` (30 days) before it (events are completed
//! for weeks, amzn/selling-partner-api-docs#3601), ends two minutes before now (the model's
//! limit) and is split in 180-day pieces (a longer one answers empty), halved while Amazon
//! refuses it as `InvalidInput` (India accounts, amzn/selling-partner-api-models#2981). All pages are read with the same dates; each
//! is committed on its own (events are inserted once by their key); a read cut short by
//! `max_pages` resumes where it stopped (the cursor) in the next run, and the daily clock starts
//! only when the whole window was read. An event that cannot be read is kept with what is wrong and
//! listed by the export, never dropped. No customer data is in these events.

use std::time::Duration;

use anyhow::Context as _;
use chrono::Duration as ChronoDuration;
use serde::{Deserialize, Serialize};

use super::fetch::delta;
use super::{BuildCx, Held, RunCtx, StageReport};
use crate::spapi::model::finances::parse_refund;
use crate::store::orders as store_orders;
use crate::store::refunds as store_refunds;

pub use crate::store::refunds::WATERMARK;
/// When the window was last read (for `every`).
pub const READ_AT: &str = "finances.read_at";
/// When the window last reached `settle` back.
pub const SETTLED_AT: &str = "finances.settled_at";
/// Where a read cut short by `max_pages` has got to: the next run resumes there.
pub const CURSOR: &str = "finances.cursor";

/// Amazon answers an empty page for a window longer than this (financesV0.json, `PostedBefore`).
const MAX_WINDOW_DAYS: i64 = 180;

/// `[refunds]` options.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RefundsConfig {
    /// Read Amazon's financial events at most this often (refunds matter for the month's
    /// return, not within the hour).
    #[serde(with = "humantime_serde")]
    pub every: Duration,
    /// Re-read this far behind the last window's end (Amazon may post events up to 48 hours late).
    #[serde(with = "humantime_serde")]
    pub overlap: Duration,
    /// On the very first read, this far back.
    #[serde(with = "humantime_serde")]
    pub first_run_lookback: Duration,
    /// Once a week the window reaches this far back instead: Amazon completes events for weeks
    /// (a settlement closes after 14 days; "after 30 days to be fully accurate").
    #[serde(with = "humantime_serde")]
    pub settle: Duration,
    /// Safety stop: at most this many pages per run; the rest follows next run.
    pub max_pages: u32,
}

impl Default for RefundsConfig {
    fn default() -> Self {
        Self {
            every: Duration::from_secs(24 * 60 * 60),
            overlap: Duration::from_secs(48 * 60 * 60),
            first_run_lookback: Duration::from_secs(90 * 24 * 60 * 60),
            settle: Duration::from_secs(30 * 24 * 60 * 60),
            max_pages: 50,
        }
    }
}

/// The checked `[refunds]` plan.
#[derive(Debug, Clone)]
pub struct RefundsPlan {
    /// Read at most this often.
    pub every: ChronoDuration,
    /// Re-read this far behind the watermark.
    pub overlap: ChronoDuration,
    /// How far back the first read goes.
    pub first_run_lookback: ChronoDuration,
    /// How far back the weekly read goes.
    pub settle: ChronoDuration,
    /// At most this many pages per run (at least 1).
    pub max_pages: u32,
}

impl RefundsConfig {
    /// Check the options and build the plan.
    pub fn build(&self, cx: &mut BuildCx<'_>) -> RefundsPlan {
        if self.max_pages == 0 {
            cx.error("max_pages", "must be at least 1", None);
        }
        if self.overlap < Duration::from_secs(48 * 60 * 60) {
            cx.error(
                "overlap",
                "is shorter than 48 hours",
                Some("Amazon may post financial events up to 48 hours late (financesV0.json); a shorter overlap can miss refunds".into()),
            );
        }
        if self.overlap > Duration::from_secs(30 * 24 * 60 * 60) {
            cx.error("overlap", "is longer than 30 days", Some("48 hours is what Amazon's delay needs; longer only costs calls".into()));
        }
        if self.settle > Duration::from_secs(179 * 24 * 60 * 60) {
            cx.error("settle", "is longer than 179 days", Some("30 days covers Amazon's late completions".into()));
        }
        if self.first_run_lookback > Duration::from_secs(2 * 365 * 24 * 60 * 60) {
            cx.error("first_run_lookback", "is longer than two years", Some("Amazon keeps financial events for two years".into()));
        }
        RefundsPlan {
            every: delta(cx, "every", self.every),
            overlap: delta(cx, "overlap", self.overlap),
            first_run_lookback: delta(cx, "first_run_lookback", self.first_run_lookback),
            settle: delta(cx, "settle", self.settle),
            max_pages: self.max_pages,
        }
    }
}

/// Whether Amazon refused the dates themselves (`InvalidInput`): India accounts have been
/// answered so for windows longer than a day (amzn/selling-partner-api-models#2981).
fn refused_window(err: &crate::spapi::Error) -> bool {
    matches!(err, crate::spapi::Error::Api { status: 400, errors, .. } if errors.iter().any(|e| e.code.eq_ignore_ascii_case("InvalidInput") || e.code.eq_ignore_ascii_case("Invalid Input")))
}

/// Run the stage: when due, every page of every piece of the window. A piece Amazon refuses as
/// `InvalidInput` is read again in halves, down to one day.
pub async fn run(config: &RefundsPlan, ctx: &mut RunCtx<'_>) -> anyhow::Result<StageReport> {
    let now = ctx.clock.now();
    let mut report = StageReport::default();
    let conn = ctx.store.conn();
    let read_at = store_orders::watermark(conn, READ_AT)?;
    let cursor = store_orders::watermark(conn, CURSOR)?;
    if cursor.is_none() && read_at.is_some_and(|t| t <= now && now - t < config.every) {
        report.add("not_due", 1);
        return Ok(report);
    }
    let api = ctx.api()?;
    let end = now - ChronoDuration::minutes(2);
    let mark = store_orders::watermark(conn, WATERMARK)?;
    // Amazon completes events for up to 30 days (amzn/selling-partner-api-docs#3601): once a
    // week the window reaches `settle` back instead of the overlap.
    let settled = store_orders::watermark(conn, SETTLED_AT)?;
    let settle_due = mark.is_some() && settled.is_some_and(|t| t > now || now - t >= ChronoDuration::days(7));
    let mut after = match (cursor, mark) {
        (Some(cursor), _) => cursor,
        (None, Some(mark)) if settle_due => mark - config.overlap.max(config.settle),
        (None, Some(mark)) => mark - config.overlap,
        (None, None) => now - config.first_run_lookback,
    };
    report.add("window_days", (end - after).num_days().max(0) as u64);
    let mut piece = ChronoDuration::days(MAX_WINDOW_DAYS) - ChronoDuration::minutes(1);
    let mut pages = 0;
    // A sliver of a window is left to the next read's overlap: a start within minutes of now is
    // what a clock ahead of Amazon's would send too early (Amazon refuses `PostedAfter` less
    // than two minutes before the request).
    'pieces: while end - after > ChronoDuration::minutes(10) {
        let before = end.min(after + piece);
        let mut token: Option<String> = None;
        loop {
            if pages == config.max_pages {
                tracing::warn!(max_pages = config.max_pages, "More financial event pages than max_pages; the rest follows next run.");
                report.add("pages_left_for_next_run", 1);
                return Ok(report);
            }
            pages += 1;
            // The last piece leaves `PostedBefore` to Amazon ("two minutes before the time of the
            // request"), so a clock ahead of Amazon's is never refused.
            let until = (before < end).then_some(before);
            let page = match api.list_financial_events(after, until, token.as_deref()).await {
                Ok(page) => page,
                Err(err) if refused_window(&err) && before - after > ChronoDuration::days(1) => {
                    piece = ((before - after) / 2).max(ChronoDuration::days(1));
                    tracing::info!(hours = piece.num_hours(), "Amazon refused the window of posting dates; reading it in smaller pieces.");
                    report.add("windows_halved", 1);
                    continue 'pieces;
                }
                Err(err) => return Err(err).context("listFinancialEvents failed"),
            };
            report.add("pages", 1);
            let payload = page.payload.unwrap_or_default();
            let events = payload.financial_events.unwrap_or_default().refund_event_list;
            let (held, new, seen) = ctx.store.tx(|conn| {
                let mut held = Vec::new();
                let (mut new, mut seen) = (0, 0);
                for raw in events {
                    match parse_refund(raw) {
                        Ok(items) => {
                            seen += items.len() as u64;
                            new += store_refunds::insert_items(conn, &items, now)?;
                        }
                        Err(odd) => {
                            if !store_refunds::insert_odd(conn, &odd, before, now)? {
                                continue;
                            }
                            held.push(Held {
                                order_id: odd.order_id.clone().unwrap_or_else(|| "(no order id)".into()),
                                reason: format!("refund event kept aside: {}", odd.problem),
                            });
                        }
                    }
                }
                Ok((held, new, seen))
            })?;
            report.add("refund_items_new", new);
            report.add("refund_items_seen", seen);
            report.held.extend(held);
            token = payload.next_token.filter(|t| !t.is_empty());
            if token.is_none() {
                break;
            }
        }
        // The cursor resumes a read cut short; the mark never goes back (the overlap re-reads
        // behind it, only what lies past it moves it).
        ctx.store.tx(|conn| {
            store_orders::set_watermark(conn, CURSOR, before)?;
            if mark.is_none_or(|m| before > m) {
                store_orders::set_watermark(conn, WATERMARK, before)?;
            }
            Ok(())
        })?;
        after = before;
    }
    ctx.store.tx(|conn| {
        store_orders::clear_watermark(conn, CURSOR)?;
        store_orders::set_watermark(conn, READ_AT, now)?;
        if settle_due || settled.is_none() {
            store_orders::set_watermark(conn, SETTLED_AT, now)?;
        }
        Ok(())
    })?;
    Ok(report)
}
