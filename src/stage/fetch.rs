//! `fetch`: new and changed merchant-fulfilled orders from Orders API 2026-01-01 `searchOrders`.
//!
//! Reads since the stored watermark minus an overlap, all pages with the same parameters,
//! deduplicated by order id; upserts orders, items, amounts, tax and package status; moves the
//! watermark only after the page data is committed. Also notices handover, delivery (which starts
//! the PII clock), cancellation and return.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{CheckCx, NotImplemented, RunCtx, StageKind, StageReport};

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

impl FetchConfig {
    /// Static checks (no I/O beyond the file system).
    pub fn check(&self, cx: &mut CheckCx<'_, '_>) {
        if !(1..=100).contains(&self.page_size) {
            cx.error("page_size", format!("{} is out of range", self.page_size), Some("Amazon allows 1 to 100 orders per page".into()));
        }
        if self.max_pages == 0 {
            cx.error("max_pages", "must be at least 1", None);
        }
        if self.overlap > Duration::from_secs(7 * 24 * 60 * 60) {
            cx.error("overlap", "is longer than 7 days", Some("an overlap of an hour or two is enough; longer only costs API calls".into()));
        }
    }
}

/// Run the stage.
pub async fn run(_config: &FetchConfig, _ctx: &mut RunCtx<'_>) -> anyhow::Result<StageReport> {
    Err(anyhow::Error::new(NotImplemented(StageKind::Fetch)))
}
