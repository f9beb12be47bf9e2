//! `dakiya gst export --period P --amend`: a filed month's figures now, against what was filed.
//!
//! A filed return is never rewritten (docs/gst-rules.md "Filed is filed"). When the store's
//! figures for the lines a filing held change afterwards (a catalogue rate corrected, Amazon's
//! MTR names a buyer's GSTIN, a refund read late), the correction is reported in a later return
//! with the amendment tables, whose rows carry the **revised** figures of the original period:
//! Table 10 B2C (Small) amended (`b2csa.csv`: per place of supply, every rate of that place),
//! Table 9A B2C (Large) amended (`b2cla.csv`: per invoice, every rate of it) and Table 14A
//! (`ecoa.csv`: the operator's net value). Headers and order as a workbook the offline tool
//! imported (tests/fixtures/gst-tool/SOURCES.md). What these tables cannot express (an invoice
//! that left B2CL, a changed place of supply, B2B and credit-note sheets, Table 12 and 13) is
//! listed for the CA, never silently dropped. Pure: the filed rows and today's rows in, the
//! amendment out.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike as _, NaiveDate};

use super::workbook::Table;

/// b2csa.csv (Table 10, amended B2C Small), the section-wise CSV order.
pub const B2CSA_HEADER: [&str; 9] = [
    "Financial Year",
    "Original Month",
    "Place Of Supply",
    "Type",
    "Rate",
    "Applicable % of Tax Rate",
    "Taxable Value",
    "Cess Amount",
    "E-Commerce GSTIN",
];
/// b2cla.csv (Table 9A, amended B2C Large invoices).
pub const B2CLA_HEADER: [&str; 11] = [
    "Original Invoice Number",
    "Original Invoice date",
    "Original Place Of Supply",
    "Revised Invoice Number",
    "Revised Invoice date",
    "Invoice Value",
    "Applicable % of Tax Rate",
    "Rate",
    "Taxable Value",
    "Cess Amount",
    "E-Commerce GSTIN",
];
/// ecoa.csv (Table 14A, amended supplies through an e-commerce operator).
pub const ECOA_HEADER: [&str; 11] = [
    "Nature of Supply",
    "Financial Year",
    "Original Month/Quarter",
    "Original GSTIN of E-Commerce Operator",
    "Revised GSTIN of E-Commerce Operator",
    "E-Commerce Operator Name",
    "Revised Net value of supplies",
    "Integrated tax",
    "Central tax",
    "State/UT tax",
    "Cess",
];

/// The amendment of one filed month.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Amendment {
    /// b2csa rows.
    pub b2csa: Vec<Vec<String>>,
    /// b2cla rows.
    pub b2cla: Vec<Vec<String>>,
    /// ecoa rows.
    pub ecoa: Vec<Vec<String>>,
    /// Changes the amendment tables dakiya writes cannot carry: for the CA, by hand.
    pub by_hand: Vec<String>,
}

impl Amendment {
    /// Nothing changed since the filing.
    pub fn is_empty(&self) -> bool {
        self.b2csa.is_empty() && self.b2cla.is_empty() && self.ecoa.is_empty() && self.by_hand.is_empty()
    }
}

/// The financial year of a month as the tool spells it (`2026-27`) and the month in capitals
/// (`OCTOBER`: the tool's pattern is case-sensitive).
pub fn original_month(first_day: NaiveDate) -> (String, String) {
    let start = if first_day.month() >= 4 { first_day.year() } else { first_day.year() - 1 };
    (format!("{start}-{:02}", (start + 1) % 100), first_day.format("%B").to_string().to_uppercase())
}

fn rows<'a>(tables: &'a [Table], sheet: &str) -> &'a [Vec<String>] {
    tables.iter().find(|t| t.sheet == sheet).map_or(&[], |t| t.rows.as_slice())
}

fn cell(row: &[String], i: usize) -> String {
    row.get(i).cloned().unwrap_or_default()
}

fn rate_order(rate: &str) -> i64 {
    rate.parse::<f64>().map_or(i64::MAX, |r| (r * 100.0).round() as i64)
}

/// Group rows by a key column, keeping their order.
fn by_key(rows: &[Vec<String>], key: usize) -> BTreeMap<String, Vec<Vec<String>>> {
    let mut out: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    for r in rows {
        out.entry(cell(r, key)).or_default().push(r.clone());
    }
    out
}

/// The amendment of the month starting `first_day`: `filed` the tables as filed, `now` the same
/// lines' tables as computed today.
pub fn amend(first_day: NaiveDate, filed: &[Table], now: &[Table]) -> Amendment {
    let (fy, month) = original_month(first_day);
    let mut out = Amendment::default();

    // Table 10: b2cs rows are (Type, Place Of Supply, Rate, Applicable %, Taxable Value, Cess,
    // ECO GSTIN). A place whose rates or values changed gets every rate it has now or had, a
    // rate it no longer has with 0.00.
    let (was, is) = (by_key(rows(filed, "b2cs"), 1), by_key(rows(now, "b2cs"), 1));
    let places: BTreeSet<&String> = was.keys().chain(is.keys()).collect();
    for place in places {
        let (old, new) = (was.get(place).cloned().unwrap_or_default(), is.get(place).cloned().unwrap_or_default());
        if old == new {
            continue;
        }
        let mut rates: Vec<String> = old.iter().chain(&new).map(|r| cell(r, 2)).collect::<BTreeSet<_>>().into_iter().collect();
        rates.sort_by_key(|r| rate_order(r));
        for rate in rates {
            let revised = new.iter().find(|r| cell(r, 2) == rate);
            out.b2csa.push(vec![
                fy.clone(),
                month.clone(),
                place.clone(),
                "OE".to_owned(),
                rate,
                String::new(),
                revised.map_or_else(|| "0.00".to_owned(), |r| cell(r, 4)),
                revised.map_or_else(|| "0.00".to_owned(), |r| cell(r, 5)),
                String::new(),
            ]);
        }
    }

    // Table 9A: b2cl rows are (Invoice Number, Invoice date, Invoice Value, Place Of Supply,
    // Applicable %, Rate, Taxable Value, Cess, ECO GSTIN). An invoice whose rows changed is
    // given again with every rate; the place of supply cannot be amended here.
    let (was, is) = (by_key(rows(filed, "b2cl"), 0), by_key(rows(now, "b2cl"), 0));
    for (invoice, old) in &was {
        match is.get(invoice) {
            Some(new) if new == old => {}
            Some(new) if new.iter().any(|r| cell(r, 3) != cell(&old[0], 3)) => out.by_hand.push(format!(
                "b2cl: invoice {invoice}'s place of supply changed since filing ({} → {}): Table 9A cannot amend a place of supply",
                cell(&old[0], 3),
                cell(&new[0], 3)
            )),
            Some(new) => {
                for r in new {
                    out.b2cla.push(vec![
                        invoice.clone(),
                        cell(&old[0], 1),
                        cell(&old[0], 3),
                        invoice.clone(),
                        cell(r, 1),
                        cell(r, 2),
                        String::new(),
                        cell(r, 5),
                        cell(r, 6),
                        cell(r, 7),
                        String::new(),
                    ]);
                }
            }
            None => out.by_hand.push(format!(
                "b2cl: invoice {invoice} was filed as B2C (Large) and is not B2C (Large) now (moved to B2B by the MTR, or kept out): Table 9A cannot take it out"
            )),
        }
    }
    for invoice in is.keys().filter(|k| !was.contains_key(*k)) {
        out.by_hand.push(format!("b2cl: invoice {invoice} is B2C (Large) now but was not filed so: report it with the CA"));
    }

    // Table 14A: eco rows are (Nature, ECO GSTIN, ECO name, Net value, IGST, CGST, SGST, Cess).
    let (was, is) = (by_key(rows(filed, "eco"), 0), by_key(rows(now, "eco"), 0));
    let natures: BTreeSet<&String> = was.keys().chain(is.keys()).collect();
    for nature in natures {
        let (old, new) = (was.get(nature).and_then(|v| v.first()), is.get(nature).and_then(|v| v.first()));
        if old == new {
            continue;
        }
        let original_gstin = old.or(new).map(|r| cell(r, 1)).unwrap_or_default();
        let zero = || "0.00".to_owned();
        out.ecoa.push(vec![
            nature.clone(),
            fy.clone(),
            month.clone(),
            original_gstin.clone(),
            new.map_or(original_gstin, |r| cell(r, 1)),
            new.or(old).map(|r| cell(r, 2)).unwrap_or_default(),
            new.map_or_else(zero, |r| cell(r, 3)),
            new.map_or_else(zero, |r| cell(r, 4)),
            new.map_or_else(zero, |r| cell(r, 5)),
            new.map_or_else(zero, |r| cell(r, 6)),
            new.map_or_else(zero, |r| cell(r, 7)),
        ]);
    }

    // The sheets dakiya writes no amendment for.
    let mut sheets: Vec<&str> =
        filed.iter().chain(now).map(|t| t.sheet.as_str()).filter(|s| !matches!(*s, "b2cs" | "b2cl" | "eco")).collect();
    sheets.sort_unstable();
    sheets.dedup();
    for sheet in sheets {
        let (old, new) = (rows(filed, sheet), rows(now, sheet));
        if old != new {
            out.by_hand.push(format!(
                "{sheet}: {} rows filed, {} now, and they differ: dakiya writes no amendment for this table (B2BA, CDNRA, CDNURA; Tables 12 and 13 have none): report the difference with the CA",
                old.len(),
                new.len()
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(sheet: &str, rows: &[&str]) -> Table {
        Table { sheet: sheet.to_owned(), header: &[], rows: rows.iter().map(|r| r.split(',').map(str::to_owned).collect()).collect() }
    }

    fn day(y: i32, m: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, 1).expect("day")
    }

    #[test]
    fn the_original_month_is_the_tools_financial_year_and_capital_month() {
        assert_eq!(original_month(day(2026, 10)), ("2026-27".to_owned(), "OCTOBER".to_owned()));
        assert_eq!(original_month(day(2027, 3)), ("2026-27".to_owned(), "MARCH".to_owned()));
        assert_eq!(original_month(day(2099, 4)), ("2099-00".to_owned(), "APRIL".to_owned()));
    }

    #[test]
    fn nothing_changed_nothing_to_amend() {
        let filed = [
            t("b2cs", &["OE,24-Gujarat,5,,950.00,0.00,"]),
            t("hsn(b2c)", &["6912,,PCS-PIECES,2.00,997.50,5,950.00,0.00,23.75,23.75,0.00"]),
        ];
        assert!(amend(day(2026, 10), &filed, &filed).is_empty());
    }

    #[test]
    fn a_changed_place_gets_every_rate_with_its_revised_value() {
        // Gujarat had 5 % 950.00 and 18 % 100.00; now 5 % 1,000.00 and no 18 %. Delhi unchanged.
        let filed = [t("b2cs", &["OE,07-Delhi,18,,2117.80,0.00,", "OE,24-Gujarat,5,,950.00,0.00,", "OE,24-Gujarat,18,,100.00,0.00,"])];
        let now = [t("b2cs", &["OE,07-Delhi,18,,2117.80,0.00,", "OE,24-Gujarat,5,,1000.00,0.00,"])];
        let a = amend(day(2026, 10), &filed, &now);
        let lines: Vec<String> = a.b2csa.iter().map(|r| r.join(",")).collect();
        assert_eq!(lines, ["2026-27,OCTOBER,24-Gujarat,OE,5,,1000.00,0.00,", "2026-27,OCTOBER,24-Gujarat,OE,18,,0.00,0.00,"]);
        assert!(a.b2cla.is_empty() && a.ecoa.is_empty() && a.by_hand.is_empty());
    }

    #[test]
    fn a_large_invoice_is_amended_whole_and_what_table_9a_cannot_say_is_listed() {
        let filed = [t(
            "b2cl",
            &[
                "IN-1,05-Oct-2026,150000.00,29-Karnataka,,3,145631.07,0.00,",
                "IN-2,06-Oct-2026,120000.00,27-Maharashtra,,18,101694.92,0.00,",
                "IN-3,07-Oct-2026,110000.00,07-Delhi,,5,104761.90,0.00,",
            ],
        )];
        let now = [t(
            "b2cl",
            &[
                "IN-1,05-Oct-2026,150000.00,29-Karnataka,,5,142857.14,0.00,",
                "IN-3,07-Oct-2026,110000.00,09-Uttar Pradesh,,5,104761.90,0.00,",
            ],
        )];
        let a = amend(day(2026, 10), &filed, &now);
        let lines: Vec<String> = a.b2cla.iter().map(|r| r.join(",")).collect();
        assert_eq!(lines, ["IN-1,05-Oct-2026,29-Karnataka,IN-1,05-Oct-2026,150000.00,,5,142857.14,0.00,"]);
        assert_eq!(a.by_hand.len(), 2, "{:?}", a.by_hand);
        assert!(a.by_hand[0].contains("IN-2") && a.by_hand[0].contains("cannot take it out"));
        assert!(a.by_hand[1].contains("IN-3") && a.by_hand[1].contains("place of supply"));
    }

    #[test]
    fn table_14_is_amended_with_the_revised_net_value_and_other_tables_are_listed() {
        let eco = |v: &str, half: &str| format!("Liable to collect tax u/s 52(TCS),24AAICA3918J1CZ,Amazon,{v},0.00,{half},{half},0.00");
        let filed = [t("eco", &[&eco("950.00", "23.75")]), t("hsn(b2c)", &["6912,,PCS-PIECES,2.00,997.50,5,950.00,0.00,23.75,23.75,0.00"])];
        let now =
            [t("eco", &[&eco("1000.00", "25.00")]), t("hsn(b2c)", &["6912,,PCS-PIECES,2.00,1050.00,5,1000.00,0.00,25.00,25.00,0.00"])];
        let a = amend(day(2026, 10), &filed, &now);
        assert_eq!(
            a.ecoa.iter().map(|r| r.join(",")).collect::<Vec<_>>(),
            ["Liable to collect tax u/s 52(TCS),2026-27,OCTOBER,24AAICA3918J1CZ,24AAICA3918J1CZ,Amazon,1000.00,0.00,25.00,25.00,0.00"]
        );
        assert_eq!(a.by_hand.len(), 1);
        assert!(a.by_hand[0].starts_with("hsn(b2c): 1 rows filed, 1 now"), "{:?}", a.by_hand);
    }
}
