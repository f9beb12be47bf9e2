//! `schedule`: for each sized, unscheduled Easy Ship order: `listHandoverSlots`, pick a slot by
//! policy, record the intent durably, then `createScheduledPackage`; adopt an existing package on
//! `ScheduledPackageAlreadyExists`; re-list slots on expired windows. Then one documents feed for
//! all new packages.

use serde::{Deserialize, Serialize};

use super::{CheckCx, NotImplemented, RunCtx, StageKind, StageReport};

/// How to choose among the offered handover slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SlotPolicy {
    /// The earliest allowed slot.
    Earliest,
    /// The earliest slot that starts inside `preferred_window`, else the earliest allowed.
    PreferredWindow,
}

/// Pickup by the carrier or drop-off by the seller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Handover {
    /// Carrier picks up.
    Pickup,
    /// Seller drops off.
    Dropoff,
    /// Whatever the chosen slot offers.
    Any,
}

/// `[schedule]` options.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScheduleConfig {
    /// Slot choice.
    pub slot_policy: SlotPolicy,
    /// Local (IST) time window `"HH:MM-HH:MM"` for `preferred-window`.
    pub preferred_window: Option<String>,
    /// Handover method.
    pub handover: Handover,
    /// Days with no handover: weekday names (`"sunday"`) or dates (`"2026-11-08"`).
    pub skip_days: Vec<String>,
    /// At most this many orders per run; the rest wait for the next run.
    pub max_orders_per_run: u32,
    /// Times to re-list slots after an expired or unavailable slot, per order.
    pub max_slot_retries: u32,
    /// Send one `POST_EASYSHIP_DOCUMENTS` feed for the new packages.
    pub documents_feed: bool,
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        Self {
            slot_policy: SlotPolicy::Earliest,
            preferred_window: None,
            handover: Handover::Pickup,
            skip_days: Vec::new(),
            max_orders_per_run: 200,
            max_slot_retries: 3,
            documents_feed: true,
        }
    }
}

/// A local time window, minutes since midnight IST.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Start, inclusive.
    pub start_min: u32,
    /// End, exclusive.
    pub end_min: u32,
}

/// Parse `"HH:MM-HH:MM"`.
pub fn parse_window(text: &str) -> Result<Window, String> {
    let parse_hm = |s: &str| -> Result<u32, String> {
        let (h, m) = s.trim().split_once(':').ok_or_else(|| format!("{s:?} is not HH:MM"))?;
        let h: u32 = h.parse().map_err(|_| format!("{s:?} is not HH:MM"))?;
        let m: u32 = m.parse().map_err(|_| format!("{s:?} is not HH:MM"))?;
        if h > 24 || m > 59 || (h == 24 && m > 0) {
            return Err(format!("{s:?} is not a time of day"));
        }
        Ok(h * 60 + m)
    };
    let (a, b) = text.split_once('-').ok_or_else(|| format!("{text:?} is not HH:MM-HH:MM"))?;
    let window = Window { start_min: parse_hm(a)?, end_min: parse_hm(b)? };
    if window.start_min >= window.end_min {
        return Err(format!("{text:?} ends before it starts"));
    }
    Ok(window)
}

const WEEKDAYS: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

impl ScheduleConfig {
    /// Static checks.
    pub fn check(&self, cx: &mut CheckCx<'_, '_>) {
        match (&self.preferred_window, self.slot_policy) {
            (Some(window), _) => {
                if let Err(msg) = parse_window(window) {
                    cx.error("preferred_window", msg, Some("write e.g. \"10:00-14:00\" (India time)".into()));
                }
            }
            (None, SlotPolicy::PreferredWindow) => cx.error(
                "slot_policy",
                "\"preferred-window\" needs `preferred_window`",
                Some("add e.g. preferred_window = \"10:00-14:00\"".into()),
            ),
            (None, SlotPolicy::Earliest) => {}
        }
        for day in &self.skip_days {
            let lower = day.to_ascii_lowercase();
            let is_weekday = WEEKDAYS.contains(&lower.as_str());
            let is_date = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_ok();
            if !is_weekday && !is_date {
                cx.error("skip_days", format!("{day:?} is neither a weekday nor a date"), Some("use \"sunday\" or \"2026-11-08\"".into()));
            }
        }
        if self.max_orders_per_run == 0 {
            cx.error("max_orders_per_run", "must be at least 1", None);
        }
        if self.max_slot_retries > 10 {
            cx.error("max_slot_retries", format!("{} retries would hammer Amazon", self.max_slot_retries), Some("use 0 to 10".into()));
        }
    }
}

/// Run the stage.
pub async fn run(_config: &ScheduleConfig, _ctx: &mut RunCtx<'_>) -> anyhow::Result<StageReport> {
    Err(anyhow::Error::new(NotImplemented(StageKind::Schedule)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_parse_and_reject_nonsense() {
        assert_eq!(parse_window("10:00-14:30"), Ok(Window { start_min: 600, end_min: 870 }));
        assert!(parse_window("14:00-10:00").is_err());
        assert!(parse_window("25:00-26:00").is_err());
        assert!(parse_window("ten-two").is_err());
    }
}
