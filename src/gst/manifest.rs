//! What an export wrote (`manifest.json`): files with rows and SHA-256, totals per tax head and
//! section, the lists the CA must look at, and notes; plus its short summary for the terminal.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use serde::Serialize;

use super::period::Period;
use crate::spapi::model::format_paise;

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
