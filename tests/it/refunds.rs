//! The `refunds` stage end to end against the sandbox: a return and a partial refund posted days
//! after delivery reach the store once a day, PII-free, and the month's GST export nets them to
//! the paisa, whatever form Amazon's answers take (tax inside or on top, item ids or SKUs, a
//! window refused as too long, empty pages).

use std::sync::Arc;

use chrono::{Duration, TimeZone as _, Utc};
use dakiya::clock::Clock;
use dakiya::demo::{canary_hits, run_once, sandbox_config, write_embedded};
use dakiya::sandbox::{Dialect, SandboxOptions};
use dakiya::store::Store;

use crate::support::spapi::sandbox;

/// `one_read_a_day`: Amazon answers each day's window in one page.
async fn refunds_through_the_month(dialect: Dialect, one_read_a_day: bool) {
    let start = Utc.with_ymd_and_hms(2026, 11, 30, 2, 30, 0).single().expect("start");
    let sb = sandbox(SandboxOptions { seed: 5, orders: 12, start, rate_scale: 2000.0, dialect, ..SandboxOptions::default() }).await;
    sb.with_world_mut(|w| w.without_cancellations());
    let home = tempfile::tempdir().expect("home");
    let pipeline = write_embedded(home.path()).expect("pipeline");
    let config = sandbox_config(&sb, 2000.0);
    let clock: Arc<dyn Clock> = sb.clock();
    // Day 1 evening, then every few days to the middle of December.
    let mut runs = 0;
    for step in [Duration::hours(11), Duration::days(1), Duration::days(3), Duration::days(4), Duration::days(5)] {
        sb.advance(step);
        let report = run_once(home.path(), &pipeline, &config, Arc::clone(&clock)).await.expect("run");
        let stage =
            |r: &dakiya::runner::RunReport| r.stages.iter().find(|(name, _, _)| name == "refunds").map(|(_, s, _)| s.counts.clone());
        assert!(stage(&report).is_some_and(|c| c.contains_key("pages")), "{}", report.summary());
        runs += 1;
        // Runs within the day finish a window cut short by `max_pages`, then ask Amazon nothing.
        let mut done = false;
        for _ in 0..8 {
            let again = run_once(home.path(), &pipeline, &config, Arc::clone(&clock)).await.expect("again");
            if stage(&again).is_some_and(|c| c.get("not_due") == Some(&1)) {
                done = true;
                break;
            }
            assert!(!one_read_a_day, "{}", again.summary());
        }
        assert!(done, "the day's read completes");
    }
    let now = sb.clock().now();
    let refunds = sb.with_world(|w| w.refunds(now));
    assert!(refunds.len() >= 2, "the world's return and partial refund: {refunds:?}");
    let units: i64 = refunds.iter().flat_map(|r| &r.items).map(|(_, units, _, _)| units).sum();
    assert!(units >= 1 && refunds.iter().any(|r| r.items.iter().any(|(_, u, _, _)| *u == 0)), "a return and a price adjustment");
    // Expected credit, computed from the world, not by dakiya: value less the GST inside it.
    let taxable: i64 = refunds.iter().flat_map(|r| &r.items).map(|(_, _, value, tax)| value - tax).sum();
    let tax: i64 = refunds.iter().flat_map(|r| &r.items).map(|(_, _, _, tax)| tax).sum();

    let reads = sb.journal().iter().filter(|e| e.op == "listFinancialEvents" && e.status == 200).count();
    if one_read_a_day {
        assert_eq!(reads, runs, "one call a day, not one per order");
    } else {
        assert!(reads > runs, "{reads}");
    }

    let store = Store::open(home.path()).expect("store");
    let (stored, odd) = dakiya::store::refunds::counts(store.conn()).expect("counts");
    assert_eq!(odd, 0);
    assert_eq!(
        stored as usize,
        refunds.iter().map(|r| r.items.len()).sum::<usize>(),
        "each refunded item stored once, re-reads change nothing"
    );
    let catalog = dakiya::catalog::Catalog::parse(dakiya::demo::CATALOG_CSV).expect("catalogue");
    let settings = dakiya::gst::export::ExportSettings { seller_state: &config.seller.state_code, gst: &config.gst };
    let out = tempfile::tempdir().expect("out");
    let period = dakiya::gst::export::Period::month("2026-12").expect("december");
    let m = dakiya::gst::export::export(&store, &catalog, &settings, &period, &out.path().join("dec")).expect("export");
    let mut refunded: Vec<String> = refunds.iter().map(|r| r.order_id.clone()).collect();
    refunded.sort();
    let mut listed = m.lists.refunded_orders.clone();
    listed.sort();
    assert_eq!(listed, refunded, "{:?}", m.lists);
    // No December sales: the month is exactly the credit notes.
    assert_eq!(m.register_totals.taxable, -taxable, "{:?}", m.warnings);
    assert_eq!(m.register_totals.igst + m.register_totals.cgst + m.register_totals.sgst, -tax);
    assert!(
        m.warnings.iter().any(|w| w.contains("Refunds were read from Amazon up to")),
        "read to the month's middle, not its end: {:?}",
        m.warnings
    );
    assert!(canary_hits(out.path(), b"CANARY").expect("search").is_empty());
}

#[tokio::test]
async fn a_return_and_a_partial_refund_become_credit_notes_of_their_month() {
    refunds_through_the_month(Dialect::default(), true).await;
}

#[tokio::test]
async fn every_documented_form_of_the_finances_answer_gives_the_same_credit_notes() {
    refunds_through_the_month(
        Dialect {
            tax_inside_item: true,
            refund_order_item_ids: true,
            one_day_windows: true,
            empty_finance_pages: true,
            ..Dialect::default()
        },
        false,
    )
    .await;
}
