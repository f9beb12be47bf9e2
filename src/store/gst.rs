//! The SQL of the GST export (`crate::gst`): a scratch database `gstx` beside the store, the
//! catalogue loaded into it, the period's lines computed by DuckDB (`gst/sql/lines.sql`), the
//! register written by DuckDB's own `COPY … TO` (`gst/sql/register.sql`), and the small
//! `GROUP BY`s behind the GSTR-1 sheets. The export itself never writes SQL.

use anyhow::Context as _;
use chrono::{DateTime, NaiveDate, Utc};
use duckdb::Connection;

use super::{Store, StoreError};
use crate::catalog::Catalog;

const LINES_SQL: &str = include_str!("../gst/sql/lines.sql");
const REFUNDS_SQL: &str = include_str!("../gst/sql/refunds.sql");
const REGISTER_SQL: &str = include_str!("../gst/sql/register.sql");
const MACROS_SQL: &str = include_str!("../gst/sql/macros.sql");
const B2B_SQL: &str = include_str!("../gst/sql/b2b.sql");

/// DuckDB settings while exporting: one thread and a 90 MB limit, so seven years at ten times
/// today's volume stay within the 200 MB budget (peak RSS of `dakiya gst export` at 10×: 204 MB
/// at 110 MB, 194 MB at 100 MB, 181 MB at 90 MB, 169 MB at 80 MB, in 49, 47, 44 and 43 s: the
/// month chunks need no more; DuckDB spills to disk beyond it; two threads needed 400 MB).
const EXPORT_SETTINGS: &str = "SET threads = 1; SET memory_limit = '90MB'; SET preserve_insertion_order = true;";
/// Orders per chunk of the lines computation (whole months of purchase dates): the joins of
/// ~120,000 orders stay within the export's memory limit (a month at 3,000 orders a day is
/// 91,000), so DuckDB neither spills them nor scrambles their time order.
const CHUNK_ORDERS: i64 = 120_000;
/// Back to the hourly run's settings.
const RUN_SETTINGS: &str = "SET threads = 1; SET memory_limit = '128MB'; SET preserve_insertion_order = true;";

/// Which lines a total or a list is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// Sales that count in GSTR-1 (B2CS, B2CL).
    Countable,
    /// One section.
    Section(Section),
    /// Business orders kept in B2C: B2B candidates for the CA.
    B2bCandidate,
    /// Table 12's B2B tab: invoices with the buyer's GSTIN and their credit notes.
    HsnB2b,
    /// Table 12's B2C tab: the rest.
    HsnB2c,
    /// Sales moved to B2B by the imported MTR B2B report.
    MtrB2b,
    /// Ship-to state not recognised.
    UnknownState,
    /// No Amazon invoice yet: listed, not in the sheets.
    NoInvoice,
    /// A SKU not in the catalogue.
    UnknownSku,
    /// Amounts that add up neither with tax on top nor with tax inside.
    Unreconciled,
    /// Amazon's tax fits a slab other than the catalogue's rate.
    RateMismatch,
    /// Amazon's tax fits no slab in force on the invoice day.
    RateUnresolved,
    /// Credit lines (refunds) that count.
    Refund,
    /// Credit lines kept out of the sheets (unreadable, no sale, no invoice, amounts).
    RefundHeld,
    /// Invoiced in a filed period that did not report them: reported now.
    Late,
    /// Tax computed from the catalogue (Amazon sent none).
    TaxComputed,
    /// No line (a table that is empty by rule, such as B2B HSN without buyer GSTINs).
    None,
}

/// A GSTR-1 section as the lines spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Large inter-state B2C invoices.
    B2cl,
    /// Other B2C (sales and the credit notes netted into them).
    B2cs,
    /// Credit notes against B2CL invoices (unregistered buyers).
    Cdnur,
    /// Invoices carrying the buyer's GSTIN (Table 4A), from Amazon's MTR B2B report.
    B2b,
    /// Credit notes against those invoices (registered buyers, Table 9B).
    Cdnr,
}

impl Section {
    /// Every section, in the manifest's order.
    pub const ALL: [Section; 5] = [Section::B2b, Section::B2cl, Section::B2cs, Section::Cdnr, Section::Cdnur];

    /// The spelling in the register.
    pub fn as_str(self) -> &'static str {
        match self {
            Section::B2cl => "B2CL",
            Section::B2cs => "B2CS",
            Section::Cdnur => "CDNUR",
            Section::B2b => "B2B",
            Section::Cdnr => "CDNR",
        }
    }
}

impl Lines {
    fn filter(self) -> &'static str {
        match self {
            Lines::Countable => "section IN ('B2CS', 'B2CL', 'CDNUR', 'B2B', 'CDNR')",
            Lines::Section(Section::B2cl) => "section = 'B2CL'",
            Lines::Section(Section::B2cs) => "section = 'B2CS'",
            Lines::Section(Section::Cdnur) => "section = 'CDNUR'",
            Lines::Section(Section::B2b) => "section = 'B2B'",
            Lines::Section(Section::Cdnr) => "section = 'CDNR'",
            Lines::HsnB2b => "section IN ('B2B', 'CDNR')",
            Lines::HsnB2c => "section IN ('B2CS', 'B2CL', 'CDNUR')",
            Lines::MtrB2b => "kind = 'SALE' AND section = 'B2B'",
            Lines::B2bCandidate => "kind = 'SALE' AND business AND NOT cancelled AND section <> 'B2B'",
            Lines::UnknownState => "kind = 'SALE' AND pos IS NULL AND NOT cancelled",
            Lines::NoInvoice => "section = 'NO_INVOICE'",
            Lines::UnknownSku => "kind = 'SALE' AND sku_missing AND NOT cancelled",
            Lines::Unreconciled => "kind = 'SALE' AND basis = 'UNRECONCILED' AND NOT cancelled",
            Lines::RateMismatch => "kind = 'SALE' AND rate_mismatch AND NOT cancelled",
            Lines::RateUnresolved => "kind = 'SALE' AND rate_unresolved AND NOT cancelled",
            Lines::Late => "kind = 'SALE' AND coalesce(late, false) AND section IN ('B2CS', 'B2CL', 'CDNUR', 'B2B', 'CDNR')",
            Lines::Refund => "kind = 'REFUND' AND section IN ('B2CS', 'B2CL', 'CDNUR', 'B2B', 'CDNR')",
            Lines::RefundHeld => "kind = 'REFUND' AND section = 'QUARANTINED'",
            Lines::TaxComputed => "kind = 'SALE' AND basis = 'COMPUTED' AND NOT cancelled",
            Lines::None => "false",
        }
    }
}

/// How the report groups sales.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SalesGroup {
    /// By month of the invoice (or credit note).
    Month,
    /// By place of supply.
    State,
    /// By rate.
    Rate,
}

/// Totals per tax head over some lines, paise: `(taxable, igst, cgst, sgst)`.
pub type HeadTotals = (i64, i64, i64, i64);

/// The scratch database of one export, detached (and the hourly settings restored) on drop.
pub struct Scratch<'s> {
    store: &'s Store,
    chunk_orders: i64,
    chunks_used: std::cell::Cell<usize>,
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

/// A period already filed (`gst lock`): its India dates.
#[derive(Debug, Clone)]
pub struct Filed {
    /// Label.
    pub period: String,
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
}

/// The lines queries of one export, their validated values filled in (`{chunk}` left for
/// [`Scratch::create_lines`]), and the window of invoice (or order) times they read.
struct LinesSql {
    sales: String,
    refunds: String,
    scan_from: DateTime<Utc>,
    to: DateTime<Utc>,
}

/// One chunk of the lines computation: its `sort_at` window (India-independent UTC month
/// starts, or ±infinity) and the `{chunk}` predicate over the purchase dates it reads.
struct Chunk {
    from: String,
    to: String,
    purchases: String,
}

/// The order of the register's rows, and of `gstx.lines` as stored.
const REGISTER_ORDER: &str = "sort_at, order_id, order_item_id, event_key";

/// The register's columns (`gst/sql/register.sql`), the first one's header led by a UTF-8 BOM:
/// DuckDB's `COPY` then writes the file Excel opens as UTF-8, byte for byte, with nothing to
/// prepend or copy afterwards.
fn register_columns() -> Result<String, StoreError> {
    const FIRST: &str = " AS line_key,";
    if !REGISTER_SQL.contains(FIRST) {
        return Err(StoreError::Invalid("register.sql must start with line_key".into()));
    }
    Ok(REGISTER_SQL.replacen(FIRST, " AS \"\u{feff}line_key\",", 1))
}

/// The lines queries for a period, with their validated values filled in: the sales
/// (`lines.sql`) and the credit lines (`refunds.sql`). `filed`: the periods the seller filed (their
/// lines are never reported again; lines invoiced or refunds posted in them that they did not
/// hold come in as late).
fn lines_sql(seller_state: &str, label: &str, from: DateTime<Utc>, to: DateTime<Utc>, filed: &[Filed]) -> Result<LinesSql, StoreError> {
    lines_sql_scoped(seller_state, label, from, to, filed, false)
}

/// [`lines_sql`], or with `held_by_filing` only the lines and refunds the filing of `label`
/// held, as computed now (the amendment's view of a filed period: no late lines, nothing new).
fn lines_sql_scoped(
    seller_state: &str,
    label: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    filed: &[Filed],
    held_by_filing: bool,
) -> Result<LinesSql, StoreError> {
    if seller_state.len() != 2 || !seller_state.bytes().all(|b| b.is_ascii_digit()) {
        return Err(StoreError::Invalid("seller state code must be two digits".into()));
    }
    let ts = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M:%S").to_string();
    let ist_start = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0).and_then(|t| t.and_local_timezone(crate::clock::ist()).single()).map(|t| t.with_timezone(&Utc))
    };
    let label = label.replace('\'', "''");
    let earlier: Vec<&Filed> =
        filed.iter().filter(|f| !held_by_filing && f.period != label && ist_start(f.from).is_some_and(|s| s < from)).collect();
    let late_from = earlier.iter().filter_map(|f| ist_start(f.from)).min().map_or(from, |t| t.min(from));
    let late_rule = |day: &str| {
        if earlier.is_empty() {
            "false".to_owned()
        } else {
            let ranges: Vec<String> = earlier.iter().map(|f| format!("{day} BETWEEN DATE '{}' AND DATE '{}'", f.from, f.to)).collect();
            format!("coalesce(late, false) AND ({})", ranges.join(" OR "))
        }
    };
    let refund_late = if earlier.is_empty() {
        "false".to_owned()
    } else {
        late_rule("note_day").replace("coalesce(late, false)", "posted_at < TIMESTAMP '{from}'")
    };
    let (filed_sales, filed_refunds) = if held_by_filing {
        (
            format!(
                "AND EXISTS (SELECT 1 FROM main.gst_filed_lines fl WHERE fl.order_id = base.order_id AND fl.order_item_id = base.order_item_id AND fl.period = '{label}')"
            ),
            format!("AND EXISTS (SELECT 1 FROM main.gst_filed_refunds fr WHERE fr.event_key = ev.event_key AND fr.period = '{label}')"),
        )
    } else if filed.is_empty() {
        (String::new(), String::new())
    } else {
        (
            format!(
                "AND NOT EXISTS (SELECT 1 FROM main.gst_filed_lines fl WHERE fl.order_id = base.order_id AND fl.order_item_id = base.order_item_id AND fl.period <> '{label}')"
            ),
            format!("AND NOT EXISTS (SELECT 1 FROM main.gst_filed_refunds fr WHERE fr.event_key = ev.event_key AND fr.period <> '{label}')"),
        )
    };
    let fill = |sql: &str, late: &str, filed: &str| {
        sql.replace("{late_rule}", late)
            .replace("{filed}", filed)
            .replace("{late_from}", &ts(late_from))
            .replace("{from}", &ts(from))
            .replace("{to}", &ts(to))
            .replace("{seller_state}", seller_state)
    };
    Ok(LinesSql {
        sales: fill(LINES_SQL, &late_rule("inv_day"), &filed_sales),
        refunds: fill(REFUNDS_SQL, &refund_late, &filed_refunds),
        scan_from: late_from,
        to,
    })
}

/// The periods the seller has filed.
pub fn filed_periods(store: &Store) -> Result<Vec<Filed>, StoreError> {
    let mut stmt = store.conn().prepare("SELECT period, from_day, to_day FROM gst_filed ORDER BY from_day")?;
    let rows = stmt.query_map([], |r| Ok(Filed { period: r.get(0)?, from: r.get(1)?, to: r.get(2)? }))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

impl<'s> Scratch<'s> {
    /// Attach a scratch database at `file` (on disk, so seven years can spill instead of
    /// failing), switch to the export's settings and load the catalogue.
    pub fn open(store: &'s Store, file: &std::path::Path, catalog: &Catalog) -> Result<Scratch<'s>, StoreError> {
        let conn = store.conn();
        let _ = conn.execute_batch("DETACH DATABASE IF EXISTS gstx");
        conn.execute_batch(&format!(
            "ATTACH '{}' AS gstx; CREATE TABLE gstx.cat (sku VARCHAR PRIMARY KEY, hsn VARCHAR, rate_bp BIGINT, rate_from DATE, rate_before_bp BIGINT, uqc VARCHAR);",
            quoted(file)
        ))?;
        let scratch = Scratch { store, chunk_orders: CHUNK_ORDERS, chunks_used: std::cell::Cell::new(0) };
        conn.execute_batch(EXPORT_SETTINGS)?;
        conn.execute_batch(MACROS_SQL)?;
        let mut stmt = conn.prepare("INSERT INTO gstx.cat VALUES (?, ?, ?, ?, ?, ?)")?;
        for item in catalog.items() {
            stmt.execute(duckdb::params![
                item.sku,
                item.hsn,
                item.rate_bp(),
                item.gst_rate_from,
                item.gst_rate_before.map(|r| (r * 100.0).round() as i64),
                item.uqc_code()
            ])?;
        }
        Ok(scratch)
    }

    fn conn(&self) -> &Connection {
        self.store.conn()
    }

    /// How many chunks the last lines computation read the store in (1: in one piece).
    pub fn chunks_used(&self) -> usize {
        self.chunks_used.get()
    }

    /// Chunks of at most `orders` orders (whole months) instead of [`CHUNK_ORDERS`]: tests
    /// use one month per chunk to prove the chunks' boundaries change nothing.
    pub fn with_chunk_orders(mut self, orders: i64) -> Scratch<'s> {
        self.chunk_orders = orders;
        self
    }

    /// `gstx.lines` from the sales and refunds queries, B2B moved by the MTR, stored in register
    /// order; returns how many. Storing seven years of lines is most of what the export costs
    /// above DuckDB's own `COPY` (README, benchmark notes), so the table leaves out what no
    /// sheet, list or register column reads: the raw timestamps (the India days are kept), the
    /// charges and Amazon's tax before the basis was applied.
    ///
    /// The lines are computed in chunks of whole months of `sort_at` ([`Scratch::chunks`]), each
    /// reading only the orders purchased in its window (zone maps prune all three tables), so
    /// each chunk's joins and sort stay in memory; the chunks go in in time order, each sorted
    /// in register order, so the table's own order is the register's and the register is one
    /// `COPY` without a sort (DuckDB's "Order Preservation": `COPY`, `SELECT` and `FROM` a single
    /// table keep the insertion order while `preserve_insertion_order` is on, as the export sets
    /// it; https://duckdb.org/docs/stable/sql/dialect/order_preservation). One
    /// transaction: DuckDB writes the row groups straight to the scratch file (no WAL).
    fn create_lines(&self, q: &LinesSql) -> Result<i64, StoreError> {
        const UNREAD: &str = "EXCLUDE (purchase_date, invoice_date, charges, amazon_tax)";
        if q.sales.matches("WHERE {chunk})").count() != 3 {
            return Err(StoreError::Invalid("lines.sql must read orders, items and packages through {chunk}".into()));
        }
        let chunks = self.chunks(q.scan_from, q.to)?;
        self.chunks_used.set(chunks.len());
        let conn = self.conn();
        conn.execute_batch("BEGIN TRANSACTION")?;
        let filled = (|| -> Result<(), StoreError> {
            conn.execute_batch(&format!(
                "CREATE TABLE gstx.lines AS SELECT * {UNREAD} FROM ({}) LIMIT 0;
                 CREATE OR REPLACE TEMP TABLE gst_refund_lines AS SELECT * {UNREAD} FROM ({});",
                q.sales.replace("{chunk}", "false"),
                q.refunds
            ))?;
            for c in &chunks {
                let window = format!("sort_at >= TIMESTAMP '{}' AND sort_at < TIMESTAMP '{}'", c.from, c.to);
                conn.execute_batch(&format!(
                    "INSERT INTO gstx.lines BY NAME
                     SELECT * FROM ((SELECT * {UNREAD} FROM ({sales}) WHERE {window}) UNION ALL BY NAME (SELECT * FROM gst_refund_lines WHERE {window}))
                     ORDER BY {REGISTER_ORDER}",
                    sales = q.sales.replace("{chunk}", &c.purchases),
                ))?;
            }
            // Every credit line falls in a chunk (their months are among the chunks'); if one
            // did not, the export stops rather than leave it out.
            let (computed, stored): (i64, i64) = conn.query_row(
                "SELECT (SELECT count(*) FROM gst_refund_lines), (SELECT count(*) FROM gstx.lines WHERE kind = 'REFUND')",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if computed != stored {
                return Err(StoreError::Invalid(format!("{computed} credit lines computed, {stored} stored: a chunk window missed some")));
            }
            conn.execute_batch(&format!("DROP TABLE gst_refund_lines; {B2B_SQL}"))?;
            Ok(())
        })();
        match filled {
            Ok(()) => conn.execute_batch("COMMIT")?,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
        Ok(self.conn().query_row("SELECT count(*) FROM gstx.lines", [], |r| r.get(0))?)
    }

    /// The chunks the sales are computed in: consecutive months (UTC) of `sort_at` (invoice
    /// time, else order time) in `[from, to)` up to [`CHUNK_ORDERS`] orders, each with the range
    /// of purchase dates its orders have (the packages' copies say it without a join), so a
    /// chunk reads exactly the orders that can have a line in it and its lines are exactly those
    /// of its months. Months with only refunds read no orders. If any item or package of an
    /// order lacks its purchase-date copy (a row written outside the store's own functions), one
    /// chunk of everything, sorted at once: slower, and at large volumes it may need more memory
    /// than the export's limit and stop with DuckDB's error; never short. (Rows without an order
    /// give no line and are ignored.)
    fn chunks(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Chunk>, StoreError> {
        let uncopied: bool = self.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM main.order_items i WHERE i.purchase_date IS NULL AND i.order_id IN (SELECT order_id FROM main.orders))
                 OR EXISTS (SELECT 1 FROM main.packages p WHERE p.purchase_date IS NULL AND p.order_id IN (SELECT order_id FROM main.orders))",
            [],
            |r| r.get(0),
        )?;
        if uncopied {
            tracing::debug!(target: "dakiya::gst::phase", "items or packages without their purchase-date copy: the lines are read in one piece");
            return Ok(vec![Chunk { from: "-infinity".into(), to: "infinity".into(), purchases: "true".into() }]);
        }
        let mut stmt = self.conn().prepare(
            "WITH t AS (
               SELECT coalesce(invoice_date, purchase_date) AS s, purchase_date AS p FROM main.packages
               WHERE coalesce(invoice_date, purchase_date) >= ?1 AND coalesce(invoice_date, purchase_date) < ?2
               UNION ALL SELECT purchase_date, purchase_date FROM main.orders WHERE purchase_date >= ?1 AND purchase_date < ?2
               UNION ALL SELECT posted_at, NULL FROM main.refund_events WHERE posted_at >= ?1 AND posted_at < ?2
             )
             SELECT strftime(date_trunc('month', s), '%Y-%m-%d'), strftime(min(p), '%Y-%m-%d %H:%M:%S.%f'),
                    strftime(max(p), '%Y-%m-%d %H:%M:%S.%f'), count(p)
             FROM t GROUP BY date_trunc('month', s) ORDER BY 1",
        )?;
        let months = stmt
            .query_map(duckdb::params![from, to], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, Option<String>>(2)?, r.get::<_, i64>(3)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let day = |m: &str| NaiveDate::parse_from_str(m, "%Y-%m-%d").map_err(|_| StoreError::Invalid(format!("month {m}")));
        let time = |t: &str| {
            chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f").map_err(|_| StoreError::Invalid(format!("purchase date {t}")))
        };
        // Consecutive months up to CHUNK_ORDERS orders (counted on both sides of the union, an
        // estimate) share a chunk; a month with more is a chunk alone.
        let mut chunks = Vec::new();
        let mut open: Option<(NaiveDate, Option<chrono::NaiveDateTime>, Option<chrono::NaiveDateTime>, i64)> = None;
        for (i, (month, low, high, n)) in months.iter().enumerate() {
            let month = day(month)?;
            let (low, high) = (low.as_deref().map(time).transpose()?, high.as_deref().map(time).transpose()?);
            let (first, lo, hi, sum) = match open {
                None => (month, low, high, *n),
                Some((f, l, h, s)) => (f, l.into_iter().chain(low).min(), h.into_iter().chain(high).max(), s + n),
            };
            if months.get(i + 1).is_none_or(|(_, _, _, next)| sum + next > self.chunk_orders) {
                let end = month.checked_add_months(chrono::Months::new(1)).ok_or_else(|| StoreError::Invalid(format!("month {month}")))?;
                let purchases = match (lo, hi) {
                    (Some(lo), Some(hi)) => format!("purchase_date >= TIMESTAMP '{lo}' AND purchase_date <= TIMESTAMP '{hi}'"),
                    _ => "false".to_owned(),
                };
                chunks.push(Chunk { from: first.to_string(), to: end.to_string(), purchases });
                open = None;
            } else {
                open = Some((first, lo, hi, sum));
            }
        }
        Ok(chunks)
    }

    /// Compute the period's lines into `gstx.lines`; returns how many.
    pub fn compute_lines(&self, seller_state: &str, label: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<i64, StoreError> {
        let filed = filed_periods(self.store)?;
        self.create_lines(&lines_sql(seller_state, label, from, to, &filed)?)
    }

    /// The lines the filing of `label` held, computed now, into `gstx.lines` (for `gst export
    /// --amend`); returns how many.
    pub fn compute_filed_lines(&self, seller_state: &str, label: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<i64, StoreError> {
        let filed = filed_periods(self.store)?;
        self.create_lines(&lines_sql_scoped(seller_state, label, from, to, &filed, true)?)
    }

    /// Every line of `[from, to)` whatever was filed (the report shows the business, not a
    /// return): into `gstx.lines`; returns how many.
    pub fn compute_all_lines(&self, seller_state: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<i64, StoreError> {
        self.create_lines(&lines_sql(seller_state, "(report)", from, to, &[])?)
    }

    /// DuckDB writes the register into `file`: comma-separated, CRLF line ends and a UTF-8 BOM
    /// for Excel, in register order, which is `gstx.lines`' own order ([`Scratch::create_lines`]
    /// stores it so): one `COPY` and no sort, however many years.
    pub fn copy_register(&self, file: &std::path::Path) -> Result<(), StoreError> {
        self.conn().execute_batch(&format!(
            "COPY (SELECT {} FROM gstx.lines) TO '{}' (HEADER, DELIMITER ',', NEW_LINE '\\r\\n')",
            register_columns()?,
            quoted(file)
        ))?;
        Ok(())
    }

    /// The benchmark's baseline: the same lines and register straight to `file` in one `COPY`,
    /// under the export's own memory limit, or `memory_limit` when given (one query sorting the
    /// joined rows needs more than the export's 110 MB at ten times today's volume).
    pub fn copy_baseline(
        &self,
        memory_limit: Option<&str>,
        seller_state: &str,
        label: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        file: &std::path::Path,
    ) -> Result<(), StoreError> {
        let filed = filed_periods(self.store)?;
        if let Some(limit) = memory_limit {
            if !limit.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(StoreError::Invalid("memory limit such as 1GB".into()));
            }
            self.conn().execute_batch(&format!("SET memory_limit = '{limit}'"))?;
        }
        let q = lines_sql(seller_state, label, from, to, &filed)?;
        let (sales, refunds) = (q.sales.replace("{chunk}", "true"), q.refunds);
        self.conn().execute_batch(&format!(
            "COPY (WITH lines AS ((SELECT * FROM ({sales})) UNION ALL BY NAME (SELECT * FROM ({refunds}))) SELECT {} FROM lines ORDER BY {REGISTER_ORDER}) TO '{}' (HEADER, DELIMITER ',', NEW_LINE '\\r\\n')",
            register_columns()?,
            quoted(file)
        ))?;
        Ok(())
    }

    /// Where Amazon's refunds have been read to (`None`: never).
    pub fn refunds_read_to(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        super::orders::watermark(self.conn(), super::refunds::WATERMARK)
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
    pub fn orders(&self, lines: Lines) -> anyhow::Result<Vec<String>> {
        self.orders_of(lines).with_context(|| format!("listing the orders of {lines:?}"))
    }

    fn orders_of(&self, lines: Lines) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT order_id FROM gstx.lines WHERE {} GROUP BY order_id ORDER BY min(sort_at), order_id",
            lines.filter()
        ))?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Sales net of credit notes per group (`month`: `YYYY-MM` of the invoice or credit note
    /// date; `state`: place of supply; `rate`: rate in basis points as text): `(group, taxable,
    /// tax, lines)`, for the report.
    pub fn sales_by(&self, group: SalesGroup) -> Result<Vec<(String, i64, i64, i64)>, StoreError> {
        let key = match group {
            SalesGroup::Month => "strftime(coalesce(note_day, inv_day), '%Y-%m')",
            SalesGroup::State => "pos",
            SalesGroup::Rate => "CAST(rate_bp AS VARCHAR)",
        };
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {key} AS k, sum(taxable), sum(tax), count(*) FROM gstx.lines WHERE {} GROUP BY k ORDER BY k",
            Lines::Countable.filter()
        ))?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, Option<String>>(0)?.unwrap_or_default(), r.get(1)?, r.get(2)?, r.get(3)?)))?;
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
    pub fn b2cl(&self) -> Result<Vec<(String, NaiveDate, i64, String, i64, i64)>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT invoice_number, min(inv_day), max(invoice_value), pos, rate_bp, sum(taxable) FROM gstx.lines WHERE section = 'B2CL'
             GROUP BY invoice_number, pos, rate_bp ORDER BY min(sort_at), invoice_number, rate_bp",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// HSN summary of `lines`, one row per HSN, UQC and rate.
    pub fn hsn(&self, lines: Lines) -> Result<Vec<HsnRow>, StoreError> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT hsn, uqc, rate_bp, sum(quantity), sum(gross), sum(taxable), sum(igst), sum(cgst), sum(sgst) FROM gstx.lines WHERE {}
             GROUP BY hsn, uqc, rate_bp ORDER BY hsn, uqc, rate_bp",
            lines.filter()
        ))?;
        let rows = stmt.query_map([], |r| {
            Ok(HsnRow {
                hsn: r.get(0)?,
                uqc: r.get(1)?,
                rate_bp: r.get(2)?,
                quantity: r.get(3)?,
                value: r.get(4)?,
                taxable: r.get(5)?,
                igst: r.get(6)?,
                cgst: r.get(7)?,
                sgst: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Documents issued per invoice series (prefix + number, compared as numbers): the first and
    /// last invoice, how many numbers the range holds, how many of them were cancelled, and how
    /// many numbers in the range dakiya never saw (gaps for the CA to explain).
    pub fn documents(&self) -> Result<Vec<DocSeries>, StoreError> {
        let mut stmt = self.conn().prepare(
            // The series is the number without its trailing digits (rtrim of the digits: the same
            // split as the regular expression `^(.*?)([0-9]+)$`, at a third of its cost over every
            // invoice of seven years).
            "WITH inv AS (
               SELECT invoice_number, rtrim(invoice_number, '0123456789') AS series, cancelled
               FROM (SELECT invoice_number, bool_or(cancelled) AS cancelled FROM gstx.lines WHERE invoice_number IS NOT NULL AND kind = 'SALE' GROUP BY invoice_number)
             ), numbered AS (
               SELECT *, TRY_CAST(substr(invoice_number, length(series) + 1) AS BIGINT) AS num FROM inv
             )
             SELECT series, arg_min(invoice_number, num), arg_max(invoice_number, num), max(num) - min(num) + 1,
                    count(*) FILTER (WHERE cancelled), max(num) - min(num) + 1 - count(*)
             FROM numbered WHERE num IS NOT NULL GROUP BY series ORDER BY series",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(DocSeries { first: r.get(1)?, last: r.get(2)?, total: r.get(3)?, cancelled: r.get(4)?, unseen: r.get(5)? })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Every difference between the imported Merchant Tax Report rows dated in `[from, to]`
    /// (invoice date; a refund's credit note date) and the computed lines that count; none when
    /// no MTR row falls in the period. Refund amounts are compared without their sign (the MTR's
    /// sign is not documented).
    pub fn mtr_differences(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<MtrDifference>, StoreError> {
        // No MTR row in the period: nothing to compare, and no aggregate over every line (at seven
        // years of 3,000 orders a day it does not fit the export's memory limit).
        let any: bool = self.conn().query_row(
            "SELECT count(*) > 0 FROM main.mtr_lines WHERE transaction_type IN ('Shipment', 'Refund')
               AND coalesce(CASE WHEN transaction_type = 'Refund' THEN credit_note_date END, invoice_date) BETWEEN ? AND ?",
            duckdb::params![from, to],
            |r| r.get(0),
        )?;
        if !any {
            return Ok(Vec::new());
        }
        let mut stmt = self.conn().prepare(
            "WITH m AS (
               SELECT order_id, sku, transaction_type, string_agg(DISTINCT invoice_number, ';' ORDER BY invoice_number) AS inv,
                      sum(taxable_paise) AS taxable, sum(tax_paise) AS tax, sum(igst_paise) AS igst
               FROM main.mtr_lines
               WHERE transaction_type IN ('Shipment', 'Refund')
                 AND coalesce(CASE WHEN transaction_type = 'Refund' THEN credit_note_date END, invoice_date) BETWEEN ? AND ?
               GROUP BY order_id, sku, transaction_type
             ), d AS (
               SELECT order_id, sku, CASE WHEN kind = 'REFUND' THEN 'Refund' ELSE 'Shipment' END AS transaction_type,
                      string_agg(DISTINCT invoice_number, ';' ORDER BY invoice_number) AS inv, sum(taxable) AS taxable, sum(tax) AS tax, sum(igst) AS igst
               FROM gstx.lines WHERE section IN ('B2CS', 'B2CL', 'CDNUR', 'B2B', 'CDNR') GROUP BY ALL
             ), j AS (
               SELECT coalesce(m.order_id, d.order_id) AS order_id, coalesce(m.sku, d.sku) AS sku,
                      coalesce(m.transaction_type, d.transaction_type) AS transaction_type,
                      CASE WHEN d.order_id IS NULL THEN 'in_mtr_only' WHEN m.order_id IS NULL THEN 'in_dakiya_only'
                           WHEN m.transaction_type = 'Shipment' AND m.inv IS DISTINCT FROM d.inv THEN 'invoice_number'
                           WHEN abs(abs(m.taxable) - abs(d.taxable)) > 1 THEN 'taxable'
                           WHEN abs(abs(m.tax) - abs(d.tax)) > 1 THEN 'tax'
                           WHEN (m.igst <> 0) <> (d.igst <> 0) THEN 'tax_heads' END AS kind,
                      m.taxable AS mt, d.taxable AS dt, m.tax AS mx, d.tax AS dx
               FROM m FULL OUTER JOIN d ON m.order_id = d.order_id AND m.sku IS NOT DISTINCT FROM d.sku AND m.transaction_type = d.transaction_type
             )
             SELECT order_id, sku, transaction_type, kind, mt, dt, mx, dx FROM j
             WHERE kind IS NOT NULL AND EXISTS (SELECT 1 FROM m) ORDER BY order_id, sku, transaction_type",
        )?;
        let rows = stmt.query_map(duckdb::params![from, to], |r| {
            Ok(MtrDifference {
                order_id: r.get(0)?,
                sku: r.get(1)?,
                transaction: r.get(2)?,
                kind: r.get(3)?,
                mtr_taxable: r.get(4)?,
                dakiya_taxable: r.get(5)?,
                mtr_tax: r.get(6)?,
                dakiya_tax: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The period's credit notes of `section` (`Cdnur`: against B2CL invoices; `Cdnr`: against
    /// B2B invoices) whose number the MTR gives: one row per note and rate.
    pub fn credit_notes(&self, section: Section) -> Result<Vec<CreditNote>, StoreError> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT m.credit_note_no, coalesce(m.credit_note_date, l.note_day), l.pos, l.rate_bp, -sum(l.taxable), -sum(l.gross), any_value(l.buyer_gstin)
             FROM gstx.lines l JOIN (SELECT DISTINCT order_id, sku, credit_note_no, credit_note_date FROM main.mtr_lines
                                     WHERE transaction_type = 'Refund' AND credit_note_no IS NOT NULL) m
                  ON m.order_id = l.order_id AND m.sku IS NOT DISTINCT FROM l.sku
             WHERE {} GROUP BY m.credit_note_no, 2, l.pos, l.rate_bp ORDER BY 2, 1, 4",
            Lines::Section(section).filter()
        ))?;
        let rows = stmt.query_map([], |r| {
            Ok(CreditNote {
                number: r.get(0)?,
                date: r.get(1)?,
                pos: r.get(2)?,
                rate_bp: r.get(3)?,
                taxable: r.get(4)?,
                value: r.get(5)?,
                buyer_gstin: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Orders with credit lines of `section` whose note number the MTR does not give.
    pub fn notes_without_number(&self, section: Section) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT order_id FROM gstx.lines l WHERE {} AND NOT EXISTS (
               SELECT 1 FROM main.mtr_lines m WHERE m.order_id = l.order_id AND m.sku IS NOT DISTINCT FROM l.sku
                 AND m.transaction_type = 'Refund' AND m.credit_note_no IS NOT NULL)
             GROUP BY order_id ORDER BY min(sort_at), order_id",
            Lines::Section(section).filter()
        ))?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// b2b: `(buyer GSTIN, invoice, invoice day, invoice value, place of supply, rate bp,
    /// taxable)` per invoice and rate.
    pub fn b2b(&self) -> Result<Vec<B2bRow>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT any_value(buyer_gstin), invoice_number, min(inv_day), max(invoice_value), pos, rate_bp, sum(taxable) FROM gstx.lines
             WHERE section = 'B2B' GROUP BY invoice_number, pos, rate_bp ORDER BY min(sort_at), invoice_number, rate_bp",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(B2bRow {
                buyer_gstin: r.get(0)?,
                invoice: r.get(1)?,
                day: r.get(2)?,
                value: r.get(3)?,
                pos: r.get(4)?,
                rate_bp: r.get(5)?,
                taxable: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Table 13's credit-note series: the MTR's note numbers of the period's credit lines,
    /// by prefix and number as for invoices (`(first, last, total, 0, unseen)`); and how many
    /// of the period's refunded orders have no note number.
    pub fn credit_note_series(&self) -> Result<(Vec<DocSeries>, i64), StoreError> {
        let mut stmt = self.conn().prepare(
            "WITH cn AS (
               SELECT DISTINCT m.credit_note_no AS n FROM gstx.lines l JOIN main.mtr_lines m
                 ON m.order_id = l.order_id AND m.sku IS NOT DISTINCT FROM l.sku AND m.transaction_type = 'Refund' AND m.credit_note_no IS NOT NULL
               WHERE l.kind = 'REFUND' AND l.section IN ('B2CS', 'B2CL', 'CDNUR', 'B2B', 'CDNR')
             ), parts AS (
               SELECT n, p.series, TRY_CAST(p.num AS BIGINT) AS num
               FROM cn, LATERAL (SELECT regexp_extract(n, '^(.*?)([0-9]+)$', ['series', 'num']) AS p)
             )
             SELECT series, arg_min(n, num), arg_max(n, num), max(num) - min(num) + 1, 0, max(num) - min(num) + 1 - count(*)
             FROM parts WHERE num IS NOT NULL GROUP BY series ORDER BY series",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(DocSeries { first: r.get(1)?, last: r.get(2)?, total: r.get(3)?, cancelled: r.get(4)?, unseen: r.get(5)? })
        })?;
        let series = rows.collect::<Result<Vec<_>, _>>()?;
        let missing: i64 = self.conn().query_row(
            "SELECT count(DISTINCT order_id) FROM gstx.lines l WHERE kind = 'REFUND' AND section IN ('B2CS', 'B2CL', 'CDNUR', 'B2B', 'CDNR') AND NOT EXISTS (
               SELECT 1 FROM main.mtr_lines m WHERE m.order_id = l.order_id AND m.sku IS NOT DISTINCT FROM l.sku
                 AND m.transaction_type = 'Refund' AND m.credit_note_no IS NOT NULL)",
            [],
            |r| r.get(0),
        )?;
        Ok((series, missing))
    }

    /// Invoice numbers that end in no digits (Table 13 cannot hold them): listed for the CA.
    pub fn unnumbered_invoices(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT DISTINCT invoice_number FROM gstx.lines WHERE invoice_number IS NOT NULL AND kind = 'SALE' AND NOT regexp_matches(invoice_number, '[0-9]$') ORDER BY 1",
        )?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// HSN codes of countable lines shorter than `digits`.
    pub fn short_hsn(&self, digits: usize) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare(&format!("SELECT DISTINCT hsn FROM gstx.lines WHERE {} AND length(hsn) < ? ORDER BY 1", Lines::Countable.filter()))?;
        let rows = stmt.query_map([digits as i64], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Record `period` as filed and every countable line (sales and credit lines) of the computed
    /// lines with it, in one transaction; returns the lines recorded.
    pub fn record_filed(
        &self,
        period: &str,
        (from, to): (NaiveDate, NaiveDate),
        files: &str,
        rows: &[FiledRow],
        now: DateTime<Utc>,
    ) -> anyhow::Result<u64> {
        self.store.tx(|conn| {
            conn.execute("INSERT INTO main.gst_filed VALUES (?, ?, ?, ?, ?)", duckdb::params![period, from, to, now, files])?;
            let mut stmt = conn.prepare("INSERT INTO main.gst_filed_rows VALUES (?, ?, ?, ?)")?;
            for r in rows {
                stmt.execute(duckdb::params![period, r.sheet, r.row_no, serde_json::to_string(&r.cells).unwrap_or_default()])?;
            }
            let n = conn.execute(
                &format!(
                    "INSERT INTO main.gst_filed_lines SELECT order_id, order_item_id, ?, section, pos, rate_bp, taxable, tax FROM gstx.lines WHERE kind = 'SALE' AND {}",
                    Lines::Countable.filter()
                ),
                [period],
            )?;
            let r = conn.execute(
                &format!("INSERT INTO main.gst_filed_refunds SELECT event_key, ?, section, taxable, tax FROM gstx.lines WHERE {}", Lines::Refund.filter()),
                [period],
            )?;
            Ok((n + r) as u64)
        })
    }
}

/// One row of a GSTR-1 sheet as filed (`gst lock`), kept so an amendment can say what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiledRow {
    /// The sheet (`b2cs`, `b2cl`, `eco`, …).
    pub sheet: String,
    /// Its place in the sheet.
    pub row_no: i64,
    /// The cells, as written.
    pub cells: Vec<String>,
}

/// The rows the filing of `period` held (empty: none recorded, a period locked before dakiya
/// kept them).
pub fn filed_rows(store: &Store, period: &str) -> Result<Vec<FiledRow>, StoreError> {
    let mut stmt = store.conn().prepare("SELECT sheet, row_no, cells FROM gst_filed_rows WHERE period = ? ORDER BY sheet, row_no")?;
    let rows = stmt.query_map([period], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (sheet, row_no, cells) = row?;
        let cells: Vec<String> =
            serde_json::from_str(&cells).map_err(|e| StoreError::Invalid(format!("gst_filed_rows {period} {sheet} {row_no}: {e}")))?;
        out.push(FiledRow { sheet, row_no, cells });
    }
    Ok(out)
}

/// A difference between Amazon's Merchant Tax Report and dakiya's lines of a period, per order,
/// SKU and transaction (Shipment or Refund). Amounts in paise, as each side has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MtrDifference {
    /// Order.
    pub order_id: String,
    /// SKU.
    pub sku: Option<String>,
    /// `Shipment` or `Refund`.
    pub transaction: String,
    /// `in_mtr_only`, `in_dakiya_only`, `invoice_number`, `taxable`, `tax`, `tax_heads`.
    pub kind: String,
    /// The MTR's taxable value.
    pub mtr_taxable: Option<i64>,
    /// dakiya's.
    pub dakiya_taxable: Option<i64>,
    /// The MTR's tax.
    pub mtr_tax: Option<i64>,
    /// dakiya's.
    pub dakiya_tax: Option<i64>,
}

impl MtrDifference {
    /// `order sku transaction: what (MTR taxable … tax …; dakiya taxable … tax …)`.
    pub fn describe(&self) -> String {
        let money = |v: Option<i64>| v.map_or_else(|| "-".to_owned(), crate::spapi::model::format_paise);
        format!(
            "{} {} {}: {} (MTR taxable {} tax {}; dakiya taxable {} tax {})",
            self.order_id,
            self.sku.as_deref().unwrap_or(""),
            self.transaction,
            self.kind,
            money(self.mtr_taxable),
            money(self.mtr_tax),
            money(self.dakiya_taxable),
            money(self.dakiya_tax)
        )
    }
}

/// A b2b row: one invoice carrying the buyer's GSTIN, at one rate.
#[derive(Debug, Clone)]
pub struct B2bRow {
    /// The buyer's GSTIN (from the MTR B2B report).
    pub buyer_gstin: String,
    /// Invoice number.
    pub invoice: String,
    /// Invoice day.
    pub day: NaiveDate,
    /// Invoice value, paise.
    pub value: i64,
    /// Place of supply.
    pub pos: String,
    /// Rate, basis points.
    pub rate_bp: i64,
    /// Taxable value, paise.
    pub taxable: i64,
}

/// A credit note with Amazon's number (from the MTR): a cdnur or cdnr row.
#[derive(Debug, Clone)]
pub struct CreditNote {
    /// Amazon's credit note number.
    pub number: String,
    /// Its date.
    pub date: NaiveDate,
    /// Place of supply.
    pub pos: String,
    /// Rate, basis points.
    pub rate_bp: i64,
    /// Taxable value credited (positive), paise.
    pub taxable: i64,
    /// Note value (positive), paise.
    pub value: i64,
    /// The buyer's GSTIN (cdnr only).
    pub buyer_gstin: Option<String>,
}

/// One row of an HSN summary (Table 12).
#[derive(Debug, Clone)]
pub struct HsnRow {
    /// HSN code.
    pub hsn: String,
    /// Unit quantity code (`PCS`, `NOS`, …).
    pub uqc: String,
    /// Rate, basis points.
    pub rate_bp: i64,
    /// Units.
    pub quantity: i64,
    /// Invoice value, paise.
    pub value: i64,
    /// Taxable value, paise.
    pub taxable: i64,
    /// IGST, paise.
    pub igst: i64,
    /// CGST, paise.
    pub cgst: i64,
    /// SGST, paise.
    pub sgst: i64,
}

/// One invoice series of Table 13.
#[derive(Debug, Clone)]
pub struct DocSeries {
    /// First invoice number (by number).
    pub first: String,
    /// Last invoice number.
    pub last: String,
    /// Numbers in the range.
    pub total: i64,
    /// Cancelled invoices.
    pub cancelled: i64,
    /// Numbers in the range dakiya never saw.
    pub unseen: i64,
}
