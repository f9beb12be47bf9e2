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

/// Issue #16's end-to-end case: sandbox orders through November into December with a return and
/// a partial refund, a business order whose buyer GSTIN only Amazon's MTR B2B report names (read
/// with its personal columns, which are dropped), November and December exported: every order
/// item is reported once across the two months, the business order moves to Table 4A with the
/// GSTIN while other business orders stay B2B candidates, December is exactly the world's credit
/// notes to the paisa, and no personal field is in any file or table.
#[tokio::test]
async fn sandbox_refunds_and_an_mtr_with_personal_fields_export_to_the_paisa_with_no_pii() {
    let start = Utc.with_ymd_and_hms(2026, 11, 30, 2, 30, 0).single().expect("start");
    let sb = sandbox(SandboxOptions { seed: 5, orders: 12, start, rate_scale: 2000.0, ..SandboxOptions::default() }).await;
    // An order placed at 23:50 India time on 30 November, after that day's last run: nobody books
    // it before the month ends, so it has no invoice in November and is invoiced (and reported)
    // on 1 December, when the next run books it.
    let before_midnight = Utc.with_ymd_and_hms(2026, 11, 30, 18, 20, 0).single().expect("23:50 IST");
    sb.with_world_mut(|w| {
        w.generate(1, before_midnight);
        w.without_cancellations();
    });
    let home = tempfile::tempdir().expect("home");
    let pipeline = write_embedded(home.path()).expect("pipeline");
    let config = sandbox_config(&sb, 2000.0);
    let clock: Arc<dyn Clock> = sb.clock();
    for step in [Duration::hours(11), Duration::days(1), Duration::days(3), Duration::days(4), Duration::days(5), Duration::days(20)] {
        sb.advance(step);
        for _ in 0..4 {
            run_once(home.path(), &pipeline, &config, Arc::clone(&clock)).await.expect("run");
        }
    }
    let now = sb.clock().now();
    let refunds = sb.with_world(|w| w.refunds(now));
    assert!(refunds.len() >= 2, "{refunds:?}");
    let taxable: i64 = refunds.iter().flat_map(|r| &r.items).map(|(_, _, value, tax)| value - tax).sum();

    let store = Store::open(home.path()).expect("store");
    // The world's business orders; the first gets a GSTIN in Amazon's MTR B2B report.
    let business: Vec<(String, String, String, String)> = {
        let mut stmt = store
            .conn()
            .prepare(
                "SELECT o.order_id, p.invoice_number, strftime(p.invoice_date, '%Y-%m-%d'), i.sku FROM orders o
                 JOIN packages p USING (order_id) JOIN order_items i USING (order_id)
                 WHERE o.is_business AND p.invoice_number IS NOT NULL ORDER BY o.order_id",
            )
            .expect("sql");
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).expect("rows").collect::<Result<_, _>>().expect("business")
    };
    assert!(!business.is_empty(), "the world has a business order");
    let (b2b_order, invoice, day, sku) = business[0].clone();
    let mtr_dir = tempfile::tempdir().expect("mtr");
    let mtr = crate::gst::mtr_file(
        mtr_dir.path(),
        "MTR_B2B-NOVEMBER-2026.csv",
        "mtr-b2b-header.csv",
        &[vec![
            ("Transaction Type", "Shipment"),
            ("Order Id", &b2b_order),
            ("Invoice Number", &invoice),
            ("Invoice Date", &day),
            ("Sku", &sku),
            ("Quantity", "1"),
            ("Buyer Name", "CANARY-BUYER-E2E"),
            ("Bill To City", "CANARY-CITY-E2E"),
            ("Bill To Postalcode", "CANARY-PIN-E2E"),
            ("Ship To City", "CANARY-SCITY-E2E"),
            ("Ship To Postal Code", "CANARY-SPIN-E2E"),
            ("Customer Bill To Gstid", "07AAACB1234F1ZB"),
        ]],
    );
    let catalog = dakiya::catalog::Catalog::parse(dakiya::demo::CATALOG_CSV).expect("catalogue");
    let done = dakiya::gst::mtr::import(&store, &catalog, &config.seller.state_code, &[mtr], now).expect("import");
    assert!(done.dropped.contains(&"Buyer Name".to_owned()) && done.dropped.contains(&"Ship To City".to_owned()), "{:?}", done.dropped);

    let settings = dakiya::gst::export::ExportSettings { seller_state: &config.seller.state_code, gst: &config.gst };
    let out = tempfile::tempdir().expect("out");
    let mut keys: Vec<String> = Vec::new();
    let mut manifests = Vec::new();
    for month in ["2026-11", "2026-12"] {
        let period = dakiya::gst::export::Period::month(month).expect("month");
        let m = dakiya::gst::export::export(&store, &catalog, &settings, &period, &out.path().join(month)).expect("export");
        let register = std::fs::read_to_string(out.path().join(month).join("sales-register.csv")).expect("register");
        keys.extend(register.lines().skip(1).filter_map(|l| l.split(',').next()).map(|k| k.trim_start_matches('\u{feff}').to_owned()));
        manifests.push(m);
    }
    // Every sale line once across the two months, every credit line once.
    let mut sorted = keys.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), keys.len(), "a line reported twice across periods");
    let items: i64 = store.conn().query_row("SELECT count(*) FROM order_items", [], |r| r.get(0)).expect("items");
    let sales = keys.iter().filter(|k| !k.starts_with("REFUND:")).count() as i64;
    let credits = keys.iter().filter(|k| k.starts_with("REFUND:")).count();
    assert_eq!(sales, items, "every order item in exactly one month");
    assert_eq!(credits, refunds.iter().map(|r| r.items.len()).sum::<usize>());
    // The order placed before midnight: not in November's register, in December's with its
    // invoice of 1 December and its order date of 30 November.
    let late_order: String = store
        .conn()
        .query_row("SELECT order_id FROM orders WHERE purchase_date = ?", [before_midnight.naive_utc()], |r| r.get(0))
        .expect("the order placed before midnight");
    let month_rows = |month: &str| register_rows(&out.path().join(month));
    assert!(!month_rows("2026-11").iter().any(|r| r["amazon_order_id"] == late_order), "invoiced in December, reported in November");
    let december: Vec<_> =
        month_rows("2026-12").into_iter().filter(|r| r["amazon_order_id"] == late_order && r["event"] == "SALE").collect();
    assert!(!december.is_empty(), "the order placed before midnight is in December's register");
    for r in &december {
        assert_eq!(
            (r["invoice_date"].as_str(), r["order_date"].as_str(), r["gstr1_section"].as_str()),
            ("2026-12-01", "2026-11-30", "B2CS"),
            "{r:?}"
        );
    }
    // The MTR's B2B order is in Table 4A of its invoice's month with the GSTIN; the others stay candidates.
    let month_of_b2b = if day.starts_with("2026-11") { 0 } else { 1 };
    let m = &manifests[month_of_b2b];
    assert_eq!(m.lists.mtr_b2b_orders, std::slice::from_ref(&b2b_order));
    assert!(!m.lists.b2b_candidate_orders.contains(&b2b_order));
    let label = ["2026-11", "2026-12"][month_of_b2b];
    let b2b_rows = std::fs::read_to_string(out.path().join(label).join("b2b,sez,de.csv")).expect("b2b");
    assert!(b2b_rows.lines().nth(1).is_some_and(|l| l.starts_with(&format!("07AAACB1234F1ZB,,{invoice},"))), "{b2b_rows}");
    let candidates: usize = manifests.iter().map(|m| m.lists.b2b_candidate_orders.len()).sum();
    assert_eq!(candidates, business.iter().map(|b| &b.0).collect::<std::collections::BTreeSet<_>>().len() - 1);
    // December's credit notes are the world's refunds to the paisa (taxable = value − GST inside).
    let dec = &manifests[1];
    let sections: i64 = dec.section_totals.values().map(|t| t.taxable).sum();
    assert_eq!(sections, dec.register_totals.taxable, "the sections add up to the register's total");
    let refunded_taxable: i64 = register_rows(&out.path().join("2026-12"))
        .iter()
        .filter(|r| r["line_key"].starts_with("REFUND:"))
        .map(|r| {
            let v = r["taxable_value"].as_str();
            let (rupees, paise) = v.trim_start_matches('-').split_once('.').expect("decimal");
            let paise = rupees.parse::<i64>().expect("rupees") * 100 + paise.parse::<i64>().expect("paise");
            if v.starts_with('-') {
                -paise
            } else {
                paise
            }
        })
        .sum();
    assert_eq!(refunded_taxable, -taxable, "credit lines to the paisa");
    // No personal field anywhere: files (the workbook's XML too) and every text column.
    assert!(canary_hits(out.path(), b"CANARY").expect("search").is_empty());
    assert!(canary_hits(home.path(), b"CANARY-BUYER-E2E").expect("search").is_empty());
    for canary in ["CANARY-BUYER-E2E", "CANARY-CITY-E2E", "CANARY-PIN-E2E", "CANARY-SCITY-E2E", "CANARY-SPIN-E2E"] {
        assert!(store.columns_containing(canary).expect("sql").is_empty(), "{canary} in a table");
    }
    // The hourly run gave every item and package its order's purchase date (schema v9): the
    // export read the store in month chunks, not in one piece.
    let (copied, wrong): (i64, i64) = store
        .conn()
        .query_row(
            "SELECT (SELECT count(*) FROM order_items WHERE purchase_date IS NOT NULL) + (SELECT count(*) FROM packages WHERE purchase_date IS NOT NULL),
                    (SELECT count(*) FROM order_items i JOIN orders o USING (order_id) WHERE i.purchase_date IS DISTINCT FROM o.purchase_date)
                  + (SELECT count(*) FROM packages p JOIN orders o USING (order_id) WHERE p.purchase_date IS DISTINCT FROM o.purchase_date)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("copies");
    assert!(copied > 0, "items and packages carry purchase dates");
    assert_eq!(wrong, 0, "every copy is its order's purchase date");
}

/// The register an export wrote into `dir`, one map of column to cell per line (the register
/// holds no commas inside cells).
fn register_rows(dir: &std::path::Path) -> Vec<std::collections::HashMap<String, String>> {
    let text = std::fs::read_to_string(dir.join("sales-register.csv")).expect("register");
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().expect("header").trim_start_matches('\u{feff}').split(',').map(str::to_owned).collect();
    lines.map(|l| header.iter().cloned().zip(l.split(',').map(str::to_owned)).collect()).collect()
}

/// Issue #16 end to end across the rate change of 22 September 2025 (the 12 % and 28 % slabs
/// removed, 9/2025-IT(Rate)): sandbox orders placed and booked on the 21st and on the 22nd, the
/// month exported. Every line carries the rate in force on its invoice day, from a table written
/// here by hand from the notification (not from the catalogue code): Amazon's tax, the
/// catalogue's date-effective rate and the sheet agree, nothing is flagged as a mismatch, and
/// Table 7 has rows at both the old and the new rates.
#[tokio::test]
async fn sandbox_orders_across_the_rate_change_carry_the_rate_of_their_invoice_day() {
    // 08:00 India time on the 21st; the world's orders come over ten hours, the runs at 19:00.
    let start = Utc.with_ymd_and_hms(2025, 9, 21, 2, 30, 0).single().expect("start");
    let sb = sandbox(SandboxOptions { seed: 11, orders: 10, start, rate_scale: 2000.0, ..SandboxOptions::default() }).await;
    sb.with_world_mut(|w| {
        w.generate(10, start + Duration::days(1));
        w.without_cancellations();
    });
    let home = tempfile::tempdir().expect("home");
    let pipeline = write_embedded(home.path()).expect("pipeline");
    let config = sandbox_config(&sb, 2000.0);
    let clock: Arc<dyn Clock> = sb.clock();
    for step in [Duration::hours(11), Duration::days(1), Duration::days(3), Duration::days(5)] {
        sb.advance(step);
        for _ in 0..4 {
            run_once(home.path(), &pipeline, &config, Arc::clone(&clock)).await.expect("run");
        }
    }
    let store = Store::open(home.path()).expect("store");
    let catalog = dakiya::catalog::Catalog::parse(dakiya::demo::CATALOG_CSV).expect("catalogue");
    let settings = dakiya::gst::export::ExportSettings { seller_state: &config.seller.state_code, gst: &config.gst };
    let out = tempfile::tempdir().expect("out");
    let period = dakiya::gst::export::Period::month("2025-09").expect("month");
    dakiya::gst::export::export(&store, &catalog, &settings, &period, out.path()).expect("export");
    // (SKU, rate to 21 Sep, rate from 22 Sep), percent: 01/2017 and 9/2025-IT(Rate).
    let rates = [
        ("HST-MUG-01", "12.00", "5.00"),
        ("HST-TSHIRT-M", "5.00", "5.00"),
        ("HST-TSHIRT-L", "5.00", "5.00"),
        ("HST-CANDLE-S", "12.00", "5.00"),
        ("HST-DIARY-A5", "12.00", "18.00"),
        ("HST-BOTTLE-1L", "12.00", "5.00"),
    ];
    let mut seen = (0, 0);
    for r in register_rows(out.path()).iter().filter(|r| r["event"] == "SALE" && ["B2CS", "B2CL"].contains(&r["gstr1_section"].as_str())) {
        let (_, before, after) =
            rates.iter().find(|(sku, _, _)| *sku == r["sku"]).unwrap_or_else(|| panic!("a SKU outside the catalogue in the sheets: {r:?}"));
        let expected = match r["invoice_date"].as_str() {
            "2025-09-21" => {
                seen.0 += 1;
                before
            }
            "2025-09-22" => {
                seen.1 += 1;
                after
            }
            other => panic!("invoiced on {other}: the runs book on the day of the order"),
        };
        assert_eq!((r["gst_rate_pct"].as_str(), r["catalogue_rate_pct"].as_str()), (*expected, *expected), "{r:?}");
        assert!(!r["flags"].contains("rate_differs_from_catalogue") && !r["flags"].contains("rate_fits_no_slab"), "{r:?}");
    }
    assert!(seen.0 > 0 && seen.1 > 0, "lines on both sides of the change: {seen:?}");
    let b2cs = std::fs::read_to_string(out.path().join("b2cs.csv")).expect("b2cs");
    let sheet_rates: std::collections::BTreeSet<&str> = b2cs.lines().skip(1).filter_map(|l| l.split(',').nth(2)).collect();
    assert!(sheet_rates.contains("12") && sheet_rates.contains("5"), "Table 7 at the old and the new rates: {b2cs}");
}
