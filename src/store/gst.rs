//! The SQL of the GST export (`crate::gst`): a scratch database `gstx` beside the store, the
//! catalogue loaded into it, the period's lines computed by DuckDB (`gst/sql/lines.sql`), the
//! register written by DuckDB's own `COPY … TO` (`gst/sql/register.sql`), and the small
//! `GROUP BY`s behind the GSTR-1 sheets. The export itself never writes SQL.

use chrono::{DateTime, NaiveDate, Utc};
use duckdb::Connection;

use super::{Store, StoreError};
use crate::catalog::Catalog;

const LINES_SQL: &str = include_str!("../gst/sql/lines.sql");
const REGISTER_SQL: &str = include_str!("../gst/sql/register.sql");
const MACROS_SQL: &str = include_str!("../gst/sql/macros.sql");

/// DuckDB settings while exporting: one thread and a 120 MB limit, so seven years sort within the
/// 200 MB budget (DuckDB spills to disk beyond it; two threads were faster but needed 400 MB).
const EXPORT_SETTINGS: &str = "SET threads = 1; SET memory_limit = '120MB'; SET preserve_insertion_order = true;";
/// Back to the hourly run's settings.
const RUN_SETTINGS: &str = "SET threads = 1; SET memory_limit = '128MB'; SET preserve_insertion_order = true;";

/// Which lines a total or a list is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// Sales that count in GSTR-1 (B2CS, B2CL, B2B).
    Countable,
    /// One section.
    Section(Section),
    /// B2C sections (the b2c HSN table).
    B2c,
    /// Business orders.
    Business,
    /// Ship-to state not recognised.
    UnknownState,
    /// No Amazon invoice number yet.
    MissingInvoice,
    /// A SKU not in the catalogue.
    UnknownSku,
}

/// A GSTR-1 section as the lines spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Business to business.
    B2b,
    /// Large inter-state B2C invoices.
    B2cl,
    /// Other B2C.
    B2cs,
}

impl Section {
    /// Every section, in the manifest's order.
    pub const ALL: [Section; 3] = [Section::B2b, Section::B2cl, Section::B2cs];

    /// The spelling in the register.
    pub fn as_str(self) -> &'static str {
        match self {
            Section::B2b => "B2B",
            Section::B2cl => "B2CL",
            Section::B2cs => "B2CS",
        }
    }
}

impl Lines {
    fn filter(self) -> &'static str {
        match self {
            Lines::Countable => "section IN ('B2CS', 'B2CL', 'B2B')",
            Lines::Section(Section::B2b) => "section = 'B2B'",
            Lines::Section(Section::B2cl) => "section = 'B2CL'",
            Lines::Section(Section::B2cs) => "section = 'B2CS'",
            Lines::B2c => "section IN ('B2CS', 'B2CL')",
            Lines::Business => "business",
            Lines::UnknownState => "pos IS NULL",
            Lines::MissingInvoice => "invoice_number IS NULL",
            Lines::UnknownSku => "sku_missing",
        }
    }
}

/// Totals per tax head over some lines, paise: `(taxable, igst, cgst, sgst)`.
pub type HeadTotals = (i64, i64, i64, i64);

/// The scratch database of one export, detached (and the hourly settings restored) on drop.
pub struct Scratch<'s> {
    store: &'s Store,
}

impl Drop for Scratch<'_> {
    fn drop(&mut self) {
        let _ = self.store.conn().execute_batch(RUN_SETTINGS);
        let _ = self.store.conn().execute_batch("DETACH DATABASE IF EXISTS gstx");
    }
}

fn quoted(path: &std::path::Path) -> String {
    path.to_string_lossy().replace('\'', "''")
}

/// The lines query for a period, with its validated values filled in.
fn lines_sql(seller_state: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<String, StoreError> {
    if seller_state.len() != 2 || !seller_state.bytes().all(|b| b.is_ascii_digit()) {
        return Err(StoreError::Invalid("seller state code must be two digits".into()));
    }
    Ok(LINES_SQL
        .replace("{from}", &from.format("%Y-%m-%d %H:%M:%S").to_string())
        .replace("{to}", &to.format("%Y-%m-%d %H:%M:%S").to_string())
        .replace("{seller_state}", seller_state))
}

impl<'s> Scratch<'s> {
    /// Attach a scratch database at `file` (on disk, so seven years can spill instead of
    /// failing), switch to the export's settings and load the catalogue.
    pub fn open(store: &'s Store, file: &std::path::Path, catalog: &Catalog) -> Result<Scratch<'s>, StoreError> {
        let conn = store.conn();
        let _ = conn.execute_batch("DETACH DATABASE IF EXISTS gstx");
        conn.execute_batch(&format!(
            "ATTACH '{}' AS gstx; CREATE TABLE gstx.cat (sku VARCHAR PRIMARY KEY, hsn VARCHAR, rate_bp BIGINT);",
            quoted(file)
        ))?;
        let scratch = Scratch { store };
        conn.execute_batch(EXPORT_SETTINGS)?;
        conn.execute_batch(MACROS_SQL)?;
        let mut stmt = conn.prepare("INSERT INTO gstx.cat VALUES (?, ?, ?)")?;
        for item in catalog.items() {
            stmt.execute(duckdb::params![item.sku, item.hsn, (item.gst_rate * 100.0).round() as i64])?;
        }
        Ok(scratch)
    }

    fn conn(&self) -> &Connection {
        self.store.conn()
    }

    /// Compute the period's lines into `gstx.lines`; returns how many.
    pub fn compute_lines(&self, seller_state: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<i64, StoreError> {
        self.conn().execute_batch(&format!("CREATE TABLE gstx.lines AS {}", lines_sql(seller_state, from, to)?))?;
        Ok(self.conn().query_row("SELECT count(*) FROM gstx.lines", [], |r| r.get(0))?)
    }

    /// DuckDB writes the register (header, comma-separated, in register order) to `file`.
    pub fn copy_register(&self, file: &std::path::Path) -> Result<(), StoreError> {
        self.conn().execute_batch(&format!(
            "COPY (SELECT {REGISTER_SQL} FROM gstx.lines ORDER BY sort_at, order_id, order_item_id) TO '{}' (HEADER, DELIMITER ',')",
            quoted(file)
        ))?;
        Ok(())
    }

    /// The benchmark's baseline: the same lines and register straight to `file` in one `COPY`.
    pub fn copy_baseline(
        &self,
        seller_state: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        file: &std::path::Path,
    ) -> Result<(), StoreError> {
        self.conn().execute_batch(&format!(
            "COPY (WITH lines AS ({}) SELECT {REGISTER_SQL} FROM lines ORDER BY sort_at, order_id, order_item_id) TO '{}' (HEADER, DELIMITER ',')",
            lines_sql(seller_state, from, to)?,
            quoted(file)
        ))?;
        Ok(())
    }

    /// Totals per tax head over `lines`.
    pub fn totals(&self, lines: Lines) -> Result<HeadTotals, StoreError> {
        Ok(self.conn().query_row(
            &format!(
                "SELECT coalesce(sum(taxable), 0), coalesce(sum(igst), 0), coalesce(sum(cgst), 0), coalesce(sum(sgst), 0) FROM gstx.lines WHERE {}",
                lines.filter()
            ),
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?)
    }

    /// How many lines `lines` has.
    pub fn count(&self, lines: Lines) -> Result<i64, StoreError> {
        Ok(self.conn().query_row(&format!("SELECT count(*) FROM gstx.lines WHERE {}", lines.filter()), [], |r| r.get(0))?)
    }

    /// The orders of `lines`, in invoice order.
    pub fn orders(&self, lines: Lines) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT order_id FROM gstx.lines WHERE {} GROUP BY order_id ORDER BY min(sort_at), order_id",
            lines.filter()
        ))?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// b2cs: `(place of supply, rate bp, taxable)` per state and rate.
    pub fn b2cs(&self) -> Result<Vec<(String, i64, i64)>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT pos, rate_bp, sum(taxable) FROM gstx.lines WHERE section = 'B2CS' GROUP BY pos, rate_bp ORDER BY pos, rate_bp",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// b2cl: `(invoice, invoice day, invoice value, place of supply, rate bp, taxable)`.
    pub fn b2cl(&self) -> Result<Vec<(Option<String>, NaiveDate, i64, String, i64, i64)>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT invoice_number, min(inv_day), max(invoice_value), pos, rate_bp, sum(taxable) FROM gstx.lines WHERE section = 'B2CL'
             GROUP BY invoice_number, pos, rate_bp ORDER BY min(sort_at), invoice_number, rate_bp",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// HSN summary of `lines`: `(hsn, rate bp, quantity, value, taxable, igst, cgst, sgst)`.
    pub fn hsn(&self, lines: Lines) -> Result<Vec<(String, i64, i64, i64, i64, i64, i64, i64)>, StoreError> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT hsn, rate_bp, sum(quantity), sum(gross), sum(taxable), sum(igst), sum(cgst), sum(sgst) FROM gstx.lines WHERE {}
             GROUP BY hsn, rate_bp ORDER BY hsn, rate_bp",
            lines.filter()
        ))?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Documents issued per invoice series: `(first, last, total, cancelled)`.
    pub fn documents(&self) -> Result<Vec<(String, String, i64, i64)>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT regexp_replace(invoice_number, '[0-9]+$', '') AS series, min(invoice_number), max(invoice_number),
                    count(DISTINCT order_id), count(DISTINCT order_id) FILTER (WHERE cancelled)
             FROM gstx.lines WHERE invoice_number IS NOT NULL GROUP BY series ORDER BY series",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}
