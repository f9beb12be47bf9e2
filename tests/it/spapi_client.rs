//! The SP-API client against the sandbox: tokens, RDTs, pagination, pacing, retries, https rule.

use std::sync::Arc;
use std::time::Instant;

use chrono::Duration;
use dakiya::clock::{Clock, FixedClock};
use dakiya::sandbox::{FaultKind, SandboxOptions};
use dakiya::spapi::limits::Op;
use dakiya::spapi::model::easy_ship::{Dimensions, ListHandoverSlotsRequest, Weight};
use dakiya::spapi::model::orders::parse_order;
use dakiya::spapi::{Error, SearchOrdersQuery, SpApi};

use crate::support::spapi::{client, client_options, credentials, sandbox};

fn ops(sb: &dakiya::sandbox::Sandbox, name: &str) -> Vec<(u16, String)> {
    sb.journal().into_iter().filter(|e| e.op == name).map(|e| (e.status, e.outcome)).collect()
}

fn query(sb: &dakiya::sandbox::Sandbox, page: u32) -> SearchOrdersQuery {
    SearchOrdersQuery {
        last_updated_after: sb.clock().now() - Duration::days(2),
        fulfilled_by: vec!["MERCHANT".into()],
        max_results_per_page: page,
    }
}

#[tokio::test]
async fn given_40_orders_and_pages_of_12_when_searching_then_4_pages_bring_each_order_once() {
    let sb = sandbox(SandboxOptions { rate_scale: 1000.0, ..SandboxOptions::default() }).await;
    sb.advance(Duration::hours(11));
    let api = client(&sb, 1000.0);
    let q = query(&sb, 12);
    let mut token = None;
    let mut ids = Vec::new();
    let mut pages = 0;
    loop {
        let page = api.search_orders(&q, token.as_deref()).await.expect("page");
        pages += 1;
        for raw in page.orders {
            ids.push(parse_order(raw).expect("order fits the model").order_id);
        }
        token = page.pagination.and_then(|p| p.next_token);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(pages, 4);
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 40);
    assert_eq!(ids.len(), 40);
    assert_eq!(ops(&sb, "lwaToken").len(), 1, "one token for all pages");
}

#[tokio::test]
async fn given_a_cached_token_expired_at_amazon_when_calling_then_it_refreshes_once_and_succeeds() {
    let sb = sandbox(SandboxOptions { rate_scale: 1000.0, ..SandboxOptions::default() }).await;
    sb.advance(Duration::hours(11));
    // The client's clock stands still, so its cache believes the token is fresh.
    let frozen: Arc<dyn Clock> = Arc::new(FixedClock::new(sb.clock().now()));
    let api = SpApi::new(client_options(&sb, 1000.0), credentials(), frozen).expect("client");
    api.get_order(&first_order(&sb)).await.expect("first call");
    sb.advance(Duration::hours(2));
    api.get_order(&first_order(&sb)).await.expect("call after expiry");
    let get = ops(&sb, "getOrder");
    assert_eq!(get.iter().filter(|(s, _)| *s == 403).count(), 1, "{get:?}");
    assert_eq!(ops(&sb, "lwaToken").len(), 2);
}

#[tokio::test]
async fn given_the_shared_clock_when_the_token_nears_expiry_then_it_is_renewed_before_use() {
    let sb = sandbox(SandboxOptions { rate_scale: 1000.0, ..SandboxOptions::default() }).await;
    sb.advance(Duration::hours(11));
    let api = client(&sb, 1000.0);
    api.get_order(&first_order(&sb)).await.expect("first");
    api.get_order(&first_order(&sb)).await.expect("cached");
    assert_eq!(ops(&sb, "lwaToken").len(), 1);
    sb.advance(Duration::minutes(59));
    api.get_order(&first_order(&sb)).await.expect("renewed");
    assert_eq!(ops(&sb, "lwaToken").len(), 2);
    assert!(ops(&sb, "getOrder").iter().all(|(s, _)| *s == 200));
}

fn first_order(sb: &dakiya::sandbox::Sandbox) -> String {
    sb.with_world(|w| w.orders.keys().next().cloned().expect("an order"))
}

#[tokio::test]
async fn given_a_restricted_document_when_fetched_then_an_rdt_is_used_and_cached() {
    let sb = sandbox(SandboxOptions { rate_scale: 1000.0, ..SandboxOptions::default() }).await;
    let api = client(&sb, 1000.0);
    // Without a report the document does not exist, but the RDT rule is checked first.
    let err = api.get_report_document("sbx-reportdoc-nope").await.expect_err("no such document");
    assert_eq!(err.status(), Some(404), "{err}");
    let _ = api.get_report_document("sbx-reportdoc-nope").await;
    let rdt = ops(&sb, "createRestrictedDataToken");
    assert_eq!(rdt.len(), 1, "the RDT is cached per path: {rdt:?}");
    let _ = api.get_report_document("sbx-reportdoc-other").await;
    assert_eq!(ops(&sb, "createRestrictedDataToken").len(), 2, "another path needs its own RDT");
}

#[tokio::test]
async fn given_a_burst_beyond_the_bucket_when_calling_then_pacing_avoids_every_429() {
    // getOrder: 0.5/s, burst 30. At scale 100: 50/s after the burst. 80 calls ⇒ ≥ 50/50 s = 1 s.
    let sb = sandbox(SandboxOptions { rate_scale: 100.0, ..SandboxOptions::default() }).await;
    sb.advance(Duration::hours(11));
    let api = client(&sb, 100.0);
    let id = first_order(&sb);
    let started = Instant::now();
    for _ in 0..80 {
        api.get_order(&id).await.expect("get");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let throttled = sb.journal().iter().filter(|e| e.status == 429).count();
    assert_eq!(throttled, 0);
    assert!(elapsed >= 0.95, "finished in {elapsed:.2}s: faster than the bucket allows");
    assert!(elapsed < 3.0, "finished in {elapsed:.2}s: far slower than the floor");
}

#[tokio::test]
async fn given_429_503_and_a_stall_when_calling_then_each_is_retried_to_success() {
    let sb = sandbox(SandboxOptions { rate_scale: 1000.0, stall: std::time::Duration::from_secs(3), ..SandboxOptions::default() }).await;
    sb.advance(Duration::hours(11));
    let api = client(&sb, 1000.0);
    let id = first_order(&sb);
    for kind in [FaultKind::Throttle, FaultKind::E503, FaultKind::E500, FaultKind::Stall, FaultKind::Truncate, FaultKind::Reset] {
        sb.inject(Op::GetOrder, kind);
        let order = api.get_order(&id).await.unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert!(order.order.get("orderId").is_some());
    }
    let calls = api.drain_calls();
    let failed: Vec<_> = calls.iter().filter(|c| c.op == Op::GetOrder && c.error_class.is_some()).collect();
    assert_eq!(failed.len(), 6, "{calls:?}");
}

#[tokio::test]
async fn given_a_400_when_calling_then_it_is_not_retried() {
    let sb = sandbox(SandboxOptions { rate_scale: 1000.0, ..SandboxOptions::default() }).await;
    sb.advance(Duration::hours(11));
    let api = client(&sb, 1000.0);
    let req = ListHandoverSlotsRequest {
        marketplace_id: api.marketplace_id().into(),
        amazon_order_id: first_order(&sb),
        package_dimensions: Dimensions::cm(10.0, 10.0, 10.0),
        package_weight: Weight::grams(5.0),
    };
    let err = api.list_handover_slots(&req).await.expect_err("5 g is below the 11 g minimum");
    assert!(matches!(&err, Error::Api { status: 400, .. }), "{err}");
    assert_eq!(ops(&sb, "listHandoverSlots").len(), 1);
}

#[tokio::test]
async fn given_persistent_throttling_when_calling_then_the_attempts_are_bounded() {
    let sb = sandbox(SandboxOptions { rate_scale: 1000.0, ..SandboxOptions::default() }).await;
    sb.advance(Duration::hours(11));
    let api = client(&sb, 1000.0);
    for _ in 0..10 {
        sb.inject(Op::GetOrder, FaultKind::Throttle);
    }
    let err = api.get_order(&first_order(&sb)).await.expect_err("always throttled");
    assert!(matches!(err, Error::Throttled { attempts: 4, .. }), "{err}");
    assert_eq!(ops(&sb, "getOrder").len(), 4);
}

#[tokio::test]
async fn given_plain_http_without_sandbox_mode_when_building_the_client_then_refused() {
    let sb = sandbox(SandboxOptions::default()).await;
    let mut opts = client_options(&sb, 1.0);
    opts.sandbox = false;
    let clock: Arc<dyn Clock> = sb.clock();
    let err = SpApi::new(opts, credentials(), clock).expect_err("http must be refused");
    assert!(matches!(err, Error::Insecure { .. }), "{err}");
}

#[tokio::test]
async fn given_wrong_credentials_when_calling_then_a_clear_auth_error() {
    let sb = sandbox(SandboxOptions::default()).await;
    let mut creds = credentials();
    creds.client_secret = secrecy::SecretString::from("wrong");
    let clock: Arc<dyn Clock> = sb.clock();
    let api = SpApi::new(client_options(&sb, 1000.0), creds, clock).expect("client");
    let err = api.get_order("402-0000000-0000001").await.expect_err("bad secret");
    assert!(matches!(&err, Error::Auth { status: 401, code: Some(c) } if c == "invalid_client"), "{err}");
    assert!(err.is_fatal());
}

#[test]
fn unknown_enum_values_do_not_fail_an_order() {
    let raw = serde_json::json!({
        "orderId": "402-1234567-1234567",
        "createdTime": "2026-11-29T10:00:00Z",
        "lastUpdatedTime": "2026-11-29T11:00:00Z",
        "programs": ["AMAZON_EASY_SHIP", "SOMETHING_NEW"],
        "salesChannel": { "channelName": "AMAZON" },
        "fulfillment": { "fulfillmentStatus": "ON_A_CAMEL" },
        "orderItems": [],
        "packages": [{ "packageReferenceId": "1", "packageStatus": { "status": "TELEPORTED", "detailedStatus": "BEAMED_UP" } }]
    });
    let order = parse_order(raw).expect("odd values are kept, not fatal");
    assert!(
        matches!(order.fulfillment.as_ref().map(|f| &f.fulfillment_status), Some(dakiya::spapi::model::orders::FulfillmentStatus::Unknown(s)) if s == "ON_A_CAMEL")
    );
    let broken = serde_json::json!({ "orderId": "402-1", "createdTime": "yesterday" });
    let odd = parse_order(broken).expect_err("does not fit");
    assert_eq!(odd.order_id.as_deref(), Some("402-1"));
    assert!(!odd.problem.contains("yesterday"), "no values in messages: {}", odd.problem);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_two_back_to_back_runs_at_amazons_published_rates_then_the_second_starts_from_the_first_runs_buckets_and_meets_no_429() {
    use dakiya::clock::{Clock, SystemClock};
    let real_now = SystemClock.now();
    // Half of the orders are visible to the first run, the other half appear for the second.
    let sb = crate::support::spapi::sandbox(dakiya::sandbox::SandboxOptions {
        seed: 70,
        orders: 12,
        start: real_now,
        first_order_at: Some(real_now - chrono::Duration::hours(1)),
        spread: chrono::Duration::hours(2),
        rate_scale: 1.0,
        ..dakiya::sandbox::SandboxOptions::default()
    })
    .await;
    sb.with_world_mut(|w| w.without_cancellations());
    let home = tempfile::tempdir().expect("home");
    let pipeline = dakiya::demo::write_embedded(home.path()).expect("pipeline");
    let mut config = dakiya::demo::sandbox_config(&sb, 1.0);
    config.spapi.timeout = std::time::Duration::from_secs(10);
    // dakiya's clock is real time, like the sandbox's token buckets.
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    dakiya::demo::run_once(home.path(), &pipeline, &config, Arc::clone(&clock)).await.expect("first run");
    let booked_first = sb.journal().iter().filter(|e| e.op == "createScheduledPackage" && e.status == 200).count();
    assert!(booked_first >= 4, "{booked_first}");
    sb.advance(chrono::Duration::hours(1));
    dakiya::demo::run_once(home.path(), &pipeline, &config, Arc::clone(&clock)).await.expect("second run");
    let booked = sb.journal().iter().filter(|e| e.op == "createScheduledPackage" && e.status == 200).count();
    assert!(booked >= booked_first + 4, "the second run booked the new orders: {booked_first} then {booked}");
    let throttled: Vec<_> = sb.journal().into_iter().filter(|e| e.status == 429).map(|e| e.op).collect();
    assert!(throttled.is_empty(), "no 429 at Amazon's published rates across runs: {throttled:?}");
}
