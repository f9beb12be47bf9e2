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
use std::path::Path;

use chrono::{DateTime, Utc};

pub use super::manifest::{default_out, summary, FileEntry, Manifest, Totals};
pub use super::period::Period;
use super::sheets::{dmy, pos, rate_text, reframe, Sheet};
pub use super::sheets::{B2CL_HEADER, B2CS_HEADER, DOCS_HEADER, ECO_HEADER, HSN_HEADER, REGISTER_HEADER};
use crate::catalog::Catalog;
use crate::spapi::model::format_paise;
use crate::store::gst::{Lines, Scratch, Section};
use crate::store::Store;

fn totals(t: crate::store::gst::HeadTotals) -> Totals {
    Totals { taxable: t.0, igst: t.1, cgst: t.2, sgst: t.3, cess: 0 }
}

/// Export `period` into `out` (created; must not exist yet or be empty).
///
/// The line computation runs inside DuckDB (into a scratch database on disk, so the store may be
/// read-only and seven years can spill); the register is written by DuckDB's own `COPY … TO` and
/// re-framed for Excel (BOM, CRLF) while streaming; the sheets are small `GROUP BY`s of the same
/// lines (`store::gst`).
pub fn export(store: &Store, catalog: &Catalog, seller_state: &str, period: &Period, out: &Path) -> anyhow::Result<Manifest> {
    if out.exists() && std::fs::read_dir(out)?.next().is_some() {
        anyhow::bail!("{} already exists and is not empty; choose another --out", out.display());
    }
    std::fs::create_dir_all(out)?;
    let (from, to) = period.bounds_utc();
    let scratch_dir = tempfile::Builder::new().prefix(".gst-scratch-").tempdir_in(out)?;
    let scratch = Scratch::open(store, &scratch_dir.path().join("scratch.duckdb"), catalog)?;
    let manifest = export_with(&scratch, seller_state, period, out, from, to);
    drop(scratch);
    manifest
}

fn export_with(
    scratch: &Scratch<'_>,
    seller_state: &str,
    period: &Period,
    out: &Path,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> anyhow::Result<Manifest> {
    let register_rows = scratch.compute_lines(seller_state, from, to)?;
    // The register: DuckDB writes it, we add the BOM and CRLF for Excel while streaming.
    let tmp = tempfile::Builder::new().prefix(".register-").suffix(".csv").tempfile_in(out)?;
    scratch.copy_register(tmp.path())?;
    let mut files = vec![reframe(tmp.path(), &out.join("sales-register.csv"), "sales-register.csv", register_rows as u64)?];
    drop(tmp);

    let register_totals = totals(scratch.totals(Lines::Countable)?);
    let mut section_totals = BTreeMap::new();
    for section in Section::ALL {
        if scratch.count(Lines::Section(section))? > 0 {
            section_totals.insert(section.as_str().to_owned(), totals(scratch.totals(Lines::Section(section))?));
        }
    }

    let mut b2cs = Sheet::create(out, "b2cs.csv", &B2CS_HEADER)?;
    for (state, bp, taxable) in scratch.b2cs()? {
        b2cs.row(["OE".to_owned(), pos(&state), String::new(), rate_text(bp), format_paise(taxable), format_paise(0), String::new()])?;
    }
    files.push(b2cs.finish()?);
    let mut b2cl = Sheet::create(out, "b2cl.csv", &B2CL_HEADER)?;
    for (inv, day, value, state, bp, taxable) in scratch.b2cl()? {
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
    files.push(b2cl.finish()?);
    for (name, lines) in [("hsn-b2c.csv", Lines::B2c), ("hsn-b2b.csv", Lines::Section(Section::B2b))] {
        let mut sheet = Sheet::create(out, name, &HSN_HEADER)?;
        for (hsn, bp, qty, value, taxable, igst, cgst, sgst) in scratch.hsn(lines)? {
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
    for (first, last, total, cancelled) in scratch.documents()? {
        docs.row(["Invoices for outward supply".to_owned(), first, last, total.to_string(), cancelled.to_string()])?;
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

    let business = scratch.orders(Lines::Business)?;
    let unknown_state = scratch.orders(Lines::UnknownState)?;
    let missing_invoice = scratch.orders(Lines::MissingInvoice)?;
    let unknown_sku = scratch.orders(Lines::UnknownSku)?;
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
    let (from, to) = period.bounds_utc();
    let scratch_dir = tempfile::tempdir()?;
    let scratch = Scratch::open(store, &scratch_dir.path().join("scratch.duckdb"), catalog)?;
    scratch.copy_baseline(seller_state, from, to, file)?;
    Ok(())
}
