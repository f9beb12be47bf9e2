//! `dakiya run --dry-run`: what a run would do, with reads only (`searchOrders`,
//! `listHandoverSlots`): per order the box, the weight and the pickup slot it would book, or why
//! it would hold. No effect on Amazon and nothing stored, except the PII-free observations of
//! Amazon's answers (`spapi::observe`). For a safe first real run.

use chrono::{DateTime, Utc};

use crate::catalog::{self, Line};
use crate::pipeline::Pipeline;
use crate::spapi::model::easy_ship::{Dimensions, ListHandoverSlotsRequest, Weight};
use crate::spapi::model::orders::{parse_order, FulfillmentStatus};
use crate::spapi::{SearchOrdersQuery, SpApi};
use crate::stage::{StageKind, StagePlan};
use crate::store::Store;

/// What a run would do with one order.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Preview {
    /// Amazon order id.
    pub order_id: String,
    /// Box, when it would be sized.
    pub box_name: Option<String>,
    /// Weight sent to Amazon, grams.
    pub weight_g: Option<f64>,
    /// The slot it would book: start, and pickup or drop-off.
    pub slot: Option<(DateTime<Utc>, String)>,
    /// Why it would not be booked (or a note: already booked, late).
    pub note: Option<String>,
}

/// Preview the next run of `plan` at `now`: the orders the fetch would read, each sized and slotted
/// as the plan says.
pub async fn preview(plan: &Pipeline, api: &SpApi, store: Option<&Store>, now: DateTime<Utc>) -> anyhow::Result<Vec<Preview>> {
    let (lookback, overlap, page_size, max_pages) = match plan.stage(StageKind::Fetch) {
        Some(StagePlan::Fetch(f)) => (f.first_run_lookback, f.overlap, f.page_size, f.max_pages),
        _ => (chrono::Duration::days(7), chrono::Duration::hours(2), 100, 50),
    };
    let watermark = match store {
        Some(s) => crate::store::orders::watermark(s.conn(), crate::stage::fetch::WATERMARK)?,
        None => None,
    };
    let after = watermark.map_or(now - lookback, |w| w - overlap);
    let query = SearchOrdersQuery { last_updated_after: after, fulfilled_by: vec!["MERCHANT".into()], max_results_per_page: page_size };
    let size = match plan.stage(StageKind::Size) {
        Some(StagePlan::Size(s)) => Some(s),
        _ => None,
    };
    let schedule = match plan.stage(StageKind::Schedule) {
        Some(StagePlan::Schedule(s)) => Some(s),
        _ => None,
    };
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..max_pages {
        let page = api.search_orders(&query, token.as_deref()).await?;
        for raw in page.orders {
            let order = match parse_order(raw) {
                Ok(o) => o,
                Err(odd) => {
                    let order_id = odd.order_id.unwrap_or_else(|| "(no order id)".into());
                    out.push(Preview {
                        order_id,
                        box_name: None,
                        weight_g: None,
                        slot: None,
                        note: Some(format!("would be quarantined: {}", odd.problem)),
                    });
                    continue;
                }
            };
            let status = order.fulfillment.as_ref().map(|f| f.fulfillment_status.clone());
            let mut line = Preview { order_id: order.order_id.clone(), box_name: None, weight_g: None, slot: None, note: None };
            if !order.is_easy_ship() || status != Some(FulfillmentStatus::Unshipped) {
                continue;
            }
            if order.cancel_requested() {
                line.note = Some("the buyer asked to cancel: would not be booked".into());
                out.push(line);
                continue;
            }
            if let Some(store) = store {
                if crate::store::orders::package(store.conn(), &order.order_id)?.is_some_and(|p| p.state == "scheduled") {
                    line.note = Some("already booked".into());
                    out.push(line);
                    continue;
                }
            }
            let (Some(size), Some(catalog)) = (size, plan.catalog.as_deref()) else {
                line.note = Some("the pipeline does not size orders".into());
                out.push(line);
                continue;
            };
            let lines: Vec<Line<'_>> = order
                .order_items
                .iter()
                .filter_map(|i| i.product.seller_sku.as_deref().map(|sku| Line { sku, quantity: i.quantity_ordered }))
                .collect();
            let packed = match catalog::pack(&lines, catalog, &size.boxes, size.padding_mm) {
                Ok(p) => p,
                Err(err) => {
                    line.note = Some(format!("would be held: {err}"));
                    out.push(line);
                    continue;
                }
            };
            line.box_name = Some(packed.box_name.clone());
            line.weight_g = Some(packed.weight_g);
            let Some(schedule) = schedule else {
                out.push(line);
                continue;
            };
            let request = ListHandoverSlotsRequest {
                marketplace_id: api.marketplace_id().to_owned(),
                amazon_order_id: order.order_id.clone(),
                package_dimensions: Dimensions::cm_spelled(packed.dims_cm.0, packed.dims_cm.1, packed.dims_cm.2, api.units()),
                package_weight: Weight::grams_spelled(packed.weight_g, api.units()),
            };
            match api.list_handover_slots(&request).await {
                Ok(slots) => match crate::stage::schedule::choose_slot(&slots.time_slots, schedule, now, order.ship_by()) {
                    Some(slot) => {
                        let method = slot.handover_method.as_ref().map_or_else(|| "-".to_owned(), |m| m.as_str().to_owned());
                        if let Some(start) = slot.start_time {
                            line.slot = Some((start, method));
                            if order.ship_by().is_some_and(|by| start > by) {
                                line.note = Some("no slot before the ship-by time: would be booked late".into());
                            }
                        }
                    }
                    None => line.note = Some("would be held: no handover slot matches the pipeline's slot policy".into()),
                },
                Err(err) if err.is_fatal() => return Err(err.into()),
                Err(err) => {
                    let code = err.easy_ship_code().map_or_else(|| err.class().to_owned(), |c| c.as_str().to_owned());
                    line.note = Some(format!("would be held: Amazon refused the slots ({code})"));
                }
            }
            out.push(line);
        }
        token = page.pagination.and_then(|p| p.next_token);
        if token.is_none() {
            break;
        }
    }
    Ok(out)
}
