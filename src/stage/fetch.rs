//! `fetch`: new and changed merchant-fulfilled orders from Orders API 2026-01-01 `searchOrders`.
//!
//! Reads since the stored watermark minus an overlap, all pages with the same parameters,
//! deduplicated by order id; upserts orders, items, amounts, tax and package status; moves the
//! watermark only after the page data is committed. Also notices handover, delivery (which starts
//! the PII clock), cancellation and return.

use std::time::Duration;

use anyhow::Context as _;
use chrono::Duration as ChronoDuration;
use serde::{Deserialize, Serialize};

use super::{BuildCx, Held, RunCtx, StageReport};
use crate::ingest::{ingest_page, IngestCtx, Ingested};
use crate::spapi::model::orders::parse_order;
use crate::spapi::SearchOrdersQuery;
use crate::store::orders as store_orders;

/// Name of the fetch watermark (Amazon's `lastUpdatedTime` of the newest order seen).
pub const WATERMARK: &str = "orders.last_updated";

/// `[fetch]` options.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FetchConfig {
    /// Re-read this far behind the stored watermark, so late updates are never missed.
    #[serde(with = "humantime_serde")]
    pub overlap: Duration,
    /// On the very first run (no watermark yet), read orders updated this far back.
    #[serde(with = "humantime_serde")]
    pub first_run_lookback: Duration,
    /// Orders per page, 1 to 100.
    pub page_size: u32,
    /// Safety stop: at most this many pages per run; the rest follows next run.
    pub max_pages: u32,
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            overlap: Duration::from_secs(2 * 60 * 60),
            first_run_lookback: Duration::from_secs(7 * 24 * 60 * 60),
            page_size: 100,
            max_pages: 50,
        }
    }
}

/// The checked `[fetch]` plan.
#[derive(Debug, Clone)]
pub struct FetchPlan {
    /// Re-read this far behind the watermark.
    pub overlap: ChronoDuration,
    /// How far back the first run reads.
    pub first_run_lookback: ChronoDuration,
    /// Orders per page (1 to 100).
    pub page_size: u32,
    /// At most this many pages per run (at least 1).
    pub max_pages: u32,
}

/// A checked duration: std → chrono (a value chrono cannot hold is reported).
pub(crate) fn delta(cx: &mut BuildCx<'_>, key: &str, d: Duration) -> ChronoDuration {
    ChronoDuration::from_std(d).unwrap_or_else(|_| {
        cx.error(key, "is too long", None);
        ChronoDuration::zero()
    })
}

impl FetchConfig {
    /// Check the options and build the plan.
    pub fn build(&self, cx: &mut BuildCx<'_>) -> FetchPlan {
        self.check(cx);
        FetchPlan {
            overlap: delta(cx, "overlap", self.overlap),
            first_run_lookback: delta(cx, "first_run_lookback", self.first_run_lookback),
            page_size: self.page_size,
            max_pages: self.max_pages,
        }
    }

    fn check(&self, cx: &mut BuildCx<'_>) {
        if !(1..=100).contains(&self.page_size) {
            cx.error("page_size", format!("{} is out of range", self.page_size), Some("Amazon allows 1 to 100 orders per page".into()));
        }
        if self.max_pages == 0 {
            cx.error("max_pages", "must be at least 1", None);
        }
        if self.overlap > Duration::from_secs(7 * 24 * 60 * 60) {
            cx.error(
                "overlap",
                "is longer than 7 days",
                Some("an overlap of an hour or two is enough; longer only costs API calls".into()),
            );
        }
    }
}

/// Run the stage: every page since the watermark minus the overlap, each committed on its own;
/// the watermark moves only after the last page is committed.
pub async fn run(config: &FetchPlan, ctx: &mut RunCtx<'_>) -> anyhow::Result<StageReport> {
    let api = ctx.api()?;
    let now = ctx.clock.now();
    let mut report = StageReport::default();
    let watermark = store_orders::watermark(ctx.store.conn(), WATERMARK)?;
    let (overlap, lookback) = (config.overlap, config.first_run_lookback);
    let after = match watermark {
        Some(w) => w - overlap,
        None => now - lookback,
    };
    let query =
        SearchOrdersQuery { last_updated_after: after, fulfilled_by: vec!["MERCHANT".into()], max_results_per_page: config.page_size };
    let mut token: Option<String> = None;
    let mut newest = watermark;
    // Where the searched window ends: Amazon's `lastUpdatedBefore`, else two minutes ago.
    let mut window_end = now - ChronoDuration::minutes(2);
    let mut complete = false;
    let mut seen = std::collections::HashSet::new();
    // A first run may read many pages (the look-back): a counter of the orders read, on a
    // terminal only (never under Task Scheduler).
    let progress = crate::progress::counter("orders fetched", watermark.is_none());
    for _ in 0..config.max_pages {
        let page = api.search_orders(&query, token.as_deref()).await.context("searchOrders failed")?;
        if token.is_none() {
            if let Some(end) = page.last_updated_before {
                window_end = end;
            }
        }
        report.add("pages", 1);
        let collect_pii = ctx.collect_pii;
        let retention = &ctx.config.retention;
        let vault = &mut *ctx.vault;
        let outcome = ctx.store.tx(|conn| {
            let mut icx = IngestCtx { vault, retention, collect_pii, now };
            let mut out = Vec::new();
            let mut parsed = Vec::new();
            for raw in page.orders {
                match parse_order(raw) {
                    Ok(order) => {
                        if seen.insert(order.order_id.clone()) {
                            parsed.push(order);
                        }
                    }
                    Err(odd) => {
                        let reason = format!("quarantined: {}", odd.problem);
                        if let Some(id) = &odd.order_id {
                            store_orders::quarantine(conn, id, &reason, now)?;
                        }
                        out.push((odd.order_id.unwrap_or_else(|| "(no order id)".into()), None, Ingested::Quarantined(reason)));
                    }
                }
            }
            let results = ingest_page(conn, &mut icx, &parsed)?;
            out.extend(parsed.into_iter().zip(results).map(|(order, result)| (order.order_id, Some(order.last_updated_time), result)));
            Ok(out)
        })?;
        progress.inc(outcome.len() as u64);
        for (order_id, last, result) in outcome {
            if let Some(last) = last {
                newest = Some(newest.map_or(last, |n| n.max(last)));
            }
            match result {
                Ingested::Stored { new, pii_fields, delivered } => {
                    report.add(if new { "new_orders" } else { "updated_orders" }, 1);
                    report.add("pii_fields_sealed", pii_fields as u64);
                    if delivered {
                        report.add("delivered", 1);
                    }
                }
                Ingested::Unchanged => report.add("unchanged", 1),
                Ingested::Quarantined(reason) => {
                    tracing::warn!(order_id = %order_id, "Order quarantined: its data does not match Amazon's model.");
                    report.held.push(Held { order_id, reason });
                }
            }
        }
        token = page.pagination.and_then(|p| p.next_token);
        if token.is_none() {
            complete = true;
            break;
        }
    }
    progress.finish_and_clear();
    if complete {
        // The whole window was read: the watermark moves to its end even when nothing came (so
        // the searched window never grows run after run); the next search starts an overlap before.
        let mark = newest.unwrap_or(after).max(after).max(window_end);
        ctx.store.tx(|conn| Ok(store_orders::set_watermark(conn, WATERMARK, mark)?))?;
    } else {
        tracing::warn!(max_pages = config.max_pages, "More pages than max_pages; the rest follows next run (watermark unchanged).");
        report.add("pages_left_for_next_run", 1);
    }
    Ok(report)
}
