//! The GST export over a seeded store: golden files, reconciliation to the paisa, no PII, exact
//! headers, and the period edge cases (FY boundary, the B2CL threshold change, an empty period).

use chrono::{DateTime, TimeZone as _, Utc};
use dakiya::catalog::Catalog;
use dakiya::config::RetentionConfig;
use dakiya::gst::export::{export, Period, B2CL_HEADER, B2CS_HEADER, DOCS_HEADER, ECO_HEADER, HSN_HEADER};
use dakiya::ingest::{ingest, IngestCtx};
use dakiya::spapi::model::orders::parse_order;
use dakiya::store::Store;
use dakiya::vault::keystore::Keystore;
use dakiya::vault::protect::TestKeyProtector;
use dakiya::vault::Vault;
use serde_json::json;

fn ist(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    dakiya::sandbox::world::ist().with_ymd_and_hms(y, m, d, h, min, 0).single().expect("time").with_timezone(&Utc)
}

fn catalog() -> Catalog {
    Catalog::parse(&format!("{}HST-SAREE-SILK,Silk saree,5007,5,600,40,30,4\nHST-WATCH-GOLD,Gold watch,7113,3,150,10,10,8\nHST-SOFA,Sofa cover,6304,18,900,40,30,10\n", dakiya::demo::CATALOG_CSV)).expect("catalogue")
}

struct Seed {
    home: tempfile::TempDir,
    store: Store,
    vault: Vault,
}

struct O<'a> {
    id: &'a str,
    at: DateTime<Utc>,
    state: &'a str,
    items: &'a [(&'a str, i64, i64, Option<i64>)],
    business: bool,
    cancelled: bool,
    invoice: Option<&'a str>,
}

impl Seed {
    fn new() -> Seed {
        let home = tempfile::tempdir().expect("home");
        let store = Store::open(home.path()).expect("store");
        let vault = Vault::new(
            Keystore::create(home.path(), Box::new(TestKeyProtector), dakiya::clock::Clock::now(&dakiya::clock::SystemClock)).expect("ks"),
        );
        Seed { home, store, vault }
    }

    fn add(&mut self, o: O<'_>) {
        let mut programs = vec!["AMAZON_EASY_SHIP"];
        if o.business {
            programs.push("AMAZON_BUSINESS");
        }
        let items: Vec<serde_json::Value> = o
            .items
            .iter()
            .enumerate()
            .map(|(i, (sku, qty, total_paise, tax_paise))| {
                let mut breakdowns = vec![json!({ "type": "ITEM", "subtotal": { "amount": dakiya::spapi::model::format_paise(*total_paise), "currencyCode": "INR" } })];
                if let Some(t) = tax_paise {
                    breakdowns.push(json!({ "type": "TAX", "subtotal": { "amount": dakiya::spapi::model::format_paise(*t), "currencyCode": "INR" } }));
                }
                json!({ "orderItemId": format!("{}{i}", &o.id[..3]), "quantityOrdered": qty, "product": { "sellerSku": sku, "asin": "B0TEST" }, "proceeds": { "breakdowns": breakdowns } })
            })
            .collect();
        let raw = json!({
            "orderId": o.id, "createdTime": o.at.to_rfc3339(), "lastUpdatedTime": o.at.to_rfc3339(), "programs": programs,
            "salesChannel": { "channelName": "AMAZON" },
            "fulfillment": { "fulfillmentStatus": if o.cancelled { "CANCELLED" } else { "SHIPPED" } },
            "recipient": { "deliveryAddress": { "name": format!("CANARY-NAME-{}", o.id), "postalCode": "CANARY-PIN-395003", "stateOrRegion": o.state } },
            "orderItems": items,
        });
        let order = parse_order(raw).expect("order");
        let r = RetentionConfig::default();
        let vault = &mut self.vault;
        self.store.tx(|conn| ingest(conn, &mut IngestCtx { vault, retention: &r, collect_pii: true, now: o.at }, &order)).expect("ingest");
        if let Some(inv) = o.invoice {
            self.store
                .conn()
                .execute(
                    "INSERT INTO packages (order_id, state, sized_at, updated_at, invoice_number, invoice_date) VALUES (?, 'scheduled', ?, ?, ?, ?)",
                    duckdb::params![o.id, o.at, o.at, inv, o.at],
                )
                .expect("package");
        }
    }

    fn export(&self, period: &Period) -> (tempfile::TempDir, dakiya::gst::export::Manifest) {
        let out = tempfile::tempdir().expect("out");
        let dir = out.path().join("export");
        let m = export(&self.store, &catalog(), "24", period, &dir).expect("export");
        (out, m)
    }
}

fn read(dir: &std::path::Path, name: &str) -> String {
    let bytes = std::fs::read(dir.join("export").join(name)).expect("file");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{name}: UTF-8 BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).expect("utf8");
    assert!(text.lines().count() == 0 || text.contains("\r\n"), "{name}: CRLF");
    text
}

fn header(text: &str) -> Vec<String> {
    text.lines().next().unwrap_or("").trim_end_matches('\r').split(',').map(str::to_owned).collect()
}

fn month_seed() -> Seed {
    let mut s = Seed::new();
    let oct = |d, h| ist(2026, 10, d, h, 0);
    s.add(O {
        id: "402-0000001-0000001",
        at: oct(2, 10),
        state: "Gujarat",
        items: &[("HST-MUG-01", 2, 99_800, Some(10_693))],
        business: false,
        cancelled: false,
        invoice: Some("IN-GJ2627-000101"),
    });
    s.add(O {
        id: "402-0000002-0000002",
        at: oct(3, 11),
        state: "MAHARASHTRA",
        items: &[("HST-TSHIRT-M", 1, 59_900, Some(2_852)), ("HST-MUG-01", 1, 49_900, None)],
        business: false,
        cancelled: false,
        invoice: Some("IN-GJ2627-000102"),
    });
    s.add(O {
        id: "402-0000003-0000003",
        at: oct(5, 12),
        state: "Karnataka",
        items: &[("HST-WATCH-GOLD", 1, 1_50_000_00, Some(4_36_893))],
        business: false,
        cancelled: false,
        invoice: Some("IN-GJ2627-000103"),
    });
    s.add(O {
        id: "402-0000004-0000004",
        at: oct(7, 9),
        state: "Delhi",
        items: &[("HST-SOFA", 1, 2_49_900, Some(38_119))],
        business: true,
        cancelled: false,
        invoice: Some("IN-GJ2627-000104"),
    });
    s.add(O {
        id: "402-0000005-0000005",
        at: oct(9, 15),
        state: "Tamil Nadu",
        items: &[("HST-DIARY-A5", 1, 79_900, Some(8_561))],
        business: false,
        cancelled: false,
        invoice: None,
    });
    s.add(O {
        id: "402-0000006-0000006",
        at: oct(11, 16),
        state: "Gujrat Pradesh",
        items: &[("HST-CANDLE-S", 1, 34_900, Some(3_739))],
        business: false,
        cancelled: false,
        invoice: Some("IN-GJ2627-000105"),
    });
    s.add(O {
        id: "402-0000007-0000007",
        at: oct(12, 10),
        state: "Gujarat",
        items: &[("HST-SAREE-SILK", 1, 5_24_900, Some(24_995))],
        business: false,
        cancelled: true,
        invoice: Some("IN-GJ2627-000106"),
    });
    s.add(O {
        id: "402-0000008-0000008",
        at: oct(13, 10),
        state: "Kerala",
        items: &[("HST-MUG-01", 1, 49_900, Some(5_346))],
        business: false,
        cancelled: true,
        invoice: None,
    });
    s
}

#[test]
fn a_month_exports_golden_files_that_reconcile_and_hold_no_pii() {
    let seed = month_seed();
    let (out, m) = seed.export(&Period::month("2026-10").expect("period"));
    for (name, expected) in [
        ("b2cs.csv", &B2CS_HEADER[..]),
        ("b2cl.csv", &B2CL_HEADER[..]),
        ("hsn-b2c.csv", &HSN_HEADER[..]),
        ("hsn-b2b.csv", &HSN_HEADER[..]),
        ("docs.csv", &DOCS_HEADER[..]),
        ("eco.csv", &ECO_HEADER[..]),
    ] {
        let text = read(out.path(), name);
        assert_eq!(header(&text), expected, "{name}: headers exactly as gst.md §2");
        insta::assert_snapshot!(format!("gst_{name}"), text.replace("\r\n", "\n"));
    }
    insta::assert_snapshot!("gst_sales_register", read(out.path(), "sales-register.csv").replace("\r\n", "\n"));
    // Reconciliation to the paisa: sheets sum to the register's totals.
    let b2cs = &m.section_totals["B2CS"];
    let b2cl = &m.section_totals["B2CL"];
    let b2b = &m.section_totals["B2B"];
    assert_eq!(b2cs.taxable + b2cl.taxable + b2b.taxable, m.register_totals.taxable);
    let sum_col = |name: &str, col: usize| -> i64 {
        read(out.path(), name)
            .lines()
            .skip(1)
            .map(|l| dakiya::spapi::model::parse_paise(l.trim_end_matches('\r').split(',').nth(col).expect("col")).expect("amount"))
            .sum()
    };
    assert_eq!(sum_col("b2cs.csv", 4) + sum_col("b2cl.csv", 6), b2cs.taxable + b2cl.taxable);
    assert_eq!(sum_col("hsn-b2c.csv", 6), b2cs.taxable + b2cl.taxable);
    assert_eq!(sum_col("hsn-b2b.csv", 6), b2b.taxable);
    assert_eq!(sum_col("hsn-b2c.csv", 7) + sum_col("hsn-b2b.csv", 7), m.register_totals.igst);
    assert_eq!(sum_col("hsn-b2c.csv", 8) + sum_col("hsn-b2b.csv", 8), m.register_totals.cgst);
    assert_eq!(sum_col("eco.csv", 3), m.register_totals.taxable);
    // The B2CL invoice, the business order, the missing invoice and the unknown state.
    assert!(read(out.path(), "b2cl.csv").contains("IN-GJ2627-000103,05-Oct-26,150000.00,29-Karnataka"));
    assert_eq!(m.business_orders, vec!["402-0000004-0000004".to_owned()]);
    assert_eq!(m.missing_invoice_orders, vec!["402-0000005-0000005".to_owned()]);
    assert_eq!(m.unknown_state_orders, vec!["402-0000006-0000006".to_owned()]);
    let docs = read(out.path(), "docs.csv");
    assert!(docs.contains("Invoices for outward supply,IN-GJ2627-000101,IN-GJ2627-000106,6,1"), "{docs}");
    assert!(!read(out.path(), "sales-register.csv").contains("402-0000008-0000008"), "cancelled before an invoice: left out");
    assert!(dakiya::demo::canary_hits(out.path(), b"CANARY").expect("search").is_empty(), "no PII in any file");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("export/manifest.json")).expect("manifest")).expect("json");
    for f in manifest["files"].as_array().expect("files") {
        let bytes = std::fs::read(out.path().join("export").join(f["name"].as_str().expect("name"))).expect("file");
        assert_eq!(
            f["sha256"].as_str(),
            Some(hex::encode(sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(&bytes))).as_str())
        );
    }
}

#[test]
fn the_fy_boundary_splits_by_india_date() {
    let mut s = Seed::new();
    s.add(O {
        id: "402-1000001-0000001",
        at: ist(2027, 3, 31, 23, 30),
        state: "Gujarat",
        items: &[("HST-MUG-01", 1, 49_900, Some(5_346))],
        business: false,
        cancelled: false,
        invoice: Some("IN-GJ2627-009999"),
    });
    s.add(O {
        id: "402-1000002-0000002",
        at: ist(2027, 4, 1, 0, 30),
        state: "Gujarat",
        items: &[("HST-MUG-01", 1, 49_900, Some(5_346))],
        business: false,
        cancelled: false,
        invoice: Some("IN-GJ2728-000001"),
    });
    let (out, m) = s.export(&Period::month("2027-03").expect("march"));
    assert!(read(out.path(), "sales-register.csv").contains("IN-GJ2627-009999"));
    assert!(!read(out.path(), "sales-register.csv").contains("IN-GJ2728-000001"));
    assert_eq!(m.register_totals.taxable, 49_900 - 5_346);
    let (out, _) = s.export(&Period::fy("2027-28").expect("fy"));
    assert!(read(out.path(), "docs.csv").contains("IN-GJ2728-000001,IN-GJ2728-000001,1,0"));
    let (out, _) = s.export(&Period::quarter("2026-Q4").expect("q4"));
    assert!(read(out.path(), "sales-register.csv").contains("IN-GJ2627-009999"));
}

#[test]
fn the_b2cl_threshold_follows_the_invoice_date() {
    let mut s = Seed::new();
    s.add(O {
        id: "402-2000001-0000001",
        at: ist(2024, 7, 31, 12, 0),
        state: "Karnataka",
        items: &[("HST-SOFA", 1, 2_00_000_00, Some(30_50_847))],
        business: false,
        cancelled: false,
        invoice: Some("IN-GJ2425-000001"),
    });
    s.add(O {
        id: "402-2000002-0000002",
        at: ist(2024, 8, 1, 12, 0),
        state: "Karnataka",
        items: &[("HST-SOFA", 1, 2_00_000_00, Some(30_50_847))],
        business: false,
        cancelled: false,
        invoice: Some("IN-GJ2425-000002"),
    });
    let (out, _) = s.export(&Period::month("2024-07").expect("july"));
    assert_eq!(read(out.path(), "b2cl.csv").lines().count(), 1, "₹2,00,000 is below the old ₹2,50,000 threshold");
    let (out, _) = s.export(&Period::month("2024-08").expect("august"));
    assert!(read(out.path(), "b2cl.csv").contains("IN-GJ2425-000002,01-Aug-24,200000.00,29-Karnataka"));
    let register = read(out.path(), "sales-register.csv");
    assert!(
        register.contains(",169491.53,30508.47,0.00,0.00,0.00,200000.00,847.46,0.00,0.00,"),
        "TCS at 0.5 % of the taxable value from 10 July 2024: {register}"
    );
}

#[test]
fn an_empty_period_writes_headers_only() {
    let s = Seed::new();
    s.store.checkpoint().expect("checkpoint");
    let (out, m) = s.export(&Period::month("2026-01").expect("jan"));
    for f in &m.files {
        assert_eq!(f.rows, 0, "{}", f.name);
        assert_eq!(read(out.path(), &f.name).lines().count(), 1);
    }
    let (code, _, err) = crate::support::run({
        let home = crate::support::TestHome::new();
        let mut cmd = home.dakiya();
        let target = home.path().join("empty-export");
        std::fs::copy(s.home.path().join("dakiya.duckdb"), home.path().join("dakiya.duckdb")).expect("copy db");
        cmd.args(["gst", "export", "--period", "2026-01", "--out"]).arg(&target);
        std::mem::forget(home);
        cmd
    });
    assert_eq!(code, 0, "{err}");
}
