//! The GST export over a seeded store: golden files, reconciliation to the paisa, no PII, exact
//! headers, and the period edge cases (FY boundary, the B2CL threshold change, an empty period).

use chrono::{DateTime, TimeZone as _, Utc};
use dakiya::catalog::Catalog;
use dakiya::config::GstConfig;
use dakiya::config::RetentionConfig;
use dakiya::gst::export::{
    export, lock, ExportSettings, Period, B2B_HEADER, B2CL_HEADER, B2CS_HEADER, CDNR_HEADER, CDNUR_HEADER, DOCS_HEADER, ECO_HEADER,
    HSN_HEADER,
};
use dakiya::ingest::{ingest, IngestCtx};
use dakiya::spapi::model::finances::RefundItem;
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

    /// A refunded item as the `refunds` stage stores it: amounts signed as Amazon sends them.
    fn refund(&self, order_id: &str, at: DateTime<Utc>, item: (Option<&str>, &str, i64), value: i64, tax: i64, promotion: i64) {
        let (order_item_id, sku, units) = item;
        let r = RefundItem {
            event_key: format!("{order_id}|{}|{sku}", at.to_rfc3339()),
            order_id: order_id.into(),
            posted_at: at,
            order_item_id: order_item_id.map(str::to_owned),
            adjustment_item_id: Some("ADJ1".into()),
            sku: Some(sku.into()),
            quantity: Some(units),
            value,
            tax: Some(tax),
            promotion,
            other: 0,
            other_types: None,
            currency: Some("INR".into()),
        };
        dakiya::store::refunds::insert_items(self.store.conn(), &[r], at).expect("refund");
    }

    /// The `refunds` stage has read Amazon's refunds up to `at`.
    fn refunds_read_to(&self, at: DateTime<Utc>) {
        dakiya::store::orders::set_watermark(self.store.conn(), dakiya::store::refunds::WATERMARK, at).expect("watermark");
    }

    fn set_invoice(&self, order_id: &str, number: &str, at: DateTime<Utc>) {
        self.store
            .conn()
            .execute(
                "INSERT INTO packages (order_id, state, sized_at, updated_at, invoice_number, invoice_date) VALUES (?, 'scheduled', ?, ?, ?, ?)",
                duckdb::params![order_id, at, at, number, at],
            )
            .expect("package");
        // As the `size` stage does: the package carries its order's purchase date (schema v9).
        dakiya::store::orders::stamp_purchase_dates(self.store.conn(), Some(&[order_id])).expect("stamp");
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

/// The sheets of an `.xlsx` file as `(name, rows of (text, is a number))`, read from its XML
/// parts (shared strings, inline strings and numbers; nothing else is written by dakiya).
fn xlsx_sheets(path: &std::path::Path) -> Vec<(String, Vec<Vec<(String, bool)>>)> {
    use quick_xml::events::Event;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).expect("xlsx")).expect("zip");
    let mut part = |name: &str| -> Option<String> {
        let mut f = zip.by_name(name).ok()?;
        let mut text = String::new();
        std::io::Read::read_to_string(&mut f, &mut text).expect("part");
        Some(text)
    };
    let texts = |xml: &str, tag: &[u8]| -> Vec<String> {
        let mut out = Vec::new();
        let mut reader = quick_xml::Reader::from_str(xml);
        let (mut inside, mut cur) = (false, String::new());
        loop {
            match reader.read_event().expect("xml") {
                Event::Start(e) if e.name().as_ref() == tag => (inside, cur) = (true, String::new()),
                Event::Text(t) if inside => cur.push_str(&t.decode().expect("text")),
                Event::End(e) if e.name().as_ref() == tag => {
                    inside = false;
                    out.push(std::mem::take(&mut cur));
                }
                Event::Eof => break,
                _ => {}
            }
        }
        out
    };
    let shared = part("xl/sharedStrings.xml").map(|x| texts(&x, b"si")).unwrap_or_default();
    let workbook = part("xl/workbook.xml").expect("workbook.xml");
    let mut names = Vec::new();
    let mut reader = quick_xml::Reader::from_str(&workbook);
    loop {
        match reader.read_event().expect("xml") {
            Event::Empty(e) | Event::Start(e) if e.name().as_ref() == b"sheet" => {
                let name = e.try_get_attribute("name").expect("attr").expect("name");
                names.push(name.unescape_value().expect("name").into_owned());
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut sheets = Vec::new();
    for (i, name) in names.into_iter().enumerate() {
        let xml = part(&format!("xl/worksheets/sheet{}.xml", i + 1)).expect("sheet");
        let mut rows: Vec<Vec<(String, bool)>> = Vec::new();
        let mut reader = quick_xml::Reader::from_str(&xml);
        let (mut cell, mut kind, mut value) = ((0usize, 0usize), String::new(), String::new());
        let mut in_value = false;
        loop {
            match reader.read_event().expect("xml") {
                Event::Start(e) if e.name().as_ref() == b"c" => {
                    let r = e.try_get_attribute("r").expect("attr").expect("r").unescape_value().expect("r").into_owned();
                    let letters: String = r.chars().take_while(char::is_ascii_alphabetic).collect();
                    let col = letters.bytes().fold(0usize, |n, b| n * 26 + usize::from(b - b'A' + 1)) - 1;
                    let row: usize = r[letters.len()..].parse::<usize>().expect("row") - 1;
                    kind = e.try_get_attribute("t").expect("attr").map(|a| a.unescape_value().expect("t").into_owned()).unwrap_or_default();
                    cell = (row, col);
                    value.clear();
                }
                Event::Start(e) if matches!(e.name().as_ref(), b"v" | b"t") => in_value = true,
                Event::Text(t) if in_value => value.push_str(&t.decode().expect("text")),
                Event::End(e) if matches!(e.name().as_ref(), b"v" | b"t") => in_value = false,
                Event::End(e) if e.name().as_ref() == b"c" => {
                    let (text, number) = match kind.as_str() {
                        "s" => (shared[value.parse::<usize>().expect("index")].clone(), false),
                        "" | "n" => (value.clone(), true),
                        _ => (value.clone(), false),
                    };
                    while rows.len() <= cell.0 {
                        rows.push(Vec::new());
                    }
                    let r = &mut rows[cell.0];
                    while r.len() <= cell.1 {
                        r.push((String::new(), false));
                    }
                    r[cell.1] = (text, number);
                }
                Event::Eof => break,
                _ => {}
            }
        }
        sheets.push((name, rows));
    }
    sheets
}

/// The workbook beside the CSVs: the template's sheets (names, A1, row-4 headers exactly as a
/// workbook the tool imported: tests/fixtures/gst-tool/workbook-layout.tsv), in its order, and
/// from row 5 the CSV's rows, amounts as numbers, dates and codes as text.
fn assert_workbook_matches_the_csvs(dir: &std::path::Path) {
    let layout =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gst-tool/workbook-layout.tsv"))
            .expect("layout");
    let sheets = xlsx_sheets(&dir.join("export").join("gstr1-workbook.xlsx"));
    let fixture_order: Vec<&str> = layout.lines().filter_map(|l| l.split('\t').next()).collect();
    let ours: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(ours, fixture_order.iter().copied().filter(|n| ours.contains(n)).collect::<Vec<_>>(), "the template's sheet order");
    for (name, rows) in &sheets {
        let line =
            layout.lines().find(|l| l.split('\t').next() == Some(name.as_str())).unwrap_or_else(|| panic!("{name}: not a template sheet"));
        let mut want = line.split('\t').skip(1);
        let cells = |r: usize| rows.get(r).map(|row| row.iter().map(|(t, _)| t.clone()).collect::<Vec<_>>()).unwrap_or_default();
        assert_eq!(cells(0), [want.next().expect("A1").to_owned()], "{name}: A1");
        assert_eq!(cells(1), Vec::<String>::new(), "{name}: row 2 empty");
        assert_eq!(cells(2), Vec::<String>::new(), "{name}: row 3 empty");
        let header: Vec<String> = want.map(str::to_owned).collect();
        assert_eq!(cells(3), header, "{name}: row-4 headers as the template");
        let csv = read(dir, &format!("{name}.csv"));
        let csv_rows: Vec<Vec<String>> =
            csv.lines().skip(1).map(|l| l.trim_end_matches('\r').split(',').map(str::to_owned).collect()).collect();
        assert_eq!(rows.len().saturating_sub(4), csv_rows.len(), "{name}: one row per CSV row");
        for (got, want) in rows.iter().skip(4).zip(&csv_rows) {
            for (c, want) in want.iter().enumerate() {
                let (text, number) = got.get(c).cloned().unwrap_or_default();
                match want.parse::<f64>() {
                    _ if want.is_empty() => assert!(text.is_empty(), "{name}: blank stays blank, got {text}"),
                    // An amount, a rate or a count is a number; an HSN code keeps its digits as text.
                    Ok(w) if header[c] != "HSN" => {
                        assert!(number, "{name}: {} {want} is a number cell", header[c]);
                        assert_eq!(text.parse::<f64>().expect("number"), w, "{name}: {want}");
                    }
                    _ => assert_eq!((&text, number), (want, false), "{name}: {} is a text cell", header[c]),
                }
            }
        }
    }
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
    assert_eq!(
        files,
        [
            "sales-register.csv",
            "b2b,sez,de.csv",
            "b2cs.csv",
            "b2cl.csv",
            "cdnr.csv",
            "cdnur.csv",
            "hsn(b2b).csv",
            "hsn(b2c).csv",
            "docs.csv",
            "eco.csv",
            "gstr1-workbook.xlsx"
        ]
    );
    for (name, expected) in [
        ("b2b,sez,de.csv", &B2B_HEADER[..]),
        ("b2cs.csv", &B2CS_HEADER[..]),
        ("b2cl.csv", &B2CL_HEADER[..]),
        ("cdnr.csv", &CDNR_HEADER[..]),
        ("cdnur.csv", &CDNUR_HEADER[..]),
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
    assert!(rows("b2b,sez,de.csv").is_empty() && rows("cdnr.csv").is_empty(), "no MTR imported, no Table 4A or 9B");
    assert_workbook_matches_the_csvs(out.path());
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
    assert_eq!((locked.lines, locked.files), (1, 11));
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
    for f in m.files.iter().filter(|f| f.name.ends_with(".csv")) {
        assert_eq!(f.rows, 0, "{}", f.name);
        assert_eq!(read(out.path(), &f.name).lines().count(), 1);
    }
    // The workbook: every sheet with its A1 line and headers, no rows.
    let book = xlsx_sheets(&out.path().join("export").join("gstr1-workbook.xlsx"));
    assert_eq!(book.len(), 9);
    assert!(book.iter().all(|(_, rows)| rows.len() == 4), "{book:?}");
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
    assert!(!err.contains('\r') && !err.contains('\u{1b}'), "no progress bar or colour off a terminal: {err:?}");
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

/// November 2026: two sales, and refunds of October's sales (month_seed) posted in November,
/// each figure worked out by hand. Credit notes net into b2cs, Table 12 and Table 14 in the
/// month of the refund; one against a B2CL invoice is CDNUR (listed: its note number is only in
/// the MTR); refunds of unknown or uninvoiced sales are kept out.
#[test]
fn refunds_are_credit_notes_netted_in_the_month_they_were_posted() {
    let mut s = month_seed();
    let nov = |d, h| ist(2026, 11, d, h, 0);
    // Sales: Gujarat 2 mugs 950.00 + 47.50 (CGST 23.75 + SGST 23.75); Maharashtra T-shirt 600.00 + IGST 30.00.
    s.add(o("402-0000021-0000021", nov(3, 10), "Gujarat", &[ex("HST-MUG-01", 2, 95_000, 4_750)], Some("IN-GJ2627-000201")));
    s.add(o("402-0000022-0000022", nov(4, 10), "Maharashtra", &[ex("HST-TSHIRT-M", 1, 60_000, 3_000)], Some("IN-GJ2627-000202")));
    // R1, order 2's mug (found by SKU: no item id), tax on top as the order: principal −475.00 +
    //     shipping −40.00, promotion back +15.00, tax −25.00 → V 500.00, 5 % = 25.00 → B2CS 27,
    //     taxable −500.00, IGST −25.00, one unit back.
    s.refund("402-0000002-0000002", nov(10, 12), (None, "HST-MUG-01", 1), -51_500, -2_500, 1_500);
    // R2, order 9 (tax inside ITEM), a fifth of 899.00 = 179.80 with 8.56 inside (179.80 × 5 / 105
    //     = 8.562) → taxable −171.24, CGST −4.28, SGST −4.28, no unit back.
    s.refund("402-0000009-0000009", nov(12, 12), (Some("00090"), "HST-BOTTLE-1L", 0), -17_980, -856, 0);
    // R3, order 3 (B2CL, 1,50,000.00 to Karnataka): all of it → CDNUR, taxable −1,45,631.07, IGST −4,368.93.
    s.refund("402-0000003-0000003", nov(14, 12), (None, "HST-WATCH-GOLD", 1), -1_45_631_07, -4_368_93, 0);
    // R4, an order dakiya never saw; R5, order 5, which has no invoice: both kept out.
    s.refund("402-0000099-0000099", nov(15, 12), (None, "HST-MUG-01", 1), -50_000, -2_500, 0);
    s.refund("402-0000005-0000005", nov(16, 12), (None, "HST-DIARY-A5", 1), -67_712, -12_188, 0);
    s.refunds_read_to(ist(2026, 12, 1, 8, 0));

    let (out, m) = s.export(&Period::month("2026-11").expect("nov"));
    let rows =
        |name: &str| -> Vec<String> { read(out.path(), name).lines().skip(1).map(|l| l.trim_end_matches('\r').to_owned()).collect() };
    // 24 @ 5 %: 950.00 − 171.24 = 778.76; 27 @ 5 %: 600.00 − 500.00 = 100.00.
    assert_eq!(rows("b2cs.csv"), ["OE,24-Gujarat,5,,778.76,0.00,", "OE,27-Maharashtra,5,,100.00,0.00,"]);
    assert!(rows("b2cl.csv").is_empty(), "no B2CL sale in November");
    assert!(rows("cdnur.csv").is_empty(), "the note number is Amazon's, only in the MTR");
    assert_eq!(header(&read(out.path(), "cdnur.csv")), CDNUR_HEADER);
    // Table 12 net: 6912 mugs 2 − 1 units, 997.50 − 525.00, taxable 950.00 − 500.00; the watch
    // comes back whole; the bottle's price adjustment returns no unit.
    assert_eq!(
        rows("hsn(b2c).csv"),
        [
            "6109,,PCS-PIECES,1.00,630.00,5,600.00,30.00,0.00,0.00,0.00",
            "6912,,PCS-PIECES,1.00,472.50,5,450.00,-25.00,23.75,23.75,0.00",
            "7113,,PCS-PIECES,-1.00,-150000.00,3,-145631.07,-4368.93,0.00,0.00,0.00",
            "7323,,PCS-PIECES,0.00,-179.80,5,-171.24,0.00,-4.28,-4.28,0.00",
        ]
    );
    // Table 13: November's invoices only (credit notes have no numbers here: warned).
    assert_eq!(rows("docs.csv"), ["Invoices for outward supply,IN-GJ2627-000201,IN-GJ2627-000202,2,0"]);
    // Table 14 net: 950.00 + 600.00 − 500.00 − 171.24 − 1,45,631.07 = −1,44,752.31; IGST 30.00 −
    // 25.00 − 4,368.93 = −4,363.93; intra-state 47.50 − 8.56 = 38.94 → 19.47 each.
    assert_eq!(
        rows("eco.csv"),
        ["Liable to collect tax u/s 52(TCS),24AAICA3918J1CZ,Amazon Seller Services Private Limited,-144752.31,-4363.93,19.47,19.47,0.00"]
    );
    let ids = |v: &[String]| v.iter().map(|s| s[15..].to_owned()).collect::<Vec<_>>();
    assert_eq!(ids(&m.lists.refunded_orders), ["0002", "0009", "0003"]);
    assert_eq!(ids(&m.lists.refund_held_orders), ["0099", "0005"]);
    assert_eq!(ids(&m.lists.cdnur_needing_note_number), ["0003"]);
    assert!(m.lists.unknown_state_orders.is_empty(), "a refund of an unknown order is not a state problem: {:?}", m.lists);
    assert!(
        m.warnings
            .iter()
            .any(|w| w.contains("1 credit notes against B2CL invoices (the period's CDNUR total: taxable 145631.07, tax 4368.93)")),
        "{:?}",
        m.warnings
    );
    assert!(m.warnings.iter().any(|w| w.contains("3 refunded orders of this period have no credit note number")), "{:?}", m.warnings);
    assert!(m.warnings.iter().all(|w| !w.contains("Refunds were")), "read to 1 December: {:?}", m.warnings);
    assert_eq!(m.section_totals["CDNUR"].taxable, -1_45_631_07);
    let register = read(out.path(), "sales-register.csv");
    let line = |order: &str| register.lines().find(|l| l.starts_with("REFUND:402-") && l.contains(order)).unwrap_or_default().to_owned();
    assert!(line("0000009-0000009").contains(",REFUND,IN-GJ2627-000107,2026-10-14,,2026-11-12,"), "{register}");
    assert!(line("0000009-0000009").contains(",INCLUSIVE,INTRA,24,B2CS,-171.24,0.00,-4.28,-4.28,"), "{register}");
    assert!(line("0000099-0000099").contains("refund_of_a_sale_not_in_dakiya"), "{register}");
    assert!(line("0000005-0000005").contains("refund_of_an_uninvoiced_sale"), "{register}");
    assert!(dakiya::demo::canary_hits(out.path(), b"CANARY").expect("search").is_empty(), "no PII in any file");

    // October is untouched by November's refunds.
    let (_, oct) = s.export(&Period::month("2026-10").expect("oct"));
    assert_eq!(oct.register_totals.taxable, 152_026_54);
    assert!(oct.lists.refunded_orders.is_empty());

    // Filed is filed: November is locked; a refund posted on 20 November that dakiya learns
    // afterwards comes into December, flagged; November's credit notes are not reported again.
    let dir = out.path().join("export");
    let locked = s.lock(&Period::month("2026-11").expect("nov"), &dir).expect("lock");
    assert_eq!(locked.lines, 2 + 3, "two sales and three credit lines");
    s.refund("402-0000021-0000021", nov(20, 12), (None, "HST-MUG-01", 1), -47_500, -2_375, 0);
    let (out, dec) = s.export(&Period::month("2026-12").expect("dec"));
    assert_eq!(ids(&dec.lists.refunded_orders), ["0021"]);
    // 475.00 back, CGST −11.87 (2375 ÷ 2 rounded down) and SGST −11.88.
    assert_eq!(dec.register_totals.taxable, -475_00);
    assert_eq!((dec.register_totals.cgst, dec.register_totals.sgst), (-11_87, -11_88));
    assert!(read(out.path(), "sales-register.csv").contains("refunded_in_filed_period"));
    assert!(dec.warnings.iter().any(|w| w.contains("Refunds were read from Amazon up to 2026-12-01 08:00 IST only")), "{:?}", dec.warnings);
}

#[test]
fn an_export_says_loudly_when_refunds_were_never_read() {
    let s = month_seed();
    let (_, m) = s.export(&Period::month("2026-10").expect("oct"));
    assert!(m.warnings.iter().any(|w| w.contains("Refunds were never read from Amazon")), "{:?}", m.warnings);
}

/// An MTR file with the report's own header (tests/fixtures/mtr, sources in SOURCES.md): every
/// cell empty but the ones given, RFC 4180 quoting.
pub(crate) fn mtr_file(dir: &std::path::Path, name: &str, header: &str, rows: &[Vec<(&str, &str)>]) -> std::path::PathBuf {
    let head =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mtr").join(header)).expect("header");
    let names: Vec<&str> = head.trim_end().split(',').collect();
    let mut text = head.trim_end().to_owned() + "\r\n";
    for row in rows {
        let cells: Vec<String> = names
            .iter()
            .map(|n| row.iter().find(|(k, _)| k == n).map_or(String::new(), |(_, v)| format!("\"{}\"", v.replace('"', "\"\""))))
            .collect();
        text += &(cells.join(",") + "\r\n");
    }
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

/// A shipment row of the B2C report, with personal fields that must never be read.
fn shipment<'a>(
    order: &'a str,
    invoice: &'a str,
    date: &'a str,
    sku: &'a str,
    state: &'a str,
    taxable: &'a str,
    heads: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut row = vec![
        ("Seller Gstin", "24AAPFU0939F1ZV"),
        ("Transaction Type", "Shipment"),
        ("Order Id", order),
        ("Invoice Number", invoice),
        ("Invoice Date", date),
        ("Sku", sku),
        ("Quantity", "1"),
        ("Ship To State", state),
        ("Ship To City", "CANARY-CITY-MTR"),
        ("Ship To Postal Code", "CANARY-PIN-MTR"),
        ("Tax Exclusive Gross", taxable),
    ];
    row.extend_from_slice(heads);
    row
}

/// The business order's sofa as Amazon's MTR B2B report shows its shipment: 2,117.80 + 18 %
/// IGST 381.20 to Delhi (the buyer's GSTIN is added by the caller).
fn sofa_shipment() -> Vec<(&'static str, &'static str)> {
    shipment(
        "402-0000004-0000004",
        "IN-GJ2627-000104",
        "2026-10-07",
        "HST-SOFA",
        "DELHI",
        "2117.80",
        &[("Total Tax Amount", "381.20"), ("Igst Tax", "381.20"), ("Cess", "")],
    )
}

#[test]
fn the_merchant_tax_report_is_read_without_personal_columns_reconciled_and_gives_credit_note_numbers() {
    let s = month_seed();
    let nov = |d, h| ist(2026, 11, d, h, 0);
    s.refund("402-0000002-0000002", nov(10, 12), (None, "HST-MUG-01", 1), -51_500, -2_500, 1_500);
    s.refund("402-0000003-0000003", nov(14, 12), (None, "HST-WATCH-GOLD", 1), -1_45_631_07, -4_368_93, 0);
    // The business order's sofa comes back: 2,117.80 + 18 % 381.20 = 2,499.00, a credit note
    // against a B2B invoice once the MTR names the buyer's GSTIN (Table 9B).
    s.refund("402-0000004-0000004", nov(20, 12), (None, "HST-SOFA", 1), -2_117_80, -381_20, 0);
    s.refunds_read_to(ist(2026, 12, 1, 8, 0));
    let dir = tempfile::tempdir().expect("dir");
    let tax = |total, a: &'static str, av, b: &'static str, bv| vec![("Total Tax Amount", total), (a, av), (b, bv)];
    let b2c = mtr_file(
        dir.path(),
        "MTR_B2C-OCTOBER-2026.csv",
        "mtr-b2c-header.csv",
        &[
            shipment(
                "402-0000001-0000001",
                "IN-GJ2627-000101",
                "2026-10-02 10:00:00",
                "HST-MUG-01",
                "GUJARAT",
                "950.00",
                &tax("47.50", "Cgst Tax", "23.75", "Sgst Tax", "23.75"),
            ),
            shipment(
                "402-0000002-0000002",
                "IN-GJ2627-000102",
                "03-10-2026",
                "HST-TSHIRT-M",
                "MAHARASHTRA",
                "570.48",
                &tax("28.52", "Igst Tax", "28.52", "Cess", ""),
            ),
            // Amazon's taxable value is 1.00 more than dakiya's: a difference.
            shipment(
                "402-0000002-0000002",
                "IN-GJ2627-000102",
                "03-10-2026",
                "HST-MUG-01",
                "MAHARASHTRA",
                "501.00",
                &tax("25.00", "Igst Tax", "25.00", "Cess", ""),
            ),
            shipment(
                "402-0000003-0000003",
                "IN-GJ2627-000103",
                "2026-10-05",
                "HST-WATCH-GOLD",
                "KARNATAKA",
                "145631.07",
                &tax("4368.93", "Igst Tax", "4368.93", "Cess", ""),
            ),
            shipment(
                "402-0000009-0000009",
                "IN-GJ2627-000107",
                "2026-10-14",
                "HST-BOTTLE-1L",
                "GUJARAT",
                "856.19",
                &tax("42.81", "Cgst Tax", "21.40", "Sgst Tax", "21.41"),
            ),
            shipment(
                "402-0000010-0000010",
                "IN-GJ2627-000108",
                "2026-10-15",
                "HST-DIARY-A5",
                "GUJARAT",
                "761.00",
                &tax("38.05", "Cgst Tax", "19.02", "Sgst Tax", "19.03"),
            ),
            shipment(
                "402-0000013-0000013",
                "IN-GJ2627-000111",
                "2026-10-18",
                "HST-TSHIRT-M",
                "MAHARASHTRA",
                "640.00",
                &tax("32.00", "Igst Tax", "32.00", "Cess", ""),
            ),
            // Sold through another channel: only in the MTR.
            shipment(
                "402-0000077-0000077",
                "IN-GJ2627-000112",
                "2026-10-20",
                "HST-MUG-01",
                "GUJARAT",
                "475.24",
                &tax("23.76", "Cgst Tax", "11.88", "Sgst Tax", "11.88"),
            ),
            // November's credit notes (refund amounts negative, as third-party samples show).
            vec![
                ("Transaction Type", "Refund"),
                ("Order Id", "402-0000002-0000002"),
                ("Invoice Number", "IN-GJ2627-000102"),
                ("Invoice Date", "2026-10-03"),
                ("Sku", "HST-MUG-01"),
                ("Ship To State", "MAHARASHTRA"),
                ("Ship To City", "CANARY-CITY-MTR"),
                ("Tax Exclusive Gross", "-500.00"),
                ("Total Tax Amount", "-25.00"),
                ("Igst Tax", "-25.00"),
                ("Credit Note No", "CN-GJ2627-000011"),
                ("Credit Note Date", "10-11-2026"),
            ],
            vec![
                ("Transaction Type", "Refund"),
                ("Order Id", "402-0000003-0000003"),
                ("Invoice Number", "IN-GJ2627-000103"),
                ("Invoice Date", "2026-10-05"),
                ("Sku", "HST-WATCH-GOLD"),
                ("Ship To State", "KARNATAKA"),
                ("Tax Exclusive Gross", "-145631.07"),
                ("Total Tax Amount", "-4368.93"),
                ("Igst Tax", "-4368.93"),
                ("Credit Note No", "CN-GJ2627-000010"),
                ("Credit Note Date", "2026-11-14 12:00:00"),
            ],
        ],
    );
    let b2b = mtr_file(
        dir.path(),
        "MTR_B2B-OCTOBER-2026.csv",
        "mtr-b2b-header.csv",
        &[
            {
                let mut row = sofa_shipment();
                row.extend([
                    ("Buyer Name", "CANARY-BUYER-MTR"),
                    ("Bill To City", "CANARY-BCITY-MTR"),
                    ("Bill To Postalcode", "CANARY-BPIN-MTR"),
                    ("Customer Bill To Gstid", "07AAACB1234F1ZB"),
                ]);
                row
            },
            vec![
                ("Transaction Type", "Refund"),
                ("Order Id", "402-0000004-0000004"),
                ("Invoice Number", "IN-GJ2627-000104"),
                ("Invoice Date", "2026-10-07"),
                ("Sku", "HST-SOFA"),
                ("Ship To State", "DELHI"),
                ("Tax Exclusive Gross", "-2117.80"),
                ("Total Tax Amount", "-381.20"),
                ("Igst Tax", "-381.20"),
                ("Credit Note No", "CN-GJ2627-000012"),
                ("Credit Note Date", "2026-11-20"),
                ("Buyer Name", "CANARY-BUYER-MTR"),
                ("Customer Bill To Gstid", "07AAACB1234F1ZB"),
            ],
        ],
    );
    let done = dakiya::gst::mtr::import(&s.store, &catalog(), "24", &[b2c.clone(), b2b.clone()], ist(2026, 12, 2, 10, 0)).expect("import");
    assert_eq!((done.new, done.replaced), (12, 0));
    assert!(done.problems.is_empty(), "{:?}", done.problems);
    assert_eq!(done.dropped, ["Ship To City", "Ship To Postal Code", "Buyer Name", "Bill To City", "Bill To Postalcode"]);
    let described: Vec<(String, Vec<String>)> =
        done.differences.iter().map(|(m, d)| (m.clone(), d.iter().map(|x| x.describe()).collect())).collect();
    assert_eq!(
        described,
        [
            (
                "2026-10".to_owned(),
                vec![
                    "402-0000002-0000002 HST-MUG-01 Shipment: taxable (MTR taxable 501.00 tax 25.00; dakiya taxable 500.00 tax 25.00)"
                        .to_owned(),
                    "402-0000077-0000077 HST-MUG-01 Shipment: in_mtr_only (MTR taxable 475.24 tax 23.76; dakiya taxable - tax -)"
                        .to_owned(),
                ]
            ),
            ("2026-11".to_owned(), vec![]),
        ]
    );
    // Importing again replaces, adds nothing.
    let again = dakiya::gst::mtr::import(&s.store, &catalog(), "24", &[b2c, b2b], ist(2026, 12, 2, 11, 0)).expect("again");
    assert_eq!((again.new, again.replaced), (0, 12));
    // No personal field anywhere in the store; the buyer's GSTIN only on the B2B row.
    assert!(s.store.columns_containing("CANARY-CITY-MTR").expect("sql").is_empty());
    assert!(s.store.columns_containing("CANARY-BUYER-MTR").expect("sql").is_empty());
    let gstins: Vec<(String, Option<String>)> = {
        let mut stmt = s.store.conn().prepare("SELECT report, buyer_gstin FROM mtr_lines ORDER BY report, order_id, sku").expect("sql");
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).expect("rows").collect::<Result<_, _>>().expect("gstins")
    };
    assert_eq!(
        gstins.iter().filter(|(_, g)| g.is_some()).cloned().collect::<Vec<_>>(),
        [("B2B".to_owned(), Some("07AAACB1234F1ZB".to_owned())), ("B2B".to_owned(), Some("07AAACB1234F1ZB".to_owned()))]
    );

    // October: the MTR's B2B order is named, the differences are in the manifest.
    let (out, oct) = s.export(&Period::month("2026-10").expect("oct"));
    assert_eq!(oct.lists.mtr_b2b_orders, ["402-0000004-0000004"]);
    let rows =
        |name: &str| -> Vec<String> { read(out.path(), name).lines().skip(1).map(|l| l.trim_end_matches('\r').to_owned()).collect() };
    // Table 4A: the sofa, 2,117.80 + 381.20 = 2,499.00 to 07-Delhi at 18 %, with the buyer's
    // GSTIN, out of b2cs (where it was Delhi's only line) and out of the B2B candidates.
    assert_eq!(rows("b2b,sez,de.csv"), ["07AAACB1234F1ZB,,IN-GJ2627-000104,07-Oct-2026,2499.00,07-Delhi,N,,Regular B2B,,18,2117.80,0.00"]);
    assert!(rows("b2cs.csv").iter().all(|r| !r.contains("07-Delhi")), "{:?}", rows("b2cs.csv"));
    assert!(!oct.lists.b2b_candidate_orders.contains(&"402-0000004-0000004".to_owned()));
    assert_eq!(rows("hsn(b2b).csv"), ["6304,,PCS-PIECES,1.00,2499.00,18,2117.80,381.20,0.00,0.00,0.00"]);
    assert!(rows("hsn(b2c).csv").iter().all(|r| !r.starts_with("6304,")));
    assert_eq!(oct.lists.mtr_differences.len(), 2);
    assert!(oct.warnings.iter().any(|w| w.contains("2 differences with Amazon's Merchant Tax Report")), "{:?}", oct.warnings);
    // November: the CDNUR credit note with Amazon's number, and Table 13's credit-note row.
    let (out, m) = s.export(&Period::month("2026-11").expect("nov"));
    let rows =
        |name: &str| -> Vec<String> { read(out.path(), name).lines().skip(1).map(|l| l.trim_end_matches('\r').to_owned()).collect() };
    assert_eq!(rows("cdnur.csv"), ["B2CL,CN-GJ2627-000010,14-Nov-2026,C,29-Karnataka,150000.00,,3,145631.07,0.00"]);
    // Table 9B: the sofa's credit note, positive amounts, Note Type C, Amazon's number.
    assert_eq!(rows("cdnr.csv"), ["07AAACB1234F1ZB,,CN-GJ2627-000012,20-Nov-2026,C,07-Delhi,N,Regular B2B,2499.00,,18,2117.80,0.00"]);
    assert_workbook_matches_the_csvs(out.path());
    assert_eq!(rows("docs.csv"), ["Credit Note,CN-GJ2627-000010,CN-GJ2627-000012,3,0"]);
    assert!(m.lists.cdnr_needing_note_number.is_empty());
    assert_eq!(rows("hsn(b2b).csv"), ["6304,,PCS-PIECES,-1.00,-2499.00,18,-2117.80,-381.20,0.00,0.00,0.00"]);
    assert!(m.lists.cdnur_needing_note_number.is_empty());
    assert!(m.warnings.iter().all(|w| !w.contains("credit note number") && !w.contains("credit notes against B2CL")), "{:?}", m.warnings);
    assert!(dakiya::demo::canary_hits(out.path(), b"CANARY").expect("search").is_empty());
}

#[test]
fn a_filed_month_changed_later_is_amended_with_revised_rows_and_the_rest_is_listed() {
    let s = month_seed();
    let october = Period::month("2026-10").expect("oct");
    let gst = GstConfig { eco_gstin: Some(AMAZON_TCS_GJ.into()), ..GstConfig::default() };
    let settings = ExportSettings { seller_state: "24", gst: &gst };
    let amend = |p: &Period, dir: &std::path::Path| dakiya::gst::export::amend(&s.store, &catalog(), &settings, p, dir);
    let scratch = tempfile::tempdir().expect("dir");
    // Only a filed month can be amended.
    let err = amend(&october, &scratch.path().join("a")).expect_err("not filed");
    assert!(err.to_string().contains("was not filed"), "{err}");
    let (out, _) = s.export(&october);
    s.lock(&october, &out.path().join("export")).expect("lock");
    let err = amend(&Period::quarter("2026-Q3").expect("q3"), &scratch.path().join("b")).expect_err("a quarter");
    assert!(err.to_string().contains("one filed month"), "{err}");
    // Nothing changed: nothing to amend, three empty tables with the tool's headers.
    let same = amend(&october, &scratch.path().join("same")).expect("amend");
    assert!(same.by_hand.is_empty() && same.files.iter().take(3).all(|f| f.rows == 0), "{same:?}");
    assert!(same.notes.iter().any(|n| n.contains("no amendment is needed")));
    // After the filing, Amazon's MTR B2B report names the business order's buyer GSTIN: the
    // sofa (07-Delhi, 18 %, taxable 2,117.80) was filed in Table 7 and is a B2B invoice now.
    let dir = tempfile::tempdir().expect("mtr");
    let b2b = mtr_file(
        dir.path(),
        "MTR_B2B-OCTOBER-2026.csv",
        "mtr-b2b-header.csv",
        &[{
            let mut row = sofa_shipment();
            row.push(("Customer Bill To Gstid", "07AAACB1234F1ZB"));
            row
        }],
    );
    dakiya::gst::mtr::import(&s.store, &catalog(), "24", &[b2b], ist(2026, 12, 2, 10, 0)).expect("import");
    let a = amend(&october, &scratch.path().join("amend")).expect("amend");
    let rows = |name: &str| -> Vec<String> {
        let text = std::fs::read_to_string(scratch.path().join("amend").join(name)).expect("file");
        assert!(!text.starts_with('\u{feff}') && text.contains("\r\n"), "{name}: no BOM, CRLF");
        text.lines().map(|l| l.trim_end_matches('\r').to_owned()).collect()
    };
    // Table 10: Delhi's only rate, revised to 0.00 for October 2026 (FY 2026-27, month in capitals).
    assert_eq!(
        rows("b2csa.csv"),
        [
            "Financial Year,Original Month,Place Of Supply,Type,Rate,Applicable % of Tax Rate,Taxable Value,Cess Amount,E-Commerce GSTIN",
            "2026-27,OCTOBER,07-Delhi,OE,18,,0.00,0.00,"
        ]
    );
    assert_eq!(rows("b2cla.csv").len(), 1, "no B2C (Large) invoice changed");
    // Table 14 is over all supplies through Amazon, B2B too: unchanged, no 14A row.
    assert_eq!(rows("ecoa.csv").len(), 1);
    // What the amendment tables cannot carry is listed: the new B2B invoice and both HSN tabs.
    let sheets: Vec<&str> = a.by_hand.iter().filter_map(|w| w.split(':').next()).collect();
    assert_eq!(sheets, ["b2b,sez,de", "hsn(b2b)", "hsn(b2c)"], "{:?}", a.by_hand);
    // The filing stands: October is still refused without --amend.
    assert!(s.try_export(&october, &scratch.path().join("again")).expect_err("filed").to_string().contains("--amend"));
    // The same rows in the workbook, in the template's layout.
    let layout =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gst-tool/workbook-layout.tsv"))
            .expect("layout");
    let book = xlsx_sheets(&scratch.path().join("amend").join("gstr1-workbook.xlsx"));
    assert_eq!(book.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["b2cla", "b2csa", "ecoa"]);
    for (name, cells) in &book {
        let line = layout.lines().find(|l| l.starts_with(&format!("{name}\t"))).expect("layout line");
        let want: Vec<&str> = line.split('\t').skip(2).collect();
        let got: Vec<&str> = cells.get(3).map(|r| r.iter().map(|(t, _)| t.as_str()).collect()).unwrap_or_default();
        assert_eq!(got, want, "{name}: row-4 headers");
    }
    assert_eq!(book[1].1[4][6], ("0".to_owned(), true), "b2csa's revised taxable value is a number cell");
}

#[test]
fn the_register_computed_in_month_chunks_is_duckdbs_own_sorted_copy_byte_for_byte() {
    let mut s = month_seed();
    // Across the chunks' boundaries: ordered 31 Oct 23:50 IST (18:20 UTC, October's chunk by
    // purchase), invoiced 1 Nov 10:00 IST: its line belongs to November's chunk, read from October's orders.
    s.add(o("402-0000031-0000031", ist(2026, 10, 31, 23, 50), "Gujarat", &[ex("HST-MUG-01", 1, 47_500, 2_500)], None));
    s.set_invoice("402-0000031-0000031", "IN-GJ2627-000131", ist(2026, 11, 1, 10, 0));
    // Ordered 30 Sep, invoiced 2 Oct: October's lines read September's orders.
    s.add(o("402-0000030-0000030", ist(2026, 9, 30, 22, 0), "Maharashtra", &[ex("HST-MUG-01", 1, 47_500, 2_500)], None));
    s.set_invoice("402-0000030-0000030", "IN-GJ2627-000100", ist(2026, 10, 2, 9, 0));
    // November's sale and credit lines, one credit line in October.
    s.add(o("402-0000032-0000032", ist(2026, 11, 5, 12, 0), "Gujarat", &[ex("HST-MUG-01", 1, 47_500, 2_500)], Some("IN-GJ2627-000132")));
    s.refund("402-0000002-0000002", ist(2026, 11, 10, 12, 0), (None, "HST-MUG-01", 1), -51_500, -2_500, 1_500);
    s.refund("402-0000001-0000001", ist(2026, 10, 20, 12, 0), (None, "HST-MUG-01", 1), -47_500, -2_375, 0);
    let period = Period::range("2026-10-01..2026-11-30").expect("range");
    let (from, to) = period.bounds_utc();
    let dir = tempfile::tempdir().expect("dir");
    let register = |chunk_orders: i64, name: &str, chunks: usize| -> Vec<u8> {
        let scratch = dakiya::store::gst::Scratch::open(&s.store, &dir.path().join(format!("{name}.duckdb")), &catalog())
            .expect("scratch")
            .with_chunk_orders(chunk_orders);
        scratch.compute_lines("24", &period.label, from, to).expect("lines");
        assert_eq!(scratch.chunks_used(), chunks, "{name}: chunks read");
        let file = dir.path().join(format!("{name}.csv"));
        scratch.copy_register(&file).expect("copy");
        std::fs::read(file).expect("register")
    };
    // October and November: one chunk each with one order per chunk at most, else one.
    let monthly = register(1, "monthly", 2);
    let whole = register(i64::MAX, "whole", 1);
    let baseline = dir.path().join("baseline.csv");
    dakiya::gst::export::baseline_copy(&s.store, &catalog(), "24", &period, &baseline, None).expect("baseline");
    let sorted = std::fs::read(&baseline).expect("baseline");
    assert_eq!(String::from_utf8_lossy(&monthly), String::from_utf8_lossy(&sorted), "month chunks: DuckDB's own ORDER BY, byte for byte");
    assert_eq!(monthly, whole, "one chunk or many, the same bytes");
    assert!(monthly.starts_with(b"\xEF\xBB\xBFline_key,"), "BOM for Excel");
    let text = String::from_utf8(monthly[3..].to_vec()).expect("utf8");
    assert_eq!(text.matches("\r\n").count(), text.matches('\n').count(), "CRLF only");
    let keys: Vec<&str> = text.lines().skip(1).map(|l| l.split(',').next().unwrap_or("")).collect();
    let pos = |needle: &str| keys.iter().position(|k| k.contains(needle)).unwrap_or_else(|| panic!("{needle} in the register"));
    assert!(pos("402-0000030-0000030") < pos("402-0000001-0000001:"), "invoiced 2 Oct 09:00: before the order invoiced 2 Oct 10:00");
    assert!(pos("402-0000032-0000032") > pos("402-0000031-0000031"), "1 Nov before 5 Nov");
    assert!(pos("REFUND:402-0000001") < pos("402-0000031-0000031"), "October's credit line before November's lines");
    assert_eq!(text.lines().last().map(|l| l.contains("REFUND:402-0000002")), Some(true), "the 10 November credit line last");
    // A package written without its purchase-date copy: the lines are read in one piece, same bytes.
    s.store.conn().execute_batch("UPDATE packages SET purchase_date = NULL WHERE order_id = '402-0000031-0000031'").expect("unstamp");
    assert_eq!(register(1, "unstamped", 1), sorted, "without the copies: in one piece, the same register");
    // An item of no order (it gives no line) does not make the export read in one piece.
    s.store.conn().execute_batch("UPDATE packages SET purchase_date = (SELECT purchase_date FROM orders WHERE order_id = '402-0000031-0000031') WHERE order_id = '402-0000031-0000031'; INSERT INTO order_items (order_id, order_item_id, quantity) VALUES ('171-9999999-9999999', '1', 1)").expect("orphan");
    assert_eq!(register(1, "orphan", 2), sorted);
}
