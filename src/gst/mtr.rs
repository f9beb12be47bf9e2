//! Amazon's Merchant Tax Report (MTR, B2C and B2B) as the seller downloads it, read for
//! `dakiya gst import-mtr`: columns by name (never by position: the two reports order their tax
//! columns differently), comma or tab separated, an optional BOM, trailing spaces in names.
//!
//! **Personal fields are dropped on read**: only the columns in [`READ`] are ever taken out of a
//! record (buyer name, bill-to and ship-to city and postal code, item description are never
//! read); the buyer's GSTIN is kept only on B2B rows. Every format fact and its source is in
//! docs/gst-rules.md "Merchant Tax Report".

use chrono::NaiveDate;

use crate::spapi::model::parse_paise;
pub use crate::store::mtr::{MtrRow, Report};

/// A file read: its rows, the rows that could not be read (line and what, no values), and the
/// personal columns it had, which were not read.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// Rows.
    pub rows: Vec<MtrRow>,
    /// `line N: what is wrong`.
    pub problems: Vec<String>,
    /// Names of personal columns present in the file and never read.
    pub dropped: Vec<String>,
}

/// Every column dakiya reads; nothing else leaves the CSV record.
pub const READ: &[&str] = &[
    "Transaction Type",
    "Order Id",
    "Shipment Item Id",
    "Invoice Number",
    "Invoice Date",
    "Sku",
    "Hsn/sac",
    "Quantity",
    "Ship To State",
    "Invoice Amount",
    "Tax Exclusive Gross",
    "Total Tax Amount",
    "Credit Note No",
    "Credit Note Date",
    "Customer Bill To Gstid",
    "Customer Ship To Gstid",
];

/// Columns of personal data the reports carry (Seller Central IN help 202171930; docs/gst-rules.md).
pub const PERSONAL: &[&str] = &["Buyer Name", "Bill To City", "Bill To Postalcode", "Ship To City", "Ship To Postal Code"];

/// Tax columns summed per head (item, shipping, gift wrap).
const IGST: &[&str] = &["Igst Tax", "Shipping Igst Tax", "Gift Wrap Igst Tax"];
const CGST: &[&str] = &["Cgst Tax", "Shipping Cgst Tax", "Gift Wrap Cgst Tax"];
const SGST: &[&str] = &["Sgst Tax", "Utgst Tax", "Shipping Sgst Tax", "Shipping Utgst Tax", "Gift Wrap Sgst Tax", "Gift Wrap Utgst Tax"];

/// A date as the reports write it: `2026-10-05 10:11:12`, `2026-10-05`, or day first
/// (`05-10-2026`, `05/10/2026`, with or without a time). Never month first.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    let day = t.split([' ', 'T']).next().unwrap_or(t);
    ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%Y/%m/%d"].iter().find_map(|f| NaiveDate::parse_from_str(day, f).ok())
}

/// Read one MTR file.
pub fn parse(bytes: &[u8]) -> anyhow::Result<Parsed> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = text.split(|b| *b == b'\n').next().unwrap_or_default();
    let delimiter = if first.contains(&b'\t') && !first.contains(&b',') { b'\t' } else { b',' };
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(text);
    let headers: Vec<String> = reader.headers()?.iter().map(|h| h.trim().to_owned()).collect();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    for required in ["Transaction Type", "Order Id", "Tax Exclusive Gross"] {
        if col(required).is_none() {
            anyhow::bail!("not a Merchant Tax Report: no `{required}` column (is this the MTR B2C or B2B CSV from Seller Central?)");
        }
    }
    let report = if col("Customer Bill To Gstid").is_some() || col("Buyer Name").is_some() { Report::B2b } else { Report::B2c };
    let mut out = Parsed { dropped: PERSONAL.iter().filter(|p| col(p).is_some()).map(|p| (*p).to_owned()).collect(), ..Parsed::default() };
    let heads = |names: &[&str]| -> Vec<usize> { names.iter().filter_map(|n| col(n)).collect() };
    let (igst, cgst, sgst) = (heads(IGST), heads(CGST), heads(SGST));
    let mut line = 1u64;
    for record in reader.records() {
        line += 1;
        let record = match record {
            Ok(r) => r,
            Err(_) => {
                out.problems.push(format!("line {line}: not readable as CSV"));
                continue;
            }
        };
        let get = |name: &str| col(name).and_then(|i| record.get(i)).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        let money = |idx: &[usize]| -> Result<i64, String> {
            idx.iter()
                .map(|i| {
                    record.get(*i).map(str::trim).filter(|v| !v.is_empty()).map_or(Ok(0), |v| parse_paise(v).map_err(|e| e.to_string()))
                })
                .sum()
        };
        let amount = |name: &str| money(&col(name).into_iter().collect::<Vec<_>>());
        let Some(order_id) = get("Order Id") else {
            out.problems.push(format!("line {line}: no Order Id"));
            continue;
        };
        let transaction = get("Transaction Type").unwrap_or_default();
        let amounts = (|| -> Result<_, String> {
            Ok((
                amount("Invoice Amount")?,
                amount("Tax Exclusive Gross")?,
                amount("Total Tax Amount")?,
                money(&igst)?,
                money(&cgst)?,
                money(&sgst)?,
            ))
        })();
        let (invoice_amount, taxable, total_tax, ig, cg, sg) = match amounts {
            Ok(a) => a,
            Err(e) => {
                out.problems.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let quantity = get("Quantity").and_then(|q| q.split('.').next().and_then(|w| w.parse::<i64>().ok())).unwrap_or(0);
        let mut gstin = if report == Report::B2b { get("Customer Bill To Gstid").or_else(|| get("Customer Ship To Gstid")) } else { None };
        // A GSTIN that fails its check character would make the tool refuse the b2b row: kept
        // as B2C and said.
        if let Some(bad) = gstin.as_deref().filter(|g| crate::gstin::validate(g).is_err()) {
            out.problems.push(format!("line {line}: the buyer GSTIN {bad:?} fails its check character; the order stays B2C"));
            gstin = None;
        }
        out.rows.push(MtrRow {
            report,
            line,
            transaction,
            order_id,
            shipment_item_id: get("Shipment Item Id"),
            invoice_number: get("Invoice Number"),
            invoice_date: get("Invoice Date").as_deref().and_then(parse_date),
            sku: get("Sku"),
            hsn: get("Hsn/sac"),
            quantity,
            state_code: get("Ship To State").as_deref().and_then(super::states::state_code).map(str::to_owned),
            invoice_amount,
            taxable,
            total_tax,
            igst: ig,
            cgst: cg,
            sgst: sg,
            credit_note_no: get("Credit Note No"),
            credit_note_date: get("Credit Note Date").as_deref().and_then(parse_date),
            buyer_gstin: gstin,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_iso_or_day_first_never_month_first() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(parse_date("2026-10-05 10:11:12"), d(2026, 10, 5));
        assert_eq!(parse_date("05-10-2026 10:11"), d(2026, 10, 5));
        assert_eq!(parse_date("05/10/2026"), d(2026, 10, 5));
        assert_eq!(parse_date("13/25/2026"), None);
    }
}

/// What `dakiya gst import-mtr` did.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    /// Rows stored for the first time.
    pub new: u64,
    /// Rows that replaced ones imported before.
    pub replaced: u64,
    /// Rows that could not be read (`file: line N: what`).
    pub problems: Vec<String>,
    /// Personal columns the files had, never read.
    pub dropped: Vec<String>,
    /// Per month the rows fall in: its differences with dakiya's lines.
    pub differences: Vec<(String, Vec<crate::store::gst::MtrDifference>)>,
}

/// Read the files, store their rows (PII-free), and reconcile every month they cover with the
/// lines dakiya computes for it.
pub fn import(
    store: &crate::store::Store,
    catalog: &crate::catalog::Catalog,
    seller_state: &str,
    files: &[std::path::PathBuf],
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Imported> {
    use anyhow::Context as _;
    let mut out = Imported::default();
    let mut months = std::collections::BTreeSet::new();
    let mut parsed = Vec::new();
    for file in files {
        let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        let p = parse(&bytes).with_context(|| file.display().to_string())?;
        out.problems.extend(p.problems.iter().map(|e| format!("{}: {e}", file.display())));
        for d in p.dropped {
            if !out.dropped.contains(&d) {
                out.dropped.push(d);
            }
        }
        for r in &p.rows {
            if let Some(day) = r.credit_note_date.filter(|_| r.transaction.eq_ignore_ascii_case("Refund")).or(r.invoice_date) {
                months.insert(day.format("%Y-%m").to_string());
            }
        }
        parsed.extend(p.rows);
    }
    let (new, replaced) = store.tx(|conn| Ok(crate::store::mtr::upsert(conn, &parsed, now)?))?;
    (out.new, out.replaced) = (new, replaced);
    for label in months {
        let period = super::period::Period::month(&label)?;
        let (from, to) = period.bounds_utc();
        let dir = tempfile::tempdir()?;
        let scratch = crate::store::gst::Scratch::open(store, &dir.path().join("scratch.duckdb"), catalog)?;
        scratch.compute_lines(seller_state, &period.label, from, to).context("computing the lines")?;
        out.differences.push((label, scratch.mtr_differences(period.from, period.to)?));
    }
    Ok(out)
}
