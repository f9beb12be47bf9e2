//! `enrich`: splits what came in. PII goes only into the encrypted vault; the ship-to state is
//! normalised to its GST state code; the SKU catalogue is joined; incomplete orders are re-read
//! with `getOrder`.

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use super::{BuildCx, Held, RunCtx, StageReport};
use crate::ingest::{ingest, IngestCtx, Ingested};
use crate::spapi::model::orders::parse_order;
use crate::store::orders as store_orders;

/// `[enrich]` options.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EnrichConfig {
    /// Re-read orders that arrived without items or amounts with `getOrder`.
    pub refetch_incomplete: bool,
}

impl Default for EnrichConfig {
    fn default() -> Self {
        Self { refetch_incomplete: true }
    }
}

/// The checked `[enrich]` plan.
#[derive(Debug, Clone)]
pub struct EnrichPlan {
    /// Re-read orders that arrived without their ship-to state.
    pub refetch_incomplete: bool,
}

impl EnrichConfig {
    /// Build the plan (nothing to check).
    pub fn build(&self, _cx: &mut BuildCx<'_>) -> EnrichPlan {
        EnrichPlan { refetch_incomplete: self.refetch_incomplete }
    }
}

/// Run the stage: re-read Easy Ship orders that are ready to ship but arrived without their
/// ship-to data, and list the orders whose state spelling is unknown (they still ship; the GST
/// export quarantines them for the CA).
pub async fn run(config: &EnrichPlan, ctx: &mut RunCtx<'_>) -> anyhow::Result<StageReport> {
    let mut report = StageReport::default();
    let now = ctx.clock.now();
    let unknown_states = store_orders::unknown_state_orders(ctx.store.conn())?;
    report.add("state_unknown", unknown_states.len() as u64);
    if !config.refetch_incomplete {
        return Ok(report);
    }
    let incomplete = store_orders::missing_ship_state(ctx.store.conn())?;
    if incomplete.is_empty() {
        return Ok(report);
    }
    let api = ctx.api()?;
    for order_id in incomplete {
        let resp = match api.get_order(&order_id).await {
            Ok(resp) => resp,
            Err(err) if err.is_fatal() => return Err(err).context("getOrder failed"),
            Err(err) => {
                tracing::warn!(order_id = %order_id, error_class = err.class(), "getOrder failed; will retry next run.");
                report.add("refetch_failed", 1);
                continue;
            }
        };
        report.add("refetched", 1);
        let order = match parse_order(resp.order) {
            Ok(order) => order,
            Err(odd) => {
                report.held.push(Held { order_id, reason: format!("quarantined: {}", odd.problem) });
                continue;
            }
        };
        let collect_pii = ctx.collect_pii;
        let retention = &ctx.config.retention;
        let vault = &mut *ctx.vault;
        let result = ctx.store.tx(|conn| {
            let mut icx = IngestCtx { vault, retention, collect_pii, now };
            ingest(conn, &mut icx, &order)
        })?;
        if let Ingested::Quarantined(reason) = result {
            report.held.push(Held { order_id, reason });
        }
    }
    Ok(report)
}
