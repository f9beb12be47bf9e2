//! `dakiya gst export`: the month, quarter or financial year for the Chartered Accountant, and
//! `dakiya gst lock`: a filed period recorded so it is never rewritten or reported twice.
//!
//! One folder: `sales-register.csv` (one row per order item, UTF-8 with BOM for Excel), the
//! GSTR-1 offline tool's section-wise CSVs (`b2b,sez,de.csv`, `b2cs.csv`, `b2cl.csv`, `cdnr.csv`,
//! `cdnur.csv`, `hsn(b2b).csv` and
//! `hsn(b2c).csv` from the May 2025 period, else `hsn.csv`, `docs.csv`, `eco.csv`: tool column
//! order, no BOM, `dd-mmm-yyyy`, the tool's place-of-supply labels), the same tables as the
//! GSTR-1 Excel workbook (`gstr1-workbook.xlsx`, `workbook.rs`) and `manifest.json` (period,
//! row counts, totals per tax head, SHA-256 of every file, the lists and warnings for the CA).
//!
//! Rules (each with its source in docs/gst-rules.md; the SQL is `gst/sql/lines.sql`): money is
//! integer paise inside and two decimals outside. A line belongs to the period of its invoice
//! date; without an invoice it is listed and kept out. Whether Amazon's ITEM amount includes tax
//! is decided per order from the proceeds totals; an order that adds up neither way is kept out.
//! Each line's rate is Amazon's tax over the taxable value, snapped to the slabs in force on the
//! invoice day, and compared with the date-effective catalogue. An order is B2B only when the
//! imported MTR B2B report shows the buyer's GSTIN on its invoice; other business orders stay B2C
//! and are listed as B2B candidates. B2CL: inter-state, invoice value above
//! ₹2,50,000 (to 31 July 2024) or ₹1,00,000 (from 1 August 2024). TCS columns are expectations.
//! Unknown states and SKUs are quarantined and listed, never guessed. Rows stream from the
//! store: seven years do not sit in memory.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context as _;
use chrono::{DateTime, NaiveDate, Utc};
use sha2::Digest as _;

pub use super::manifest::{default_out, summary, FileEntry, Lists, Manifest, Totals};
pub use super::period::Period;
use super::sheets::{dmy, hashed, rate_text, Sheet};
pub use super::sheets::{
    B2B_HEADER, B2CL_HEADER, B2CS_HEADER, CDNR_HEADER, CDNUR_HEADER, DOCS_HEADER, ECO_HEADER, HSN_HEADER, REGISTER_HEADER,
};
use super::states::{pos_label, uqc_label};
use super::workbook::{self, Table};
use crate::catalog::Catalog;
use crate::config::GstConfig;
use crate::spapi::model::format_paise;
use crate::store::gst::{FiledRow, Lines, Scratch, Section};
use crate::store::Store;

/// Close a sheet: its file into the manifest, its table for the workbook.
fn finish(sheet: Sheet, files: &mut Vec<FileEntry>, tables: &mut Vec<Table>) -> anyhow::Result<()> {
    let (file, table) = sheet.finish()?;
    files.push(file);
    tables.push(table);
    Ok(())
}

fn totals(t: crate::store::gst::HeadTotals) -> Totals {
    Totals { taxable: t.0, igst: t.1, cgst: t.2, sgst: t.3, cess: 0 }
}

/// What an export needs besides the store and the period.
#[derive(Debug, Clone)]
pub struct ExportSettings<'a> {
    /// The seller's two-digit state code.
    pub seller_state: &'a str,
    /// The `[gst]` config.
    pub gst: &'a GstConfig,
}

/// A filed period is never exported again (its figures stand; later changes need amendment
/// rows, which dakiya does not write yet), and no export overlaps one.
fn refuse_filed(store: &Store, period: &Period) -> anyhow::Result<()> {
    let filed = crate::store::gst::filed_periods(store)?;
    if let Some(f) = filed.iter().find(|f| f.period == period.label) {
        return Err(anyhow::Error::new(crate::outcome::Invalid(format!(
            "{} was filed (`dakiya gst lock`): exporting it again would rewrite a filed return. \
             `dakiya gst export --period {} --amend` writes what changed since as amendment rows (B2CSA, B2CLA, 14A) for the current return",
            f.period, f.period
        ))));
    }
    if let Some(f) = filed.iter().find(|f| f.from <= period.to && period.from <= f.to) {
        return Err(anyhow::Error::new(crate::outcome::Invalid(format!(
            "{} overlaps {}, which was filed: export periods that were not filed",
            period.label, f.period
        ))));
    }
    Ok(())
}

/// What `gst lock` recorded.
#[derive(Debug, Clone)]
pub struct Locked {
    /// Sale lines recorded as filed.
    pub lines: u64,
    /// Files whose hashes were recorded.
    pub files: usize,
}

/// `dakiya gst lock`: record the export in `dir` as filed. The folder's files must be exactly
/// what its manifest lists (nobody edited them), and exporting the period again now must give
/// the same bytes (the store has not changed since); then the period and every sale line it
/// reported are recorded in one transaction.
pub fn lock(
    store: &Store,
    catalog: &Catalog,
    settings: &ExportSettings<'_>,
    period: &Period,
    dir: &Path,
    now: DateTime<Utc>,
) -> anyhow::Result<Locked> {
    refuse_filed(store, period)?;
    let text = std::fs::read_to_string(dir.join("manifest.json")).with_context(|| format!("no manifest.json in {}", dir.display()))?;
    let manifest: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{}/manifest.json is not valid JSON", dir.display()))?;
    if manifest["period"].as_str() != Some(period.label.as_str()) {
        anyhow::bail!("{} holds the export of {}, not {}", dir.display(), manifest["period"], period.label);
    }
    let listed: Vec<(String, String)> = manifest["files"]
        .as_array()
        .map(|files| files.iter().filter_map(|f| Some((f["name"].as_str()?.to_owned(), f["sha256"].as_str()?.to_owned()))).collect())
        .unwrap_or_default();
    if listed.is_empty() {
        anyhow::bail!("{}/manifest.json lists no files", dir.display());
    }
    for (name, sha) in &listed {
        let bytes = std::fs::read(dir.join(name)).with_context(|| format!("{name} is missing from {}", dir.display()))?;
        if hex::encode(sha2::Sha256::digest(&bytes)) != *sha {
            anyhow::bail!("{name} in {} was changed after the export: export again and lock the new folder", dir.display());
        }
    }
    let (from, to) = period.bounds_utc();
    let again = tempfile::tempdir()?;
    let scratch_dir = tempfile::tempdir()?;
    let scratch = Scratch::open(store, &scratch_dir.path().join("scratch.duckdb"), catalog)?;
    let (fresh, tables) = export_with(&scratch, settings, period, again.path(), (from, to), Scope::Period)?;
    for f in &fresh.files {
        if !listed.iter().any(|(name, sha)| *name == f.name && *sha == f.sha256) {
            anyhow::bail!(
                "{} differs from what the store gives now ({} changed since the export): export again, check, and lock the new folder",
                f.name,
                period.label
            );
        }
    }
    let files = serde_json::to_string(&listed.iter().map(|(n, s)| serde_json::json!({ "name": n, "sha256": s })).collect::<Vec<_>>())?;
    let rows: Vec<FiledRow> = tables
        .iter()
        .flat_map(|t| t.rows.iter().enumerate().map(|(i, r)| FiledRow { sheet: t.sheet.clone(), row_no: i as i64, cells: r.clone() }))
        .collect();
    let lines = scratch.record_filed(&period.label, (period.from, period.to), &files, &rows, now)?;
    Ok(Locked { lines, files: listed.len() })
}

/// The day Table 12 splits into B2B and B2C tabs (the May 2025 period; docs/gst-rules.md).
const HSN_SPLIT_FROM: (i32, u32, u32) = (2025, 5, 1);

/// Export `period` into `out` (created; must not exist yet or be empty).
///
/// The line computation runs inside DuckDB (into a scratch database on disk, so the store may be
/// read-only and seven years can spill); the register is written whole by DuckDB's own
/// `COPY … TO` (BOM and CRLF for Excel included) and hashed; the sheets are small `GROUP BY`s of
/// the same lines (`store::gst`).
pub fn export(store: &Store, catalog: &Catalog, settings: &ExportSettings<'_>, period: &Period, out: &Path) -> anyhow::Result<Manifest> {
    if out.exists() && std::fs::read_dir(out)?.next().is_some() {
        anyhow::bail!("{} already exists and is not empty; choose another --out", out.display());
    }
    refuse_filed(store, period)?;
    std::fs::create_dir_all(out)?;
    let (from, to) = period.bounds_utc();
    let scratch_dir = tempfile::Builder::new().prefix(".gst-scratch-").tempdir_in(out)?;
    let scratch = Scratch::open(store, &scratch_dir.path().join("scratch.duckdb"), catalog)?;
    let manifest = export_with(&scratch, settings, period, out, (from, to), Scope::Period);
    drop(scratch);
    manifest.map(|(m, _)| m)
}

/// What the amendment of a filed month wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AmendManifest {
    /// The filed month amended.
    pub amended: String,
    /// `b2csa.csv`, `b2cla.csv`, `ecoa.csv` (written even when empty, with the tool's header)
    /// and the same as a workbook.
    pub files: Vec<FileEntry>,
    /// Changes the amendment tables cannot carry: for the CA, by hand (also printed).
    pub by_hand: Vec<String>,
    /// For the CA.
    pub notes: Vec<String>,
}

/// `dakiya gst export --period P --amend`: the lines the filing of month `P` held, computed now,
/// against the rows it filed (`gst lock` kept them), as the amendment tables' revised rows in
/// `out` (see `gst::amend`). Nothing is recorded: the filing stands.
pub fn amend(
    store: &Store,
    catalog: &Catalog,
    settings: &ExportSettings<'_>,
    period: &Period,
    out: &Path,
) -> anyhow::Result<AmendManifest> {
    let invalid = |m: String| anyhow::Error::new(crate::outcome::Invalid(m));
    if Period::month(&period.from.format("%Y-%m").to_string()).ok().is_none_or(|m| m.from != period.from || m.to != period.to) {
        return Err(invalid(format!("--amend takes one filed month (--period YYYY-MM); {} is not a month", period.label)));
    }
    if !crate::store::gst::filed_periods(store)?.iter().any(|f| f.period == period.label) {
        return Err(invalid(format!("{} was not filed (`dakiya gst lock`): export it without --amend", period.label)));
    }
    let filed_rows = crate::store::gst::filed_rows(store, &period.label)?;
    if filed_rows.is_empty() {
        return Err(invalid(format!(
            "{} was locked before dakiya kept the filed sheets' rows: there is nothing to compare with; amend it with the CA from the filed files",
            period.label
        )));
    }
    if out.exists() && std::fs::read_dir(out)?.next().is_some() {
        anyhow::bail!("{} already exists and is not empty; choose another --out", out.display());
    }
    let mut filed: Vec<Table> = Vec::new();
    for r in filed_rows {
        match filed.iter_mut().find(|t| t.sheet == r.sheet) {
            Some(t) => t.rows.push(r.cells),
            None => filed.push(Table { sheet: r.sheet, header: &[], rows: vec![r.cells] }),
        }
    }
    let (from, to) = period.bounds_utc();
    let now_dir = tempfile::tempdir()?;
    let scratch_dir = tempfile::tempdir()?;
    let scratch = Scratch::open(store, &scratch_dir.path().join("scratch.duckdb"), catalog)?;
    let (_, now) = export_with(&scratch, settings, period, now_dir.path(), (from, to), Scope::FiledLines)?;
    drop(scratch);
    let a = super::amend::amend(period.from, &filed, &now);
    std::fs::create_dir_all(out)?;
    let mut files = Vec::new();
    let mut tables = Vec::new();
    for (name, header, rows) in [
        ("b2csa.csv", &super::amend::B2CSA_HEADER[..], &a.b2csa),
        ("b2cla.csv", &super::amend::B2CLA_HEADER[..], &a.b2cla),
        ("ecoa.csv", &super::amend::ECOA_HEADER[..], &a.ecoa),
    ] {
        let mut sheet = Sheet::create(out, name, header)?;
        for r in rows {
            sheet.row(r.iter().cloned())?;
        }
        finish(sheet, &mut files, &mut tables)?;
    }
    tables.sort_by_key(|t| workbook::template_position(&t.sheet));
    files.push(workbook::write(out, &tables, period.to)?);
    let mut notes = vec![format!(
        "These rows amend {} (Original Month {}): import them into the offline tool with the return you file now, not with {}'s. Each row carries the revised figure of its place of supply, invoice or operator, not a difference.",
        period.label,
        super::amend::original_month(period.from).1,
        period.label
    )];
    if a.is_empty() {
        notes.push(format!("Nothing changed since {} was filed: no amendment is needed.", period.label));
    }
    let manifest = AmendManifest { amended: period.label.clone(), files, by_hand: a.by_hand, notes };
    std::fs::write(out.join("manifest.json"), serde_json::to_vec_pretty(&manifest)?)?;
    Ok(manifest)
}

/// Which lines an export is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The period's lines (and late ones from filed periods).
    Period,
    /// Only the lines the period's filing held, computed now (an amendment).
    FiledLines,
}

fn export_with(
    scratch: &Scratch<'_>,
    settings: &ExportSettings<'_>,
    period: &Period,
    out: &Path,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    scope: Scope,
) -> anyhow::Result<(Manifest, Vec<Table>)> {
    // Hidden off a terminal (tests, Task Scheduler): only a person at the keyboard sees it.
    let progress = crate::progress::bar(5, "GST export", true);
    // Each phase's time, for the benchmark (`dakiya::gst::phase` at debug).
    let mut phase = std::time::Instant::now();
    let register_rows = match scope {
        Scope::Period => scratch.compute_lines(settings.seller_state, &period.label, from, to),
        Scope::FiledLines => scratch.compute_filed_lines(settings.seller_state, &period.label, from, to),
    }
    .context("computing the lines")?;
    progress.inc(1);
    tracing::debug!(target: "dakiya::gst::phase", phase = "lines", ms = phase.elapsed().as_millis() as u64, "GST export phase");
    phase = std::time::Instant::now();
    // The register: DuckDB writes it whole (BOM and CRLF for Excel included); we hash it.
    let register = out.join("sales-register.csv");
    scratch.copy_register(&register).context("writing the register")?;
    tracing::debug!(target: "dakiya::gst::phase", phase = "register COPY", ms = phase.elapsed().as_millis() as u64, "GST export phase");
    let mut files = vec![hashed(&register, "sales-register.csv", register_rows as u64)?];
    let mut tables: Vec<Table> = Vec::new();

    progress.inc(1);
    tracing::debug!(target: "dakiya::gst::phase", phase = "register", ms = phase.elapsed().as_millis() as u64, "GST export phase");
    phase = std::time::Instant::now();
    let register_totals = totals(scratch.totals(Lines::Countable).context("totals")?);
    let mut section_totals = BTreeMap::new();
    for section in Section::ALL {
        if scratch.count(Lines::Section(section))? > 0 {
            section_totals.insert(section.as_str().to_owned(), totals(scratch.totals(Lines::Section(section))?));
        }
    }
    let eco_gstin = settings.gst.eco_gstin.clone().unwrap_or_default();

    // Table 4A: the invoices Amazon's MTR B2B report shows with the buyer's GSTIN. The buyer's
    // name is left blank (optional in the tool, not sent to the portal: dakiya reads no name);
    // the E-Commerce GSTIN must be blank here (the operator's supplies are Table 14's).
    let mut b2b = Sheet::create(out, "b2b,sez,de.csv", &B2B_HEADER)?;
    for r in scratch.b2b().context("b2b")? {
        b2b.row([
            r.buyer_gstin,
            String::new(),
            r.invoice,
            dmy(r.day),
            format_paise(r.value),
            pos_label(&r.pos),
            "N".to_owned(),
            String::new(),
            "Regular B2B".to_owned(),
            String::new(),
            rate_text(r.rate_bp),
            format_paise(r.taxable),
            format_paise(0),
        ])?;
    }
    finish(b2b, &mut files, &mut tables)?;
    let mut b2cs = Sheet::create(out, "b2cs.csv", &B2CS_HEADER)?;
    for (state, bp, taxable) in scratch.b2cs().context("b2cs")? {
        b2cs.row([
            "OE".to_owned(),
            pos_label(&state),
            rate_text(bp),
            String::new(),
            format_paise(taxable),
            format_paise(0),
            String::new(),
        ])?;
    }
    finish(b2cs, &mut files, &mut tables)?;
    let mut b2cl = Sheet::create(out, "b2cl.csv", &B2CL_HEADER)?;
    for (inv, day, value, state, bp, taxable) in scratch.b2cl().context("b2cl")? {
        b2cl.row([
            inv,
            dmy(day),
            format_paise(value),
            pos_label(&state),
            String::new(),
            rate_text(bp),
            format_paise(taxable),
            format_paise(0),
            String::new(),
        ])?;
    }
    finish(b2cl, &mut files, &mut tables)?;
    // Credit notes against B2CL invoices need Amazon's note number, which the Finances API does
    // not give: the file is written with the tool's header and the notes are listed and warned.
    // Table 9B: credit notes against the B2B invoices, with Amazon's note number (the MTR's).
    // Amounts are positive: the note type says credit (the tool's pattern admits no sign).
    let mut cdnr = Sheet::create(out, "cdnr.csv", &CDNR_HEADER)?;
    for note in scratch.credit_notes(Section::Cdnr).context("cdnr")? {
        cdnr.row([
            note.buyer_gstin.unwrap_or_default(),
            String::new(),
            note.number,
            dmy(note.date),
            "C".to_owned(),
            pos_label(&note.pos),
            "N".to_owned(),
            "Regular B2B".to_owned(),
            format_paise(note.value),
            String::new(),
            rate_text(note.rate_bp),
            format_paise(note.taxable),
            format_paise(0),
        ])?;
    }
    finish(cdnr, &mut files, &mut tables)?;
    let mut cdnur = Sheet::create(out, "cdnur.csv", &CDNUR_HEADER)?;
    for note in scratch.credit_notes(Section::Cdnur).context("cdnur")? {
        cdnur.row([
            "B2CL".to_owned(),
            note.number,
            dmy(note.date),
            "C".to_owned(),
            pos_label(&note.pos),
            format_paise(note.value),
            String::new(),
            rate_text(note.rate_bp),
            format_paise(note.taxable),
            format_paise(0),
        ])?;
    }
    finish(cdnur, &mut files, &mut tables)?;
    let (yy, mm, dd) = HSN_SPLIT_FROM;
    let split = NaiveDate::from_ymd_opt(yy, mm, dd).is_some_and(|day| period.from >= day);
    let hsn_files: &[(&'static str, Lines)] =
        if split { &[("hsn(b2b).csv", Lines::HsnB2b), ("hsn(b2c).csv", Lines::HsnB2c)] } else { &[("hsn.csv", Lines::Countable)] };
    for (name, lines) in hsn_files {
        let mut sheet = Sheet::create(out, name, &HSN_HEADER)?;
        for h in scratch.hsn(*lines).context("Table 12")? {
            sheet.row([
                h.hsn,
                String::new(),
                uqc_label(&h.uqc),
                format!("{}.00", h.quantity),
                format_paise(h.value),
                rate_text(h.rate_bp),
                format_paise(h.taxable),
                format_paise(h.igst),
                format_paise(h.cgst),
                format_paise(h.sgst),
                format_paise(0),
            ])?;
        }
        finish(sheet, &mut files, &mut tables)?;
    }
    progress.inc(1);
    tracing::debug!(target: "dakiya::gst::phase", phase = "sections and HSN", ms = phase.elapsed().as_millis() as u64, "GST export phase");
    phase = std::time::Instant::now();
    let mut docs = Sheet::create(out, "docs.csv", &DOCS_HEADER)?;
    let series = scratch.documents().context("Table 13")?;
    for s in &series {
        docs.row([
            "Invoices for outward supply".to_owned(),
            s.first.clone(),
            s.last.clone(),
            s.total.to_string(),
            s.cancelled.to_string(),
        ])?;
    }
    let (notes, unnumbered_notes) = scratch.credit_note_series().context("Table 13 credit notes")?;
    for s in &notes {
        docs.row(["Credit Note".to_owned(), s.first.clone(), s.last.clone(), s.total.to_string(), s.cancelled.to_string()])?;
    }
    finish(docs, &mut files, &mut tables)?;
    // The tool refuses a Table 14 row whose Central and State tax differ (docs/gst-rules.md):
    // both are half the intra-state tax, rounded half up, and an odd total is said below.
    let intra_tax = register_totals.cgst + register_totals.sgst;
    let half = (intra_tax + 1) / 2;
    let mut eco = Sheet::create(out, "eco.csv", &ECO_HEADER)?;
    if register_totals.taxable != 0 {
        let t = register_totals;
        eco.row([
            "Liable to collect tax u/s 52(TCS)".to_owned(),
            eco_gstin.clone(),
            settings.gst.eco_name.clone(),
            format_paise(t.taxable),
            format_paise(t.igst),
            format_paise(half),
            format_paise(half),
            format_paise(t.cess),
        ])?;
    }
    finish(eco, &mut files, &mut tables)?;
    // The same tables as the GSTR-1 Excel workbook, in the template's sheet order.
    let mut sheets = tables.clone();
    sheets.sort_by_key(|t| workbook::template_position(&t.sheet));
    files.push(workbook::write(out, &sheets, period.to)?);

    progress.inc(1);
    tracing::debug!(target: "dakiya::gst::phase", phase = "docs, eco and workbook", ms = phase.elapsed().as_millis() as u64, "GST export phase");
    phase = std::time::Instant::now();
    let lists = Lists {
        b2b_candidate_orders: scratch.orders(Lines::B2bCandidate)?,
        uninvoiced_orders: scratch.orders(Lines::NoInvoice)?,
        unknown_state_orders: scratch.orders(Lines::UnknownState)?,
        unknown_sku_orders: scratch.orders(Lines::UnknownSku)?,
        unreconciled_orders: scratch.orders(Lines::Unreconciled)?,
        rate_mismatch_orders: scratch.orders(Lines::RateMismatch)?,
        rate_unresolved_orders: scratch.orders(Lines::RateUnresolved)?,
        tax_computed_orders: scratch.orders(Lines::TaxComputed)?,
        late_orders: scratch.orders(Lines::Late)?,
        unnumbered_invoices: scratch.unnumbered_invoices().context("invoices without a number")?,
        short_hsn: scratch.short_hsn(usize::from(settings.gst.hsn_digits)).context("short HSN codes")?,
        refunded_orders: scratch.orders(Lines::Refund)?,
        refund_held_orders: scratch.orders(Lines::RefundHeld)?,
        cdnur_needing_note_number: scratch.notes_without_number(Section::Cdnur).context("CDNUR notes without a number")?,
        cdnr_needing_note_number: scratch.notes_without_number(Section::Cdnr).context("CDNR notes without a number")?,
        mtr_b2b_orders: scratch.orders(Lines::MtrB2b)?,
        mtr_differences: scratch
            .mtr_differences(period.from, period.to)
            .context("differences with the MTR")?
            .iter()
            .map(|d| d.describe())
            .collect(),
    };
    let mut warnings = Vec::new();
    if settings.gst.eco_gstin.is_none() && register_totals.taxable != 0 {
        warnings.push(
            "eco.csv (Table 14) has no GSTIN of the e-commerce operator: set [gst] eco_gstin to Amazon's TCS GSTIN for your state (GST portal: TCS/TDS credit received) and export again"
                .to_owned(),
        );
    }
    if intra_tax % 2 != 0 {
        warnings.push(format!(
            "eco.csv (Table 14) needs equal central and state tax: the intra-state tax {} is odd in paise, so each is written as {} (0.01 more in total than the register; Amazon's own heads are in the Merchant Tax Report)",
            format_paise(intra_tax),
            format_paise(half)
        ));
    }
    warnings.extend(eco_sign_warning(&register_totals, half));
    if !lists.cdnur_needing_note_number.is_empty() {
        let t = totals(scratch.totals(Lines::Section(Section::Cdnur))?);
        warnings.push(format!(
            "{} credit notes against B2CL invoices (the period's CDNUR total: taxable {}, tax {}) are not in cdnur.csv: it needs Amazon's credit note numbers (Merchant Tax Report, Credit Note No), which the Finances API does not give. Import the MTR (`dakiya gst import-mtr`) and export again; Table 12 and Table 14 already net them",
            lists.cdnur_needing_note_number.len(),
            format_paise(-t.taxable),
            format_paise(-(t.igst + t.cgst + t.sgst))
        ));
    }
    if unnumbered_notes > 0 {
        warnings.push(format!(
            "{unnumbered_notes} refunded orders of this period have no credit note number: docs.csv (Table 13) lacks them in its credit-note row (Amazon's numbers are only in the Merchant Tax Report: `dakiya gst import-mtr`)"
        ));
    }
    if !lists.cdnr_needing_note_number.is_empty() {
        let t = totals(scratch.totals(Lines::Section(Section::Cdnr))?);
        warnings.push(format!(
            "{} credit notes against B2B invoices (the period's CDNR total: taxable {}, tax {}) are not in cdnr.csv: it needs Amazon's credit note numbers (Merchant Tax Report B2B, Credit Note No). Import the MTR B2B report for the month of the refund and export again; Table 12 and Table 14 already net them",
            lists.cdnr_needing_note_number.len(),
            format_paise(-t.taxable),
            format_paise(-(t.igst + t.cgst + t.sgst))
        ));
    }
    if !lists.mtr_differences.is_empty() {
        warnings.push(format!(
            "{} differences with Amazon's Merchant Tax Report (listed in manifest.json, mtr_differences): check them before filing",
            lists.mtr_differences.len()
        ));
    }
    if !lists.refund_held_orders.is_empty() {
        warnings.push(format!(
            "{} orders have refunds kept out of the sheets (unreadable, a sale dakiya does not hold or without an invoice, or amounts that fit no rate): see their flags in the register",
            lists.refund_held_orders.len()
        ));
    }
    match scratch.refunds_read_to()? {
        None => warnings.push(
            "Refunds were never read from Amazon (the `refunds` stage has not run): b2cs, Table 12 and Table 14 are gross of returns; run `dakiya run` and export again"
                .to_owned(),
        ),
        Some(read_to) if read_to < to => warnings.push(format!(
            "Refunds were read from Amazon up to {} only: later refunds of the period are missing; export again after the next `dakiya run`",
            read_to.with_timezone(&crate::clock::ist()).format("%Y-%m-%d %H:%M IST")
        )),
        Some(_) => {}
    }
    let unseen: i64 = series.iter().map(|s| s.unseen).sum();
    if unseen > 0 {
        warnings.push(format!("{unseen} invoice numbers inside the docs.csv ranges were never seen by dakiya (other channels, or gaps): the CA must account for them"));
    }
    if !lists.short_hsn.is_empty() {
        warnings.push(format!(
            "HSN codes shorter than the {} digits Table 12 needs: {}",
            settings.gst.hsn_digits,
            lists.short_hsn.join(", ")
        ));
    }
    let held = [
        (&lists.unknown_state_orders, "have a ship-to state dakiya could not recognise"),
        (&lists.unknown_sku_orders, "have SKUs missing from the catalogue (no HSN or rate): add them and export again"),
        (&lists.unreconciled_orders, "have amounts that add up neither with tax on top nor with tax inside the item price"),
        (&lists.rate_unresolved_orders, "have Amazon tax that fits no GST slab in force on the invoice day"),
    ];
    for (orders, why) in held {
        if !orders.is_empty() {
            warnings.push(format!(
                "{} orders {why}; they are kept out of the sheets (listed in manifest.json, flagged in the register)",
                orders.len()
            ));
        }
    }
    if !lists.rate_mismatch_orders.is_empty() {
        warnings.push(format!(
            "{} orders were taxed by Amazon at a rate other than the catalogue's: the sheets use Amazon's (the invoice's); check the catalogue or the Product Tax Code",
            lists.rate_mismatch_orders.len()
        ));
    }
    let mut notes = vec![
        "All sales are made through Amazon (an e-commerce operator collecting TCS u/s 52): b2cs Type is OE with the operator in eco.csv (Table 14).".to_owned(),
        "TCS columns in the register are expectations at the rate in force on the invoice date; reconcile against Amazon's TCS statements.".to_owned(),
        "Credit notes are Amazon's refunds (Finances API, `refunds` stage), netted into b2cs, Table 12 and Table 14 in the month they were posted (the register's REFUND rows, dated by the refund); credit note numbers are Amazon's and only in its Merchant Tax Report.".to_owned(),
        "Each line's rate is Amazon's tax over the taxable value, snapped to the slabs in force on the invoice day; CGST and SGST are the tax split in half (Amazon's own heads are in the Merchant Tax Report).".to_owned(),
        "gstr1-workbook.xlsx holds the same tables as the section-wise CSVs, in the GSTR-1 Excel template's layout: import the CSVs or the workbook into the offline tool, not both.".to_owned(),
    ];
    if !lists.b2b_candidate_orders.is_empty() {
        notes.push(format!(
            "{} business orders stay in the B2C tables (dakiya holds no buyer GSTIN; without a GSTIN on the invoice Amazon treats them as B2C): check them against Amazon's B2B tax report (MTR B2B).",
            lists.b2b_candidate_orders.len()
        ));
    }
    if !lists.mtr_b2b_orders.is_empty() {
        notes.push(format!(
            "{} orders are B2B in Amazon's Merchant Tax Report (the invoice carries the buyer's GSTIN): they are in b2b,sez,de.csv (Table 4A) and hsn(b2b).csv with that GSTIN, their credit notes in cdnr.csv, and out of the B2C tables.",
            lists.mtr_b2b_orders.len()
        ));
    }
    if !lists.uninvoiced_orders.is_empty() {
        notes.push(format!(
            "{} orders have no Amazon invoice yet: they are not in the sheets (time of supply follows the invoice) and come into the export of the period their invoice falls in.",
            lists.uninvoiced_orders.len()
        ));
    }
    if !lists.late_orders.is_empty() {
        notes.push(format!(
            "{} orders were invoiced in a period already filed that did not report them: they are reported in this period.",
            lists.late_orders.len()
        ));
    }
    if !split && NaiveDate::from_ymd_opt(yy, mm, dd).is_some_and(|day| period.to >= day) {
        notes.push("The period starts before May 2025 and ends after it: Table 12 is written as one hsn.csv; export months from May 2025 on for the B2B/B2C split.".to_owned());
    }
    let manifest = Manifest {
        period: period.label.clone(),
        from: period.from,
        to: period.to,
        seller_state: settings.seller_state.to_owned(),
        eco_gstin: settings.gst.eco_gstin.clone(),
        files,
        register_totals,
        section_totals,
        lists,
        warnings,
        notes,
    };
    std::fs::write(out.join("manifest.json"), serde_json::to_vec_pretty(&manifest)?)?;
    tracing::debug!(target: "dakiya::gst::phase", phase = "lists and manifest", ms = phase.elapsed().as_millis() as u64, "GST export phase");
    progress.finish_and_clear();
    Ok((manifest, tables))
}

/// Table 14's row must have every amount of one sign (the offline tool's
/// `validateAllNegorAllPosPattern`, docs/gst-rules.md): a month whose net value is positive but
/// whose intra-state tax is net negative (more intra-state returns than sales, more inter-state
/// sales), or the reverse, is written as it is and said. `half`: each of central and state tax.
fn eco_sign_warning(t: &Totals, half: i64) -> Option<String> {
    if t.taxable == 0 {
        return None;
    }
    let against: Vec<&str> = [("integrated tax", t.igst), ("central tax", half), ("state/UT tax", half)]
        .into_iter()
        .filter(|(_, v)| *v != 0 && v.signum() != t.taxable.signum())
        .map(|(name, _)| name)
        .collect();
    (!against.is_empty()).then(|| {
        format!(
            "eco.csv (Table 14): the {} has the opposite sign of the net value {}; the offline tool refuses a row whose amounts are not all positive or all negative: the CA must enter this month's Table 14 by hand",
            against.join(" and "),
            format_paise(t.taxable)
        )
    })
}

/// The benchmark's baseline: DuckDB's own `COPY … TO` of the same register (same lines, same
/// columns, same order), without anything else the export does.
pub fn baseline_copy(
    store: &Store,
    catalog: &Catalog,
    seller_state: &str,
    period: &Period,
    file: &Path,
    memory_limit: Option<&str>,
) -> anyhow::Result<()> {
    let (from, to) = period.bounds_utc();
    let scratch_dir = tempfile::tempdir()?;
    let scratch = Scratch::open(store, &scratch_dir.path().join("scratch.duckdb"), catalog)?;
    scratch.copy_baseline(memory_limit, seller_state, &period.label, from, to, file).context("the COPY baseline")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_14_with_tax_of_the_other_sign_than_its_value_is_said() {
        // ₹1,000 of inter-state sales at 18 % (IGST 180.00) and ₹600 of intra-state returns at
        // 18 % (CGST −54.00, SGST −54.00): net value 400.00, the tool refuses the row.
        let mixed = Totals { taxable: 40_000, igst: 18_000, cgst: -5_400, sgst: -5_400, cess: 0 };
        let w = eco_sign_warning(&mixed, -5_400).expect("warned");
        assert!(w.contains("central tax and state/UT tax") && w.contains("400.00"), "{w}");
        let returns_only = Totals { taxable: -60_000, igst: 0, cgst: -5_400, sgst: -5_400, cess: 0 };
        assert_eq!(eco_sign_warning(&returns_only, -5_400), None, "all negative: the tool takes it");
        let sales = Totals { taxable: 100_000, igst: 18_000, cgst: 0, sgst: 0, cess: 0 };
        assert_eq!(eco_sign_warning(&sales, 0), None);
        let nothing = Totals { taxable: 0, igst: 0, cgst: 0, sgst: 0, cess: 0 };
        assert_eq!(eco_sign_warning(&nothing, 0), None, "no row is written");
    }
}
