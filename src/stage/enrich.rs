//! `enrich`: splits what came in. PII goes only into the encrypted vault; the ship-to state is
//! normalised to its GST state code; the SKU catalogue is joined; incomplete orders are re-read
//! with `getOrder`.

use serde::{Deserialize, Serialize};

use super::{CheckCx, NotImplemented, RunCtx, StageKind, StageReport};

/// `[enrich]` options.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EnrichConfig {
    /// Store the recipient (name, address, phone) in the encrypted vault. `false` skips the
    /// recipient entirely; labels still come from Amazon.
    pub collect_pii: bool,
    /// Re-read orders that arrived without items or amounts with `getOrder`.
    pub refetch_incomplete: bool,
}

impl Default for EnrichConfig {
    fn default() -> Self {
        Self { collect_pii: true, refetch_incomplete: true }
    }
}

impl EnrichConfig {
    /// Static checks.
    pub fn check(&self, _cx: &mut CheckCx<'_, '_>) {}
}

/// Run the stage.
pub async fn run(_config: &EnrichConfig, _ctx: &mut RunCtx<'_>) -> anyhow::Result<StageReport> {
    Err(anyhow::Error::new(NotImplemented(StageKind::Enrich)))
}
