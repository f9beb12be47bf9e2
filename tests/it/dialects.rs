//! The full pipeline against every documented variant of Amazon's answers (`sandbox::Dialect`,
//! each with its source in docs/amazon-behaviour.md) and against all of them at once: every
//! booked order ends with its documents, booked once, its documents fetched once.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Duration, TimeZone as _, Utc};
use dakiya::clock::Clock;
use dakiya::demo::{run_once, sandbox_config, write_embedded};
use dakiya::sandbox::docs::ReportShape;
use dakiya::sandbox::{BundleShape, Dialect, SandboxOptions};
use dakiya::spapi::model::easy_ship::UnitSpelling;
use dakiya::store::{Store, DB_FILE};

use crate::support::spapi::sandbox;

async fn converges(name: &str, seed: u64, dialect: Dialect, units: UnitSpelling) {
    let start = Utc.with_ymd_and_hms(2026, 11, 30, 2, 30, 0).single().expect("start");
    let transient = dialect.transient_documents_error_every > 0;
    let sb = sandbox(SandboxOptions { seed, orders: 12, start, rate_scale: 2000.0, dialect, ..SandboxOptions::default() }).await;
    sb.with_world_mut(|w| w.without_cancellations());
    let home = tempfile::tempdir().expect("home");
    let pipeline = write_embedded(home.path()).expect("pipeline");
    let mut config = sandbox_config(&sb, 2000.0);
    config.spapi.unit_spelling = units;
    let clock: Arc<dyn Clock> = sb.clock();
    sb.advance(Duration::hours(11));
    let mut summaries = Vec::new();
    let mut waiting = Vec::new();
    for _ in 0..8 {
        let report =
            run_once(home.path(), &pipeline, &config, Arc::clone(&clock)).await.unwrap_or_else(|e| panic!("{name}: run failed: {e:#}"));
        summaries.push(report.summary());
        let store = Store::open_read_only(&home.path().join(DB_FILE)).expect("db");
        let mut stmt = store
            .conn()
            .prepare("SELECT order_id FROM packages WHERE state = 'scheduled' AND coalesce(docs_state, '') <> 'stored'")
            .expect("sql");
        waiting = stmt.query_map([], |r| r.get::<_, String>(0)).expect("rows").collect::<Result<Vec<_>, _>>().expect("ids");
        if waiting.is_empty() {
            break;
        }
        // Hourly runs; a retried documents request waits its backoff (an hour, doubling).
        sb.advance(Duration::hours(3));
    }
    assert!(waiting.is_empty(), "{name}: booked orders without their documents: {waiting:?}\n{}", summaries.join("\n"));
    let mut created = BTreeMap::<String, usize>::new();
    for e in sb.journal() {
        if e.op == "createScheduledPackage" && e.outcome.starts_with("created package") {
            *created.entry(e.order_id.expect("order")).or_default() += 1;
        }
    }
    assert!(created.len() >= 10, "{name}: {created:?}\n{}", summaries.join("\n"));
    assert!(created.values().all(|n| *n == 1), "{name}: booked once each: {created:?}");
    let asked = sb.documents_asked();
    for order in created.keys() {
        let n = asked.get(order).copied().unwrap_or(0);
        let expected = if transient { 1..=2 } else { 1..=1 };
        assert!(expected.contains(&n), "{name}: documents of {order} asked for {n} times");
    }
    if transient {
        assert!(asked.values().any(|n| *n == 2), "{name}: some orders met the transient 610013 and were asked again");
    }
    let store = Store::open_read_only(&home.path().join(DB_FILE)).expect("db");
    let docs: i64 = store.conn().query_row("SELECT count(*) FROM vault WHERE field LIKE 'doc:%'", [], |r| r.get(0)).expect("count");
    assert!(docs > 0, "{name}: documents stored (encrypted)");
    assert_eq!(store.columns_containing("CANARY").expect("sql"), Vec::new(), "{name}");
}

#[tokio::test]
async fn the_pipeline_converges_under_every_dialect_and_under_their_mix() {
    let base = Dialect::default();
    let cases: Vec<(&str, Dialect, UnitSpelling)> = vec![
        ("easy ship report, tar per order", base.clone(), UnitSpelling::Model),
        ("generic envelope report", Dialect { report: ReportShape::Envelope, ..base.clone() }, UnitSpelling::Model),
        ("transient 610013", Dialect { transient_documents_error_every: 2, ..base.clone() }, UnitSpelling::Model),
        ("tar with non-order folders", Dialect { bundle: BundleShape::TarNonOrderFolders, ..base.clone() }, UnitSpelling::Model),
        ("one combined PDF", Dialect { bundle: BundleShape::CombinedPdf, ..base.clone() }, UnitSpelling::Model),
        ("zip per order", Dialect { bundle: BundleShape::ZipPerOrder, ..base.clone() }, UnitSpelling::Model),
        ("legacy spellings", Dialect { legacy_spellings: true, ..base.clone() }, UnitSpelling::Legacy),
        ("+05:30 times", Dialect { offset_times: true, ..base.clone() }, UnitSpelling::Model),
        ("sparse packages", Dialect { sparse_packages: true, ..base.clone() }, UnitSpelling::Model),
        ("null error messages", Dialect { null_error_messages: true, ..base.clone() }, UnitSpelling::Model),
        ("all at once", Dialect::mix(), UnitSpelling::Legacy),
    ];
    for (idx, (name, dialect, units)) in cases.into_iter().enumerate() {
        converges(name, 40 + idx as u64, dialect, units).await;
    }
}

#[tokio::test]
async fn legacy_spellings_without_the_legacy_unit_setting_are_refused_by_amazon_and_held_with_the_code() {
    let start = Utc.with_ymd_and_hms(2026, 11, 30, 2, 30, 0).single().expect("start");
    let dialect = Dialect { legacy_spellings: true, ..Dialect::default() };
    let sb = sandbox(SandboxOptions { seed: 60, orders: 3, start, rate_scale: 2000.0, dialect, ..SandboxOptions::default() }).await;
    let home = tempfile::tempdir().expect("home");
    let pipeline = write_embedded(home.path()).expect("pipeline");
    let config = sandbox_config(&sb, 2000.0);
    sb.advance(Duration::hours(11));
    let clock: Arc<dyn Clock> = sb.clock();
    let report = run_once(home.path(), &pipeline, &config, clock).await.expect("run");
    let held: Vec<String> = report.stages.iter().flat_map(|(_, r, _)| r.held.iter().map(|h| h.reason.clone())).collect();
    assert!(!held.is_empty() && held.iter().all(|r| r.contains("InvalidInput")), "{held:?}");
    assert!(held.iter().all(|r| !r.contains("cm")), "codes only, never Amazon's text: {held:?}");
    // `dakiya status`, as a new user would run it, lists every one of them.
    let config_file = home.path().join("sandbox.toml");
    std::fs::write(&config_file, sb.config_toml()).expect("config");
    let mut cmd = crate::support::dakiya_bare();
    cmd.arg("--home").arg(home.path()).arg("--config").arg(&config_file).args(["status", "--json"]);
    let (code, out, err) = crate::support::run(cmd);
    assert_eq!(code, 0, "{err}");
    let status: serde_json::Value = serde_json::from_str(&out).expect("json");
    let not_booked = status["not_booked"].as_array().expect("list");
    assert_eq!(not_booked.len(), held.len(), "{out}");
    assert!(not_booked.iter().all(|l| l["reason"].as_str().is_some_and(|r| r.contains("InvalidInput"))), "{out}");
}

#[tokio::test]
async fn given_a_role_the_app_lacks_then_the_stage_stops_once_naming_the_role_and_holds_no_order() {
    let start = Utc.with_ymd_and_hms(2026, 11, 30, 2, 30, 0).single().expect("start");
    let sb = sandbox(SandboxOptions {
        seed: 61,
        orders: 6,
        start,
        rate_scale: 2000.0,
        denied_ops: vec![dakiya::spapi::limits::Op::ListHandoverSlots],
        ..SandboxOptions::default()
    })
    .await;
    let home = tempfile::tempdir().expect("home");
    let pipeline = write_embedded(home.path()).expect("pipeline");
    let config = sandbox_config(&sb, 2000.0);
    sb.advance(Duration::hours(11));
    let clock: Arc<dyn Clock> = sb.clock();
    let err = run_once(home.path(), &pipeline, &config, clock).await.expect_err("the run fails");
    let text = format!("{err:#}");
    assert!(text.contains("Direct-to-Consumer Shipping"), "names the role to add: {text}");
    assert_eq!(dakiya::outcome::exit_code_for_error(&err), 3);
    let slot_calls = sb.journal().iter().filter(|e| e.op == "listHandoverSlots").count();
    assert_eq!(slot_calls, 2, "one call and one retry with a fresh token, then the stage stops");
    let store = Store::open_read_only(&home.path().join(DB_FILE)).expect("db");
    assert!(store.held_orders().expect("held").iter().all(|(_, r, _)| !r.contains("Amazon refused")), "no order held for it one by one");
}

/// The GSTR-1 sheets of a few hourly runs against the sandbox speaking `dialect`.
async fn gst_sheets(dialect: Dialect) -> (BTreeMap<String, Vec<u8>>, dakiya::gst::export::Manifest) {
    let start = Utc.with_ymd_and_hms(2026, 11, 30, 2, 30, 0).single().expect("start");
    let sb = sandbox(SandboxOptions { seed: 7, orders: 12, start, rate_scale: 2000.0, dialect, ..SandboxOptions::default() }).await;
    sb.with_world_mut(|w| w.without_cancellations());
    let home = tempfile::tempdir().expect("home");
    let pipeline = write_embedded(home.path()).expect("pipeline");
    let config = sandbox_config(&sb, 2000.0);
    let clock: Arc<dyn Clock> = sb.clock();
    sb.advance(Duration::hours(11));
    for _ in 0..3 {
        run_once(home.path(), &pipeline, &config, Arc::clone(&clock)).await.expect("run");
        sb.advance(Duration::hours(3));
    }
    let store = Store::open(home.path()).expect("db");
    let catalog = dakiya::catalog::Catalog::parse(dakiya::demo::CATALOG_CSV).expect("catalogue");
    let gst = dakiya::config::GstConfig::default();
    let settings = dakiya::gst::export::ExportSettings { seller_state: "24", gst: &gst };
    let out = tempfile::tempdir().expect("out");
    let period = dakiya::gst::export::Period::range("2026-11-01..2026-12-31").expect("period");
    let m = dakiya::gst::export::export(&store, &catalog, &settings, &period, &out.path().join("x")).expect("export");
    let files = ["b2cs.csv", "b2cl.csv", "hsn(b2c).csv", "docs.csv", "eco.csv"]
        .iter()
        .map(|name| (name.to_string(), std::fs::read(out.path().join("x").join(name)).expect("file")))
        .collect();
    (files, m)
}

/// Amazon's model adds tax on top of ITEM; threads report ITEM with tax inside. The same sales
/// in either form give the same sheets to the paisa, and no order is left unreconciled.
#[tokio::test]
async fn tax_on_top_or_inside_item_gives_the_same_gst_sheets() {
    let (on_top, m1) = gst_sheets(Dialect::default()).await;
    let (inside, m2) = gst_sheets(Dialect { tax_inside_item: true, ..Dialect::default() }).await;
    assert!(m1.register_totals.taxable > 0, "{m1:?}");
    assert_eq!(m1.register_totals, m2.register_totals);
    for m in [&m1, &m2] {
        assert!(m.lists.unreconciled_orders.is_empty() && m.lists.tax_computed_orders.is_empty(), "{:?}", m.lists);
        assert!(m.lists.rate_mismatch_orders.is_empty() && m.lists.rate_unresolved_orders.is_empty(), "{:?}", m.lists);
    }
    for (name, bytes) in &on_top {
        assert_eq!(String::from_utf8_lossy(bytes), String::from_utf8_lossy(&inside[name]), "{name}");
    }
}
