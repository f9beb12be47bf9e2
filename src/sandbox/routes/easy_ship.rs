//! Easy Ship 2022-03-23: handover slots, scheduled packages, their updates.

#[allow(unused_imports)]
use super::*;

/// An Easy Ship time: UTC with `Z`, or with the India offset and no fractions (`+05:30`, as in
/// the real request of issue #4263) in that dialect.
fn es_time(d: &Dialect, t: DateTime<Utc>) -> String {
    if d.offset_times {
        t.with_timezone(&crate::clock::ist()).format("%Y-%m-%dT%H:%M:%S%:z").to_string()
    } else {
        iso(t)
    }
}

/// A handover method as this dialect spells it (`PICKUP` today; `Pickup` before October 2025 and
/// in the India guide's examples).
fn method(d: &Dialect, m: &str) -> String {
    if d.legacy_spellings {
        let mut chars = m.chars();
        chars.next().map(|c| c.to_string() + &chars.as_str().to_ascii_lowercase()).unwrap_or_default()
    } else {
        m.to_owned()
    }
}

pub(super) fn slot_json(d: &Dialect, slot: &SimSlot) -> Value {
    json!({ "slotId": slot.slot_id, "startTime": es_time(d, slot.start), "endTime": es_time(d, slot.end), "handoverMethod": method(d, slot.method) })
}

pub(super) fn package_json(d: &Dialect, order: &SimOrder, pkg: &SimPackage) -> Value {
    let (cm, grams) = if d.legacy_spellings { ("Cm", "G") } else { ("cm", "grams") };
    let mut v = json!({
        "scheduledPackageId": { "amazonOrderId": order.order_id, "packageId": pkg.package_id },
        "packageDimensions": { "length": pkg.dims.0, "width": pkg.dims.1, "height": pkg.dims.2, "unit": cm },
        "packageWeight": { "value": pkg.weight_g, "unit": grams },
        "packageTimeSlot": slot_json(d, &pkg.slot),
    });
    if d.sparse_packages {
        // Only what the model requires (and the invoice number, without its optional date).
        v["invoice"] = json!({ "invoiceNumber": pkg.invoice_number });
        return v;
    }
    v["packageItems"] = json!(order.items.iter().map(|i| json!({ "orderItemId": i.order_item_id })).collect::<Vec<_>>());
    v["invoice"] = json!({ "invoiceNumber": pkg.invoice_number, "invoiceDate": es_time(d, pkg.invoice_date) });
    v["packageStatus"] = json!(pkg.status.easy_ship());
    if let Some(t) = &pkg.tracking_id {
        v["trackingDetails"] = json!({ "trackingId": t });
    }
    v
}

/// Easy Ship's checks of an order before slots or scheduling.
pub(super) fn eligible(shared: &Shared, op: Op, order: Option<&SimOrder>, order_id: &str, now: DateTime<Utc>) -> Result<(), Response> {
    let Some(order) = order.filter(|o| o.created <= now) else {
        shared.log(op.name(), Some(order_id), 404, "order not found");
        return Err(error(shared, StatusCode::NOT_FOUND, "ResourceNotFound", "The specified amazonOrderId does not exist."));
    };
    match order.fulfillment_status(now) {
        "UNSHIPPED" => Ok(()),
        other => {
            shared.log(op.name(), Some(order_id), 404, format!("invalid order state {other}"));
            Err(error(
                shared,
                StatusCode::NOT_FOUND,
                "InvalidOrderState",
                "The request cannot be applied to the order in its current state.",
            ))
        }
    }
}

/// Units as the dialect accepts them: today's model (`cm`; `grams` or `g`), or the legacy spelling
/// (`Cm`; `G` or `Grams`), strictly, so a client sending the wrong one is caught.
pub(super) fn check_package_input(
    d: &Dialect,
    dims: &crate::spapi::model::easy_ship::Dimensions,
    weight: &crate::spapi::model::easy_ship::Weight,
) -> Result<(), &'static str> {
    let (cm, grams): (&[&str], &[&str]) = if d.legacy_spellings { (&["Cm"], &["G", "Grams"]) } else { (&["cm"], &["grams", "g"]) };
    let d_ok = [dims.length, dims.width, dims.height].iter().all(|d| d.is_some_and(|v| v >= 0.01))
        && dims.unit.as_deref().is_none_or(|u| cm.contains(&u));
    let w_ok = weight.value.is_some_and(|v| v >= 11.0) && weight.unit.as_deref().is_none_or(|u| grams.contains(&u));
    if !d_ok {
        return Err("packageDimensions need length, width and height of at least 0.01 in cm");
    }
    if !w_ok {
        return Err("packageWeight must be at least 11 grams");
    }
    Ok(())
}

pub(super) async fn list_handover_slots(State(shared): S, headers: HeaderMap, body: Bytes) -> Response {
    let op = Op::ListHandoverSlots;
    let req: Result<ListHandoverSlotsRequest, _> = serde_json::from_slice(&body);
    let order_hint = req.as_ref().ok().map(|r| r.amazon_order_id.clone());
    let fault = match gate(&shared, op, &headers, None, order_hint.as_deref()) {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let Ok(req) = req else { return invalid(&shared, op, None, "Request has missing or invalid parameters and cannot be processed.") };
    if req.amazon_order_id.is_empty() {
        return invalid(&shared, op, None, "amazonOrderId is required");
    }
    if req.marketplace_id != MARKETPLACE_IN {
        shared.log(op.name(), Some(&req.amazon_order_id), 400, "unknown marketplace");
        return error(&shared, StatusCode::BAD_REQUEST, "ResourceNotFound", "The specified marketplaceId does not exist.");
    }
    if let Err(msg) = check_package_input(&shared.options.dialect, &req.package_dimensions, &req.package_weight) {
        return invalid(&shared, op, Some(&req.amazon_order_id), msg);
    }
    let now = shared.clock.now();
    let slots = {
        let mut world = shared.world.lock();
        world.advance(now);
        if let Err(resp) = eligible(&shared, op, world.orders.get(&req.amazon_order_id), &req.amazon_order_id, now) {
            return resp;
        }
        world.offer_slots(&req.amazon_order_id, now)
    };
    shared.log(op.name(), Some(&req.amazon_order_id), 200, format!("{} slots{}", slots.len(), fault_note(fault)));
    let body = json!({ "amazonOrderId": req.amazon_order_id, "timeSlots": slots.iter().map(|s| slot_json(&shared.options.dialect, s)).collect::<Vec<_>>() });
    finish(&shared, op, fault, StatusCode::OK, body).await
}

/// Check a requested slot against what was offered to the order.
pub(super) fn check_slot(order: &SimOrder, slot_id: &str, now: DateTime<Utc>) -> Result<SimSlot, (&'static str, &'static str)> {
    match order.offered.iter().find(|s| s.slot_id == slot_id) {
        None => Err(("InvalidTimeSlotId", "The specified time slot identifier is not valid.")),
        Some(s) if s.start <= now => Err(("ScheduleWindowExpired", "The selected time slot has expired. Call listHandoverSlots again.")),
        Some(s) => Ok(s.clone()),
    }
}

pub(super) async fn create_package(State(shared): S, headers: HeaderMap, body: Bytes) -> Response {
    let op = Op::CreateScheduledPackage;
    let req: Result<CreateScheduledPackageRequest, _> = serde_json::from_slice(&body);
    let order_hint = req.as_ref().ok().map(|r| r.amazon_order_id.clone());
    let fault = match gate(&shared, op, &headers, None, order_hint.as_deref()) {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let Ok(req) = req else { return invalid(&shared, op, None, "Request has missing or invalid parameters and cannot be processed.") };
    if req.package_details.package_time_slot.slot_id.is_empty() {
        return invalid(&shared, op, Some(&req.amazon_order_id), "slotId is required");
    }
    if req.marketplace_id != MARKETPLACE_IN {
        shared.log(op.name(), Some(&req.amazon_order_id), 400, "unknown marketplace");
        return error(&shared, StatusCode::BAD_REQUEST, "ResourceNotFound", "The specified marketplaceId does not exist.");
    }
    let now = shared.clock.now();
    let order_id = req.amazon_order_id.clone();
    let result = {
        let mut world = shared.world.lock();
        world.advance(now);
        if world.orders.get(&order_id).is_some_and(|o| o.package.is_some()) {
            shared.log(op.name(), Some(&order_id), 400, "already scheduled");
            return error(&shared, StatusCode::BAD_REQUEST, "ScheduledPackageAlreadyExists", "The order has already been scheduled.");
        }
        if let Err(resp) = eligible(&shared, op, world.orders.get(&order_id), &order_id, now) {
            return resp;
        }
        let slot = match world.orders.get(&order_id).map(|o| check_slot(o, &req.package_details.package_time_slot.slot_id, now)) {
            Some(Ok(slot)) => slot,
            Some(Err((code, msg))) => {
                shared.log(op.name(), Some(&order_id), 400, format!("slot refused: {code}"));
                return error(&shared, StatusCode::BAD_REQUEST, code, msg);
            }
            None => return error(&shared, StatusCode::NOT_FOUND, "ResourceNotFound", "The specified amazonOrderId does not exist."),
        };
        let dims = req
            .package_details
            .package_dimensions
            .clone()
            .unwrap_or_else(|| crate::spapi::model::easy_ship::Dimensions::cm(20.0, 15.0, 10.0));
        let weight = req.package_details.package_weight.clone().unwrap_or_else(|| crate::spapi::model::easy_ship::Weight::grams(500.0));
        let package_id = world.new_package_id();
        let invoice_number = world.new_invoice_number(now);
        let pkg = SimPackage {
            package_id: package_id.clone(),
            slot,
            dims: (dims.length.unwrap_or(1.0), dims.width.unwrap_or(1.0), dims.height.unwrap_or(1.0)),
            weight_g: weight.value.unwrap_or(11.0),
            status: PkgStatus::ReadyForPickup,
            tracking_id: None,
            invoice_number,
            invoice_date: now,
            created: now,
            ship_time: None,
        };
        let order = world.orders.get_mut(&order_id);
        match order {
            Some(order) => {
                order.package = Some(pkg.clone());
                order.last_updated = now;
                Ok(package_json(&shared.options.dialect, order, &pkg))
            }
            None => Err(()),
        }
    };
    match result {
        Ok(body) => {
            shared.log(op.name(), Some(&order_id), 200, format!("created package{}", fault_note(fault)));
            finish(&shared, op, fault, StatusCode::OK, body).await
        }
        Err(()) => error(&shared, StatusCode::NOT_FOUND, "ResourceNotFound", "The specified amazonOrderId does not exist."),
    }
}

pub(super) async fn get_package(State(shared): S, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    let op = Op::GetScheduledPackage;
    let q = parse_query(raw);
    let order_id = q.get("amazonOrderId").cloned().unwrap_or_default();
    let fault = match gate(&shared, op, &headers, None, Some(&order_id)) {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    if order_id.is_empty() || order_id.len() > 255 {
        return invalid(&shared, op, None, "amazonOrderId is required");
    }
    if q.get("marketplaceId").map(String::as_str) != Some(MARKETPLACE_IN) {
        shared.log(op.name(), Some(&order_id), 400, "unknown marketplace");
        return error(&shared, StatusCode::BAD_REQUEST, "ResourceNotFound", "The specified marketplaceId does not exist.");
    }
    let now = shared.clock.now();
    let body = {
        let mut world = shared.world.lock();
        world.advance(now);
        world.orders.get(&order_id).and_then(|o| o.package.as_ref().map(|p| package_json(&shared.options.dialect, o, p)))
    };
    match body {
        Some(body) => {
            shared.log(op.name(), Some(&order_id), 200, format!("package{}", fault_note(fault)));
            finish(&shared, op, fault, StatusCode::OK, body).await
        }
        None => {
            shared.log(op.name(), Some(&order_id), 404, "no package");
            error(&shared, StatusCode::NOT_FOUND, "ResourceNotFound", "No scheduled package exists for this order.")
        }
    }
}

pub(super) async fn update_packages(State(shared): S, headers: HeaderMap, body: Bytes) -> Response {
    let op = Op::UpdateScheduledPackages;
    let fault = match gate(&shared, op, &headers, None, None) {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let Ok(req) = serde_json::from_slice::<UpdateScheduledPackagesRequest>(&body) else {
        return invalid(&shared, op, None, "Request has missing or invalid parameters and cannot be processed.");
    };
    if req.marketplace_id != MARKETPLACE_IN {
        return invalid(&shared, op, None, "marketplaceId is not valid");
    }
    if req.update_package_details_list.is_empty() || req.update_package_details_list.len() > 500 {
        return invalid(&shared, op, None, "updatePackageDetailsList must have 1 to 500 entries");
    }
    let now = shared.clock.now();
    let mut out = Vec::new();
    {
        let mut world = shared.world.lock();
        world.advance(now);
        for upd in &req.update_package_details_list {
            let order_id = &upd.scheduled_package_id.amazon_order_id;
            let Some(order) = world.orders.get_mut(order_id) else {
                shared.log(op.name(), Some(order_id), 404, "order not found");
                return error(&shared, StatusCode::NOT_FOUND, "ResourceNotFound", "The specified amazonOrderId does not exist.");
            };
            if order.package.as_ref().is_none_or(|p| p.status != PkgStatus::ReadyForPickup) {
                shared.log(op.name(), Some(order_id), 404, "not reschedulable");
                return error(
                    &shared,
                    StatusCode::NOT_FOUND,
                    "InvalidOrderState",
                    "The package cannot be rescheduled in its current state.",
                );
            }
            let slot = match check_slot(order, &upd.package_time_slot.slot_id, now) {
                Ok(slot) => slot,
                Err((code, msg)) => {
                    shared.log(op.name(), Some(order_id), 400, format!("slot refused: {code}"));
                    return error(&shared, StatusCode::BAD_REQUEST, code, msg);
                }
            };
            if order.fate == Fate::MissPickup {
                order.fate = Fate::Deliver;
            }
            order.last_updated = now;
            if let Some(pkg) = order.package.as_mut() {
                pkg.slot = slot;
            }
            if let Some(pkg) = order.package.clone() {
                out.push(package_json(&shared.options.dialect, order, &pkg));
            }
            shared.log(op.name(), Some(order_id), 200, format!("rescheduled{}", fault_note(fault)));
        }
    }
    finish(&shared, op, fault, StatusCode::OK, json!({ "packages": out })).await
}
