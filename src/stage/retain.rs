//! `retain`: enforces every retention rule (spec section 5) on every run; cheap when nothing is
//! due. The periods themselves live in the app config (`[retention]`).

use serde::{Deserialize, Serialize};

use super::{CheckCx, NotImplemented, RunCtx, StageKind, StageReport};

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
pub async fn run(_config: &RetainConfig, _ctx: &mut RunCtx<'_>) -> anyhow::Result<StageReport> {
    Err(anyhow::Error::new(NotImplemented(StageKind::Retain)))
}
