//! `confirm`: finishes what `schedule` started: polls the documents feed and report, stores labels
//! and invoices encrypted, prints them and deletes the plaintext right after; reconciles package
//! status and tracking; reschedules missed pickups; `confirmShipment` only where configured.

use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{BuildCx, Held, RunCtx, StageReport};
use crate::docs;
use crate::spapi::model::easy_ship::{
    Dimensions, ListHandoverSlotsRequest, ScheduledPackageId, TimeSlot, UpdatePackageDetails, UpdateScheduledPackagesRequest, Weight,
};
use crate::spapi::model::feeds::ProcessingStatus;
use crate::spapi::model::orders::{ConfirmShipmentOrderItem, ConfirmShipmentRequest, PackageDetail};
use crate::spapi::SpApi;
use crate::store::feeds as store_feeds;
use crate::store::orders::{self as store_orders, Scheduled};
use crate::store::vault as store_vault;

/// `[confirm]` options.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConfirmConfig {
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
        Self { reschedule_missed: true, confirm_shipment: false, feed_wait: Duration::from_secs(5 * 60) }
    }
}

/// The checked `[confirm]` plan.
#[derive(Debug, Clone)]
pub struct ConfirmPlan {
    /// Reschedule a missed pickup.
    pub reschedule_missed: bool,
    /// Call `confirmShipment`.
    pub confirm_shipment: bool,
    /// Stop polling a documents feed after this long (at most 30 minutes).
    pub feed_wait: Duration,
}

impl ConfirmConfig {
    /// Check the options and build the plan.
    pub fn build(&self, cx: &mut BuildCx<'_>) -> ConfirmPlan {
        if self.feed_wait > Duration::from_secs(30 * 60) {
            cx.error("feed_wait", "is longer than 30 minutes", Some("the next hourly run continues polling; keep runs short".into()));
        }
        ConfirmPlan { reschedule_missed: self.reschedule_missed, confirm_shipment: self.confirm_shipment, feed_wait: self.feed_wait }
    }
}

/// Vault field prefix of stored documents.
pub const DOC_PREFIX: &str = "doc:";

/// Run the stage.
pub async fn run(config: &ConfirmPlan, ctx: &mut RunCtx<'_>) -> anyhow::Result<StageReport> {
    let mut report = StageReport::default();
    let swept = docs::print::sweep(ctx.home)?;
    if swept > 0 {
        tracing::warn!(files = swept, "Deleted plaintext label files left by an interrupted run.");
        report.add("leftover_plaintext_deleted", swept as u64);
    }
    let api = ctx.api()?;
    collect_documents(api, config, ctx, &mut report).await?;
    if let Some(template) = &ctx.config.labels.print_command {
        print_labels(template, ctx, &mut report)?;
    }
    if config.reschedule_missed {
        reschedule_missed(api, ctx, &mut report).await?;
    }
    if config.confirm_shipment {
        confirm_shipments(api, ctx, &mut report).await?;
    }
    let waiting = crate::store::labels::waiting_count(ctx.store.conn())?;
    report.add("labels_waiting_to_print", waiting as u64);
    Ok(report)
}

/// Poll submitted documents feeds and store what they produced, encrypted.
async fn collect_documents(api: &SpApi, config: &ConfirmPlan, ctx: &mut RunCtx<'_>, report: &mut StageReport) -> anyhow::Result<()> {
    let feeds = store_feeds::submitted(ctx.store.conn())?;
    let poll_every = std::time::Duration::from_secs(10).div_f64(api.limits().scale().max(1.0));
    for (local_id, feed_id) in feeds {
        let started = std::time::Instant::now();
        let feed = loop {
            match api.get_feed(&feed_id).await {
                Ok(feed) if feed.processing_status.is_final() => break Some(feed),
                Ok(_) if started.elapsed() + poll_every < config.feed_wait => tokio::time::sleep(poll_every).await,
                Ok(_) => break None,
                Err(err) if err.is_fatal() => return Err(err).context("getFeed failed"),
                Err(err) => {
                    tracing::warn!(error_class = err.class(), "getFeed failed; next run polls again.");
                    break None;
                }
            }
        };
        let Some(feed) = feed else {
            report.add("feeds_still_processing", 1);
            continue;
        };
        let orders = store_feeds::requested_orders(ctx.store.conn(), &local_id)?;
        if feed.processing_status != ProcessingStatus::Done {
            // Cancelled or fatal: ask again next run.
            let now = ctx.clock.now();
            ctx.store.tx(|conn| Ok(store_feeds::fail(conn, &local_id, now)?))?;
            report.add("feeds_failed", 1);
            continue;
        }
        match fetch_feed_documents(api, ctx, &local_id, &feed.result_feed_document_id, &orders, report).await {
            Ok(()) => {}
            Err(err) => {
                tracing::warn!(error = %format!("{err:#}"), "Could not fetch the documents of a feed; next run tries again.");
                report.add("documents_failed_will_retry", 1);
            }
        }
    }
    Ok(())
}

/// How many times an order's documents are asked for before it is held for the seller.
pub const MAX_DOCUMENT_ATTEMPTS: u32 = 5;

/// When to ask again after `attempts` failed attempts: an hour, doubling, at most 12 hours.
fn retry_after(attempts: u32) -> chrono::Duration {
    chrono::Duration::hours(1 << attempts.saturating_sub(1).min(4)).min(chrono::Duration::hours(12))
}

/// Error codes that will not go away by asking again. No public source lists any for the
/// documents feed; 610013 ("Internal service failure. Please retry after some time.", issue
/// #4403) and unknown codes are retried, boundedly (docs/amazon-behaviour.md).
const PERMANENT_DOCUMENT_ERRORS: &[&str] = &[];

async fn fetch_feed_documents(
    api: &SpApi,
    ctx: &mut RunCtx<'_>,
    local_id: &str,
    result_document: &Option<String>,
    orders: &[String],
    report: &mut StageReport,
) -> anyhow::Result<()> {
    let result_document = result_document.as_deref().context("the feed is done but has no processing report")?;
    let location = api.get_feed_document(result_document).await?;
    let xml = api.download(&location).await?;
    let processing = docs::report::parse(&xml)?;
    let shape = if xml.windows(25).any(|w| w == b"<EasyShipProcessingReport") {
        "EasyShipProcessingReport"
    } else if xml.windows(15).any(|w| w == b"<AmazonEnvelope") {
        "AmazonEnvelope"
    } else {
        "other"
    };
    api.observations().note("documents processing report root", shape);
    api.observations().note("documents processing report counts reconcile", if processing.reconciles() { "yes" } else { "no" });
    for (_, _, code) in &processing.errors {
        api.observations().note("documents processing report error codes", code);
    }
    let now = ctx.clock.now();
    // Per-message errors: those orders only.
    let mut errors: Vec<(String, String)> = Vec::new();
    for (message_id, order_id, code) in &processing.errors {
        let order = order_id.clone().or_else(|| orders.get((*message_id as usize).wrapping_sub(1)).cloned());
        if let Some(order) = order.filter(|o| orders.contains(o)) {
            errors.push((order, code.clone()));
        }
    }
    let mut stored = Vec::new();
    let mut done: Vec<String> = Vec::new();
    let mut unaccounted: Vec<String> = Vec::new();
    let ok_orders: Vec<String> = orders.iter().filter(|o| !errors.iter().any(|(f, _)| f == *o)).cloned().collect();
    if !processing.reconciles() {
        // The counts do not add up (an error not parsed, successes without a report): no order of
        // this feed is taken as done; all are asked for again.
        tracing::warn!(
            feed = local_id,
            processed = processing.processed,
            with_error = processing.with_error,
            parsed_errors = processing.errors.len(),
            "The documents feed's report does not add up; its orders are asked for again."
        );
        unaccounted = ok_orders;
    } else if let Some(reference) = &processing.document_report_reference {
        let rep = api.get_report(reference).await?;
        if rep.processing_status != ProcessingStatus::Done {
            anyhow::bail!("the documents report is not ready ({})", rep.processing_status);
        }
        let doc_id = rep.report_document_id.context("the documents report has no document")?;
        let location = api.get_report_document(&doc_id).await?;
        let bytes = api.download(&location).await?;
        let owners = store_feeds::owners(ctx.store.conn(), &ok_orders)?;
        api.observations().note("documents report file kind", &format!("{:?}", docs::sniff(&bytes)));
        let bundle = docs::split(&bytes, &owners)?;
        for files in bundle.per_order.values() {
            for (name, _) in files {
                api.observations().note("documents per-order file extensions", name.rsplit('.').next().unwrap_or("none"));
            }
        }
        for (name, _) in &bundle.shared {
            api.observations()
                .note("documents shared file extensions (folders not order or package ids)", name.rsplit('.').next().unwrap_or("none"));
        }
        let deadlines = deadlines(ctx, &ok_orders)?;
        let deadline_of = |order_id: &str| deadlines.iter().find(|(o, _)| o == order_id).map(|(_, d)| *d);
        for (order_id, files) in &bundle.per_order {
            let deadline = deadline_of(order_id).context("no deadline")?;
            for (name, data) in files {
                stored.push(ctx.vault.seal_bytes(order_id, &format!("{DOC_PREFIX}{name}"), data, deadline, now)?);
            }
        }
        for order_id in &ok_orders {
            if bundle.per_order.contains_key(order_id) {
                done.push(order_id.clone());
            } else if !bundle.shared.is_empty() {
                // Its label is somewhere in the feed's shared files (a combined PDF): printed as one.
                done.push(order_id.clone());
            } else {
                unaccounted.push(order_id.clone());
            }
        }
        if !bundle.shared.is_empty() {
            // Several customers' documents: kept under the feed, purged at the earliest deadline.
            let deadline = deadlines.iter().map(|(_, d)| *d).min().context("no orders")?;
            for (name, data) in &bundle.shared {
                stored.push(ctx.vault.seal_bytes(local_id, &format!("{DOC_PREFIX}{name}"), data, deadline, now)?);
            }
        }
    } else {
        unaccounted = ok_orders;
    }
    // Failures: asked for again later, boundedly; held once the attempts are used up.
    let attempts = store_feeds::document_attempts(ctx.store.conn(), orders)?;
    let mut retry: Vec<(String, String, DateTime<Utc>)> = Vec::new();
    let mut give_up: Vec<(String, String)> = Vec::new();
    for (order_id, code) in errors.iter().cloned().chain(unaccounted.iter().map(|o| (o.clone(), "unaccounted".to_owned()))) {
        let n = attempts.get(&order_id).copied().unwrap_or(0) + 1;
        if PERMANENT_DOCUMENT_ERRORS.contains(&code.as_str()) || n >= MAX_DOCUMENT_ATTEMPTS {
            give_up.push((order_id, code));
        } else {
            retry.push((order_id, code, now + retry_after(n)));
        }
    }
    ctx.store.tx(|conn| {
        store_vault::put(conn, &stored, now)?;
        for (order_id, code) in &give_up {
            let reason = format!("documents feed error {code}; gave up after {MAX_DOCUMENT_ATTEMPTS} attempts: `dakiya labels request {order_id}` asks again");
            store_orders::hold(conn, order_id, &reason, now)?;
        }
        let outcome = store_feeds::DocumentsOutcome { done: &done, retry: &retry, failed: &give_up };
        store_feeds::documents_outcome(conn, local_id, &outcome, result_document, processing.document_report_reference.as_deref(), now)?;
        Ok(())
    })?;
    report.add("documents_stored", stored.len() as u64);
    if !retry.is_empty() {
        report.add("documents_asked_again_later", retry.len() as u64);
    }
    for (order_id, code) in give_up {
        report.held.push(Held { order_id: order_id.clone(), reason: format!("documents feed error {code}") });
    }
    Ok(())
}

fn deadlines(ctx: &RunCtx<'_>, orders: &[String]) -> anyhow::Result<Vec<(String, DateTime<Utc>)>> {
    let mut out = Vec::new();
    for order_id in orders {
        if let Some(d) = store_orders::pii_deadline(ctx.store.conn(), order_id)? {
            out.push((order_id.clone(), d));
        }
    }
    Ok(out)
}

/// Print stored labels; mark each printed; keep failures encrypted for a retry.
fn print_labels(template: &str, ctx: &mut RunCtx<'_>, report: &mut StageReport) -> anyhow::Result<()> {
    let (printed, failed) = print_stored(ctx.store, ctx.vault, ctx.home, template, None, ctx.clock.now())?;
    report.add("labels_printed", printed);
    if failed > 0 {
        report.add("labels_print_failed", failed);
    }
    Ok(())
}

/// Print every stored, unprinted label (or those of `only`). A printed label is deleted from the
/// vault right after (policy 8.1: "deleted immediately after printing"); a combined PDF holding
/// several orders is printed once and deleted with all its orders marked printed. A failed print
/// keeps the encrypted label for a retry. Returns `(printed, failed)` orders.
pub fn print_stored(
    store: &crate::store::Store,
    vault: &mut crate::vault::Vault,
    home: &std::path::Path,
    template: &str,
    only: Option<&[String]>,
    now: DateTime<Utc>,
) -> anyhow::Result<(u64, u64)> {
    let owners = crate::store::labels::waiting(store.conn())?;
    let mut done_feeds = std::collections::HashSet::new();
    let (mut printed, mut failed) = (0, 0);
    for (order_id, feed) in owners {
        if only.is_some_and(|list| !list.contains(&order_id)) {
            continue;
        }
        if feed.as_ref().is_some_and(|f| done_feeds.contains(f)) {
            // Its label was on the combined PDF printed a moment ago (already marked).
            printed += 1;
            continue;
        }
        let mut sealed = store_vault::for_order(store.conn(), &order_id)?;
        sealed.retain(|s| s.field.starts_with(DOC_PREFIX));
        let mut owner_is_feed = false;
        if sealed.is_empty() {
            if let Some(feed) = &feed {
                sealed = store_vault::for_order(store.conn(), feed)?;
                sealed.retain(|s| s.field.starts_with(DOC_PREFIX));
                owner_is_feed = true;
            }
        }
        if sealed.is_empty() {
            // Nothing left to print (its label was unreadable and deleted): ask Amazon again.
            tracing::warn!(order_id = %order_id, "No stored label to print; the next documents feed asks for it again.");
            store.tx(|conn| Ok(crate::store::labels::request_again(conn, &order_id)?))?;
            failed += 1;
            continue;
        }
        let mut ok = true;
        let mut printed_any = false;
        for doc in &sealed {
            let pdf = match vault.open_bytes(doc) {
                Ok(pdf) => pdf,
                Err(err) if err.is_unreadable() => {
                    tracing::error!(order_id = %order_id, "A stored label cannot be decrypted; it is deleted and asked for again.");
                    store.tx(|conn| {
                        crate::store::retention::delete_rows(conn, &[(doc.order_id.clone(), doc.field.clone())])?;
                        crate::store::retention::log(conn, now, None, "pii_unreadable", 1, "")?;
                        Ok(())
                    })?;
                    ok = false;
                    break;
                }
                Err(err) => return Err(err.into()),
            };
            if docs::sniff(&pdf) != docs::Kind::Pdf {
                // A ZPL label or a text file: not for a PDF print command; it goes with the rest.
                continue;
            }
            printed_any = true;
            crate::testing::checkpoint("print");
            if let Err(err) = docs::print::print(home, template, &pdf) {
                tracing::warn!(order_id = %order_id, error = %format!("{err:#}"), "Printing failed; the label stays encrypted for a retry.");
                ok = false;
                break;
            }
        }
        if ok && !printed_any {
            tracing::warn!(order_id = %order_id, "Its documents hold no PDF (a ZPL label?): print them with `dakiya labels print` on a ZPL printer's command.");
            ok = false;
        }
        if !ok {
            failed += 1;
            continue;
        }
        match (owner_is_feed, feed) {
            (true, Some(feed)) => {
                store.tx(|conn| Ok(crate::store::labels::feed_printed(conn, &feed, now)?))?;
                done_feeds.insert(feed);
            }
            _ => {
                store.tx(|conn| Ok(crate::store::labels::printed(conn, &order_id, now)?))?;
            }
        }
        printed += 1;
    }
    Ok((printed, failed))
}

/// A pickup slot that passed without a handover: book a new slot.
async fn reschedule_missed(api: &SpApi, ctx: &mut RunCtx<'_>, report: &mut StageReport) -> anyhow::Result<()> {
    let now = ctx.clock.now();
    for pkg in store_orders::missed_pickups(ctx.store.conn(), now)? {
        let list = ListHandoverSlotsRequest {
            marketplace_id: api.marketplace_id().to_owned(),
            amazon_order_id: pkg.order_id.clone(),
            package_dimensions: Dimensions::cm_spelled(pkg.dims_cm.0, pkg.dims_cm.1, pkg.dims_cm.2, api.units()),
            package_weight: Weight::grams_spelled(pkg.weight_g, api.units()),
        };
        let slots = match api.list_handover_slots(&list).await {
            Ok(s) => s,
            Err(err) if err.is_fatal() => return Err(err).context("listHandoverSlots failed"),
            Err(err) => {
                tracing::warn!(order_id = %pkg.order_id, error_class = err.class(), "Could not list slots to reschedule a missed pickup.");
                continue;
            }
        };
        let same_method: Vec<TimeSlot> = slots
            .time_slots
            .iter()
            .filter(|s| s.start_time.is_some_and(|t| t > now))
            .filter(|s| pkg.handover_method.as_deref().is_none_or(|m| s.handover_method.as_ref().is_none_or(|h| h.as_str() == m)))
            .cloned()
            .collect();
        let Some(slot) = same_method.into_iter().min_by_key(|s| s.start_time) else { continue };
        let update = UpdateScheduledPackagesRequest {
            marketplace_id: api.marketplace_id().to_owned(),
            update_package_details_list: vec![UpdatePackageDetails {
                scheduled_package_id: ScheduledPackageId { amazon_order_id: pkg.order_id.clone(), package_id: pkg.package_id.clone() },
                package_time_slot: slot.clone(),
            }],
        };
        match api.update_scheduled_packages(&update).await {
            Ok(updated) => {
                let p = updated.packages.into_iter().find(|p| p.scheduled_package_id.amazon_order_id == pkg.order_id);
                let s = Scheduled {
                    package_id: pkg.package_id.clone(),
                    package_status: p.as_ref().and_then(|p| p.package_status.as_ref().map(|s| s.as_str().to_owned())),
                    slot_id: slot.slot_id.clone(),
                    slot_start: slot.start_time,
                    slot_end: slot.end_time,
                    handover_method: slot.handover_method.as_ref().map(|m| m.as_str().to_owned()),
                    tracking_id: None,
                    invoice_number: None,
                    invoice_date: None,
                };
                let now = ctx.clock.now();
                ctx.store.tx(|conn| Ok(store_orders::set_scheduled(conn, &pkg.order_id, &s, now)?))?;
                report.add("pickups_rescheduled", 1);
                tracing::info!(order_id = %pkg.order_id, "Missed pickup rescheduled.");
            }
            Err(err) if err.is_fatal() => return Err(err).context("updateScheduledPackages failed"),
            Err(err) => {
                tracing::warn!(order_id = %pkg.order_id, error_class = err.class(), "Could not reschedule a missed pickup.");
                report.add("reschedule_failed", 1);
            }
        }
    }
    Ok(())
}

/// Orders v0 `confirmShipment` for picked-up packages (only when configured).
async fn confirm_shipments(api: &SpApi, ctx: &mut RunCtx<'_>, report: &mut StageReport) -> anyhow::Result<()> {
    let rows = store_orders::shipments_to_confirm(ctx.store.conn())?;
    for (idx, (order_id, tracking, ship_date)) in rows.into_iter().enumerate() {
        let items = store_orders::items(ctx.store.conn(), &order_id)?;
        let body = ConfirmShipmentRequest {
            marketplace_id: api.marketplace_id().to_owned(),
            package_detail: PackageDetail {
                package_reference_id: (idx + 1).to_string(),
                carrier_code: "Amazon Shipping".into(),
                tracking_number: tracking,
                ship_date,
                order_items: items.into_iter().map(|(id, _, qty)| ConfirmShipmentOrderItem { order_item_id: id, quantity: qty }).collect(),
            },
        };
        match api.confirm_shipment(&order_id, &body).await {
            Ok(()) => {
                let now = ctx.clock.now();
                ctx.store.tx(|conn| Ok(store_orders::set_confirmed(conn, &order_id, now)?))?;
                report.add("shipments_confirmed", 1);
            }
            Err(err) if err.is_fatal() => return Err(err).context("confirmShipment failed"),
            Err(err) => tracing::warn!(order_id = %order_id, error_class = err.class(), "confirmShipment failed; will retry next run."),
        }
    }
    Ok(())
}
