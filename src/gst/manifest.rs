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
    /// Amazon's TCS GSTIN in Table 14 (`[gst] eco_gstin`), if configured.
    pub eco_gstin: Option<String>,
    /// Files.
    pub files: Vec<FileEntry>,
    /// Register totals (sales lines that count).
    pub register_totals: Totals,
    /// Totals per GSTR-1 section.
    pub section_totals: BTreeMap<String, Totals>,
    /// The lists the CA must look at.
    pub lists: Lists,
    /// What the CA must fix or confirm before filing (also printed by the command).
    pub warnings: Vec<String>,
    /// Notes for the CA.
    pub notes: Vec<String>,
}

/// Orders and codes the CA must look at (order ids and invoice numbers are not PII).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Lists {
    /// Business orders kept in B2C: B2B only if the invoice carries the buyer's GSTIN.
    pub b2b_candidate_orders: Vec<String>,
    /// Orders without an Amazon invoice: not in the sheets until their invoice exists.
    pub uninvoiced_orders: Vec<String>,
    /// Orders quarantined for an unknown ship-to state.
    pub unknown_state_orders: Vec<String>,
    /// Orders whose SKU is not in the catalogue (no HSN or rate).
    pub unknown_sku_orders: Vec<String>,
    /// Orders whose amounts add up neither way (kept out).
    pub unreconciled_orders: Vec<String>,
    /// Orders Amazon taxed at a rate other than the catalogue's (the sheets use Amazon's).
    pub rate_mismatch_orders: Vec<String>,
    /// Orders whose tax fits no slab in force on the invoice day (kept out).
    pub rate_unresolved_orders: Vec<String>,
    /// Orders without Amazon tax: computed from the catalogue rate.
    pub tax_computed_orders: Vec<String>,
    /// Orders invoiced in a filed period that did not report them: reported here.
    pub late_orders: Vec<String>,
    /// Invoice numbers without a trailing number (Table 13 cannot range them).
    pub unnumbered_invoices: Vec<String>,
    /// HSN codes shorter than Table 12 needs.
    pub short_hsn: Vec<String>,
    /// Orders with refunds (credit notes) in this period, netted into the sheets.
    pub refunded_orders: Vec<String>,
    /// Orders whose refunds are kept out of the sheets (see the register's flags).
    pub refund_held_orders: Vec<String>,
    /// Orders with a credit note against a B2CL invoice whose number (Merchant Tax Report
    /// `Credit Note No`; the Finances API does not give it) is not imported: not in cdnur.csv.
    pub cdnur_needing_note_number: Vec<String>,
    /// The same for credit notes against B2B invoices: not in cdnr.csv.
    pub cdnr_needing_note_number: Vec<String>,
    /// Orders the imported MTR B2B report shows with the buyer's GSTIN: in b2b,sez,de.csv (and
    /// their credit notes in cdnr.csv), out of the B2C tables.
    pub mtr_b2b_orders: Vec<String>,
    /// Differences with the imported Merchant Tax Report: `order sku transaction: what`.
    pub mtr_differences: Vec<String>,
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
    for w in &m.warnings {
        out.push_str(&format!("  WARNING: {w}\n"));
    }
    for n in &m.notes {
        out.push_str(&format!("  note: {n}\n"));
    }
    if !m.lists.unknown_state_orders.is_empty() {
        out.push_str(&format!("  quarantined (unknown state): {}\n", m.lists.unknown_state_orders.join(", ")));
    }
    out
}
