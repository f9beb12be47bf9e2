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

    /// `--range YYYY-MM-DD..YYYY-MM-DD`: any inclusive range of India dates.
    pub fn range(text: &str) -> anyhow::Result<Period> {
        let (a, b) = text.split_once("..").context("--range must look like 2019-04-01..2026-03-31")?;
        let from = NaiveDate::parse_from_str(a.trim(), "%Y-%m-%d").context("range start")?;
        let to = NaiveDate::parse_from_str(b.trim(), "%Y-%m-%d").context("range end")?;
        if to < from {
            anyhow::bail!("--range ends before it starts");
        }
        Ok(Period { label: format!("{from}_{to}"), from, to })
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
        let ist = crate::clock::ist();
        let start = |d: NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .and_then(|t| t.and_local_timezone(ist).single())
                .map_or(DateTime::<Utc>::MIN_UTC, |t| t.with_timezone(&Utc))
        };
        (start(self.from), start(self.to.succ_opt().unwrap_or(self.to)))
    }
}

/// Sheet headers (gst.md §2, exact).
pub const B2CS_HEADER: [&str; 7] =
    ["Type", "Place Of Supply", "Applicable % of Tax Rate", "Rate", "Taxable Value", "Cess Amount", "E-Commerce GSTIN"];
/// b2cl.
pub const B2CL_HEADER: [&str; 9] = [
    "Invoice Number",
    "Invoice date",
    "Invoice Value",
    "Place Of Supply",
    "Applicable % of Tax Rate",
    "Rate",
    "Taxable Value",
    "Cess Amount",
    "E-Commerce GSTIN",
];
/// hsn, hsn(b2b), hsn(b2c).
pub const HSN_HEADER: [&str; 11] = [
    "HSN",
    "Description",
    "UQC",
    "Total Quantity",
    "Total Value",
    "Rate",
    "Taxable Value",
    "Integrated Tax Amount",
    "Central Tax Amount",
    "State/UT Tax Amount",
    "Cess Amount",
];
/// docs.
pub const DOCS_HEADER: [&str; 5] = ["Nature of Document", "Sr. No. From", "Sr. No. To", "Total Number", "Cancelled"];
/// eco (Table 14).
pub const ECO_HEADER: [&str; 8] = [
    "Nature of Supply",
    "GSTIN of E-Commerce Operator",
    "E-Commerce Operator Name",
    "Net value of supplies",
    "Integrated tax",
    "Central tax",
    "State/UT tax",
    "Cess",
];
/// The line-level sales register (gst.md §9a without ingestion metadata; no PII).
pub const REGISTER_HEADER: [&str; 31] = [
    "line_key",
    "event",
    "invoice_number",
    "invoice_date",
    "credit_note_number",
    "credit_note_date",
    "amazon_order_id",
    "order_item_id",
    "order_date",
    "sku",
    "asin",
    "hsn",
    "uqc",
    "quantity",
    "gst_rate_pct",
    "supply_type",
    "pos_state_code",
    "gstr1_section",
    "taxable_value",
    "igst",
    "cgst",
    "sgst",
    "cess",
    "line_value",
    "tcs_igst",
    "tcs_cgst",
    "tcs_sgst",
    "is_business_order",
    "fulfillment_channel",
    "source",
    "flags",
];

/// Invoices above this (paise) inter-state to unregistered buyers go to B2CL.
pub fn b2cl_threshold(invoice_date: NaiveDate) -> i64 {
    if invoice_date <= NaiveDate::from_ymd_opt(2024, 7, 31).unwrap_or(NaiveDate::MIN) {
        2_50_000_00
    } else {
        1_00_000_00
    }
}

/// TCS rate in basis points on the invoice date.
pub fn tcs_rate_bp(invoice_date: NaiveDate) -> i64 {
    if invoice_date < NaiveDate::from_ymd_opt(2024, 7, 10).unwrap_or(NaiveDate::MIN) {
        100
    } else {
        50
    }
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

fn pos(code: &str) -> String {
    format!("{code}-{}", state_name(code).unwrap_or("Unknown"))
}

fn rate_text(bp: i64) -> String {
    format_paise(bp)
}

fn dmy(d: NaiveDate) -> String {
    d.format("%d-%b-%y").to_string()
}

/// The line computation (one row per order item with tax heads, section, TCS) as SQL over the
/// store and `gstx.cat`. Literals are inlined (they are dates and a validated state code) so the
/// same text serves `CREATE TABLE … AS` and the benchmark's `COPY … TO` baseline.
pub fn lines_sql(seller_state: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> anyhow::Result<String> {
    if seller_state.len() != 2 || !seller_state.bytes().all(|b| b.is_ascii_digit()) {
        anyhow::bail!("seller state code must be two digits");
    }
    let from = from.format("%Y-%m-%d %H:%M:%S");
    let to = to.format("%Y-%m-%d %H:%M:%S");
    let state = seller_state;
    Ok(format!(
        "WITH base AS (
           SELECT o.order_id, i.order_item_id, o.purchase_date, p.invoice_number, p.invoice_date, i.sku, i.asin, i.quantity,
                  i.item_price_paise AS price, i.item_tax_paise AS itax, coalesce(i.shipping_paise, 0) AS ship,
                  coalesce(i.shipping_tax_paise, 0) AS stax, coalesce(i.discount_paise, 0) AS disc,
                  CASE WHEN o.state_unknown THEN NULL ELSE o.ship_state_code END AS pos,
                  o.is_business AS business, o.order_status = 'CANCELLED' AS cancelled, c.hsn, c.rate_bp,
                  coalesce(p.invoice_date, o.purchase_date) AS sort_at,
                  CAST(coalesce(p.invoice_date, o.purchase_date) + INTERVAL 330 MINUTE AS DATE) AS inv_day,
                  CAST(o.purchase_date + INTERVAL 330 MINUTE AS DATE) AS order_day
           FROM main.orders o JOIN main.order_items i USING (order_id) LEFT JOIN main.packages p USING (order_id)
                LEFT JOIN gstx.cat c ON c.sku = i.sku
           WHERE coalesce(p.invoice_date, o.purchase_date) >= TIMESTAMP '{from}' AND coalesce(p.invoice_date, o.purchase_date) < TIMESTAMP '{to}'
             AND o.order_status NOT IN ('PENDING', 'PENDING_AVAILABILITY')
             AND NOT (o.order_status = 'CANCELLED' AND p.invoice_number IS NULL)
         ), taxed AS (
           SELECT *, coalesce(price, 0) + ship - disc AS gross,
                  CASE WHEN itax IS NOT NULL THEN itax + stax
                       WHEN rate_bp IS NOT NULL THEN ((coalesce(price, 0) + ship - disc) * rate_bp * 2 + (10000 + rate_bp)) // ((10000 + rate_bp) * 2)
                       ELSE 0 END AS tax,
                  coalesce(pos = '{state}', false) AS intra
           FROM base
         ), heads AS (
           SELECT *, gross - tax AS taxable,
                  CASE WHEN intra THEN 0 ELSE tax END AS igst,
                  CASE WHEN intra THEN tax // 2 ELSE 0 END AS cgst,
                  CASE WHEN intra THEN tax - tax // 2 ELSE 0 END AS sgst
           FROM taxed
         ), per_order AS (
           SELECT order_id AS po_id, sum(gross) AS invoice_value, bool_or(rate_bp IS NULL) AS sku_missing
           FROM heads GROUP BY order_id
         ), ord AS (
           SELECT * EXCLUDE (po_id) FROM heads JOIN per_order ON heads.order_id = per_order.po_id
         )
         SELECT *,
                CASE WHEN cancelled THEN 'CANCELLED'
                     WHEN pos IS NULL OR sku_missing THEN 'QUARANTINED'
                     WHEN business THEN 'B2B'
                     WHEN NOT intra AND invoice_value > CASE WHEN inv_day <= DATE '2024-07-31' THEN 25000000 ELSE 10000000 END THEN 'B2CL'
                     ELSE 'B2CS' END AS section,
                (taxable * CASE WHEN inv_day < DATE '2024-07-10' THEN 100 ELSE 50 END * 2 + 10000) // 20000 AS tcs
         FROM ord"
    ))
}

/// The register's columns, formatted for the CA, over `gstx.lines`.
pub fn register_columns() -> String {
    let rate_column = format!("CASE WHEN rate_bp IS NULL THEN NULL ELSE {} END", money("rate_bp"));
    format!(
        "order_id || ':' || order_item_id || ':' || (CASE WHEN cancelled THEN 'CANCEL' ELSE 'SALE' END) AS line_key,
         CASE WHEN cancelled THEN 'CANCEL' ELSE 'SALE' END AS event,
         invoice_number, CAST(CAST(invoice_date + INTERVAL 330 MINUTE AS DATE) AS VARCHAR) AS invoice_date,
         NULL::VARCHAR AS credit_note_number, NULL::VARCHAR AS credit_note_date, order_id AS amazon_order_id, order_item_id,
         CAST(order_day AS VARCHAR) AS order_date, sku, asin, hsn, 'PCS' AS uqc, quantity,
         {rate} AS gst_rate_pct,
         CASE WHEN pos IS NULL THEN NULL WHEN intra THEN 'INTRA' ELSE 'INTER' END AS supply_type,
         pos AS pos_state_code, section AS gstr1_section,
         {taxable} AS taxable_value, {igst} AS igst, {cgst} AS cgst, {sgst} AS sgst, '0.00' AS cess, {gross} AS line_value,
         {tcs_igst} AS tcs_igst, {tcs_cgst} AS tcs_cgst, {tcs_sgst} AS tcs_sgst,
         business AS is_business_order, 'MFN' AS fulfillment_channel, 'ORDERS_API_2026' AS source,
         NULLIF(concat_ws(';', CASE WHEN invoice_number IS NULL THEN 'no_invoice_number' END, CASE WHEN business THEN 'business_order' END,
                               CASE WHEN pos IS NULL THEN 'unknown_state_quarantined' END, CASE WHEN sku_missing THEN 'sku_not_in_catalogue' END), '') AS flags",
        rate = rate_column,
        taxable = money("taxable"),
        igst = money("igst"),
        cgst = money("cgst"),
        sgst = money("sgst"),
        gross = money("gross"),
        tcs_igst = money("(CASE WHEN intra THEN 0 ELSE tcs END)"),
        tcs_cgst = money("(CASE WHEN intra THEN tcs // 2 ELSE 0 END)"),
        tcs_sgst = money("(CASE WHEN intra THEN tcs - tcs // 2 ELSE 0 END)"),
    )
}

/// DuckDB settings while exporting: one thread and a 120 MB limit, so seven years sort within the
/// 200 MB budget (DuckDB spills to disk beyond it; two threads were faster but needed 400 MB).
const EXPORT_SETTINGS: &str = "SET threads = 1; SET memory_limit = '120MB'; SET preserve_insertion_order = true;";
/// Back to the hourly run's settings.
const RUN_SETTINGS: &str = "SET threads = 1; SET memory_limit = '128MB'; SET preserve_insertion_order = true;";

/// SQL for an amount in paise as a decimal with two places, exactly.
fn money(col: &str) -> String {
    format!("(CASE WHEN {col} < 0 THEN '-' ELSE '' END || CAST(abs({col}) // 100 AS VARCHAR) || '.' || lpad(CAST(abs({col}) % 100 AS VARCHAR), 2, '0'))")
}

/// Export `period` into `out` (created; must not exist yet or be empty).
///
/// The line computation runs inside DuckDB (into a scratch in-memory database, so the store may
/// be read-only); the register is written by DuckDB's own `COPY … TO` and re-framed for Excel
/// (BOM, CRLF) while streaming; the sheets are small `GROUP BY`s of the same lines.
pub fn export(store: &Store, catalog: &Catalog, seller_state: &str, period: &Period, out: &Path) -> anyhow::Result<Manifest> {
    if out.exists() && std::fs::read_dir(out)?.next().is_some() {
        anyhow::bail!("{} already exists and is not empty; choose another --out", out.display());
    }
    std::fs::create_dir_all(out)?;
    let conn = store.conn();
    let (from, to) = period.bounds_utc();
    let _ = conn.execute_batch("DETACH DATABASE IF EXISTS gstx");
    // A scratch database on disk (not in memory) so seven years can spill instead of failing.
    let scratch = tempfile::Builder::new().prefix(".gst-scratch-").tempdir_in(out)?;
    let scratch_db = scratch.path().join("scratch.duckdb").to_string_lossy().replace('\'', "''");
    conn.execute_batch(&format!(
        "ATTACH '{scratch_db}' AS gstx; CREATE TABLE gstx.cat (sku VARCHAR PRIMARY KEY, hsn VARCHAR, rate_bp BIGINT);"
    ))?;
    // Big periods are sorted and aggregated in parallel; the hourly run uses one thread.
    let _ = conn.execute_batch(EXPORT_SETTINGS);
    let result = export_inner(store, catalog, seller_state, period, out, from, to);
    let _ = conn.execute_batch(RUN_SETTINGS);
    let _ = conn.execute_batch("DETACH DATABASE IF EXISTS gstx");
    result
}

#[allow(clippy::too_many_arguments)]
fn export_inner(
    store: &Store,
    catalog: &Catalog,
    seller_state: &str,
    period: &Period,
    out: &Path,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> anyhow::Result<Manifest> {
    let conn = store.conn();
    {
        let mut appender_rows = Vec::new();
        for item in catalog.items() {
            appender_rows.push((item.sku.clone(), item.hsn.clone(), (item.gst_rate * 100.0).round() as i64));
        }
        let mut stmt = conn.prepare("INSERT INTO gstx.cat VALUES (?, ?, ?)")?;
        for (sku, hsn, bp) in appender_rows {
            stmt.execute(duckdb::params![sku, hsn, bp])?;
        }
    }
    conn.execute_batch(&format!("CREATE TABLE gstx.lines AS {}", lines_sql(seller_state, from, to)?))?;
    // The register: DuckDB writes it, we add the BOM and CRLF for Excel while streaming.
    let tmp = tempfile::Builder::new().prefix(".register-").suffix(".csv").tempfile_in(out)?;
    let tmp_path = tmp.path().to_string_lossy().replace('\'', "''");
    let columns = register_columns();
    conn.execute_batch(&format!(
        "COPY (SELECT {columns} FROM gstx.lines ORDER BY sort_at, order_id, order_item_id) TO '{tmp_path}' (HEADER, DELIMITER ',')"
    ))?;
    let register_rows: i64 = conn.query_row("SELECT count(*) FROM gstx.lines", [], |r| r.get(0))?;
    let mut files = vec![reframe(tmp.path(), &out.join("sales-register.csv"), "sales-register.csv", register_rows as u64)?];
    drop(tmp);

    let countable = "section IN ('B2CS', 'B2CL', 'B2B')";
    let totals = |filter: &str| -> anyhow::Result<Totals> {
        Ok(conn.query_row(
            &format!("SELECT coalesce(sum(taxable), 0), coalesce(sum(igst), 0), coalesce(sum(cgst), 0), coalesce(sum(sgst), 0) FROM gstx.lines WHERE {filter}"),
            [],
            |r| Ok(Totals { taxable: r.get(0)?, igst: r.get(1)?, cgst: r.get(2)?, sgst: r.get(3)?, cess: 0 }),
        )?)
    };
    let register_totals = totals(countable)?;
    let mut section_totals = BTreeMap::new();
    for section in ["B2B", "B2CL", "B2CS"] {
        let n: i64 = conn.query_row("SELECT count(*) FROM gstx.lines WHERE section = ?", [section], |r| r.get(0))?;
        if n > 0 {
            section_totals.insert(section.to_owned(), totals(&format!("section = '{section}'"))?);
        }
    }

    let mut b2cs = Sheet::create(out, "b2cs.csv", &B2CS_HEADER)?;
    {
        let mut stmt = conn.prepare(
            "SELECT pos, rate_bp, sum(taxable) FROM gstx.lines WHERE section = 'B2CS' GROUP BY pos, rate_bp ORDER BY pos, rate_bp",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)))?;
        for row in rows {
            let (state, bp, taxable) = row?;
            b2cs.row(["OE".to_owned(), pos(&state), String::new(), rate_text(bp), format_paise(taxable), format_paise(0), String::new()])?;
        }
    }
    files.push(b2cs.finish()?);
    let mut b2cl = Sheet::create(out, "b2cl.csv", &B2CL_HEADER)?;
    {
        let mut stmt = conn.prepare(
            "SELECT invoice_number, min(inv_day), max(invoice_value), pos, rate_bp, sum(taxable) FROM gstx.lines WHERE section = 'B2CL'
             GROUP BY invoice_number, pos, rate_bp ORDER BY min(sort_at), invoice_number, rate_bp",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, Option<String>>(0)?,
                r.get::<_, NaiveDate>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })?;
        for row in rows {
            let (inv, day, value, state, bp, taxable) = row?;
            b2cl.row([
                inv.unwrap_or_default(),
                dmy(day),
                format_paise(value),
                pos(&state),
                String::new(),
                rate_text(bp),
                format_paise(taxable),
                format_paise(0),
                String::new(),
            ])?;
        }
    }
    files.push(b2cl.finish()?);
    for (name, filter) in [("hsn-b2c.csv", "section IN ('B2CS', 'B2CL')"), ("hsn-b2b.csv", "section = 'B2B'")] {
        let mut sheet = Sheet::create(out, name, &HSN_HEADER)?;
        let mut stmt = conn.prepare(&format!(
            "SELECT hsn, rate_bp, sum(quantity), sum(gross), sum(taxable), sum(igst), sum(cgst), sum(sgst) FROM gstx.lines WHERE {filter}
             GROUP BY hsn, rate_bp ORDER BY hsn, rate_bp"
        ))?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, i64>(7)?,
            ))
        })?;
        for row in rows {
            let (hsn, bp, qty, value, taxable, igst, cgst, sgst) = row?;
            sheet.row([
                hsn,
                String::new(),
                "PCS-PIECES".into(),
                format!("{qty}.00"),
                format_paise(value),
                rate_text(bp),
                format_paise(taxable),
                format_paise(igst),
                format_paise(cgst),
                format_paise(sgst),
                format_paise(0),
            ])?;
        }
        files.push(sheet.finish()?);
    }
    let mut docs = Sheet::create(out, "docs.csv", &DOCS_HEADER)?;
    {
        let mut stmt = conn.prepare(
            "SELECT regexp_replace(invoice_number, '[0-9]+$', '') AS series, min(invoice_number), max(invoice_number),
                    count(DISTINCT order_id), count(DISTINCT order_id) FILTER (WHERE cancelled)
             FROM gstx.lines WHERE invoice_number IS NOT NULL GROUP BY series ORDER BY series",
        )?;
        let rows =
            stmt.query_map([], |r| Ok((r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?, r.get::<_, i64>(4)?)))?;
        for row in rows {
            let (first, last, total, cancelled) = row?;
            docs.row(["Invoices for outward supply".to_owned(), first, last, total.to_string(), cancelled.to_string()])?;
        }
    }
    files.push(docs.finish()?);
    let mut eco = Sheet::create(out, "eco.csv", &ECO_HEADER)?;
    if register_totals.taxable != 0 {
        let t = register_totals;
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

    let list = |filter: &str| -> anyhow::Result<Vec<String>> {
        let mut stmt =
            conn.prepare(&format!("SELECT order_id FROM gstx.lines WHERE {filter} GROUP BY order_id ORDER BY min(sort_at), order_id"))?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    };
    let business = list("business")?;
    let unknown_state = list("pos IS NULL")?;
    let missing_invoice = list("invoice_number IS NULL")?;
    let unknown_sku = list("sku_missing")?;
    let mut notes = vec![
        "All sales are made through Amazon (an e-commerce operator collecting TCS u/s 52): b2cs Type is OE with the operator in eco.csv (Table 14); fill in Amazon's GSTIN there and change to E if that is your practice.".to_owned(),
        "TCS columns in the register are expectations at the rate in force on the invoice date; reconcile against Amazon's TCS statements.".to_owned(),
        "Credit notes (returns) are not in this export: take them from Amazon's Merchant Tax Report.".to_owned(),
    ];
    if !business.is_empty() {
        notes.push(format!("{} business orders are listed and flagged; their B2B rows need the buyer GSTIN, which dakiya does not hold: take them from Amazon's B2B tax report (MTR B2B).", business.len()));
    }
    if !unknown_state.is_empty() {
        notes.push(format!(
            "{} orders have a ship-to state dakiya could not recognise; they are quarantined (not in the sheets) and listed here.",
            unknown_state.len()
        ));
    }
    if !missing_invoice.is_empty() {
        notes.push(format!("{} orders have no Amazon invoice number yet; they are flagged in the register.", missing_invoice.len()));
    }
    if !unknown_sku.is_empty() {
        notes.push(format!(
            "{} orders have SKUs missing from the catalogue (no HSN or rate); add them and export again.",
            unknown_sku.len()
        ));
    }
    let manifest = Manifest {
        period: period.label.clone(),
        from: period.from,
        to: period.to,
        seller_state: seller_state.to_owned(),
        files,
        register_totals,
        section_totals,
        business_orders: business,
        unknown_state_orders: unknown_state,
        missing_invoice_orders: missing_invoice,
        unknown_sku_orders: unknown_sku,
        notes,
    };
    std::fs::write(out.join("manifest.json"), serde_json::to_vec_pretty(&manifest)?)?;
    Ok(manifest)
}

/// The benchmark's baseline: DuckDB's own `COPY … TO` of the same register (same lines, same
/// columns, same order), without anything else the export does.
pub fn baseline_copy(store: &Store, catalog: &Catalog, seller_state: &str, period: &Period, file: &Path) -> anyhow::Result<()> {
    let conn = store.conn();
    let (from, to) = period.bounds_utc();
    let _ = conn.execute_batch("DETACH DATABASE IF EXISTS gstx");
    conn.execute_batch(EXPORT_SETTINGS)?;
    // A scratch database on disk (not in memory) so seven years can spill instead of failing.
    let scratch = tempfile::tempdir()?;
    let scratch_db = scratch.path().join("scratch.duckdb").to_string_lossy().replace('\'', "''");
    conn.execute_batch(&format!(
        "ATTACH '{scratch_db}' AS gstx; CREATE TABLE gstx.cat (sku VARCHAR PRIMARY KEY, hsn VARCHAR, rate_bp BIGINT);"
    ))?;
    for item in catalog.items() {
        conn.execute("INSERT INTO gstx.cat VALUES (?, ?, ?)", duckdb::params![item.sku, item.hsn, (item.gst_rate * 100.0).round() as i64])?;
    }
    let path = file.to_string_lossy().replace('\'', "''");
    let result = conn.execute_batch(&format!(
        "COPY (WITH lines AS ({}) SELECT {} FROM lines ORDER BY sort_at, order_id, order_item_id) TO '{path}' (HEADER, DELIMITER ',')",
        lines_sql(seller_state, from, to)?,
        register_columns()
    ));
    let _ = conn.execute_batch(RUN_SETTINGS);
    let _ = conn.execute_batch("DETACH DATABASE IF EXISTS gstx");
    Ok(result?)
}

/// Copy DuckDB's CSV into the final file with a UTF-8 BOM and CRLF line ends, hashing as it goes.
fn reframe(from: &Path, to: &Path, name: &str, rows: u64) -> anyhow::Result<FileEntry> {
    use std::io::{BufRead as _, BufReader, BufWriter};
    let input = BufReader::with_capacity(1 << 20, std::fs::File::open(from)?);
    let mut out = HashingFile { file: BufWriter::with_capacity(1 << 20, std::fs::File::create(to)?), hash: Sha256::new() };
    out.write_all(b"\xEF\xBB\xBF")?;
    for line in input.split(b'\n') {
        let line = line?;
        out.write_all(&line)?;
        out.write_all(b"\r\n")?;
    }
    out.flush()?;
    Ok(FileEntry { name: name.to_owned(), rows, sha256: hex::encode(out.hash.finalize()) })
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
        out.push_str(&format!(
            "  {:<8} {:>14} {:>12} {:>12} {:>12}\n",
            section,
            format_paise(t.taxable),
            format_paise(t.igst),
            format_paise(t.cgst),
            format_paise(t.sgst)
        ));
    }
    let t = &m.register_totals;
    out.push_str(&format!(
        "  {:<8} {:>14} {:>12} {:>12} {:>12}\n",
        "total",
        format_paise(t.taxable),
        format_paise(t.igst),
        format_paise(t.cgst),
        format_paise(t.sgst)
    ));
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
    if d.month() >= 4 {
        d.year()
    } else {
        d.year() - 1
    }
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
