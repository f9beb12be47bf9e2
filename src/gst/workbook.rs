//! `gstr1-workbook.xlsx`: the same GSTR-1 tables as the section-wise CSVs, in the layout of the
//! GSTR-1 Excel Workbook Template (V2.2) that the offline tool imports: one sheet per table,
//! named as the template names it (`b2b,sez,de`, `b2cs`, `hsn(b2c)`, `docs`, …), the
//! `Summary for …` line in A1, the column headers in row 4 and the rows from row 5. Amounts,
//! rates and counts are numbers; dates stay text in `dd-mmm-yyyy` (the tool reads a date cell
//! through its number format and rejects it); a blank stays an empty cell. Layout from a workbook
//! the V3.2.4 tool imported without error (tests/fixtures/gst-tool/SOURCES.md). Written with
//! `rust_xlsxwriter`, with a fixed creation date so the bytes depend only on the figures (`gst
//! lock` compares them).

use std::path::Path;

use anyhow::Context as _;
use chrono::{Datelike as _, NaiveDate};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
use sha2::{Digest as _, Sha256};

use super::manifest::FileEntry;

/// The workbook's file name.
pub const FILE: &str = "gstr1-workbook.xlsx";

/// One table as written to its CSV: the sheet's name, its header and its rows.
#[derive(Debug, Clone)]
pub struct Table {
    /// The template's sheet name (the CSV's name without `.csv`).
    pub sheet: String,
    /// The header, as in the CSV.
    pub header: &'static [&'static str],
    /// The cells, as in the CSV.
    pub rows: Vec<Vec<String>>,
}

/// The template's sheets dakiya fills, in the template's order.
const TEMPLATE_ORDER: [&str; 13] =
    ["b2b,sez,de", "b2cl", "b2cla", "b2cs", "b2csa", "cdnr", "cdnur", "docs", "hsn", "hsn(b2b)", "hsn(b2c)", "eco", "ecoa"];

/// Where `sheet` comes in the template (unknown sheets last).
pub fn template_position(sheet: &str) -> usize {
    TEMPLATE_ORDER.iter().position(|s| *s == sheet).unwrap_or(TEMPLATE_ORDER.len())
}

/// Columns the template holds as numbers (every other column is text: GSTINs, invoice and note
/// numbers, HSN codes with their leading zeros, labels and dates).
const NUMERIC: [&str; 19] = [
    "Invoice Value",
    "Note Value",
    "Applicable % of Tax Rate",
    "Rate",
    "Taxable Value",
    "Cess Amount",
    "Total Quantity",
    "Total Value",
    "Integrated Tax Amount",
    "Central Tax Amount",
    "State/UT Tax Amount",
    "Total Number",
    "Cancelled",
    "Net value of supplies",
    "Revised Net value of supplies",
    "Integrated tax",
    "Central tax",
    "State/UT tax",
    "Cess",
];

/// The text of A1: the template's `Summary for …` line, naming the section as the return does
/// (`b2b` for the `b2b,sez,de` sheet, `doc_issue` for `docs`).
pub fn summary_title(sheet: &str) -> String {
    let section = match sheet {
        "b2b,sez,de" => "b2b",
        "docs" => "doc_issue",
        other => other,
    };
    format!("Summary for {section}")
}

/// Write `tables` as the workbook into `dir`; `created` is the workbook's recorded creation day
/// (the period's last day, so exporting again gives the same bytes).
pub fn write(dir: &Path, tables: &[Table], created: NaiveDate) -> anyhow::Result<FileEntry> {
    let mut book = Workbook::new();
    let day = ExcelDateTime::from_ymd(
        u16::try_from(created.year()).context("the period's year")?,
        u8::try_from(created.month()).context("month")?,
        u8::try_from(created.day()).context("day")?,
    )?;
    book.set_properties(&DocProperties::new().set_creation_datetime(&day).set_title("GSTR-1").set_comment("Written by dakiya"));
    let bold = Format::new().set_bold();
    let mut rows = 0u64;
    for table in tables {
        let sheet = book.add_worksheet();
        sheet.set_name(table.sheet.as_str()).with_context(|| format!("sheet name {}", table.sheet))?;
        sheet.write_string_with_format(0, 0, summary_title(&table.sheet), &bold)?;
        let numeric: Vec<bool> = table.header.iter().map(|h| NUMERIC.contains(h)).collect();
        for (c, name) in table.header.iter().enumerate() {
            let col = u16::try_from(c).context("column")?;
            sheet.write_string_with_format(3, col, *name, &bold)?;
            sheet.set_column_width(col, name.len().clamp(12, 28) as f64)?;
        }
        for (r, cells) in table.rows.iter().enumerate() {
            let row = u32::try_from(r + 4).context("row")?;
            for (c, cell) in cells.iter().enumerate() {
                let col = u16::try_from(c).context("column")?;
                if cell.is_empty() {
                    continue;
                }
                match (numeric.get(c).copied().unwrap_or(false), cell.parse::<f64>()) {
                    (true, Ok(n)) => sheet.write_number(row, col, n)?,
                    _ => sheet.write_string(row, col, cell.as_str())?,
                };
            }
            rows += 1;
        }
        sheet.set_freeze_panes(4, 0)?;
    }
    let bytes = book.save_to_buffer().context("writing the GSTR-1 workbook")?;
    std::fs::write(dir.join(FILE), &bytes).with_context(|| format!("cannot write {}", dir.join(FILE).display()))?;
    Ok(FileEntry { name: FILE.to_owned(), rows, sha256: hex::encode(Sha256::digest(&bytes)) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a1_names_the_section_as_the_return_does() {
        assert_eq!(summary_title("docs"), "Summary for doc_issue");
        assert_eq!(summary_title("b2b,sez,de"), "Summary for b2b");
        assert_eq!(summary_title("hsn(b2c)"), "Summary for hsn(b2c)");
    }
}
