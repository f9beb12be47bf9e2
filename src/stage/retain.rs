//! `retain`: enforces every retention rule (spec section 5) on every run; cheap when nothing is
//! due. The periods themselves live in the app config (`[retention]`).

use serde::{Deserialize, Serialize};

use super::{CheckCx, RunCtx, StageReport};
use crate::retention;

/// `[retain]` options.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetainConfig {
    /// Checkpoint the database after a purge so deleted rows leave the WAL.
    pub checkpoint: bool,
}

impl Default for RetainConfig {
    fn default() -> Self {
        Self { checkpoint: true }
    }
}

impl RetainConfig {
    /// Static checks.
    pub fn check(&self, _cx: &mut CheckCx<'_, '_>) {}
}

/// Run the stage.
pub async fn run(config: &RetainConfig, ctx: &mut RunCtx<'_>) -> anyhow::Result<StageReport> {
    let now = ctx.clock.now();
    let out = retention::enforce(ctx.store, ctx.vault, ctx.home, &ctx.config.retention, now, Some(ctx.run_id), false)?;
    let mut report = StageReport::default();
    report.add("pii_rows_purged", out.pii_rows);
    report.add("pii_orders_purged", out.pii_orders);
    report.add("pii_unreadable_deleted", out.unreadable);
    report.add("pii_resealed", out.resealed);
    report.add("epochs_shredded", out.epochs_destroyed.len() as u64);
    report.add("stale_key_files_deleted", out.stale_secret_files);
    report.add("pii_kept_in_transit", out.extended_in_transit);
    report.add("log_files_deleted", out.log_files);
    report.add("runs_deleted", out.runs + out.api_calls);
    report.add("orders_past_gst_retention", out.orders);
    if out.any() && config.checkpoint {
        ctx.store.checkpoint()?;
    }
    Ok(report)
}
