//! `schedule`: for each sized, unscheduled Easy Ship order: `listHandoverSlots`, pick a slot by
//! policy, record the intent durably, then `createScheduledPackage`; adopt an existing package on
//! `ScheduledPackageAlreadyExists`; re-list slots on expired windows. Then one documents feed for
//! all new packages.

use anyhow::Context as _;
use chrono::{DateTime, Datelike as _, Timelike as _, Utc};
use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};

use super::{BuildCx, Held, RunCtx, StageReport};
use crate::clock::{ist, Clock};
use crate::spapi::model::easy_ship::{
    CreateScheduledPackageRequest, Dimensions, EasyShipCode, HandoverMethod, ListHandoverSlotsRequest, Package, PackageDetails, TimeSlot,
    Weight,
};
use crate::spapi::model::feeds::{easy_ship_documents_feed, CreateFeedSpecification, EASYSHIP_DOCUMENTS_FEED, FEED_CONTENT_TYPE};
use crate::spapi::{Error as ApiError, SpApi};
use crate::store::feeds as store_feeds;
use crate::store::orders::{self as store_orders, PackageRow, Scheduled};
use crate::store::states::PackageState;
use crate::store::Store;

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
    /// Batch documents: no new feed sooner than this after the last one (each feed costs seven
    /// Amazon calls), unless a waiting package's handover is within `documents_lead`.
    #[serde(with = "humantime_serde")]
    pub documents_every: std::time::Duration,
    /// A package whose handover slot starts within this gets its documents requested at once.
    #[serde(with = "humantime_serde")]
    pub documents_lead: std::time::Duration,
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
            documents_every: std::time::Duration::from_secs(3 * 3600),
            documents_lead: std::time::Duration::from_secs(12 * 3600),
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

/// A day with no handover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipDay {
    /// Every such weekday (India time).
    Weekday(chrono::Weekday),
    /// One date (India time).
    Date(chrono::NaiveDate),
}

impl SkipDay {
    /// Parse `"sunday"` (any case, also `"sun"`) or `"2026-11-08"`.
    pub fn parse(text: &str) -> Option<SkipDay> {
        if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Some(SkipDay::Date(date));
        }
        text.parse::<chrono::Weekday>().ok().map(SkipDay::Weekday)
    }

    /// Whether a local (IST) date is this day.
    pub fn matches(self, local: chrono::NaiveDate) -> bool {
        match self {
            SkipDay::Weekday(w) => local.weekday() == w,
            SkipDay::Date(d) => local == d,
        }
    }
}

/// The checked `[schedule]` plan.
#[derive(Debug, Clone)]
pub struct SchedulePlan {
    /// Slot choice.
    pub slot_policy: SlotPolicy,
    /// The preferred window (present exactly when the policy is `preferred-window`, or given).
    pub preferred_window: Option<Window>,
    /// Handover method.
    pub handover: Handover,
    /// Days with no handover.
    pub skip_days: Vec<SkipDay>,
    /// At most this many orders per run (at least 1).
    pub max_orders_per_run: u32,
    /// Re-listing attempts after an expired slot (0 to 10).
    pub max_slot_retries: u32,
    /// Send the documents feed.
    pub documents_feed: bool,
    /// Batch documents feeds this far apart...
    pub documents_every: chrono::Duration,
    /// ...unless a pickup starts within this.
    pub documents_lead: chrono::Duration,
}

impl ScheduleConfig {
    /// Check the options and build the plan.
    pub fn build(&self, cx: &mut BuildCx<'_>) -> Option<SchedulePlan> {
        let mut preferred_window = None;
        match (&self.preferred_window, self.slot_policy) {
            (Some(window), _) => match parse_window(window) {
                Ok(w) => preferred_window = Some(w),
                Err(msg) => cx.error("preferred_window", msg, Some("write e.g. \"10:00-14:00\" (India time)".into())),
            },
            (None, SlotPolicy::PreferredWindow) => cx.error(
                "slot_policy",
                "\"preferred-window\" needs `preferred_window`",
                Some("add e.g. preferred_window = \"10:00-14:00\"".into()),
            ),
            (None, SlotPolicy::Earliest) => {}
        }
        let mut skip_days = Vec::new();
        for day in &self.skip_days {
            match SkipDay::parse(day) {
                Some(d) => skip_days.push(d),
                None => cx.error(
                    "skip_days",
                    format!("{day:?} is neither a weekday nor a date"),
                    Some("use \"sunday\" or \"2026-11-08\"".into()),
                ),
            }
        }
        if self.max_orders_per_run == 0 {
            cx.error("max_orders_per_run", "must be at least 1", None);
        }
        if self.max_slot_retries > 10 {
            cx.error("max_slot_retries", format!("{} retries would hammer Amazon", self.max_slot_retries), Some("use 0 to 10".into()));
        }
        Some(SchedulePlan {
            slot_policy: self.slot_policy,
            preferred_window,
            handover: self.handover,
            skip_days,
            max_orders_per_run: self.max_orders_per_run,
            max_slot_retries: self.max_slot_retries,
            documents_feed: self.documents_feed,
            documents_every: super::fetch::delta(cx, "documents_every", self.documents_every),
            documents_lead: super::fetch::delta(cx, "documents_lead", self.documents_lead),
        })
    }
}

/// A slot under way is still chosen until this long before it ends.
pub const SLOT_END_MARGIN: chrono::Duration = chrono::Duration::minutes(30);

/// Choose a slot: the allowed ones (handover method, not ending within [`SLOT_END_MARGIN`], not on
/// a skip day, and not after the order's ship-by time while an earlier one exists), earliest
/// first; with `preferred-window` the earliest that starts inside the window, if any.
pub fn choose_slot<'s>(
    slots: &'s [TimeSlot],
    plan: &SchedulePlan,
    now: DateTime<Utc>,
    ship_by: Option<DateTime<Utc>>,
) -> Option<&'s TimeSlot> {
    let mut allowed: Vec<&TimeSlot> = slots
        .iter()
        .filter(|s| match (plan.handover, &s.handover_method) {
            (Handover::Any, _) | (Handover::Pickup, None) => true,
            (Handover::Pickup, Some(m)) => *m == HandoverMethod::Pickup,
            (Handover::Dropoff, Some(m)) => *m == HandoverMethod::Dropoff,
            (Handover::Dropoff, None) => false,
        })
        // A slot already under way is still good until shortly before it ends.
        .filter(|s| match (s.start_time, s.end_time) {
            (_, Some(end)) => end - SLOT_END_MARGIN > now,
            (Some(start), None) => start > now,
            (None, None) => true,
        })
        .filter(|s| {
            s.start_time.is_none_or(|t| {
                let local = t.with_timezone(&ist()).date_naive();
                !plan.skip_days.iter().any(|d| d.matches(local))
            })
        })
        .collect();
    // Never later than the ship-by time when a slot by then exists.
    if let Some(ship_by) = ship_by {
        if allowed.iter().any(|s| s.start_time.is_some_and(|t| t <= ship_by)) {
            allowed.retain(|s| s.start_time.is_none_or(|t| t <= ship_by));
        }
    }
    allowed.sort_by_key(|s| s.start_time);
    if plan.slot_policy == SlotPolicy::PreferredWindow {
        if let Some(window) = plan.preferred_window {
            let inside = allowed.iter().find(|s| {
                s.start_time.is_some_and(|t| {
                    let local = t.with_timezone(&ist());
                    let minute = local.hour() * 60 + local.minute();
                    (window.start_min..window.end_min).contains(&minute)
                })
            });
            if let Some(slot) = inside {
                return Some(slot);
            }
        }
    }
    allowed.first().copied()
}

fn scheduled_from(pkg: &Package) -> Scheduled {
    Scheduled {
        package_id: pkg.scheduled_package_id.package_id.clone(),
        package_status: pkg.package_status.as_ref().map(|s| s.as_str().to_owned()),
        slot_id: pkg.package_time_slot.slot_id.clone(),
        slot_start: pkg.package_time_slot.start_time,
        slot_end: pkg.package_time_slot.end_time,
        handover_method: pkg.package_time_slot.handover_method.as_ref().map(|m| m.as_str().to_owned()),
        tracking_id: pkg.tracking_details.as_ref().and_then(|t| t.tracking_id.clone()),
        invoice_number: pkg.invoice.as_ref().map(|i| i.invoice_number.clone()),
        invoice_date: pkg.invoice.as_ref().and_then(|i| i.invoice_date),
    }
}

/// Run the stage.
pub async fn run(config: &SchedulePlan, ctx: &mut RunCtx<'_>) -> anyhow::Result<StageReport> {
    let api = ctx.api()?;
    let mut report = StageReport::default();
    reconcile_intents(api, ctx, &mut report).await?;
    // An order whose buyer asked to cancel is never booked.
    let now = ctx.clock.now();
    for order_id in ctx.store.tx(|conn| Ok(store_orders::hold_cancel_requested(conn, now)?))? {
        report.held.push(Held { order_id, reason: "the buyer asked to cancel: not booked".into() });
    }
    let sized: Vec<PackageRow> = {
        let rows = store_orders::packages_in_state(ctx.store.conn(), PackageState::Sized)?;
        let held: std::collections::HashSet<String> = ctx.store.held_orders()?.into_iter().map(|(id, _, _)| id).collect();
        rows.into_iter().filter(|p| !held.contains(&p.order_id)).take(config.max_orders_per_run as usize).collect()
    };
    // Up to SCHEDULE_IN_FLIGHT orders at a time, so a slow or failed call of one order (a
    // timeout, a retry's backoff) is time another order's calls use; the token buckets stay the
    // only pace. Each order's own steps keep their order (intent committed before create), and
    // DuckDB writes never span an await, so orders never see each other's half-done work.
    // The first order goes alone: a missing role or refused credentials stop the stage after
    // that one order's calls, not after several in flight.
    let (store, clock) = (ctx.store, ctx.clock);
    let mut rest = sized.iter();
    if let Some(first) = rest.next() {
        report.merge(schedule_one(api, config, store, clock, first).await?);
    }
    let mut booked = futures_util::stream::iter(rest.map(|pkg| schedule_one(api, config, store, clock, pkg))).buffered(SCHEDULE_IN_FLIGHT);
    while let Some(one) = booked.next().await {
        report.merge(one?);
    }
    if config.documents_feed {
        request_documents(api, config, ctx, &mut report).await?;
    }
    Ok(report)
}

/// Intents whose outcome is unknown (a crash or a lost answer between recording the intent and
/// Amazon's reply): ask Amazon. A package means it was created: adopt it. None means it was not:
/// back to `sized`, to be scheduled again. Nothing is ever created twice.
async fn reconcile_intents(api: &SpApi, ctx: &mut RunCtx<'_>, report: &mut StageReport) -> anyhow::Result<()> {
    for pkg in store_orders::packages_in_state(ctx.store.conn(), PackageState::Intent)? {
        let now = ctx.clock.now();
        match api.get_scheduled_package(&pkg.order_id).await {
            Ok(found) => {
                ctx.store.tx(|conn| Ok(store_orders::set_scheduled(conn, &pkg.order_id, &scheduled_from(&found), now)?))?;
                report.add("intents_adopted", 1);
            }
            // No package: HTTP 404, or Easy Ship's codes for a missing resource or an order in
            // a state without one (the model answers a missing resource with 400 ResourceNotFound).
            Err(err)
                if err.status() == Some(404)
                    || matches!(err.easy_ship_code(), Some(EasyShipCode::ResourceNotFound | EasyShipCode::InvalidOrderState)) =>
            {
                ctx.store.tx(|conn| Ok(store_orders::revert_intent(conn, &pkg.order_id, now)?))?;
                report.add("intents_reverted", 1);
            }
            Err(err) if err.is_fatal() => return Err(err).context("getScheduledPackage failed"),
            Err(err) => {
                tracing::warn!(order_id = %pkg.order_id, error_class = err.class(), "Could not reconcile a scheduling intent; will retry next run.");
                report.add("intents_unresolved", 1);
            }
        }
    }
    Ok(())
}

fn refused(err: &ApiError) -> String {
    match err {
        ApiError::Api { status, errors, .. } => {
            // Codes only: Amazon's message text can echo order data and is never stored.
            let first = errors.first().map(|e| crate::docs::report::error_code(&e.code)).unwrap_or_else(|| "no error code".into());
            format!("Amazon refused ({status}) {first}")
        }
        other => format!("Amazon refused: {}", other.class()),
    }
}

/// How many orders are booked at once.
const SCHEDULE_IN_FLIGHT: usize = 3;

/// Book one order: list its slots, choose, record the intent, create, record the package.
async fn schedule_one(
    api: &SpApi,
    config: &SchedulePlan,
    store: &Store,
    clock: &dyn Clock,
    pkg: &PackageRow,
) -> anyhow::Result<StageReport> {
    let mut report = StageReport::default();
    book(api, config, store, clock, pkg, &mut report).await?;
    Ok(report)
}

async fn book(
    api: &SpApi,
    config: &SchedulePlan,
    store: &Store,
    clock: &dyn Clock,
    pkg: &PackageRow,
    report: &mut StageReport,
) -> anyhow::Result<()> {
    let order_id = pkg.order_id.clone();
    let dims = Dimensions::cm_spelled(pkg.dims_cm.0, pkg.dims_cm.1, pkg.dims_cm.2, api.units());
    let weight = Weight::grams_spelled(pkg.weight_g, api.units());
    let hold = |report: &mut StageReport, reason: String| -> anyhow::Result<()> {
        let now = clock.now();
        store.tx(|conn| Ok(store_orders::hold(conn, &order_id, &reason, now)?))?;
        tracing::warn!(order_id = %order_id, "Order held: it could not be scheduled.");
        report.held.push(Held { order_id: order_id.clone(), reason });
        Ok(())
    };
    let mut attempts = 0;
    loop {
        let list = ListHandoverSlotsRequest {
            marketplace_id: api.marketplace_id().to_owned(),
            amazon_order_id: order_id.clone(),
            package_dimensions: dims.clone(),
            package_weight: weight.clone(),
        };
        let slots = match api.list_handover_slots(&list).await {
            Ok(slots) => slots,
            Err(err) if err.is_fatal() => return Err(err).context("listHandoverSlots failed"),
            Err(err @ ApiError::Api { .. }) => return hold(report, refused(&err)),
            Err(err) => {
                tracing::warn!(order_id = %order_id, error_class = err.class(), "listHandoverSlots failed; will retry next run.");
                let reason = format!("listing pickup slots failed ({}); tried again next run", err.class());
                store.tx(|conn| Ok(store_orders::set_waiting(conn, &order_id, Some(&reason))?))?;
                report.add("failed_will_retry", 1);
                return Ok(());
            }
        };
        let now = clock.now();
        let ship_by = store_orders::ship_by(store.conn(), &order_id)?;
        let Some(slot) = choose_slot(&slots.time_slots, config, now, ship_by).cloned() else {
            return hold(report, "no handover slot matches the pipeline's slot policy".into());
        };
        let method = slot.handover_method.as_ref().map(|m| m.as_str().to_owned());
        store.tx(|conn| {
            Ok(store_orders::set_intent(conn, &order_id, &slot.slot_id, slot.start_time, slot.end_time, method.as_deref(), now)?)
        })?;
        let create = CreateScheduledPackageRequest {
            amazon_order_id: order_id.clone(),
            marketplace_id: api.marketplace_id().to_owned(),
            package_details: PackageDetails {
                package_items: Vec::new(),
                package_time_slot: slot.clone(),
                package_identifier: None,
                package_dimensions: Some(dims.clone()),
                package_weight: Some(weight.clone()),
            },
        };
        let result = match api.create_scheduled_package(&create).await {
            Err(err) if err.easy_ship_code() == Some(EasyShipCode::ScheduledPackageAlreadyExists) => {
                report.add("adopted", 1);
                api.get_scheduled_package(&order_id).await
            }
            // A 2xx whose body does not decode: the package exists; read it back.
            Err(ApiError::Decode { .. }) => {
                report.add("adopted_after_undecodable_answer", 1);
                api.get_scheduled_package(&order_id).await
            }
            other => other,
        };
        let now = clock.now();
        match result {
            Ok(created) => {
                let scheduled = scheduled_from(&created);
                let ship_by = store_orders::ship_by(store.conn(), &order_id)?;
                let late = matches!((scheduled.slot_start, ship_by), (Some(start), Some(by)) if start > by);
                store.tx(|conn| {
                    store_orders::set_scheduled(conn, &order_id, &scheduled, now)?;
                    store_orders::set_late(conn, &order_id, late)?;
                    store_orders::set_waiting(conn, &order_id, None)?;
                    store_orders::release(conn, &order_id)?;
                    Ok(())
                })?;
                if late {
                    report.add("booked_after_ship_by", 1);
                    tracing::warn!(order_id = %order_id, "No handover slot before the ship-by time: booked the earliest; `dakiya status` lists it as late.");
                }
                report.add("scheduled", 1);
                tracing::info!(order_id = %order_id, "Pickup scheduled.");
                return Ok(());
            }
            Err(err) if err.easy_ship_code().is_some_and(|c| c.relist_slots()) && attempts < config.max_slot_retries => {
                attempts += 1;
                store.tx(|conn| Ok(store_orders::revert_intent(conn, &order_id, now)?))?;
                report.add("slots_relisted", 1);
            }
            Err(err) if err.is_fatal() => return Err(err).context("createScheduledPackage failed"),
            Err(err @ ApiError::Api { .. }) => {
                store.tx(|conn| Ok(store_orders::revert_intent(conn, &order_id, now)?))?;
                return hold(report, refused(&err));
            }
            Err(err) => {
                // Outcome unknown: the intent stays; the next run asks Amazon and adopts or retries.
                tracing::warn!(order_id = %order_id, error_class = err.class(), "createScheduledPackage outcome unknown; will reconcile next run.");
                let reason = format!("booking outcome unknown ({}); checked with Amazon next run", err.class());
                store.tx(|conn| Ok(store_orders::set_waiting(conn, &order_id, Some(&reason))?))?;
                report.add("failed_will_retry", 1);
                return Ok(());
            }
        }
    }
}

/// A feed left in `intent` (killed, or createFeed's answer lost): ask Amazon which documents
/// feeds exist since the intent. One we do not know yet is ours: adopt it. None: the feed was
/// never created; its packages are asked for again. So a killed run never sends a second feed.
async fn reconcile_feed_intents(api: &SpApi, ctx: &mut RunCtx<'_>, report: &mut StageReport) -> anyhow::Result<()> {
    let intents = store_feeds::intents(ctx.store.conn())?;
    for (local_id, created_at) in intents {
        let listed = match api.get_documents_feeds_since(created_at - chrono::Duration::minutes(5)).await {
            Ok(listed) => listed,
            Err(err) if err.is_fatal() => return Err(err).context("getFeeds failed"),
            Err(err) => {
                tracing::warn!(error_class = err.class(), "Could not reconcile a documents feed; next run tries again.");
                return Ok(());
            }
        };
        let known = store_feeds::known_ids(ctx.store.conn())?;
        let ours = listed.feeds.into_iter().filter(|f| !known.contains(&f.feed_id)).min_by_key(|f| f.created_time);
        let now = ctx.clock.now();
        match ours {
            Some(feed) => {
                ctx.store.tx(|conn| Ok(store_feeds::set_submitted(conn, &local_id, &feed.feed_id)?))?;
                report.add("feeds_adopted", 1);
            }
            None => {
                ctx.store.tx(|conn| Ok(store_feeds::fail(conn, &local_id, now)?))?;
                report.add("feeds_never_created", 1);
            }
        }
    }
    Ok(())
}

/// One documents feed for every scheduled package that has not asked for its label yet.
async fn request_documents(api: &SpApi, config: &SchedulePlan, ctx: &mut RunCtx<'_>, report: &mut StageReport) -> anyhow::Result<()> {
    reconcile_feed_intents(api, ctx, report).await?;
    let conn = ctx.store.conn();
    let now = ctx.clock.now();
    let last_feed = store_feeds::last_created(conn)?;
    let (every, lead) = (config.documents_every, config.documents_lead);
    if last_feed.is_some_and(|t| now - t < every) {
        let urgent = store_feeds::urgent_without_documents(conn, now + lead, now)?;
        if urgent == 0 {
            report.add("documents_batched_for_later", 1);
            return Ok(());
        }
    }
    let orders = store_feeds::orders_without_documents(conn, now)?;
    if orders.is_empty() {
        return Ok(());
    }
    let merchant = ctx.config.seller.merchant_id.clone();
    if merchant.is_empty() {
        anyhow::bail!("config seller.merchant_id is empty: the documents feed needs the seller id");
    }
    let xml = easy_ship_documents_feed(&merchant, &orders)?;
    let doc = match api.create_feed_document(FEED_CONTENT_TYPE).await {
        Ok(doc) => doc,
        Err(err) if err.is_fatal() => return Err(err).context("createFeedDocument failed"),
        Err(err) => {
            tracing::warn!(error_class = err.class(), "Could not start the documents feed; next run tries again.");
            report.add("documents_feed_failed", 1);
            return Ok(());
        }
    };
    if let Err(err) = api.upload_feed_document(&doc.url, FEED_CONTENT_TYPE, xml).await {
        tracing::warn!(error_class = err.class(), "Could not upload the documents feed; next run tries again.");
        report.add("documents_feed_failed", 1);
        return Ok(());
    }
    let local_id = format!("feed-{}", uuid::Uuid::new_v4().simple());
    let now = ctx.clock.now();
    ctx.store.tx(|conn| Ok(store_feeds::record_intent(conn, &local_id, &doc.feed_document_id, &orders, now)?))?;
    let spec = CreateFeedSpecification {
        feed_type: EASYSHIP_DOCUMENTS_FEED.into(),
        marketplace_ids: vec![api.marketplace_id().to_owned()],
        input_feed_document_id: doc.feed_document_id.clone(),
    };
    match api.create_feed(&spec).await {
        Ok(feed) => {
            ctx.store.tx(|conn| Ok(store_feeds::set_submitted(conn, &local_id, &feed.feed_id)?))?;
            report.add("documents_requested", orders.len() as u64);
        }
        Err(err) if err.is_fatal() => return Err(err).context("createFeed failed"),
        Err(err) => {
            tracing::warn!(error_class = err.class(), "createFeed failed; next run asks again.");
            report.add("documents_feed_failed", 1);
        }
    }
    Ok(())
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

    fn at(day: u32, hour_ist: u32) -> DateTime<Utc> {
        use chrono::TimeZone as _;
        // 2026-12-06 is a Sunday.
        ist().with_ymd_and_hms(2026, 12, day, hour_ist, 0, 0).single().expect("time").with_timezone(&Utc)
    }

    fn slot(id: &str, start: DateTime<Utc>, method: Option<HandoverMethod>) -> TimeSlot {
        TimeSlot {
            slot_id: id.into(),
            start_time: Some(start),
            end_time: Some(start + chrono::Duration::hours(2)),
            handover_method: method,
        }
    }

    fn plan(policy: SlotPolicy, window: Option<&str>, handover: Handover, skip: &[&str]) -> SchedulePlan {
        let config = ScheduleConfig {
            slot_policy: policy,
            preferred_window: window.map(str::to_owned),
            handover,
            skip_days: skip.iter().map(|s| (*s).to_owned()).collect(),
            ..ScheduleConfig::default()
        };
        let mut cx = BuildCx::new(crate::stage::StageKind::Schedule, std::path::Path::new("."));
        let plan = config.build(&mut cx).expect("plan");
        assert!(cx.problems.is_empty(), "{:?}", cx.problems);
        plan
    }

    #[test]
    fn slot_choice_follows_policy_window_handover_and_skip_days() {
        let now = at(5, 8);
        let slots = vec![
            slot("sat-late", at(5, 16), Some(HandoverMethod::Pickup)),
            slot("sat-early", at(5, 10), Some(HandoverMethod::Dropoff)),
            slot("past", at(5, 6), Some(HandoverMethod::Pickup)),
            slot("sun", at(6, 9), Some(HandoverMethod::Pickup)),
            slot("mon-noon", at(7, 12), Some(HandoverMethod::Pickup)),
        ];
        let pick = |p: &SchedulePlan| choose_slot(&slots, p, now, None).map(|s| s.slot_id.clone());
        assert_eq!(
            pick(&plan(SlotPolicy::Earliest, None, Handover::Any, &[])).as_deref(),
            Some("sat-early"),
            "earliest of any method, never one already started"
        );
        assert_eq!(pick(&plan(SlotPolicy::Earliest, None, Handover::Pickup, &[])).as_deref(), Some("sat-late"), "pickup only");
        assert_eq!(pick(&plan(SlotPolicy::Earliest, None, Handover::Dropoff, &[])).as_deref(), Some("sat-early"));
        assert_eq!(
            pick(&plan(SlotPolicy::PreferredWindow, Some("11:00-13:00"), Handover::Pickup, &[])).as_deref(),
            Some("mon-noon"),
            "inside the window (India time)"
        );
        assert_eq!(
            pick(&plan(SlotPolicy::PreferredWindow, Some("20:00-21:00"), Handover::Pickup, &[])).as_deref(),
            Some("sat-late"),
            "no slot in the window: the earliest allowed"
        );
        assert_eq!(
            pick(&plan(SlotPolicy::Earliest, None, Handover::Pickup, &["Saturday"])).as_deref(),
            Some("sun"),
            "weekday names in any case"
        );
        assert_eq!(
            pick(&plan(SlotPolicy::Earliest, None, Handover::Pickup, &["saturday", "2026-12-06"])).as_deref(),
            Some("mon-noon"),
            "dates too"
        );
        assert_eq!(pick(&plan(SlotPolicy::Earliest, None, Handover::Dropoff, &["saturday"])), None, "nothing allowed: no slot");
    }

    #[test]
    fn a_slot_under_way_is_chosen_until_shortly_before_it_ends_and_never_after_the_ship_by_time_when_earlier_ones_exist() {
        let now = at(5, 11);
        let slots = vec![
            slot("under-way", at(5, 10), Some(HandoverMethod::Pickup)), // 10:00-12:00, an hour left
            slot("ending", at(5, 9), Some(HandoverMethod::Pickup)),     // 09:00-11:00, over
            slot("later", at(5, 16), Some(HandoverMethod::Pickup)),
            slot("next-week", at(12, 18), Some(HandoverMethod::Pickup)),
        ];
        let p = plan(SlotPolicy::Earliest, None, Handover::Pickup, &[]);
        assert_eq!(choose_slot(&slots, &p, now, None).map(|s| s.slot_id.as_str()), Some("under-way"));
        let at_end = at(5, 11) + chrono::Duration::minutes(31);
        assert_eq!(
            choose_slot(&slots, &p, at_end, None).map(|s| s.slot_id.as_str()),
            Some("later"),
            "within the margin of its end: not any more"
        );
        // A preferred window after the ship-by time loses to a slot before it.
        let late_window = plan(SlotPolicy::PreferredWindow, Some("18:00-19:00"), Handover::Pickup, &[]);
        let ship_by = Some(at(6, 0));
        assert_eq!(choose_slot(&slots, &late_window, now, ship_by).map(|s| s.slot_id.as_str()), Some("under-way"));
        assert_eq!(
            choose_slot(&slots, &late_window, now, None).map(|s| s.slot_id.as_str()),
            Some("next-week"),
            "without a ship-by the window wins"
        );
        // No slot by the ship-by time: the earliest anyway (the order is then flagged late).
        assert_eq!(choose_slot(&slots[3..], &p, now, ship_by).map(|s| s.slot_id.as_str()), Some("next-week"));
    }

    #[test]
    fn the_plan_has_real_types_and_every_problem_is_reported() {
        let config = ScheduleConfig {
            slot_policy: SlotPolicy::PreferredWindow,
            skip_days: vec!["funday".into(), "sun".into(), "2026-13-01".into()],
            max_orders_per_run: 0,
            ..ScheduleConfig::default()
        };
        let mut cx = BuildCx::new(crate::stage::StageKind::Schedule, std::path::Path::new("."));
        let _ = config.build(&mut cx);
        let keys: Vec<&str> = cx.problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["slot_policy", "skip_days", "skip_days", "max_orders_per_run"]);
        assert_eq!(SkipDay::parse("Sun"), Some(SkipDay::Weekday(chrono::Weekday::Sun)));
    }
}
