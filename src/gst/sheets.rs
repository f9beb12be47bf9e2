//! The files of an export: the GSTR-1 sheets' exact headers (the offline tool's CSV import), a
//! CSV writer for them (no BOM, CRLF) that hashes every byte, the register's hash (DuckDB writes
//! it), and the sheets' formatting of rates and dates (`dd-mmm-yyyy`).

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use super::manifest::FileEntry;
use super::workbook::Table;

/// Sheet headers in the offline tool's section-wise CSV order (docs/gst-rules.md; the Excel
/// workbook's order differs for b2cs and hsn).
pub const B2CS_HEADER: [&str; 7] =
    ["Type", "Place Of Supply", "Rate", "Applicable % of Tax Rate", "Taxable Value", "Cess Amount", "E-Commerce GSTIN"];
/// b2b,sez,de (Table 4A: invoices with the buyer's GSTIN), GSTN's own sample's header.
pub const B2B_HEADER: [&str; 13] = [
    "GSTIN/UIN of Recipient",
    "Receiver Name",
    "Invoice Number",
    "Invoice date",
    "Invoice Value",
    "Place Of Supply",
    "Reverse Charge",
    "Applicable % of Tax Rate",
    "Invoice Type",
    "E-Commerce GSTIN",
    "Rate",
    "Taxable Value",
    "Cess Amount",
];
/// cdnr (Table 9B: credit notes to registered buyers).
pub const CDNR_HEADER: [&str; 13] = [
    "GSTIN/UIN of Recipient",
    "Receiver Name",
    "Note Number",
    "Note Date",
    "Note Type",
    "Place Of Supply",
    "Reverse Charge",
    "Note Supply Type",
    "Note Value",
    "Applicable % of Tax Rate",
    "Rate",
    "Taxable Value",
    "Cess Amount",
];
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
/// cdnur (credit notes to unregistered buyers against B2CL invoices).
pub const CDNUR_HEADER: [&str; 10] = [
    "UR Type",
    "Note Number",
    "Note Date",
    "Note Type",
    "Place Of Supply",
    "Note Value",
    "Applicable % of Tax Rate",
    "Rate",
    "Taxable Value",
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
pub const REGISTER_HEADER: [&str; 33] = [
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
    "catalogue_rate_pct",
    "tax_basis",
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

/// A CSV file for the offline tool: UTF-8 without a BOM (the tool's own CSV parser would read it
/// into the first header), CRLF, counting rows and hashing bytes.
pub(crate) struct Sheet {
    name: &'static str,
    header: &'static [&'static str],
    writer: csv::Writer<HashingFile>,
    kept: Vec<Vec<String>>,
}

pub(crate) struct HashingFile {
    pub(crate) file: std::io::BufWriter<std::fs::File>,
    pub(crate) hash: Sha256,
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
    pub(crate) fn create(dir: &Path, name: &'static str, header: &'static [&'static str]) -> anyhow::Result<Sheet> {
        let file = std::fs::File::create(dir.join(name)).with_context(|| format!("cannot create {}", dir.join(name).display()))?;
        let out = HashingFile { file: std::io::BufWriter::with_capacity(1 << 16, file), hash: Sha256::new() };
        let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
        writer.write_record(header)?;
        Ok(Sheet { name, header, writer, kept: Vec::new() })
    }

    /// One row; kept for the workbook (the sheets are aggregates: small beside the register).
    pub(crate) fn row(&mut self, fields: impl IntoIterator<Item = String>) -> anyhow::Result<()> {
        let cells: Vec<String> = fields.into_iter().collect();
        self.writer.write_record(&cells)?;
        self.kept.push(cells);
        Ok(())
    }

    /// Close the file: its manifest entry and the table for the workbook.
    pub(crate) fn finish(self) -> anyhow::Result<(FileEntry, Table)> {
        let mut inner = self.writer.into_inner().map_err(|e| anyhow::anyhow!("cannot finish {}: {}", self.name, e.error()))?;
        inner.flush()?;
        let entry = FileEntry { name: self.name.to_owned(), rows: self.kept.len() as u64, sha256: hex::encode(inner.hash.finalize()) };
        Ok((entry, Table { sheet: self.name.trim_end_matches(".csv").to_owned(), header: self.header, rows: self.kept }))
    }
}

/// A rate in basis points as the offline tool's validator accepts it: `5`, `18`, `0.25`, `1.5`,
/// `0.1` (its pattern `^(0|0.1|0.25|1|1.5|3|5|…|18|28|40)$` refuses `5.00`; docs/gst-rules.md).
pub(crate) fn rate_text(bp: i64) -> String {
    let (whole, frac) = (bp / 100, bp % 100);
    match frac {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}.{}", f / 10),
        f => format!("{whole}.{f:02}"),
    }
}

/// A date as the sheets write it.
pub(crate) fn dmy(d: NaiveDate) -> String {
    d.format("%d-%b-%Y").to_string()
}

/// The manifest entry of a file DuckDB wrote (the register): its SHA-256, read in whole blocks.
pub(crate) fn hashed(file: &Path, name: &str, rows: u64) -> anyhow::Result<FileEntry> {
    use std::io::Read as _;
    let mut input = std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mut hash = Sha256::new();
    let mut block = vec![0u8; 1 << 20];
    loop {
        let n = input.read(&mut block)?;
        if n == 0 {
            break;
        }
        hash.update(&block[..n]);
    }
    Ok(FileEntry { name: name.to_owned(), rows, sha256: hex::encode(hash.finalize()) })
}
