//! `dakiya gst export`: the month, quarter or financial year for the Chartered Accountant.
//!
//! One folder: `sales-register.csv` (one row per order item), the GSTR-1 offline-tool sheets that
//! apply (`b2cs.csv`, `b2cl.csv`, `hsn-b2c.csv`, `hsn-b2b.csv`, `docs.csv`, `eco.csv`) with the
//! exact headers of `reference/gst.md` §2, and `manifest.json` (period, row counts, totals per tax
//! head, SHA-256 of every file). UTF-8 with BOM and CRLF, so Excel opens them cleanly.
//!
//! Rules: money is integer paise inside and two decimals outside. Seller state (config) vs ship-to
//! state code: same → CGST + SGST (CGST = tax ÷ 2 rounded down, SGST = the rest), else IGST. The
//! tax is Amazon's where present; otherwise computed from the GST-inclusive line value as
//! value × rate ÷ (100 + rate), rounded half up to the paisa. HSN and rate come from the SKU
//! catalogue. B2CL: inter-state, invoice value above ₹2,50,000 (invoices to 31 July 2024) or
//! ₹1,00,000 (from 1 August 2024). TCS columns are expectations (1 % to 9 July 2024, 0.5 % from
//! 10 July 2024, on the taxable value), never ledger figures. Business orders are listed and
//! flagged (their B2B rows need the buyer GSTIN, which dakiya does not hold). Unknown states are
//! quarantined and listed, never guessed. Orders cancelled before an invoice are left out;
//! cancelled invoices are counted in `docs.csv`. Rows stream from the store: seven years do not
//! sit in memory.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use chrono::{DateTime, Datelike as _, NaiveDate, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::states::state_name;
use crate::catalog::Catalog;
use crate::spapi::model::format_paise;
use crate::store::Store;

/// The period to export, as inclusive India dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// Label for folder and manifest (`2026-10`, `2026-27-Q3`, `FY2026-27`).
    pub label: String,
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
}

fn date(y: i32, m: u32, d: u32) -> anyhow::Result<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).with_context(|| format!("{y}-{m}-{d} is not a date"))
}

fn month_end(y: i32, m: u32) -> anyhow::Result<NaiveDate> {
    let next = if m == 12 { date(y + 1, 1, 1)? } else { date(y, m + 1, 1)? };
    next.pred_opt().context("date")
}

impl Period {
    /// `--period YYYY-MM`.
    pub fn month(text: &str) -> anyhow::Result<Period> {
        let (y, m) = text.split_once('-').context("--period must look like 2026-10")?;
        let (y, m): (i32, u32) = (y.parse().context("year")?, m.parse().context("month")?);
        Ok(Period { label: format!("{y}-{m:02}"), from: date(y, m, 1)?, to: month_end(y, m)? })
    }

    /// `--quarter YYYY-Qn`: quarter n of the financial year that starts in April of YYYY
    /// (Q1 April–June … Q4 January–March), as GSTR-1 quarters are.
    pub fn quarter(text: &str) -> anyhow::Result<Period> {
        let (y, q) = text.split_once("-Q").context("--quarter must look like 2026-Q3")?;
        let (y, q): (i32, u32) = (y.parse().context("year")?, q.parse().context("quarter")?);
        if !(1..=4).contains(&q) {
            anyhow::bail!("quarter must be 1 to 4");
        }
        let (sy, sm) = if q == 4 { (y + 1, 1) } else { (y, 4 + (q - 1) * 3) };
        Ok(Period { label: format!("{y}-{:02}-Q{q}", (y + 1) % 100), from: date(sy, sm, 1)?, to: month_end(sy, sm + 2)? })
    }

    /// `--fy YYYY-YY`: 1 April to 31 March.
    pub fn fy(text: &str) -> anyhow::Result<Period> {
        let (y, yy) = text.split_once('-').context("--fy must look like 2026-27")?;
        let y: i32 = y.parse().context("year")?;
        let yy: i32 = yy.parse().context("year")?;
        if (y + 1) % 100 != yy {
            anyhow::bail!("--fy {text}: the second year must follow the first (e.g. 2026-27)");
        }
        Ok(Period { label: format!("FY{y}-{yy:02}"), from: date(y, 4, 1)?, to: date(y + 1, 3, 31)? })
    }

    fn bounds_utc(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let ist = crate::sandbox::world::ist();
        let start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).and_then(|t| t.and_local_timezone(ist).single()).map_or(DateTime::<Utc>::MIN_UTC, |t| t.with_timezone(&Utc));
        (start(self.from), start(self.to.succ_opt().unwrap_or(self.to)))
    }
}

/// Sheet headers (gst.md §2, exact).
pub const B2CS_HEADER: [&str; 7] = ["Type", "Place Of Supply", "Applicable % of Tax Rate", "Rate", "Taxable Value", "Cess Amount", "E-Commerce GSTIN"];
/// b2cl.
pub const B2CL_HEADER: [&str; 9] = ["Invoice Number", "Invoice date", "Invoice Value", "Place Of Supply", "Applicable % of Tax Rate", "Rate", "Taxable Value", "Cess Amount", "E-Commerce GSTIN"];
/// hsn, hsn(b2b), hsn(b2c).
pub const HSN_HEADER: [&str; 11] = ["HSN", "Description", "UQC", "Total Quantity", "Total Value", "Rate", "Taxable Value", "Integrated Tax Amount", "Central Tax Amount", "State/UT Tax Amount", "Cess Amount"];
/// docs.
pub const DOCS_HEADER: [&str; 5] = ["Nature of Document", "Sr. No. From", "Sr. No. To", "Total Number", "Cancelled"];
/// eco (Table 14).
pub const ECO_HEADER: [&str; 8] = ["Nature of Supply", "GSTIN of E-Commerce Operator", "E-Commerce Operator Name", "Net value of supplies", "Integrated tax", "Central tax", "State/UT tax", "Cess"];
/// The line-level sales register (gst.md §9a without ingestion metadata; no PII).
pub const REGISTER_HEADER: [&str; 31] = [
    "line_key", "event", "invoice_number", "invoice_date", "credit_note_number", "credit_note_date", "amazon_order_id", "order_item_id", "order_date", "sku", "asin", "hsn", "uqc",
    "quantity", "gst_rate_pct", "supply_type", "pos_state_code", "gstr1_section", "taxable_value", "igst", "cgst", "sgst", "cess", "line_value", "tcs_igst", "tcs_cgst", "tcs_sgst",
    "is_business_order", "fulfillment_channel", "source", "flags",
];

/// Invoices above this (paise) inter-state to unregistered buyers go to B2CL.
pub fn b2cl_threshold(invoice_date: NaiveDate) -> i64 {
    if invoice_date <= NaiveDate::from_ymd_opt(2024, 7, 31).unwrap_or(NaiveDate::MIN) { 2_50_000_00 } else { 1_00_000_00 }
}

/// TCS rate in basis points on the invoice date.
pub fn tcs_rate_bp(invoice_date: NaiveDate) -> i64 {
    if invoice_date < NaiveDate::from_ymd_opt(2024, 7, 10).unwrap_or(NaiveDate::MIN) { 100 } else { 50 }
}

fn half_up_div(num: i64, den: i64) -> i64 {
    (num * 2 + den) / (den * 2)
}

/// A CSV file written with a BOM and CRLF, counting rows and hashing bytes.
struct Sheet {
    name: &'static str,
    writer: csv::Writer<HashingFile>,
    rows: u64,
}

struct HashingFile {
    file: std::io::BufWriter<std::fs::File>,
    hash: Sha256,
}

impl std::io::Write for HashingFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl Sheet {
    fn create(dir: &Path, name: &'static str, header: &[&str]) -> anyhow::Result<Sheet> {
        let file = std::fs::File::create(dir.join(name)).with_context(|| format!("cannot create {}", dir.join(name).display()))?;
        let mut out = HashingFile { file: std::io::BufWriter::with_capacity(1 << 16, file), hash: Sha256::new() };
        out.write_all(b"\xEF\xBB\xBF")?;
        let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
        writer.write_record(header)?;
        Ok(Sheet { name, writer, rows: 0 })
    }

    fn row<I: IntoIterator<Item = T>, T: AsRef<[u8]>>(&mut self, fields: I) -> anyhow::Result<()> {
        self.writer.write_record(fields)?;
        self.rows += 1;
        Ok(())
    }

    fn finish(self) -> anyhow::Result<FileEntry> {
        let mut inner = self.writer.into_inner().map_err(|e| anyhow::anyhow!("cannot finish {}: {}", self.name, e.error()))?;
        inner.flush()?;
        Ok(FileEntry { name: self.name.to_owned(), rows: self.rows, sha256: hex::encode(inner.hash.finalize()) })
    }
}

/// One file in the manifest.
#[derive(Debug, Clone, Serialize)]
pub struct FileEntry {
    /// File name.
    pub name: String,
    /// Data rows (without the header).
    pub rows: u64,
    /// SHA-256 of the bytes.
    pub sha256: String,
}

/// Totals per tax head, paise.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Totals {
    /// Taxable value.
    pub taxable: i64,
    /// IGST.
    pub igst: i64,
    /// CGST.
    pub cgst: i64,
    /// SGST.
    pub sgst: i64,
    /// Cess.
    pub cess: i64,
}

impl Totals {
    fn add(&mut self, o: &Totals) {
        self.taxable += o.taxable;
        self.igst += o.igst;
        self.cgst += o.cgst;
        self.sgst += o.sgst;
        self.cess += o.cess;
    }

    fn value(&self) -> i64 {
        self.taxable + self.igst + self.cgst + self.sgst + self.cess
    }
}

/// What the export wrote, for the summary and `manifest.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// Period label.
    pub period: String,
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Seller state code.
    pub seller_state: String,
    /// Files.
    pub files: Vec<FileEntry>,
    /// Register totals (sales lines that count).
    pub register_totals: Totals,
    /// Totals per GSTR-1 section.
    pub section_totals: BTreeMap<String, Totals>,
    /// Business orders (their B2B rows come from Amazon's B2B tax report).
    pub business_orders: Vec<String>,
    /// Orders quarantined for an unknown ship-to state.
    pub unknown_state_orders: Vec<String>,
    /// Orders without an Amazon invoice number.
    pub missing_invoice_orders: Vec<String>,
    /// Orders whose SKU is not in the catalogue (no HSN or rate).
    pub unknown_sku_orders: Vec<String>,
    /// Notes for the CA.
    pub notes: Vec<String>,
}

struct Line {
    order_id: String,
    item_id: String,
    purchase: DateTime<Utc>,
    invoice_number: Option<String>,
    invoice_date: Option<DateTime<Utc>>,
    sku: Option<String>,
    asin: Option<String>,
    quantity: i64,
    price: Option<i64>,
    tax: Option<i64>,
    shipping: Option<i64>,
    shipping_tax: Option<i64>,
    discount: Option<i64>,
    state: Option<String>,
    state_unknown: bool,
    business: bool,
    cancelled: bool,
}

#[derive(Default)]
struct Acc {
    b2cs: BTreeMap<(String, i64), Totals>,
    b2cl: Vec<(String, NaiveDate, i64, String, i64, Totals)>,
    hsn_b2c: BTreeMap<(String, i64), (i64, Totals)>,
    hsn_b2b: BTreeMap<(String, i64), (i64, Totals)>,
    docs: BTreeMap<String, (String, String, u64, u64)>,
    sections: BTreeMap<String, Totals>,
    register: Totals,
}

fn series(invoice: &str) -> String {
    invoice.trim_end_matches(|c: char| c.is_ascii_digit()).to_owned()
}

fn pos(code: &str) -> String {
    format!("{code}-{}", state_name(code).unwrap_or("Unknown"))
}

fn rate_text(bp: i64) -> String {
    format_paise(bp)
}

fn dmy(d: NaiveDate) -> String {
    d.format("%d-%b-%y").to_string()
}

/// Export `period` into `out` (created; must not exist yet or be empty).
pub fn export(store: &Store, catalog: &Catalog, seller_state: &str, period: &Period, out: &Path) -> anyhow::Result<Manifest> {
    if out.exists() && std::fs::read_dir(out)?.next().is_some() {
        anyhow::bail!("{} already exists and is not empty; choose another --out", out.display());
    }
    std::fs::create_dir_all(out)?;
    let ist = crate::sandbox::world::ist();
    let (from, to) = period.bounds_utc();
    let mut register = Sheet::create(out, "sales-register.csv", &REGISTER_HEADER)?;
    let mut acc = Acc::default();
    let mut business = Vec::new();
    let mut unknown_state = Vec::new();
    let mut missing_invoice = Vec::new();
    let mut unknown_sku = Vec::new();

    let mut stmt = store.conn().prepare(
        "SELECT o.order_id, i.order_item_id, o.purchase_date, p.invoice_number, p.invoice_date, i.sku, i.asin, i.quantity,
                i.item_price_paise, i.item_tax_paise, i.shipping_paise, i.shipping_tax_paise, i.discount_paise,
                o.ship_state_code, o.state_unknown, o.is_business, o.order_status = 'CANCELLED'
         FROM orders o JOIN order_items i USING (order_id) LEFT JOIN packages p USING (order_id)
         WHERE COALESCE(p.invoice_date, o.purchase_date) >= ? AND COALESCE(p.invoice_date, o.purchase_date) < ?
           AND o.order_status NOT IN ('PENDING', 'PENDING_AVAILABILITY')
           AND NOT (o.order_status = 'CANCELLED' AND p.invoice_number IS NULL)
         ORDER BY COALESCE(p.invoice_date, o.purchase_date), o.order_id, i.order_item_id",
    )?;
    let rows = stmt.query_map(duckdb::params![from, to], |r| {
        Ok(Line {
            order_id: r.get(0)?,
            item_id: r.get(1)?,
            purchase: r.get(2)?,
            invoice_number: r.get(3)?,
            invoice_date: r.get(4)?,
            sku: r.get(5)?,
            asin: r.get(6)?,
            quantity: r.get(7)?,
            price: r.get(8)?,
            tax: r.get(9)?,
            shipping: r.get(10)?,
            shipping_tax: r.get(11)?,
            discount: r.get(12)?,
            state: r.get(13)?,
            state_unknown: r.get(14)?,
            business: r.get(15)?,
            cancelled: r.get(16)?,
        })
    })?;
    let mut order: Vec<Line> = Vec::new();
    let mut flush = |order: &mut Vec<Line>, acc: &mut Acc, register: &mut Sheet| -> anyhow::Result<()> {
        if order.is_empty() {
            return Ok(());
        }
        let first = &order[0];
        let order_id = first.order_id.clone();
        let invoice_day = first.invoice_date.unwrap_or(first.purchase).with_timezone(&ist).date_naive();
        let mut flags: Vec<&str> = Vec::new();
        if first.invoice_number.is_none() {
            flags.push("no_invoice_number");
            missing_invoice.push(order_id.clone());
        }
        if first.business {
            flags.push("business_order");
            business.push(order_id.clone());
        }
        let state = first.state.clone().filter(|_| !first.state_unknown);
        if state.is_none() {
            flags.push("unknown_state_quarantined");
            unknown_state.push(order_id.clone());
        }
        // Compute every line first: the invoice value decides B2CL.
        let mut computed = Vec::new();
        let mut invoice_value = 0;
        let mut sku_missing = false;
        for line in order.iter() {
            let item = line.sku.as_deref().and_then(|s| catalog.get(s));
            let rate_bp = item.map(|i| (i.gst_rate * 100.0).round() as i64);
            let gross = line.price.unwrap_or(0) + line.shipping.unwrap_or(0) - line.discount.unwrap_or(0);
            let tax = match (line.tax, rate_bp) {
                (Some(t), _) => t + line.shipping_tax.unwrap_or(0),
                (None, Some(bp)) => half_up_div(gross * bp, 10_000 + bp),
                (None, None) => 0,
            };
            if rate_bp.is_none() {
                sku_missing = true;
            }
            let taxable = gross - tax;
            let intra = state.as_deref() == Some(seller_state);
            let t = if intra {
                let cgst = tax / 2;
                Totals { taxable, igst: 0, cgst, sgst: tax - cgst, cess: 0 }
            } else {
                Totals { taxable, igst: tax, cgst: 0, sgst: 0, cess: 0 }
            };
            invoice_value += t.value();
            computed.push((line, item, rate_bp, t, intra));
        }
        if sku_missing {
            flags.push("sku_not_in_catalogue");
            unknown_sku.push(order_id.clone());
        }
        let countable = !first.cancelled && state.is_some() && !sku_missing;
        let section = if first.cancelled {
            "CANCELLED"
        } else if !countable {
            "QUARANTINED"
        } else if first.business {
            "B2B"
        } else if !computed[0].4 && invoice_value > b2cl_threshold(invoice_day) {
            "B2CL"
        } else {
            "B2CS"
        };
        if let Some(inv) = &first.invoice_number {
            let entry = acc.docs.entry(series(inv)).or_insert_with(|| (inv.clone(), inv.clone(), 0, 0));
            if inv < &entry.0 {
                entry.0 = inv.clone();
            }
            if inv > &entry.1 {
                entry.1 = inv.clone();
            }
            entry.2 += 1;
            if first.cancelled {
                entry.3 += 1;
            }
        }
        let tcs_bp = tcs_rate_bp(invoice_day);
        for (line, item, rate_bp, t, intra) in &computed {
            let tcs = half_up_div(t.taxable * tcs_bp, 10_000);
            let (tcs_igst, tcs_cgst, tcs_sgst) = if *intra { (0, tcs / 2, tcs - tcs / 2) } else { (tcs, 0, 0) };
            let event = if first.cancelled { "CANCEL" } else { "SALE" };
            let hsn = item.map(|i| i.hsn.clone()).unwrap_or_default();
            let uqc = "PCS";
            register.row([
                format!("{}:{}:{event}", line.order_id, line.item_id),
                event.to_owned(),
                line.invoice_number.clone().unwrap_or_default(),
                line.invoice_date.map(|d| d.with_timezone(&ist).date_naive().to_string()).unwrap_or_default(),
                String::new(),
                String::new(),
                line.order_id.clone(),
                line.item_id.clone(),
                line.purchase.with_timezone(&ist).date_naive().to_string(),
                line.sku.clone().unwrap_or_default(),
                line.asin.clone().unwrap_or_default(),
                hsn.clone(),
                uqc.to_owned(),
                line.quantity.to_string(),
                rate_bp.map(rate_text).unwrap_or_default(),
                if state.is_none() { String::new() } else if *intra { "INTRA".into() } else { "INTER".into() },
                state.clone().unwrap_or_default(),
                section.to_owned(),
                format_paise(t.taxable),
                format_paise(t.igst),
                format_paise(t.cgst),
                format_paise(t.sgst),
                format_paise(t.cess),
                format_paise(t.value()),
                format_paise(tcs_igst),
                format_paise(tcs_cgst),
                format_paise(tcs_sgst),
                first.business.to_string(),
                "MFN".into(),
                "ORDERS_API_2026".into(),
                flags.join(";"),
            ])?;
            if !countable {
                continue;
            }
            acc.register.add(t);
            acc.sections.entry(section.to_owned()).or_default().add(t);
            let bp = rate_bp.unwrap_or(0);
            let hsn_map = if section == "B2B" { &mut acc.hsn_b2b } else { &mut acc.hsn_b2c };
            let e = hsn_map.entry((hsn, bp)).or_default();
            e.0 += line.quantity;
            e.1.add(t);
            match section {
                "B2CS" => acc.b2cs.entry((state.clone().unwrap_or_default(), bp)).or_default().add(t),
                "B2CL" => {
                    let inv = first.invoice_number.clone().unwrap_or_default();
                    if let Some(last) = acc.b2cl.iter_mut().find(|x| x.0 == inv && x.4 == bp) {
                        last.5.add(t);
                    } else {
                        acc.b2cl.push((inv, invoice_day, invoice_value, state.clone().unwrap_or_default(), bp, *t));
                    }
                }
                _ => {}
            }
        }
        order.clear();
        Ok(())
    };
    for row in rows {
        let line = row?;
        if order.last().is_some_and(|l| l.order_id != line.order_id) {
            flush(&mut order, &mut acc, &mut register)?;
        }
        order.push(line);
    }
    flush(&mut order, &mut acc, &mut register)?;
    drop(stmt);

    let mut files = vec![register.finish()?];
    let mut b2cs = Sheet::create(out, "b2cs.csv", &B2CS_HEADER)?;
    for ((state, bp), t) in &acc.b2cs {
        b2cs.row(["OE".to_owned(), pos(state), String::new(), rate_text(*bp), format_paise(t.taxable), format_paise(t.cess), String::new()])?;
    }
    files.push(b2cs.finish()?);
    let mut b2cl = Sheet::create(out, "b2cl.csv", &B2CL_HEADER)?;
    for (inv, day, value, state, bp, t) in &acc.b2cl {
        b2cl.row([inv.clone(), dmy(*day), format_paise(*value), pos(state), String::new(), rate_text(*bp), format_paise(t.taxable), format_paise(t.cess), String::new()])?;
    }
    files.push(b2cl.finish()?);
    for (name, map) in [("hsn-b2c.csv", &acc.hsn_b2c), ("hsn-b2b.csv", &acc.hsn_b2b)] {
        let mut sheet = Sheet::create(out, name, &HSN_HEADER)?;
        for ((hsn, bp), (qty, t)) in map {
            sheet.row([
                hsn.clone(),
                String::new(),
                "PCS-PIECES".into(),
                format!("{qty}.00"),
                format_paise(t.value()),
                rate_text(*bp),
                format_paise(t.taxable),
                format_paise(t.igst),
                format_paise(t.cgst),
                format_paise(t.sgst),
                format_paise(t.cess),
            ])?;
        }
        files.push(sheet.finish()?);
    }
    let mut docs = Sheet::create(out, "docs.csv", &DOCS_HEADER)?;
    for (from_no, to_no, total, cancelled) in acc.docs.values() {
        docs.row(["Invoices for outward supply".to_owned(), from_no.clone(), to_no.clone(), total.to_string(), cancelled.to_string()])?;
    }
    files.push(docs.finish()?);
    let mut eco = Sheet::create(out, "eco.csv", &ECO_HEADER)?;
    if acc.register.taxable != 0 {
        let t = acc.register;
        eco.row([
            "Liable to collect tax u/s 52(TCS)".to_owned(),
            String::new(),
            "Amazon Seller Services Private Limited".into(),
            format_paise(t.taxable),
            format_paise(t.igst),
            format_paise(t.cgst),
            format_paise(t.sgst),
            format_paise(t.cess),
        ])?;
    }
    files.push(eco.finish()?);

    let mut notes = vec![
        "All sales are made through Amazon (an e-commerce operator collecting TCS u/s 52): b2cs Type is OE with the operator in eco.csv (Table 14); fill in Amazon's GSTIN there and change to E if that is your practice.".to_owned(),
        "TCS columns in the register are expectations at the rate in force on the invoice date; reconcile against Amazon's TCS statements.".to_owned(),
        "Credit notes (returns) are not in this export: take them from Amazon's Merchant Tax Report.".to_owned(),
    ];
    if !business.is_empty() {
        notes.push(format!("{} business orders are listed and flagged; their B2B rows need the buyer GSTIN, which dakiya does not hold: take them from Amazon's B2B tax report (MTR B2B).", business.len()));
    }
    if !unknown_state.is_empty() {
        notes.push(format!("{} orders have a ship-to state dakiya could not recognise; they are quarantined (not in the sheets) and listed here.", unknown_state.len()));
    }
    if !missing_invoice.is_empty() {
        notes.push(format!("{} orders have no Amazon invoice number yet; they are flagged in the register.", missing_invoice.len()));
    }
    if !unknown_sku.is_empty() {
        notes.push(format!("{} orders have SKUs missing from the catalogue (no HSN or rate); add them and export again.", unknown_sku.len()));
    }
    let manifest = Manifest {
        period: period.label.clone(),
        from: period.from,
        to: period.to,
        seller_state: seller_state.to_owned(),
        files,
        register_totals: acc.register,
        section_totals: acc.sections,
        business_orders: business,
        unknown_state_orders: unknown_state,
        missing_invoice_orders: missing_invoice,
        unknown_sku_orders: unknown_sku,
        notes,
    };
    std::fs::write(out.join("manifest.json"), serde_json::to_vec_pretty(&manifest)?)?;
    Ok(manifest)
}

/// The default output folder for a period.
pub fn default_out(period: &Period) -> PathBuf {
    PathBuf::from(format!("gst-{}", period.label))
}

/// A short summary table.
pub fn summary(m: &Manifest) -> String {
    let mut out = format!("GST export {} ({} to {})\n", m.period, m.from, m.to);
    out.push_str(&format!("  {:<8} {:>14} {:>12} {:>12} {:>12}\n", "section", "taxable", "IGST", "CGST", "SGST"));
    for (section, t) in &m.section_totals {
        out.push_str(&format!("  {:<8} {:>14} {:>12} {:>12} {:>12}\n", section, format_paise(t.taxable), format_paise(t.igst), format_paise(t.cgst), format_paise(t.sgst)));
    }
    let t = &m.register_totals;
    out.push_str(&format!("  {:<8} {:>14} {:>12} {:>12} {:>12}\n", "total", format_paise(t.taxable), format_paise(t.igst), format_paise(t.cgst), format_paise(t.sgst)));
    for f in &m.files {
        out.push_str(&format!("  {:<20} {:>7} rows\n", f.name, f.rows));
    }
    for n in &m.notes {
        out.push_str(&format!("  note: {n}\n"));
    }
    if !m.unknown_state_orders.is_empty() {
        out.push_str(&format!("  quarantined (unknown state): {}\n", m.unknown_state_orders.join(", ")));
    }
    out
}

/// The period's first and last day for a given date (for tests of FY logic).
pub fn fy_of(d: NaiveDate) -> i32 {
    if d.month() >= 4 { d.year() } else { d.year() - 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse() {
        let q = Period::quarter("2026-Q4").expect("q4");
        assert_eq!((q.from, q.to), (NaiveDate::from_ymd_opt(2027, 1, 1).expect("d"), NaiveDate::from_ymd_opt(2027, 3, 31).expect("d")));
        let m = Period::month("2027-02").expect("feb");
        assert_eq!(m.to, NaiveDate::from_ymd_opt(2027, 2, 28).expect("d"));
        let fy = Period::fy("2026-27").expect("fy");
        assert_eq!((fy.from, fy.to), (NaiveDate::from_ymd_opt(2026, 4, 1).expect("d"), NaiveDate::from_ymd_opt(2027, 3, 31).expect("d")));
        assert!(Period::fy("2026-28").is_err());
    }

    #[test]
    fn thresholds_change_on_their_dates() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).expect("d");
        assert_eq!(b2cl_threshold(d(2024, 7, 31)), 2_50_000_00);
        assert_eq!(b2cl_threshold(d(2024, 8, 1)), 1_00_000_00);
        assert_eq!(tcs_rate_bp(d(2024, 7, 9)), 100);
        assert_eq!(tcs_rate_bp(d(2024, 7, 10)), 50);
    }
}
