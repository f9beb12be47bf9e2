//! `retain`: enforces every retention rule (spec section 5) on every run; cheap when nothing is
//! due. The periods themselves live in the app config (`[retention]`).

use serde::{Deserialize, Serialize};

use super::{BuildCx, RunCtx, StageReport};
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

/// The checked `[retain]` plan.
#[derive(Debug, Clone, Default)]
pub struct RetainPlan {
    /// Checkpoint the database after a purge.
    pub checkpoint: bool,
}

impl RetainConfig {
    /// Build the plan (nothing to check).
    pub fn build(&self, _cx: &mut BuildCx<'_>) -> RetainPlan {
        RetainPlan { checkpoint: self.checkpoint }
    }
}

/// Run the stage.
pub async fn run(config: &RetainPlan, ctx: &mut RunCtx<'_>) -> anyhow::Result<StageReport> {
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
