//! Orders API 2026-01-01 (`searchOrders`, `getOrder`) and Orders v0 `confirmShipment`.

#[allow(unused_imports)]
use super::*;

/// Render an order as Orders API 2026-01-01 returns it.
pub(super) fn order_json(o: &SimOrder, now: DateTime<Utc>, included: &[String], pii_role: bool, tax_inside: bool) -> Value {
    let has = |name: &str| included.iter().any(|i| i == name);
    let status = o.fulfillment_status(now);
    let mut programs = vec!["AMAZON_EASY_SHIP"];
    if o.business {
        programs.push("AMAZON_BUSINESS");
    }
    let mut order = json!({
        "orderId": o.order_id,
        "createdTime": iso(o.created),
        "lastUpdatedTime": iso(o.last_updated),
        "programs": programs,
        "salesChannel": { "channelName": "AMAZON", "marketplaceId": MARKETPLACE_IN, "marketplaceName": "Amazon.in" },
    });
    let items: Vec<Value> = o
        .items
        .iter()
        .map(|item| {
            let mut v = json!({
                "orderItemId": item.order_item_id,
                "quantityOrdered": item.quantity,
                "product": { "asin": item.asin, "title": item.title, "sellerSku": item.sku, "price": { "unitPrice": money(item.unit_price_paise) } },
            });
            if has("PROCEEDS") {
                // The buyer pays the same either way; only how Amazon splits it differs.
                let item_amount = if tax_inside { item.total_paise() } else { item.total_paise() - item.tax_paise() };
                v["proceeds"] = json!({
                    "proceedsTotal": money(item.total_paise()),
                    "breakdowns": [
                        { "type": "ITEM", "subtotal": money(item_amount) },
                        { "type": "TAX", "subtotal": money(item.tax_paise()), "detailedBreakdowns": [ { "subtype": "ITEM", "value": money(item.tax_paise()) } ] },
                    ],
                });
            }
            if has("CANCELLATION") && o.cancel_requested {
                // The reason is the buyer's words (PII-like free text): dakiya never keeps it.
                v["cancellation"] = json!({ "cancellationRequest": { "requester": "BUYER", "cancelReason": format!("{} changed their mind", o.pii.name) } });
            }
            if has("FULFILLMENT") {
                let mut f = json!({ "quantityFulfilled": 0, "quantityUnfulfilled": item.quantity });
                if o.cod {
                    f["shipping"] = json!({ "shippingConstraints": { "cashOnDelivery": "MANDATORY" } });
                }
                v["fulfillment"] = f;
            }
            v
        })
        .collect();
    order["orderItems"] = Value::Array(items);
    if has("RECIPIENT") && status != "PENDING" {
        let address = if pii_role {
            json!({
                "name": o.pii.name, "addressLine1": o.pii.line1, "addressLine2": o.pii.line2, "city": o.pii.city,
                "stateOrRegion": o.state_text, "postalCode": o.pii.postal_code, "countryCode": "IN", "phone": o.pii.phone,
                "addressType": "RESIDENTIAL",
            })
        } else {
            json!({ "stateOrRegion": o.state_text, "countryCode": "IN" })
        };
        order["recipient"] = json!({ "deliveryAddress": address });
    }
    if has("PROCEEDS") {
        let tax: i64 = o.items.iter().map(|i| i.tax_paise()).sum();
        order["proceeds"] = json!({
            "grandTotal": money(o.total_paise()),
            "breakdowns": [
                { "type": "ITEM", "subtotal": money(if tax_inside { o.total_paise() } else { o.total_paise() - tax }) },
                { "type": "TAX", "subtotal": money(tax) },
            ],
        });
    }
    if has("FULFILLMENT") {
        order["fulfillment"] = json!({
            "fulfillmentStatus": status,
            "fulfilledBy": "MERCHANT",
            "fulfillmentServiceLevel": "STANDARD",
            "shipByWindow": { "earliestDateTime": iso(o.created), "latestDateTime": iso(o.ship_by()) },
        });
    }
    if has("PACKAGES") {
        if let Some(pkg) = &o.package {
            let (st, detailed) = pkg.status.orders();
            let mut p = json!({
                "packageReferenceId": pkg.package_id,
                "createdTime": iso(pkg.created),
                "packageStatus": { "status": st, "detailedStatus": detailed },
                "carrier": "ATS",
            });
            if let Some(t) = pkg.ship_time {
                p["shipTime"] = json!(iso(t));
            }
            if let Some(tr) = &pkg.tracking_id {
                p["trackingNumber"] = json!(tr);
            }
            order["packages"] = json!([p]);
        }
    }
    order
}

pub(super) const INCLUDED: &[&str] = &[
    "BUYER",
    "RECIPIENT",
    "PROCEEDS",
    "EXPENSE",
    "PROMOTION",
    "CANCELLATION",
    "FULFILLMENT",
    "PACKAGES",
    "TAX",
    "PAYMENT",
    "FULFILLMENT_ORDERS",
];

pub(super) fn included_data(q: &HashMap<String, String>) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    if let Some(list) = q.get("includedData") {
        for v in list.split(',').filter(|s| !s.is_empty()) {
            if !INCLUDED.contains(&v) {
                return Err(format!("includedData value {v} is not valid"));
            }
            out.push(v.to_owned());
        }
    }
    Ok(out)
}

pub(super) fn parse_time(q: &HashMap<String, String>, key: &str) -> Result<Option<DateTime<Utc>>, String> {
    match q.get(key) {
        None => Ok(None),
        Some(v) => {
            DateTime::parse_from_rfc3339(v).map(|t| Some(t.with_timezone(&Utc))).map_err(|_| format!("{key} is not an ISO 8601 date-time"))
        }
    }
}

pub(super) async fn search_orders(State(shared): S, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    let op = Op::SearchOrders;
    let fault = match gate(&shared, op, &headers, None, None) {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let q = parse_query(raw);
    let now = shared.clock.now();
    let included = match included_data(&q) {
        Ok(i) => i,
        Err(msg) => return invalid(&shared, op, None, &msg),
    };
    let page_size: usize = match q.get("maxResultsPerPage").map(|v| v.parse::<usize>()) {
        None => 100,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => return invalid(&shared, op, None, "maxResultsPerPage must be between 1 and 100"),
    };
    let (created_after, updated_after) = match (parse_time(&q, "createdAfter"), parse_time(&q, "lastUpdatedAfter")) {
        (Ok(c), Ok(u)) => (c, u),
        (Err(m), _) | (_, Err(m)) => return invalid(&shared, op, None, &m),
    };
    if created_after.is_some() == updated_after.is_some() {
        return invalid(&shared, op, None, "Exactly one of createdAfter and lastUpdatedAfter must be provided");
    }
    let before = match parse_time(&q, if created_after.is_some() { "createdBefore" } else { "lastUpdatedBefore" }) {
        Ok(b) => b,
        Err(m) => return invalid(&shared, op, None, &m),
    };
    if before.is_some_and(|b| b > now - Duration::minutes(2)) {
        return invalid(&shared, op, None, "the before date must be at least 2 minutes before the request time");
    }
    if let Some(statuses) = q.get("fulfilledBy") {
        for s in statuses.split(',') {
            if s != "MERCHANT" && s != "AMAZON" {
                return invalid(&shared, op, None, "fulfilledBy must be MERCHANT or AMAZON");
            }
        }
    }
    let in_marketplace = q.get("marketplaceIds").is_none_or(|m| m.split(',').any(|id| id == MARKETPLACE_IN));
    let merchant = q.get("fulfilledBy").is_none_or(|m| m.split(',').any(|f| f == "MERCHANT"));
    // The parameters a pagination token is bound to.
    let mut bound: Vec<(String, String)> = q
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "paginationToken" | "maxResultsPerPage" | "includedData"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    bound.sort();
    let fingerprint = format!("{bound:?}");
    let computed = {
        let mut world = shared.world.lock();
        world.advance(now);
        let included = Included { names: &included, tax_inside: shared.options.dialect.tax_inside_item };
        search_page(&world, &q, now, &included, page_size, &fingerprint, (in_marketplace && merchant, created_after, updated_after, before))
    };
    let (body, n, offset) = match computed {
        Ok(parts) => parts,
        Err(msg) => return invalid(&shared, op, None, &msg),
    };
    shared.log(op.name(), None, 200, format!("{n} orders from offset {offset}{}", fault_note(fault)));
    finish(&shared, op, fault, StatusCode::OK, body).await
}

type Filter = (bool, Option<DateTime<Utc>>, Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// What a search asked to include, and how proceeds split tax (the dialect).
pub(super) struct Included<'a> {
    names: &'a [String],
    tax_inside: bool,
}

pub(super) fn search_page(
    world: &crate::sandbox::world::World,
    q: &HashMap<String, String>,
    now: DateTime<Utc>,
    included: &Included<'_>,
    page_size: usize,
    fingerprint: &str,
    (visible, created_after, updated_after, before): Filter,
) -> Result<(Value, usize, usize), String> {
    use base64::Engine as _;
    let offset = match q.get("paginationToken") {
        None => 0,
        Some(token) => {
            let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token).ok().and_then(|b| String::from_utf8(b).ok());
            match decoded.and_then(|d| d.split_once('|').map(|(o, f)| (o.to_owned(), f.to_owned()))) {
                Some((off, fp)) if fp == fingerprint => off.parse().unwrap_or(usize::MAX),
                _ => return Err("Invalid paginationToken: the other parameters must be identical to the original request".into()),
            }
        }
    };
    let mut matching: Vec<&SimOrder> = world
        .orders
        .values()
        .filter(|o| visible && o.created <= now)
        .filter(|o| match (created_after, updated_after) {
            (Some(c), _) => o.created >= c && before.is_none_or(|b| o.created <= b),
            (_, Some(u)) => o.last_updated >= u && before.is_none_or(|b| o.last_updated <= b),
            _ => false,
        })
        .collect();
    matching.sort_by(|a, b| (a.last_updated, &a.order_id).cmp(&(b.last_updated, &b.order_id)));
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(page_size)
        .map(|o| order_json(o, now, included.names, world.options.pii_role, included.tax_inside))
        .collect();
    let n = page.len();
    let next = offset + n;
    // The window's end: the `…Before` the search used, else two minutes ago (the model's rule).
    let end = iso(before.unwrap_or(now - Duration::minutes(2)));
    let mut body = if created_after.is_some() {
        json!({ "orders": page, "createdBefore": end })
    } else {
        json!({ "orders": page, "lastUpdatedBefore": end })
    };
    if next < matching.len() {
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{next}|{fingerprint}"));
        body["pagination"] = json!({ "nextToken": token });
    }
    Ok((body, n, offset))
}

pub(super) async fn get_order(State(shared): S, headers: HeaderMap, Path(order_id): Path<String>, RawQuery(raw): RawQuery) -> Response {
    let op = Op::GetOrder;
    let fault = match gate(&shared, op, &headers, None, Some(&order_id)) {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let q = parse_query(raw);
    let included = match included_data(&q) {
        Ok(i) => i,
        Err(msg) => return invalid(&shared, op, Some(&order_id), &msg),
    };
    let now = shared.clock.now();
    let body = {
        let mut world = shared.world.lock();
        world.advance(now);
        let pii = world.options.pii_role;
        world
            .orders
            .get(&order_id)
            .filter(|o| o.created <= now)
            .map(|o| json!({ "order": order_json(o, now, &included, pii, shared.options.dialect.tax_inside_item) }))
    };
    match body {
        Some(body) => {
            shared.log(op.name(), Some(&order_id), 200, format!("order{}", fault_note(fault)));
            finish(&shared, op, fault, StatusCode::OK, body).await
        }
        None => {
            shared.log(op.name(), Some(&order_id), 404, "not found");
            error(&shared, StatusCode::NOT_FOUND, "NotFound", "The requested order was not found.")
        }
    }
}

pub(super) async fn confirm_shipment(State(shared): S, headers: HeaderMap, Path(order_id): Path<String>, body: Bytes) -> Response {
    let op = Op::ConfirmShipment;
    let fault = match gate(&shared, op, &headers, None, Some(&order_id)) {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let detail = &v["packageDetail"];
    let ok = v["marketplaceId"].is_string()
        && ["packageReferenceId", "carrierCode", "trackingNumber", "shipDate"].iter().all(|k| detail[k].is_string())
        && detail["orderItems"].is_array()
        && detail["shipDate"].as_str().is_some_and(|d| DateTime::parse_from_rfc3339(d).is_ok());
    if !ok {
        shared.log(op.name(), Some(&order_id), 400, "invalid input");
        return error(&shared, StatusCode::BAD_REQUEST, "Invalid Input", "Invalid Input");
    }
    shared.log(op.name(), Some(&order_id), 204, format!("confirmed{}", fault_note(fault)));
    let mut resp = finish_bytes(&shared, op, fault, StatusCode::NO_CONTENT, Vec::new(), "application/json").await;
    *resp.status_mut() = StatusCode::NO_CONTENT;
    resp
}
