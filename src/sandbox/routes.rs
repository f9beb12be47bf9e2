//! The sandbox's HTTP handlers, one per Amazon operation, plus the pre-signed upload and
//! download URLs. Each handler: fault draw → token bucket → early faults → auth → validation →
//! effect → late faults (stall, truncated body, connection reset) → journal.
// A handler's refusal is the whole HTTP response (`Err(Response)`), as axum's extractors do.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rand::Rng as _;
use serde_json::{json, Value};

use super::world::{Fate, PkgStatus, SimOrder, SimPackage, SimSlot};
use super::{docs, Exchange, FaultKind, Feed, Report, Shared, Token};
use crate::clock::Clock;
use crate::config::MARKETPLACE_IN;
use crate::spapi::limits::Op;
use crate::spapi::model::easy_ship::{CreateScheduledPackageRequest, ListHandoverSlotsRequest, UpdateScheduledPackagesRequest};
use crate::spapi::model::feeds::{CreateFeedDocumentSpecification, CreateFeedSpecification};
use crate::spapi::model::tokens::CreateRestrictedDataTokenRequest;

type S = State<Arc<Shared>>;

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/auth/o2/token", post(lwa_token))
        .route("/orders/2026-01-01/orders", get(search_orders))
        .route("/orders/2026-01-01/orders/{order_id}", get(get_order))
        .route("/orders/v0/orders/{order_id}/shipmentConfirmation", post(confirm_shipment))
        .route("/easyShip/2022-03-23/timeSlot", post(list_handover_slots))
        .route("/easyShip/2022-03-23/package", post(create_package).get(get_package).patch(update_packages))
        .route("/feeds/2021-06-30/documents", post(create_feed_document))
        .route("/feeds/2021-06-30/feeds", post(create_feed).get(get_feeds))
        .route("/feeds/2021-06-30/feeds/{feed_id}", get(get_feed))
        .route("/feeds/2021-06-30/documents/{document_id}", get(get_feed_document))
        .route("/reports/2021-06-30/reports/{report_id}", get(get_report))
        .route("/reports/2021-06-30/documents/{document_id}", get(get_report_document))
        .route("/tokens/2021-03-01/restrictedDataToken", post(create_rdt))
        .route("/_presigned/upload/{document_id}", put(upload))
        .route("/_presigned/download/{document_id}", get(download))
        .layer(axum::middleware::from_fn_with_state(Arc::clone(&shared), record))
        .with_state(shared)
}

/// Keep request and response bodies when the sandbox records exchanges.
async fn record(State(shared): S, req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if !shared.options.record_exchanges {
        return next.run(req).await;
    }
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let (parts, body) = req.into_parts();
    let request = axum::body::to_bytes(body, 64 << 20).await.map(|b| b.to_vec()).unwrap_or_default();
    let resp = next.run(axum::extract::Request::from_parts(parts, Body::from(request.clone()))).await;
    let status = resp.status().as_u16();
    let (parts, body) = resp.into_parts();
    match axum::body::to_bytes(body, 64 << 20).await {
        Ok(bytes) => {
            shared.exchanges.lock().unwrap_or_else(|p| p.into_inner()).push(Exchange {
                method,
                path,
                request,
                status,
                response: bytes.to_vec(),
            });
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(_) => {
            // A reset fault: keep it a reset.
            let stream = futures_util::stream::iter(vec![Err::<Bytes, std::io::Error>(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "sandbox fault: connection reset",
            ))]);
            Response::from_parts(parts, Body::from_stream(stream))
        }
    }
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn rupees(paise: i64) -> String {
    crate::spapi::model::format_paise(paise)
}

fn money(paise: i64) -> Value {
    json!({ "amount": rupees(paise), "currencyCode": "INR" })
}

/// The fault chosen for one request, if any.
type Fault = Option<FaultKind>;

fn with_request_id(shared: &Shared, mut resp: Response) -> Response {
    if let Ok(v) = HeaderValue::from_str(&shared.next_id("sbx-req-")) {
        resp.headers_mut().insert("x-amzn-RequestId", v);
    }
    resp
}

fn error(shared: &Shared, status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "errors": [{ "code": code, "message": message }] });
    with_request_id(shared, (status, axum::Json(body)).into_response())
}

/// Draw a fault, apply the token bucket, early faults and auth. On success returns the late
/// fault to apply to the response.
fn gate(shared: &Shared, op: Op, headers: &HeaderMap, restricted: Option<(&str, &str)>, order: Option<&str>) -> Result<Fault, Response> {
    let forced = {
        let mut forced = shared.forced.lock().unwrap_or_else(|p| p.into_inner());
        forced.iter().position(|(o, _)| *o == op).map(|idx| forced.remove(idx).1)
    };
    let fault: Fault = forced.or_else(|| {
        let mut rng = shared.faults.lock().unwrap_or_else(|p| p.into_inner());
        if shared.options.fault_rate > 0.0 && rng.gen_bool(shared.options.fault_rate.clamp(0.0, 1.0)) {
            Some(match rng.gen_range(0..5) {
                0 => FaultKind::E500,
                1 => FaultKind::E503,
                2 => FaultKind::Stall,
                3 => FaultKind::Truncate,
                _ => FaultKind::Reset,
            })
        } else {
            None
        }
    });
    if let Some(limiter) = shared.limiters.get(&op) {
        if fault == Some(FaultKind::Throttle) || limiter.check().is_err() {
            shared.log(op.name(), order, 429, "throttled");
            return Err(error(
                shared,
                StatusCode::TOO_MANY_REQUESTS,
                "QuotaExceeded",
                "You exceeded your quota for the requested resource.",
            ));
        }
    }
    match fault {
        Some(FaultKind::E500) => {
            shared.log(op.name(), order, 500, "fault 500");
            return Err(error(
                shared,
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalFailure",
                "We encountered an internal error. Please try again.",
            ));
        }
        Some(FaultKind::E503) => {
            shared.log(op.name(), order, 503, "fault 503");
            return Err(error(
                shared,
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                "Service temporarily unavailable. Please try again.",
            ));
        }
        _ => {}
    }
    let token = headers.get("x-amz-access-token").and_then(|v| v.to_str().ok()).unwrap_or("");
    let now = shared.clock.now();
    let tokens = shared.tokens.lock().unwrap_or_else(|p| p.into_inner());
    let denied = |details: &str| {
        shared.log(op.name(), order, 403, format!("denied: {details}"));
        let body =
            json!({ "errors": [{ "code": "Unauthorized", "message": "Access to requested resource is denied.", "details": details }] });
        with_request_id(shared, (StatusCode::FORBIDDEN, axum::Json(body)).into_response())
    };
    match tokens.get(token) {
        None => return Err(denied("The access token you provided is revoked, malformed or invalid.")),
        Some(t) if t.expires_at <= now => return Err(denied("The access token you provided has expired.")),
        Some(t) => match (restricted, &t.restricted) {
            (Some((method, path)), Some((m, p))) if m == method && p == path => {}
            (Some(_), _) => return Err(denied("Access to the resource is forbidden: a Restricted Data Token for this path is required.")),
            (None, Some(_)) => {}
            (None, None) => {}
        },
    }
    Ok(fault)
}

/// Send `body` with `status`, applying a late fault.
async fn finish(shared: &Shared, op: Op, fault: Fault, status: StatusCode, body: Value) -> Response {
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    finish_bytes(shared, op, fault, status, bytes, "application/json").await
}

async fn finish_bytes(shared: &Shared, op: Op, fault: Fault, status: StatusCode, bytes: Vec<u8>, content_type: &'static str) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static(content_type));
    let resp = match fault {
        Some(FaultKind::Stall) => {
            tokio::time::sleep(shared.options.stall).await;
            (status, headers, bytes).into_response()
        }
        Some(FaultKind::Truncate) => {
            let cut = bytes.len() / 2;
            (status, headers, bytes[..cut].to_vec()).into_response()
        }
        Some(FaultKind::Reset) => {
            let half = Bytes::from(bytes[..bytes.len() / 2].to_vec());
            let stream = futures_util::stream::iter(vec![
                Ok::<Bytes, std::io::Error>(half),
                Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "sandbox fault: connection reset")),
            ]);
            (status, headers, Body::from_stream(stream)).into_response()
        }
        None | Some(FaultKind::Throttle) | Some(FaultKind::E500) | Some(FaultKind::E503) => (status, headers, bytes).into_response(),
    };
    let mut resp = with_request_id(shared, resp);
    // Like Amazon: the applied rate (unscaled, requests per second) on successful responses.
    if let Some((rate, _)) = op.published_limit().filter(|_| status.is_success()) {
        if let Ok(v) = HeaderValue::from_str(&rate.to_string()) {
            resp.headers_mut().insert("x-amzn-RateLimit-Limit", v);
        }
    }
    resp
}

fn fault_note(fault: Fault) -> &'static str {
    match fault {
        Some(FaultKind::Stall) => " (late fault: stall)",
        Some(FaultKind::Truncate) => " (late fault: truncated)",
        Some(FaultKind::Reset) => " (late fault: reset)",
        _ => "",
    }
}

fn parse_query(raw: Option<String>) -> HashMap<String, String> {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned().collect()
}

fn invalid(shared: &Shared, op: Op, order: Option<&str>, message: &str) -> Response {
    shared.log(op.name(), order, 400, format!("invalid: {message}"));
    error(shared, StatusCode::BAD_REQUEST, "InvalidInput", message)
}

// ---------------------------------------------------------------- Login with Amazon

async fn lwa_token(State(shared): S, body: String) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    if get("grant_type") != "refresh_token" {
        shared.log("lwaToken", None, 400, "unsupported grant");
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "unsupported_grant_type", "error_description": "grant_type must be refresh_token"})),
        )
            .into_response();
    }
    if get("client_id") != super::CLIENT_ID || get("client_secret") != super::CLIENT_SECRET {
        shared.log("lwaToken", None, 401, "invalid client");
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "invalid_client", "error_description": "Client authentication failed"})),
        )
            .into_response();
    }
    if get("refresh_token") != super::REFRESH_TOKEN {
        shared.log("lwaToken", None, 400, "invalid grant");
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(
                json!({"error": "invalid_grant", "error_description": "The request has an invalid grant parameter : refresh_token"}),
            ),
        )
            .into_response();
    }
    let token = format!("Atza|{}", shared.next_id("sbx-access-"));
    let expires_at = shared.clock.now() + Duration::seconds(shared.options.token_lifetime);
    shared.tokens.lock().unwrap_or_else(|p| p.into_inner()).insert(token.clone(), Token { expires_at, restricted: None });
    shared.log("lwaToken", None, 200, "issued access token");
    axum::Json(json!({ "access_token": token, "token_type": "bearer", "expires_in": shared.options.token_lifetime, "refresh_token": super::REFRESH_TOKEN })).into_response()
}

// ---------------------------------------------------------------- Orders

/// Render an order as Orders API 2026-01-01 returns it.
pub(super) fn order_json(o: &SimOrder, now: DateTime<Utc>, included: &[String], pii_role: bool) -> Value {
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
                v["proceeds"] = json!({
                    "proceedsTotal": money(item.total_paise()),
                    "breakdowns": [
                        { "type": "ITEM", "subtotal": money(item.total_paise()) },
                        { "type": "TAX", "subtotal": money(item.tax_paise()), "detailedBreakdowns": [ { "subtype": "ITEM", "value": money(item.tax_paise()) } ] },
                    ],
                });
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
            "breakdowns": [ { "type": "ITEM", "subtotal": money(o.total_paise()) }, { "type": "TAX", "subtotal": money(tax) } ],
        });
    }
    if has("FULFILLMENT") {
        order["fulfillment"] = json!({ "fulfillmentStatus": status, "fulfilledBy": "MERCHANT", "fulfillmentServiceLevel": "STANDARD" });
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

const INCLUDED: &[&str] = &[
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

fn included_data(q: &HashMap<String, String>) -> Result<Vec<String>, String> {
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

fn parse_time(q: &HashMap<String, String>, key: &str) -> Result<Option<DateTime<Utc>>, String> {
    match q.get(key) {
        None => Ok(None),
        Some(v) => {
            DateTime::parse_from_rfc3339(v).map(|t| Some(t.with_timezone(&Utc))).map_err(|_| format!("{key} is not an ISO 8601 date-time"))
        }
    }
}

async fn search_orders(State(shared): S, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
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
        let mut world = shared.world.lock().unwrap_or_else(|p| p.into_inner());
        world.advance(now);
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

fn search_page(
    world: &super::world::World,
    q: &HashMap<String, String>,
    now: DateTime<Utc>,
    included: &[String],
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
    let page: Vec<Value> =
        matching.iter().skip(offset).take(page_size).map(|o| order_json(o, now, included, world.options.pii_role)).collect();
    let n = page.len();
    let next = offset + n;
    let mut body = json!({ "orders": page, "createdBefore": iso(now - Duration::minutes(2)) });
    if next < matching.len() {
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{next}|{fingerprint}"));
        body["pagination"] = json!({ "nextToken": token });
    }
    Ok((body, n, offset))
}

async fn get_order(State(shared): S, headers: HeaderMap, Path(order_id): Path<String>, RawQuery(raw): RawQuery) -> Response {
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
        let mut world = shared.world.lock().unwrap_or_else(|p| p.into_inner());
        world.advance(now);
        let pii = world.options.pii_role;
        world.orders.get(&order_id).filter(|o| o.created <= now).map(|o| json!({ "order": order_json(o, now, &included, pii) }))
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

async fn confirm_shipment(State(shared): S, headers: HeaderMap, Path(order_id): Path<String>, body: Bytes) -> Response {
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

// ---------------------------------------------------------------- Easy Ship

fn slot_json(slot: &SimSlot) -> Value {
    json!({ "slotId": slot.slot_id, "startTime": iso(slot.start), "endTime": iso(slot.end), "handoverMethod": slot.method })
}

fn package_json(order: &SimOrder, pkg: &SimPackage) -> Value {
    let mut v = json!({
        "scheduledPackageId": { "amazonOrderId": order.order_id, "packageId": pkg.package_id },
        "packageDimensions": { "length": pkg.dims.0, "width": pkg.dims.1, "height": pkg.dims.2, "unit": "cm" },
        "packageWeight": { "value": pkg.weight_g, "unit": "grams" },
        "packageItems": order.items.iter().map(|i| json!({ "orderItemId": i.order_item_id })).collect::<Vec<_>>(),
        "packageTimeSlot": slot_json(&pkg.slot),
        "invoice": { "invoiceNumber": pkg.invoice_number, "invoiceDate": iso(pkg.invoice_date) },
        "packageStatus": pkg.status.easy_ship(),
    });
    if let Some(t) = &pkg.tracking_id {
        v["trackingDetails"] = json!({ "trackingId": t });
    }
    v
}

/// Easy Ship's checks of an order before slots or scheduling.
fn eligible(shared: &Shared, op: Op, order: Option<&SimOrder>, order_id: &str, now: DateTime<Utc>) -> Result<(), Response> {
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

fn check_package_input(
    dims: &crate::spapi::model::easy_ship::Dimensions,
    weight: &crate::spapi::model::easy_ship::Weight,
) -> Result<(), &'static str> {
    let d_ok = [dims.length, dims.width, dims.height].iter().all(|d| d.is_some_and(|v| v >= 0.01))
        && dims.unit.as_deref().is_none_or(|u| u == "cm");
    let w_ok = weight.value.is_some_and(|v| v >= 11.0) && weight.unit.as_deref().is_none_or(|u| u == "grams" || u == "g");
    if !d_ok {
        return Err("packageDimensions need length, width and height of at least 0.01 in cm");
    }
    if !w_ok {
        return Err("packageWeight must be at least 11 grams");
    }
    Ok(())
}

async fn list_handover_slots(State(shared): S, headers: HeaderMap, body: Bytes) -> Response {
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
    if let Err(msg) = check_package_input(&req.package_dimensions, &req.package_weight) {
        return invalid(&shared, op, Some(&req.amazon_order_id), msg);
    }
    let now = shared.clock.now();
    let slots = {
        let mut world = shared.world.lock().unwrap_or_else(|p| p.into_inner());
        world.advance(now);
        if let Err(resp) = eligible(&shared, op, world.orders.get(&req.amazon_order_id), &req.amazon_order_id, now) {
            return resp;
        }
        world.offer_slots(&req.amazon_order_id, now)
    };
    shared.log(op.name(), Some(&req.amazon_order_id), 200, format!("{} slots{}", slots.len(), fault_note(fault)));
    let body = json!({ "amazonOrderId": req.amazon_order_id, "timeSlots": slots.iter().map(slot_json).collect::<Vec<_>>() });
    finish(&shared, op, fault, StatusCode::OK, body).await
}

/// Check a requested slot against what was offered to the order.
fn check_slot(order: &SimOrder, slot_id: &str, now: DateTime<Utc>) -> Result<SimSlot, (&'static str, &'static str)> {
    match order.offered.iter().find(|s| s.slot_id == slot_id) {
        None => Err(("InvalidTimeSlotId", "The specified time slot identifier is not valid.")),
        Some(s) if s.start <= now => Err(("ScheduleWindowExpired", "The selected time slot has expired. Call listHandoverSlots again.")),
        Some(s) => Ok(s.clone()),
    }
}

async fn create_package(State(shared): S, headers: HeaderMap, body: Bytes) -> Response {
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
        let mut world = shared.world.lock().unwrap_or_else(|p| p.into_inner());
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
                Ok(package_json(order, &pkg))
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

async fn get_package(State(shared): S, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
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
        let mut world = shared.world.lock().unwrap_or_else(|p| p.into_inner());
        world.advance(now);
        world.orders.get(&order_id).and_then(|o| o.package.as_ref().map(|p| package_json(o, p)))
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

async fn update_packages(State(shared): S, headers: HeaderMap, body: Bytes) -> Response {
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
        let mut world = shared.world.lock().unwrap_or_else(|p| p.into_inner());
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
                out.push(package_json(order, &pkg));
            }
            shared.log(op.name(), Some(order_id), 200, format!("rescheduled{}", fault_note(fault)));
        }
    }
    finish(&shared, op, fault, StatusCode::OK, json!({ "packages": out })).await
}

// ---------------------------------------------------------------- Feeds and reports

fn presigned(shared: &Shared, kind: &str, id: &str) -> String {
    let base = shared.base_url.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let expires = (shared.clock.now() + Duration::minutes(5)).timestamp();
    format!("{base}/_presigned/{kind}/{id}?expires={expires}")
}

fn presigned_expired(shared: &Shared, raw: Option<String>) -> bool {
    let q = parse_query(raw);
    q.get("expires").and_then(|e| e.parse::<i64>().ok()).is_none_or(|e| shared.clock.now().timestamp() > e)
}

async fn create_feed_document(State(shared): S, headers: HeaderMap, body: Bytes) -> Response {
    let op = Op::CreateFeedDocument;
    let fault = match gate(&shared, op, &headers, None, None) {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let Ok(spec) = serde_json::from_slice::<CreateFeedDocumentSpecification>(&body) else {
        shared.log(op.name(), None, 400, "invalid");
        return error(&shared, StatusCode::BAD_REQUEST, "400", "Invalid input");
    };
    if spec.content_type.is_empty() {
        return error(&shared, StatusCode::BAD_REQUEST, "400", "contentType is required");
    }
    let id = shared.next_id("sbx-feeddoc-");
    let url = presigned(&shared, "upload", &id);
    shared.log(op.name(), None, 201, format!("feed document {id}{}", fault_note(fault)));
    finish(&shared, op, fault, StatusCode::CREATED, json!({ "feedDocumentId": id, "url": url })).await
}

async fn upload(State(shared): S, Path(document_id): Path<String>, RawQuery(raw): RawQuery, body: Bytes) -> Response {
    if presigned_expired(&shared, raw) {
        shared.log("uploadFeedDocument", None, 403, "URL expired");
        return (StatusCode::FORBIDDEN, "Request has expired").into_response();
    }
    shared.documents.lock().unwrap_or_else(|p| p.into_inner()).insert(document_id.clone(), (body.to_vec(), false));
    shared.log("uploadFeedDocument", None, 200, format!("uploaded {document_id}"));
    StatusCode::OK.into_response()
}

async fn create_feed(State(shared): S, headers: HeaderMap, body: Bytes) -> Response {
    let op = Op::CreateFeed;
    let fault = match gate(&shared, op, &headers, None, None) {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let Ok(spec) = serde_json::from_slice::<CreateFeedSpecification>(&body) else {
        shared.log(op.name(), None, 400, "invalid");
        return error(
            &shared,
            StatusCode::BAD_REQUEST,
            "400",
            "Invalid input: feedType, marketplaceIds (array) and inputFeedDocumentId are required",
        );
    };
    if spec.feed_type != "POST_EASYSHIP_DOCUMENTS" || spec.marketplace_ids.is_empty() || spec.marketplace_ids.len() > 25 {
        shared.log(op.name(), None, 400, "unsupported feed");
        return error(&shared, StatusCode::BAD_REQUEST, "400", "Invalid input");
    }
    if !shared.documents.lock().unwrap_or_else(|p| p.into_inner()).contains_key(&spec.input_feed_document_id) {
        shared.log(op.name(), None, 400, "document not uploaded");
        return error(&shared, StatusCode::BAD_REQUEST, "400", "The input feed document was not uploaded");
    }
    let feed_id = shared.next_id("5000");
    shared.feeds.lock().unwrap_or_else(|p| p.into_inner()).insert(
        feed_id.clone(),
        Feed {
            feed_id: feed_id.clone(),
            created: shared.clock.now(),
            document_id: spec.input_feed_document_id.clone(),
            polls: 0,
            result_document_id: None,
        },
    );
    shared.log(op.name(), None, 202, format!("feed {feed_id}{}", fault_note(fault)));
    finish(&shared, op, fault, StatusCode::ACCEPTED, json!({ "feedId": feed_id })).await
}

/// Process a finished documents feed: labels for scheduled orders, errors for the rest.
fn process_feed(shared: &Shared, feed: &mut Feed) {
    let content =
        shared.documents.lock().unwrap_or_else(|p| p.into_inner()).get(&feed.document_id).map(|d| d.0.clone()).unwrap_or_default();
    let messages = docs::feed_orders(&content).unwrap_or_default();
    let world = shared.world.lock().unwrap_or_else(|p| p.into_inner());
    let mut results = Vec::new();
    let mut files = Vec::new();
    for (message_id, order_id) in messages {
        match world.orders.get(&order_id).and_then(|o| o.package.as_ref().map(|p| (o, p))) {
            Some((order, pkg)) => {
                let label = docs::pdf(&[
                    format!("Amazon Easy Ship - {}", order.order_id),
                    format!("Package {}", pkg.package_id),
                    order.pii.name.clone(),
                    order.pii.line1.clone(),
                    order.pii.line2.clone(),
                    format!("{} {}", order.pii.city, order.pii.postal_code),
                    order.pii.phone.clone(),
                ]);
                let invoice = docs::pdf(&[
                    format!("Tax invoice {}", pkg.invoice_number),
                    format!("Order {}", order.order_id),
                    order.pii.name.clone(),
                ]);
                files.push((format!("{order_id}/ShippingLabel.pdf"), label));
                files.push((format!("{order_id}/Invoice.pdf"), invoice));
                results.push(docs::MessageResult { message_id, order_id, error: None });
            }
            None => {
                results.push(docs::MessageResult { message_id, order_id, error: Some("The order is not scheduled for Easy Ship.".into()) })
            }
        }
    }
    drop(world);
    let mut reference = None;
    if !files.is_empty() {
        let bundle = docs::tar(&files).unwrap_or_default();
        let report_doc = shared.next_id("sbx-reportdoc-");
        shared
            .documents
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(report_doc.clone(), (docs::gzip(&bundle).unwrap_or_default(), true));
        let report_id = shared.next_id("7000");
        shared
            .reports
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(report_id.clone(), Report { report_id: report_id.clone(), created: shared.clock.now(), document_id: report_doc });
        reference = Some(report_id);
    }
    let xml = docs::processing_report(super::MERCHANT_ID, &feed.feed_id, &results, reference.as_deref());
    let result_doc = shared.next_id("sbx-resultdoc-");
    shared
        .documents
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(result_doc.clone(), (docs::gzip(xml.as_bytes()).unwrap_or_default(), true));
    feed.result_document_id = Some(result_doc);
}

async fn get_feed(State(shared): S, headers: HeaderMap, Path(feed_id): Path<String>) -> Response {
    let op = Op::GetFeed;
    let fault = match gate(&shared, op, &headers, None, None) {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let body = {
        let mut feeds = shared.feeds.lock().unwrap_or_else(|p| p.into_inner());
        let Some(feed) = feeds.get_mut(&feed_id) else {
            drop(feeds);
            shared.log(op.name(), None, 404, "unknown feed");
            return error(&shared, StatusCode::NOT_FOUND, "404", "The feed was not found");
        };
        feed.polls += 1;
        let total = shared.options.feed_polls.max(1);
        let status = if feed.polls >= total {
            if feed.result_document_id.is_none() {
                process_feed(&shared, feed);
            }
            "DONE"
        } else if feed.polls * 2 >= total {
            "IN_PROGRESS"
        } else {
            "IN_QUEUE"
        };
        let mut v = json!({ "feedId": feed.feed_id, "feedType": "POST_EASYSHIP_DOCUMENTS", "marketplaceIds": [MARKETPLACE_IN], "createdTime": iso(feed.created), "processingStatus": status });
        if status == "DONE" {
            v["resultFeedDocumentId"] = json!(feed.result_document_id);
        }
        v
    };
    shared.log(op.name(), None, 200, format!("feed {feed_id} {}{}", body["processingStatus"], fault_note(fault)));
    finish(&shared, op, fault, StatusCode::OK, body).await
}

async fn get_feeds(State(shared): S, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    let op = Op::GetFeeds;
    let fault = match gate(&shared, op, &headers, None, None) {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let q = parse_query(raw);
    let since = match parse_time(&q, "createdSince") {
        Ok(s) => s.unwrap_or_else(|| shared.clock.now() - Duration::days(90)),
        Err(msg) => return invalid(&shared, op, None, &msg),
    };
    let types_ok = q.get("feedTypes").is_none_or(|t| t.split(',').any(|t| t == "POST_EASYSHIP_DOCUMENTS"));
    let mut feeds: Vec<Value> = shared
        .feeds
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .values()
        .filter(|f| types_ok && f.created >= since)
        .map(|f| {
            let status = if f.result_document_id.is_some() { "DONE" } else { "IN_QUEUE" };
            json!({ "feedId": f.feed_id, "feedType": "POST_EASYSHIP_DOCUMENTS", "marketplaceIds": [MARKETPLACE_IN], "createdTime": iso(f.created), "processingStatus": status })
        })
        .collect();
    feeds.sort_by(|a, b| a["createdTime"].as_str().cmp(&b["createdTime"].as_str()));
    shared.log(op.name(), None, 200, format!("{} feeds{}", feeds.len(), fault_note(fault)));
    finish(&shared, op, fault, StatusCode::OK, json!({ "feeds": feeds })).await
}

async fn get_feed_document(State(shared): S, headers: HeaderMap, Path(document_id): Path<String>) -> Response {
    let op = Op::GetFeedDocument;
    let fault = match gate(&shared, op, &headers, None, None) {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let gz = shared.documents.lock().unwrap_or_else(|p| p.into_inner()).get(&document_id).map(|d| d.1);
    let Some(gz) = gz else {
        shared.log(op.name(), None, 404, "unknown document");
        return error(&shared, StatusCode::NOT_FOUND, "404", "The document was not found");
    };
    let mut body = json!({ "feedDocumentId": document_id, "url": presigned(&shared, "download", &document_id) });
    if gz {
        body["compressionAlgorithm"] = json!("GZIP");
    }
    shared.log(op.name(), None, 200, format!("document{}", fault_note(fault)));
    finish(&shared, op, fault, StatusCode::OK, body).await
}

async fn get_report(State(shared): S, headers: HeaderMap, Path(report_id): Path<String>) -> Response {
    let op = Op::GetReport;
    let fault = match gate(&shared, op, &headers, None, None) {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let body = shared.reports.lock().unwrap_or_else(|p| p.into_inner()).get(&report_id).map(|r| {
        json!({ "reportId": r.report_id, "reportType": "GET_EASYSHIP_DOCUMENTS", "marketplaceIds": [MARKETPLACE_IN], "createdTime": iso(r.created), "processingStatus": "DONE", "processingStartTime": iso(r.created), "processingEndTime": iso(r.created), "reportDocumentId": r.document_id })
    });
    match body {
        Some(body) => {
            shared.log(op.name(), None, 200, format!("report{}", fault_note(fault)));
            finish(&shared, op, fault, StatusCode::OK, body).await
        }
        None => {
            shared.log(op.name(), None, 404, "unknown report");
            error(&shared, StatusCode::NOT_FOUND, "404", "The report was not found")
        }
    }
}

async fn get_report_document(State(shared): S, headers: HeaderMap, Path(document_id): Path<String>) -> Response {
    let op = Op::GetReportDocument;
    let path = format!("/reports/2021-06-30/documents/{document_id}");
    let fault = match gate(&shared, op, &headers, Some(("GET", &path)), None) {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let gz = shared.documents.lock().unwrap_or_else(|p| p.into_inner()).get(&document_id).map(|d| d.1);
    let Some(gz) = gz else {
        shared.log(op.name(), None, 404, "unknown document");
        return error(&shared, StatusCode::NOT_FOUND, "404", "The document was not found");
    };
    let mut body = json!({ "reportDocumentId": document_id, "url": presigned(&shared, "download", &document_id) });
    if gz {
        body["compressionAlgorithm"] = json!("GZIP");
    }
    shared.log(op.name(), None, 200, format!("document{}", fault_note(fault)));
    finish(&shared, op, fault, StatusCode::OK, body).await
}

async fn download(State(shared): S, Path(document_id): Path<String>, RawQuery(raw): RawQuery) -> Response {
    if presigned_expired(&shared, raw) {
        shared.log("downloadDocument", None, 403, "URL expired");
        return (StatusCode::FORBIDDEN, "Request has expired").into_response();
    }
    let doc = shared.documents.lock().unwrap_or_else(|p| p.into_inner()).get(&document_id).map(|d| d.0.clone());
    match doc {
        Some(bytes) => {
            shared.log("downloadDocument", None, 200, format!("downloaded {document_id}"));
            (StatusCode::OK, [("content-type", "application/octet-stream")], bytes).into_response()
        }
        None => (StatusCode::NOT_FOUND, "NoSuchKey").into_response(),
    }
}

async fn create_rdt(State(shared): S, headers: HeaderMap, body: Bytes) -> Response {
    let op = Op::CreateRestrictedDataToken;
    let fault = match gate(&shared, op, &headers, None, None) {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let req = serde_json::from_slice::<CreateRestrictedDataTokenRequest>(&body);
    let valid = req.as_ref().is_ok_and(|r| {
        !r.restricted_resources.is_empty()
            && r.restricted_resources.len() <= 50
            && r.restricted_resources
                .iter()
                .all(|res| ["GET", "PUT", "POST", "DELETE"].contains(&res.method.as_str()) && res.path.starts_with('/'))
    });
    let Ok(req) = req.map_err(|_| ()).and_then(|r| if valid { Ok(r) } else { Err(()) }) else {
        shared.log(op.name(), None, 400, "invalid");
        let body = json!({ "errors": [{ "code": "InvalidRequest", "message": "Request is missing or has invalid parameters", "details": "Resource not provided." }] });
        return with_request_id(&shared, (StatusCode::BAD_REQUEST, axum::Json(body)).into_response());
    };
    let token = format!("Atz.sprdt|{}", shared.next_id("sbx-rdt-"));
    let expires_at = shared.clock.now() + Duration::seconds(3600);
    // One RDT per resource list; the sandbox binds it to the first resource.
    let first = &req.restricted_resources[0];
    shared
        .tokens
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(token.clone(), Token { expires_at, restricted: Some((first.method.clone(), first.path.clone())) });
    shared.log(op.name(), None, 200, format!("rdt for {} {}{}", first.method, first.path, fault_note(fault)));
    finish(&shared, op, fault, StatusCode::OK, json!({ "restrictedDataToken": token, "expiresIn": 3600 })).await
}
