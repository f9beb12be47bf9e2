//! The GST export over a seeded store: golden files, reconciliation to the paisa, no PII, exact
//! headers, and the period edge cases (FY boundary, the B2CL threshold change, an empty period).

use chrono::{DateTime, TimeZone as _, Utc};
use dakiya::catalog::Catalog;
use dakiya::config::GstConfig;
use dakiya::config::RetentionConfig;
use dakiya::gst::export::{export, lock, ExportSettings, Period, B2CL_HEADER, B2CS_HEADER, DOCS_HEADER, ECO_HEADER, HSN_HEADER};
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
    Catalog::parse(&format!("{}HST-SAREE-SILK,Silk saree,5007,5,,,PCS,600,40,30,4\nHST-WATCH-GOLD,Gold watch,7113,3,,,PCS,150,10,10,8\nHST-SOFA,Sofa cover,6304,18,,,PCS,900,40,30,10\n", dakiya::demo::CATALOG_CSV)).expect("catalogue")
}

struct Seed {
    home: tempfile::TempDir,
    store: Store,
    vault: Vault,
}

/// One order item as Amazon's proceeds give it, paise. `total`: the item's proceedsTotal.
#[derive(Clone, Copy, Default)]
struct It<'a> {
    sku: &'a str,
    qty: i64,
    item: i64,
    tax: Option<i64>,
    ship: i64,
    gift: i64,
    cod: i64,
    disc: i64,
    total: i64,
}

/// Tax on top of ITEM (Amazon's model example): total = item + tax.
fn ex(sku: &str, qty: i64, item: i64, tax: i64) -> It<'_> {
    It { sku, qty, item, tax: Some(tax), total: item + tax, ..It::default() }
}

/// Tax inside ITEM: total = item.
fn inc(sku: &str, qty: i64, item: i64, tax: i64) -> It<'_> {
    It { sku, qty, item, tax: Some(tax), total: item, ..It::default() }
}

struct O<'a> {
    id: &'a str,
    at: DateTime<Utc>,
    state: &'a str,
    items: &'a [It<'a>],
    business: bool,
    cancelled: bool,
    invoice: Option<&'a str>,
}

fn o<'a>(id: &'a str, at: DateTime<Utc>, state: &'a str, items: &'a [It<'a>], invoice: Option<&'a str>) -> O<'a> {
    O { id, at, state, items, business: false, cancelled: false, invoice }
}

fn money(p: i64) -> serde_json::Value {
    json!({ "amount": dakiya::spapi::model::format_paise(p), "currencyCode": "INR" })
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
            .map(|(i, it)| {
                let mut breakdowns = vec![json!({ "type": "ITEM", "subtotal": money(it.item) })];
                for (kind, v) in [("SHIPPING", it.ship), ("GIFT_WRAP", it.gift), ("COD_FEE", it.cod), ("DISCOUNT", it.disc)] {
                    if v != 0 {
                        breakdowns.push(json!({ "type": kind, "subtotal": money(v) }));
                    }
                }
                if let Some(t) = it.tax {
                    breakdowns.push(json!({ "type": "TAX", "subtotal": money(t) }));
                }
                json!({
                    "orderItemId": format!("{}{i}", &o.id[15..]), "quantityOrdered": it.qty, "product": { "sellerSku": it.sku, "asin": "B0TEST" },
                    "proceeds": { "proceedsTotal": money(it.total), "breakdowns": breakdowns },
                })
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
            self.set_invoice(o.id, inv, o.at);
        }
    }

    fn export(&self, period: &Period) -> (tempfile::TempDir, dakiya::gst::export::Manifest) {
        let out = tempfile::tempdir().expect("out");
        let dir = out.path().join("export");
        let m = self.try_export(period, &dir).expect("export");
        (out, m)
    }

    fn try_export(&self, period: &Period, dir: &std::path::Path) -> anyhow::Result<dakiya::gst::export::Manifest> {
        let gst = GstConfig { eco_gstin: Some(AMAZON_TCS_GJ.into()), ..GstConfig::default() };
        export(&self.store, &catalog(), &ExportSettings { seller_state: "24", gst: &gst }, period, dir)
    }

    fn lock(&self, period: &Period, dir: &std::path::Path) -> anyhow::Result<dakiya::gst::export::Locked> {
        let gst = GstConfig { eco_gstin: Some(AMAZON_TCS_GJ.into()), ..GstConfig::default() };
        lock(&self.store, &catalog(), &ExportSettings { seller_state: "24", gst: &gst }, period, dir, ist(2026, 12, 1, 10, 0))
    }

    fn set_invoice(&self, order_id: &str, number: &str, at: DateTime<Utc>) {
        self.store
            .conn()
            .execute(
                "INSERT INTO packages (order_id, state, sized_at, updated_at, invoice_number, invoice_date) VALUES (?, 'scheduled', ?, ?, ?, ?)",
                duckdb::params![order_id, at, at, number, at],
            )
            .expect("package");
    }
}

/// Amazon's TCS GSTIN for Gujarat as a public list gives it (reviews/gst.md B4; the check
/// character is right, the CA confirms it on the portal).
const AMAZON_TCS_GJ: &str = "24AAICA3918J1CZ";

/// A file of the export: the register with a BOM (Excel), the tool's files without (its parser).
fn read(dir: &std::path::Path, name: &str) -> String {
    let bytes = std::fs::read(dir.join("export").join(name)).expect("file");
    let body = if name == "sales-register.csv" {
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{name}: UTF-8 BOM for Excel");
        &bytes[3..]
    } else {
        assert!(!bytes.starts_with(b"\xEF\xBB\xBF"), "{name}: no BOM in a file for the offline tool");
        &bytes[..]
    };
    let text = String::from_utf8(body.to_vec()).expect("utf8");
    assert!(text.lines().count() == 0 || text.contains("\r\n"), "{name}: CRLF");
    text
}

fn header(text: &str) -> Vec<String> {
    text.lines().next().unwrap_or("").trim_end_matches('\r').split(',').map(str::to_owned).collect()
}

/// October 2026 (slabs since 1 February 2026: 0, 0.1, 0.25, 1.5, 3, 5, 18, 40). Every figure the
/// test expects is worked out by hand beside the order.
fn month_seed() -> Seed {
    let mut s = Seed::new();
    let oct = |d, h| ist(2026, 10, d, h, 0);
    // 1. Gujarat (intra), 2 mugs, tax on top: taxable 950.00, 5 % = 47.50 → CGST 23.75 + SGST 23.75.
    s.add(o("402-0000001-0000001", oct(2, 10), "Gujarat", &[ex("HST-MUG-01", 2, 95_000, 4_750)], Some("IN-GJ2627-000101")));
    // 2. Maharashtra (inter): a T-shirt 570.48 + 28.52 (5 % of 570.48 = 28.524); a mug 475.00 +
    //    shipping 40.00 − discount 15.00 (sent negative) = 500.00 + 25.00. Taxable 1,070.48, IGST 53.52.
    s.add(o(
        "402-0000002-0000002",
        oct(3, 11),
        "MAHARASHTRA",
        &[ex("HST-TSHIRT-M", 1, 57_048, 2_852), It { ship: 4_000, disc: -1_500, total: 52_500, ..ex("HST-MUG-01", 1, 47_500, 2_500) }],
        Some("IN-GJ2627-000102"),
    ));
    // 3. Karnataka, gold watch 1,45,631.07 + 3 % 4,368.93 = 1,50,000.00 > ₹1,00,000 inter-state → B2CL.
    s.add(o("402-0000003-0000003", oct(5, 12), "Karnataka", &[ex("HST-WATCH-GOLD", 1, 1_45_631_07, 4_368_93)], Some("IN-GJ2627-000103")));
    // 4. Delhi, business order (no GSTIN known): sofa cover 2,117.80 + 18 % 381.20 (381.204) → stays B2CS, listed.
    s.add(O {
        business: true,
        ..o("402-0000004-0000004", oct(7, 9), "Delhi", &[ex("HST-SOFA", 1, 2_117_80, 381_20)], Some("IN-GJ2627-000104"))
    });
    // 5. Tamil Nadu, no invoice yet: listed, not in the sheets.
    s.add(o("402-0000005-0000005", oct(9, 15), "Tamil Nadu", &[ex("HST-DIARY-A5", 1, 67_712, 12_188)], None));
    // 6. A state spelling nobody knows: quarantined.
    s.add(o("402-0000006-0000006", oct(11, 16), "Gujrat Pradesh", &[ex("HST-CANDLE-S", 1, 33_238, 1_662)], Some("IN-GJ2627-000105")));
    // 7. Cancelled after its invoice: counted cancelled in docs.csv.
    s.add(O {
        cancelled: true,
        ..o("402-0000007-0000007", oct(12, 10), "Gujarat", &[ex("HST-SAREE-SILK", 1, 4_99_905, 24_995)], Some("IN-GJ2627-000106"))
    });
    // 8. Cancelled before any invoice: left out entirely.
    s.add(O { cancelled: true, ..o("402-0000008-0000008", oct(13, 10), "Kerala", &[ex("HST-MUG-01", 1, 47_524, 2_376)], None) });
    // 9. Gujarat, tax inside ITEM: 899.00 holds 42.81 (5 % of 856.19 = 42.8095) → taxable 856.19,
    //    CGST 21.40 (4281 ÷ 2 rounded down) + SGST 21.41.
    s.add(o("402-0000009-0000009", oct(14, 10), "Gujarat", &[inc("HST-BOTTLE-1L", 1, 89_900, 4_281)], Some("IN-GJ2627-000107")));
    // 10. Gujarat, diary taxed by Amazon at 5 % (catalogue: 18 %): 761.00 + 38.05 → flagged, sheets use 5 %;
    //     CGST 19.02 + SGST 19.03.
    s.add(o("402-0000010-0000010", oct(15, 10), "Gujarat", &[ex("HST-DIARY-A5", 1, 76_100, 3_805)], Some("IN-GJ2627-000108")));
    // 11. Gujarat, 500.00 + 25.00 tax but a total of 510.00: adds up neither way → kept out.
    s.add(o(
        "402-0000011-0000011",
        oct(16, 10),
        "Gujarat",
        &[It { total: 51_000, ..ex("HST-MUG-01", 1, 50_000, 2_500) }],
        Some("IN-GJ2627-000109"),
    ));
    // 12. Gujarat, 300.00 + 36.00 (12 %: no such slab in October 2026) → kept out.
    s.add(o("402-0000012-0000012", oct(17, 10), "Gujarat", &[ex("HST-CANDLE-S", 1, 30_000, 3_600)], Some("IN-GJ2627-000110")));
    // 13. Maharashtra, T-shirt 600.00 + gift wrap 30.00 + COD fee 20.00 − discount 10.00 (sent
    //     positive) = 640.00 + 5 % 32.00 = 672.00. IGST 32.00.
    s.add(o(
        "402-0000013-0000013",
        oct(18, 10),
        "Maharashtra",
        &[It { gift: 3_000, cod: 2_000, disc: 1_000, total: 67_200, ..ex("HST-TSHIRT-M", 1, 60_000, 3_200) }],
        Some("IN-GJ2627-000111"),
    ));
    s
}

#[test]
fn a_month_exports_the_tools_files_with_hand_computed_figures_and_no_pii() {
    let seed = month_seed();
    let (out, m) = seed.export(&Period::month("2026-10").expect("period"));
    let files: Vec<&str> = m.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(files, ["sales-register.csv", "b2cs.csv", "b2cl.csv", "hsn(b2b).csv", "hsn(b2c).csv", "docs.csv", "eco.csv"]);
    for (name, expected) in [
        ("b2cs.csv", &B2CS_HEADER[..]),
        ("b2cl.csv", &B2CL_HEADER[..]),
        ("hsn(b2c).csv", &HSN_HEADER[..]),
        ("hsn(b2b).csv", &HSN_HEADER[..]),
        ("docs.csv", &DOCS_HEADER[..]),
        ("eco.csv", &ECO_HEADER[..]),
    ] {
        let text = read(out.path(), name);
        assert_eq!(header(&text), expected, "{name}: the tool's headers");
        let fixture =
            std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gst-tool").join(name)).expect("fixture");
        let first_line = |b: &[u8]| b.split(|c| *c == b'\n').next().map(<[u8]>::to_vec).unwrap_or_default();
        assert_eq!(
            String::from_utf8_lossy(&first_line(text.as_bytes())),
            String::from_utf8_lossy(&first_line(&fixture)),
            "{name}: header line byte for byte as the tool's template (tests/fixtures/gst-tool)"
        );
        insta::assert_snapshot!(format!("gst_{name}"), text.replace("\r\n", "\n"));
    }
    insta::assert_snapshot!("gst_sales_register", read(out.path(), "sales-register.csv").replace("\r\n", "\n"));
    let rows =
        |name: &str| -> Vec<String> { read(out.path(), name).lines().skip(1).map(|l| l.trim_end_matches('\r').to_owned()).collect() };
    // Table 7 by place of supply and rate: 24 @ 5 %: 950.00 + 856.19 + 761.00; 27 @ 5 %: 1,070.48 + 640.00; 07 @ 18 %.
    assert_eq!(rows("b2cs.csv"), ["OE,07-Delhi,18,,2117.80,0.00,", "OE,24-Gujarat,5,,2567.19,0.00,", "OE,27-Maharashtra,5,,1710.48,0.00,"]);
    assert_eq!(rows("b2cl.csv"), ["IN-GJ2627-000103,05-Oct-2026,150000.00,29-Karnataka,,3,145631.07,0.00,"]);
    assert!(rows("hsn(b2b).csv").is_empty(), "no buyer GSTIN, no B2B");
    assert_eq!(
        rows("hsn(b2c).csv"),
        [
            "4820,,PCS-PIECES,1.00,799.05,5,761.00,0.00,19.02,19.03,0.00",
            "6109,,PCS-PIECES,2.00,1271.00,5,1210.48,60.52,0.00,0.00,0.00",
            "6304,,PCS-PIECES,1.00,2499.00,18,2117.80,381.20,0.00,0.00,0.00",
            "6912,,PCS-PIECES,3.00,1522.50,5,1450.00,25.00,23.75,23.75,0.00",
            "7113,,PCS-PIECES,1.00,150000.00,3,145631.07,4368.93,0.00,0.00,0.00",
            "7323,,PCS-PIECES,1.00,899.00,5,856.19,0.00,21.40,21.41,0.00",
        ]
    );
    // Invoices 101 to 111 (numbers, not strings), one cancelled; every number was seen.
    assert_eq!(rows("docs.csv"), ["Invoices for outward supply,IN-GJ2627-000101,IN-GJ2627-000111,11,1"]);
    // Table 14: all countable sales, Amazon's GSTIN. Taxable 2,567.19 + 1,710.48 + 2,117.80 + 1,45,631.07;
    // IGST 53.52 + 32.00 + 381.20 + 4,368.93; CGST 23.75 + 21.40 + 19.02; SGST 23.75 + 21.41 + 19.03;
    // central and state each half of their sum.
    assert_eq!(
        rows("eco.csv"),
        ["Liable to collect tax u/s 52(TCS),24AAICA3918J1CZ,Amazon Seller Services Private Limited,152026.54,4835.65,64.18,64.18,0.00"]
    );
    // The tool wants central = state in Table 14: 64.17 + 64.19 = 128.36, 64.18 each (even: no warning).
    assert!(m.warnings.iter().all(|w| !w.contains("odd in paise")), "{:?}", m.warnings);
    assert_eq!(m.register_totals.taxable, 152_026_54);
    assert_eq!((m.register_totals.igst, m.register_totals.cgst, m.register_totals.sgst), (4_835_65, 64_17, 64_19));
    let ids = |v: &[String]| v.iter().map(|s| s[15..].to_owned()).collect::<Vec<_>>();
    assert_eq!(ids(&m.lists.b2b_candidate_orders), ["0004"]);
    assert_eq!(ids(&m.lists.uninvoiced_orders), ["0005"]);
    assert_eq!(ids(&m.lists.unknown_state_orders), ["0006"]);
    assert_eq!(ids(&m.lists.rate_mismatch_orders), ["0010"]);
    assert_eq!(ids(&m.lists.unreconciled_orders), ["0011"]);
    assert_eq!(ids(&m.lists.rate_unresolved_orders), ["0012"]);
    assert!(m.warnings.iter().all(|w| !w.contains("eco_gstin")), "Amazon's GSTIN is configured: {:?}", m.warnings);
    let register = read(out.path(), "sales-register.csv");
    assert!(!register.contains("402-0000008-0000008"), "cancelled before an invoice: left out");
    assert!(
        register.lines().any(|l| l.starts_with("402-0000009-0000009:") && l.contains(",IN-GJ2627-000107,") && l.contains(",INCLUSIVE,")),
        "{register}"
    );
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
fn without_amazons_gstin_table_14_warns_loudly() {
    let seed = month_seed();
    let out = tempfile::tempdir().expect("out");
    let gst = GstConfig::default();
    let m = export(
        &seed.store,
        &catalog(),
        &ExportSettings { seller_state: "24", gst: &gst },
        &Period::month("2026-10").expect("p"),
        &out.path().join("x"),
    )
    .expect("export");
    assert!(m.warnings.iter().any(|w| w.contains("eco_gstin")), "{:?}", m.warnings);
    assert!(dakiya::gst::export::summary(&m).contains("WARNING: eco.csv (Table 14) has no GSTIN"));
}

#[test]
fn an_order_invoiced_after_the_month_end_is_reported_once_in_the_month_of_its_invoice() {
    let mut s = Seed::new();
    // Ordered 31 October 23:00 IST; the invoice comes on 1 November.
    s.add(O {
        id: "402-3000001-0000001",
        at: ist(2026, 10, 31, 23, 0),
        state: "Gujarat",
        items: &[ex("HST-MUG-01", 1, 47_524, 2_376)],
        business: false,
        cancelled: false,
        invoice: None,
    });
    let (out, m) = s.export(&Period::month("2026-10").expect("oct"));
    assert_eq!(m.lists.uninvoiced_orders, ["402-3000001-0000001"]);
    assert_eq!(m.register_totals.taxable, 0);
    assert!(read(out.path(), "b2cs.csv").lines().count() == 1, "not in the sheets");
    s.set_invoice("402-3000001-0000001", "IN-GJ2627-000200", ist(2026, 11, 1, 9, 0));
    let (_, oct) = s.export(&Period::month("2026-10").expect("oct"));
    assert_eq!(oct.register_totals.taxable, 0, "its invoice is November's");
    assert!(oct.lists.uninvoiced_orders.is_empty());
    let (out, nov) = s.export(&Period::month("2026-11").expect("nov"));
    assert_eq!(nov.register_totals.taxable, 475_24);
    assert_eq!(
        read(out.path(), "b2cs.csv").lines().nth(1).map(|l| l.trim_end().to_owned()).as_deref(),
        Some("OE,24-Gujarat,5,,475.24,0.00,")
    );
}

#[test]
fn a_filed_month_is_never_rewritten_and_a_late_invoice_goes_into_the_next_month() {
    let mut s = Seed::new();
    s.add(O {
        id: "402-4000001-0000001",
        at: ist(2026, 10, 10, 10, 0),
        state: "Gujarat",
        items: &[ex("HST-MUG-01", 1, 47_524, 2_376)],
        business: false,
        cancelled: false,
        invoice: Some("IN-GJ2627-000300"),
    });
    s.add(O {
        id: "402-4000002-0000002",
        at: ist(2026, 10, 30, 10, 0),
        state: "Gujarat",
        items: &[ex("HST-TSHIRT-M", 1, 57_048, 2_852)],
        business: false,
        cancelled: false,
        invoice: None,
    });
    let october = Period::month("2026-10").expect("oct");
    let (out, m) = s.export(&october);
    assert_eq!(m.register_totals.taxable, 475_24);
    // An edited file is refused; the untouched folder is locked.
    let dir = out.path().join("export");
    let b2cs = std::fs::read(dir.join("b2cs.csv")).expect("b2cs");
    std::fs::write(dir.join("b2cs.csv"), b"edited").expect("edit");
    assert!(s.lock(&october, &dir).expect_err("edited").to_string().contains("changed after the export"));
    std::fs::write(dir.join("b2cs.csv"), b2cs).expect("restore");
    let locked = s.lock(&october, &dir).expect("lock");
    assert_eq!((locked.lines, locked.files), (1, 7));
    // October cannot be exported again, nor locked twice.
    let again = tempfile::tempdir().expect("again");
    assert!(s.try_export(&october, &again.path().join("x")).expect_err("filed").to_string().contains("was filed"));
    assert!(s.lock(&october, &dir).is_err());
    // The second order's invoice turns out to be dated 31 October, learnt after the filing: it
    // comes into November, flagged; the first order is never reported again.
    s.set_invoice("402-4000002-0000002", "IN-GJ2627-000301", ist(2026, 10, 31, 18, 0));
    let (out, nov) = s.export(&Period::month("2026-11").expect("nov"));
    assert_eq!(nov.register_totals.taxable, 570_48);
    assert_eq!(nov.lists.late_orders, ["402-4000002-0000002"]);
    let register = read(out.path(), "sales-register.csv");
    assert!(register.contains("invoiced_in_filed_period") && !register.contains("402-4000001-0000001"), "{register}");
    let q = tempfile::tempdir().expect("q");
    let q3 = s.try_export(&Period::quarter("2026-Q3").expect("q3"), &q.path().join("x"));
    assert!(q3.expect_err("overlaps").to_string().contains("overlaps 2026-10"));
}

#[test]
fn rates_follow_the_slabs_and_catalogue_in_force_on_the_invoice_day() {
    let mut s = Seed::new();
    // 21 September 2025: the mug's catalogue rate is still 12 % (gst_rate_before); 12 % is a slab.
    s.add(O {
        id: "402-5000001-0000001",
        at: ist(2025, 9, 21, 12, 0),
        state: "Gujarat",
        items: &[ex("HST-MUG-01", 1, 44_554, 5_346)],
        business: false,
        cancelled: false,
        invoice: Some("IN-GJ2526-000001"),
    });
    // 22 September 2025: 5 % from the catalogue, and 5 % by Amazon.
    s.add(O {
        id: "402-5000002-0000002",
        at: ist(2025, 9, 22, 12, 0),
        state: "Gujarat",
        items: &[ex("HST-MUG-01", 1, 47_524, 2_376)],
        business: false,
        cancelled: false,
        invoice: Some("IN-GJ2526-000002"),
    });
    // 23 September 2025: Amazon still charged 12 %, a slab no longer in force → kept out.
    s.add(O {
        id: "402-5000003-0000003",
        at: ist(2025, 9, 23, 12, 0),
        state: "Gujarat",
        items: &[ex("HST-MUG-01", 1, 44_554, 5_346)],
        business: false,
        cancelled: false,
        invoice: Some("IN-GJ2526-000003"),
    });
    let (out, m) = s.export(&Period::month("2025-09").expect("sep"));
    assert!(m.lists.rate_mismatch_orders.is_empty(), "{:?}", m.lists.rate_mismatch_orders);
    assert_eq!(m.lists.rate_unresolved_orders, ["402-5000003-0000003"]);
    let b2cs: Vec<String> = read(out.path(), "b2cs.csv").lines().skip(1).map(|l| l.trim_end().to_owned()).collect();
    assert_eq!(b2cs, ["OE,24-Gujarat,5,,475.24,0.00,", "OE,24-Gujarat,12,,445.54,0.00,"]);
}

#[test]
fn before_may_2025_table_12_is_one_hsn_file() {
    let mut s = Seed::new();
    s.add(O {
        id: "402-6000001-0000001",
        at: ist(2025, 4, 10, 12, 0),
        state: "Gujarat",
        items: &[ex("HST-TSHIRT-M", 1, 57_048, 2_852)],
        business: false,
        cancelled: false,
        invoice: Some("IN-GJ2526-000001"),
    });
    let (out, m) = s.export(&Period::month("2025-04").expect("apr"));
    assert!(m.files.iter().any(|f| f.name == "hsn.csv") && !m.files.iter().any(|f| f.name.starts_with("hsn(")));
    assert_eq!(
        read(out.path(), "hsn.csv").lines().nth(1).map(str::trim_end),
        Some("6109,,PCS-PIECES,1.00,599.00,5,570.48,0.00,14.26,14.26,0.00")
    );
}

#[test]
fn the_fy_boundary_splits_by_india_date() {
    let mut s = Seed::new();
    s.add(O {
        id: "402-1000001-0000001",
        at: ist(2027, 3, 31, 23, 30),
        state: "Gujarat",
        items: &[ex("HST-MUG-01", 1, 47_524, 2_376)],
        business: false,
        cancelled: false,
        invoice: Some("IN-GJ2627-009999"),
    });
    s.add(O {
        id: "402-1000002-0000002",
        at: ist(2027, 4, 1, 0, 30),
        state: "Gujarat",
        items: &[ex("HST-MUG-01", 1, 47_524, 2_376)],
        business: false,
        cancelled: false,
        invoice: Some("IN-GJ2728-000001"),
    });
    let (out, m) = s.export(&Period::month("2027-03").expect("march"));
    assert!(read(out.path(), "sales-register.csv").contains("IN-GJ2627-009999"));
    assert!(!read(out.path(), "sales-register.csv").contains("IN-GJ2728-000001"));
    assert_eq!(m.register_totals.taxable, 475_24);
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
        items: &[ex("HST-SOFA", 1, 1_69_491_53, 30_508_47)],
        business: false,
        cancelled: false,
        invoice: Some("IN-GJ2425-000001"),
    });
    s.add(O {
        id: "402-2000002-0000002",
        at: ist(2024, 8, 1, 12, 0),
        state: "Karnataka",
        items: &[ex("HST-SOFA", 1, 1_69_491_53, 30_508_47)],
        business: false,
        cancelled: false,
        invoice: Some("IN-GJ2425-000002"),
    });
    let (out, _) = s.export(&Period::month("2024-07").expect("july"));
    assert_eq!(read(out.path(), "b2cl.csv").lines().count(), 1, "₹2,00,000 is below the old ₹2,50,000 threshold");
    let (out, _) = s.export(&Period::month("2024-08").expect("august"));
    assert!(read(out.path(), "b2cl.csv").contains("IN-GJ2425-000002,01-Aug-2024,200000.00,29-Karnataka"));
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

#[test]
fn the_cli_exports_locks_and_then_refuses_to_rewrite_a_filed_month() {
    let s = month_seed();
    s.store.checkpoint().expect("checkpoint");
    let home = crate::support::TestHome::new();
    std::fs::copy(s.home.path().join("dakiya.duckdb"), home.path().join("dakiya.duckdb")).expect("copy db");
    let dir = home.path().join("gst-oct");
    let mut export = home.dakiya();
    export.args(["gst", "export", "--period", "2026-10", "--out"]).arg(&dir);
    let (code, out, err) = crate::support::run(export);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("WARNING: eco.csv (Table 14) has no GSTIN"), "{out}");
    let mut lock = home.dakiya();
    lock.args(["gst", "lock", "--period", "2026-10", "--dir"]).arg(&dir);
    let (code, out, err) = crate::support::run(lock);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("2026-10 recorded as filed"), "{out}");
    let mut again = home.dakiya();
    again.args(["gst", "export", "--period", "2026-10", "--out"]).arg(home.path().join("gst-oct-again"));
    let (code, _, err) = crate::support::run(again);
    assert_ne!(code, 0);
    assert!(err.contains("was filed"), "{err}");
    assert!(!home.path().join("gst-oct-again").join("b2cs.csv").exists(), "nothing written for a filed month");
}
