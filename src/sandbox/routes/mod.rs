//! The sandbox's HTTP handlers, one per Amazon operation (one file per API: `lwa`, `orders`,
//! `easy_ship`, `feeds`, `finances`), plus the pre-signed upload and download URLs; this file holds the
//! router and what every handler shares (the access gate, faults, errors, the journal). Each handler: fault draw → token bucket → early faults → auth → validation →
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

use super::{docs, Dialect, Exchange, FaultKind, Feed, Report, Shared, Token};
use crate::clock::Clock;
use crate::config::MARKETPLACE_IN;
use crate::sandbox::world::{Fate, PkgStatus, SimOrder, SimPackage, SimSlot};
use crate::spapi::limits::Op;
use crate::spapi::model::easy_ship::{CreateScheduledPackageRequest, ListHandoverSlotsRequest, UpdateScheduledPackagesRequest};
use crate::spapi::model::feeds::{CreateFeedDocumentSpecification, CreateFeedSpecification};
use crate::spapi::model::tokens::CreateRestrictedDataTokenRequest;

mod easy_ship;
mod feeds;
mod finances;
mod lwa;
mod orders;

use easy_ship::*;
use feeds::*;
use finances::*;
use lwa::*;
use orders::*;

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
        .route("/finances/v0/financialEvents", get(list_financial_events))
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
            shared.exchanges.lock().push(Exchange { method, path, request, status, response: bytes.to_vec() });
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
    // Amazon has answered `"message": null` (amzn/selling-partner-api-docs#3113).
    let message = if shared.options.dialect.null_error_messages { Value::Null } else { json!(message) };
    let body = json!({ "errors": [{ "code": code, "message": message }] });
    with_request_id(shared, (status, axum::Json(body)).into_response())
}

/// Draw a fault, apply the token bucket, early faults and auth. On success returns the late
/// fault to apply to the response.
fn gate(shared: &Shared, op: Op, headers: &HeaderMap, restricted: Option<(&str, &str)>, order: Option<&str>) -> Result<Fault, Response> {
    let forced = {
        let mut forced = shared.forced.lock();
        forced.iter().position(|(o, _)| *o == op).map(|idx| forced.remove(idx).1)
    };
    let fault: Fault = forced.or_else(|| {
        let mut rng = shared.faults.lock();
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
    let tokens = shared.tokens.lock();
    let denied = |details: &str| {
        shared.log(op.name(), order, 403, format!("denied: {details}"));
        let body =
            json!({ "errors": [{ "code": "Unauthorized", "message": "Access to requested resource is denied.", "details": details }] });
        with_request_id(shared, (StatusCode::FORBIDDEN, axum::Json(body)).into_response())
    };
    if shared.options.denied_ops.contains(&op) {
        return Err(denied("The application does not have the role required for this operation."));
    }
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
