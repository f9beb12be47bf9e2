//! `confirm`: finishes what `schedule` started: polls the documents feed and report, stores labels
//! and invoices encrypted, prints them and deletes the plaintext right after; reconciles package
//! status and tracking; reschedules missed pickups; `confirmShipment` only where configured.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{CheckCx, NotImplemented, RunCtx, StageKind, StageReport};

/// `[confirm]` options.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConfirmConfig {
    /// Print command template; `{file}` is replaced by the path of a private temporary PDF that
    /// is deleted right after the command ends. Empty: labels wait encrypted for
    /// `dakiya labels print`.
    pub print_command: Option<String>,
    /// Reschedule a pickup that was missed with `updateScheduledPackages`.
    pub reschedule_missed: bool,
    /// Call Orders v0 `confirmShipment` (Easy Ship confirms automatically; leave off).
    pub confirm_shipment: bool,
    /// Stop polling a documents feed after this long; the next run continues.
    #[serde(with = "humantime_serde")]
    pub feed_wait: Duration,
}

impl Default for ConfirmConfig {
    fn default() -> Self {
        Self {
            print_command: None,
            reschedule_missed: true,
            confirm_shipment: false,
            feed_wait: Duration::from_secs(5 * 60),
        }
    }
}

impl ConfirmConfig {
    /// Static checks.
    pub fn check(&self, cx: &mut CheckCx<'_, '_>) {
        if let Some(cmd) = &self.print_command {
            if !cmd.contains("{file}") {
                cx.error("print_command", "has no `{file}` placeholder", Some("e.g. \"lp {file}\" or SumatraPDF's \"-print-to-default -silent {file}\"".into()));
            }
        }
        if self.feed_wait > Duration::from_secs(30 * 60) {
            cx.error("feed_wait", "is longer than 30 minutes", Some("the next hourly run continues polling; keep runs short".into()));
        }
    }
}

/// Run the stage.
pub async fn run(_config: &ConfirmConfig, _ctx: &mut RunCtx<'_>) -> anyhow::Result<StageReport> {
    Err(anyhow::Error::new(NotImplemented(StageKind::Confirm)))
}
