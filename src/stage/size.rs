//! `size`: chooses box and weight per order from the SKU catalogue and the box list: the smallest
//! box that fits the items, tare weight added, Amazon's 11 g minimum respected, per-SKU overrides
//! honoured. Unknown SKU or no fitting box holds the order with a reason.

use serde::{Deserialize, Serialize};

use super::{CheckCx, NotImplemented, RunCtx, StageKind, StageReport};

/// `[size]` options.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SizeConfig {
    /// SKU catalogue (CSV: sku, title, hsn, gst_rate, weight_g, length_cm, width_cm, height_cm),
    /// relative to the pipeline file.
    pub catalog: String,
    /// Box list (TOML), relative to the pipeline file.
    pub boxes: String,
    /// Padding added around the items on each side, in millimetres.
    pub padding_mm: u32,
}

impl Default for SizeConfig {
    fn default() -> Self {
        Self { catalog: "../config/catalog.csv".into(), boxes: "../config/boxes.toml".into(), padding_mm: 5 }
    }
}

impl SizeConfig {
    /// Static checks: the referenced files exist.
    pub fn check(&self, cx: &mut CheckCx<'_, '_>) {
        for (key, path) in [("catalog", &self.catalog), ("boxes", &self.boxes)] {
            let resolved = cx.base_dir.join(path);
            if !resolved.is_file() {
                cx.error(
                    key,
                    format!("file {path:?} not found (looked for {})", resolved.display()),
                    Some("paths are relative to the pipeline file's folder".into()),
                );
            }
        }
        if self.padding_mm > 100 {
            cx.error("padding_mm", format!("{} mm of padding is implausible", self.padding_mm), Some("use 0 to 100".into()));
        }
    }
}

/// Run the stage.
pub async fn run(_config: &SizeConfig, _ctx: &mut RunCtx<'_>) -> anyhow::Result<StageReport> {
    Err(anyhow::Error::new(NotImplemented(StageKind::Size)))
}
