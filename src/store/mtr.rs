//! Typed writes of Merchant Tax Report rows (`mtr_lines`, schema v7): PII-free by construction
//! (`gst::mtr` never reads a personal column). A row imported again replaces the stored one.

use chrono::{DateTime, NaiveDate, Utc};
use duckdb::Connection;

use super::StoreError;

/// Store rows; returns how many were new (the rest replaced rows imported before).
pub fn upsert(conn: &Connection, rows: &[MtrRow], now: DateTime<Utc>) -> Result<(u64, u64), StoreError> {
    let mut exists = conn.prepare_cached("SELECT count(*) FROM mtr_lines WHERE mtr_key = ?")?;
    let mut stmt =
        conn.prepare_cached("INSERT OR REPLACE INTO mtr_lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")?;
    let (mut new, mut replaced) = (0, 0);
    for r in rows {
        let key = key(r);
        let n: i64 = exists.query_row([&key], |row| row.get(0))?;
        if n > 0 {
            replaced += 1;
        } else {
            new += 1;
        }
        stmt.execute(duckdb::params![
            key,
            r.report.as_str(),
            r.transaction,
            r.order_id,
            r.shipment_item_id,
            r.invoice_number,
            r.invoice_date,
            r.sku,
            r.hsn,
            r.quantity,
            r.state_code,
            r.invoice_amount,
            r.taxable,
            r.total_tax,
            r.igst,
            r.cgst,
            r.sgst,
            r.credit_note_no,
            r.credit_note_date,
            r.buyer_gstin,
            now
        ])?;
    }
    Ok((new, replaced))
}

/// Which report a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    /// MTR B2C.
    B2c,
    /// MTR B2B (has the buyer's GSTIN columns).
    B2b,
}

impl Report {
    /// The spelling stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Report::B2c => "B2C",
            Report::B2b => "B2B",
        }
    }
}

/// One MTR row, PII-free.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MtrRow {
    /// B2C or B2B.
    pub report: Report,
    /// Line number in the file (1 = header).
    pub line: u64,
    /// `Shipment`, `Refund`, `Cancel`, `FreeReplacement`.
    pub transaction: String,
    /// Amazon order id.
    pub order_id: String,
    /// Shipment item id.
    pub shipment_item_id: Option<String>,
    /// Invoice number.
    pub invoice_number: Option<String>,
    /// Invoice date.
    pub invoice_date: Option<NaiveDate>,
    /// SKU.
    pub sku: Option<String>,
    /// HSN.
    pub hsn: Option<String>,
    /// Units (as written; refunds may carry none).
    pub quantity: i64,
    /// GST state code of the ship-to state (`None`: not recognised).
    pub state_code: Option<String>,
    /// Invoice amount, paise.
    pub invoice_amount: i64,
    /// Tax-exclusive gross (the taxable value), paise.
    pub taxable: i64,
    /// Total tax, paise.
    pub total_tax: i64,
    /// IGST of item, shipping and gift wrap, paise.
    pub igst: i64,
    /// CGST, paise.
    pub cgst: i64,
    /// SGST and UTGST, paise.
    pub sgst: i64,
    /// Credit note number (refund rows).
    pub credit_note_no: Option<String>,
    /// Credit note date.
    pub credit_note_date: Option<NaiveDate>,
    /// The buyer's GSTIN (B2B rows only).
    pub buyer_gstin: Option<String>,
}

fn key(r: &MtrRow) -> String {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    format!(
        "{}|{}|{}|{}|{}|{}|{}",
        r.report.as_str(),
        r.transaction,
        r.order_id,
        o(&r.shipment_item_id),
        o(&r.sku),
        o(&r.invoice_number),
        o(&r.credit_note_no)
    )
}
