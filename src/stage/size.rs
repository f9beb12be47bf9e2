//! `size`: chooses box and weight per order from the SKU catalogue and the box list: the smallest
//! box that fits the items, tare weight added, Amazon's 11 g minimum respected, per-SKU overrides
//! honoured. Unknown SKU or no fitting box holds the order with a reason.

use serde::{Deserialize, Serialize};

use super::{BuildCx, Held, RunCtx, StageReport};
use crate::catalog::{self, BoxSpec, Line};
use crate::store::orders as store_orders;

/// `[size]` options.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SizeConfig {
    /// Box list (TOML), relative to the pipeline file.
    pub boxes: String,
    /// Padding added around the items on each side, in millimetres.
    pub padding_mm: u32,
}

impl Default for SizeConfig {
    fn default() -> Self {
        Self { boxes: "../config/boxes.toml".into(), padding_mm: 5 }
    }
}

/// The checked `[size]` plan: the box list loaded. (The SKU catalogue is in the pipeline
/// header: the GST export needs it too.)
#[derive(Debug, Clone)]
pub struct SizePlan {
    /// The boxes the seller keeps.
    pub boxes: Vec<BoxSpec>,
    /// Padding around the items per side, millimetres (0 to 100).
    pub padding_mm: u32,
}

impl SizeConfig {
    /// Check the options, load the box list and build the plan.
    pub fn build(&self, cx: &mut BuildCx<'_>) -> Option<SizePlan> {
        if self.padding_mm > 100 {
            cx.error("padding_mm", format!("{} mm of padding is implausible", self.padding_mm), Some("use 0 to 100".into()));
        }
        let resolved = cx.base_dir.join(&self.boxes);
        if !resolved.is_file() {
            cx.error(
                "boxes",
                format!("file {:?} not found (looked for {})", self.boxes, resolved.display()),
                Some("paths are relative to the pipeline file's folder".into()),
            );
            return None;
        }
        match catalog::load_boxes(&resolved) {
            Ok(boxes) => Some(SizePlan { boxes, padding_mm: self.padding_mm }),
            Err(err) => {
                cx.error("boxes", format!("{err:#}"), Some("fix the file; every bad row is listed".into()));
                None
            }
        }
    }
}

/// Run the stage: a box for every unshipped Easy Ship order not yet scheduled; unknown SKUs and
/// orders no box fits are held with the reason.
pub async fn run(config: &SizePlan, ctx: &mut RunCtx<'_>) -> anyhow::Result<StageReport> {
    let catalog = ctx.catalog.ok_or_else(|| anyhow::anyhow!("the size stage runs without the pipeline's SKU catalogue"))?;
    let boxes = &config.boxes;
    let now = ctx.clock.now();
    let mut report = StageReport::default();
    let mut decisions: Vec<(String, bool, Result<catalog::Packed, String>)> = Vec::new();
    for order in store_orders::to_size(ctx.store.conn())? {
        let missing_sku = order.items.iter().any(|(_, sku, _)| sku.is_none());
        let lines: Vec<Line<'_>> =
            order.items.iter().filter_map(|(_, sku, qty)| sku.as_deref().map(|sku| Line { sku, quantity: *qty })).collect();
        let packed: Result<catalog::Packed, String> = if missing_sku {
            Err("an item has no SKU".to_owned())
        } else {
            catalog::pack(&lines, catalog, boxes, config.padding_mm).map_err(|e| e.to_string())
        };
        decisions.push((order.order_id, order.has_package, packed));
    }
    // One transaction for the whole stage: all or nothing, and a few statements instead of a
    // few per order (DuckDB's cost is per statement).
    ctx.store.tx(|conn| {
        let sized: Vec<store_orders::Sized<'_>> = decisions
            .iter()
            .filter_map(|(order_id, has_package, packed)| {
                packed.as_ref().ok().map(|p| store_orders::Sized {
                    order_id,
                    box_name: &p.box_name,
                    dims_cm: p.dims_cm,
                    weight_g: p.weight_g,
                    has_package: *has_package,
                })
            })
            .collect();
        store_orders::set_sized_many(conn, &sized, now)?;
        for (order_id, _, packed) in &decisions {
            if let Err(reason) = packed {
                store_orders::clear_sized(conn, order_id)?;
                store_orders::hold(conn, order_id, reason, now)?;
            }
        }
        Ok(())
    })?;
    for (order_id, _, packed) in decisions {
        match packed {
            Ok(_) => report.add("sized", 1),
            Err(reason) => {
                tracing::warn!(order_id = %order_id, "Order held: it cannot be packed.");
                report.held.push(Held { order_id, reason });
            }
        }
    }
    Ok(report)
}
