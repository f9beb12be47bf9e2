//! The period of an export (`--period`, `--quarter`, `--fy`, `--range`) as inclusive India dates.

use anyhow::Context as _;
use chrono::{DateTime, NaiveDate, Utc};

/// The period to export, as inclusive India dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// Label for folder and manifest (`2026-10`, `2026-27-Q3`, `FY2026-27`).
    pub label: String,
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
}

fn date(y: i32, m: u32, d: u32) -> anyhow::Result<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).with_context(|| format!("{y}-{m}-{d} is not a date"))
}

fn month_end(y: i32, m: u32) -> anyhow::Result<NaiveDate> {
    let next = if m == 12 { date(y + 1, 1, 1)? } else { date(y, m + 1, 1)? };
    next.pred_opt().context("date")
}

impl Period {
    /// `--period YYYY-MM`.
    pub fn month(text: &str) -> anyhow::Result<Period> {
        let (y, m) = text.split_once('-').context("--period must look like 2026-10")?;
        let (y, m): (i32, u32) = (y.parse().context("year")?, m.parse().context("month")?);
        Ok(Period { label: format!("{y}-{m:02}"), from: date(y, m, 1)?, to: month_end(y, m)? })
    }

    /// `--quarter YYYY-Qn`: quarter n of the financial year that starts in April of YYYY
    /// (Q1 April–June … Q4 January–March), as GSTR-1 quarters are.
    pub fn quarter(text: &str) -> anyhow::Result<Period> {
        let (y, q) = text.split_once("-Q").context("--quarter must look like 2026-Q3")?;
        let (y, q): (i32, u32) = (y.parse().context("year")?, q.parse().context("quarter")?);
        if !(1..=4).contains(&q) {
            anyhow::bail!("quarter must be 1 to 4");
        }
        let (sy, sm) = if q == 4 { (y + 1, 1) } else { (y, 4 + (q - 1) * 3) };
        Ok(Period { label: format!("{y}-{:02}-Q{q}", (y + 1) % 100), from: date(sy, sm, 1)?, to: month_end(sy, sm + 2)? })
    }

    /// `--range YYYY-MM-DD..YYYY-MM-DD`: any inclusive range of India dates.
    pub fn range(text: &str) -> anyhow::Result<Period> {
        let (a, b) = text.split_once("..").context("--range must look like 2019-04-01..2026-03-31")?;
        let from = NaiveDate::parse_from_str(a.trim(), "%Y-%m-%d").context("range start")?;
        let to = NaiveDate::parse_from_str(b.trim(), "%Y-%m-%d").context("range end")?;
        if to < from {
            anyhow::bail!("--range ends before it starts");
        }
        Ok(Period { label: format!("{from}_{to}"), from, to })
    }

    /// `--fy YYYY-YY`: 1 April to 31 March.
    pub fn fy(text: &str) -> anyhow::Result<Period> {
        let (y, yy) = text.split_once('-').context("--fy must look like 2026-27")?;
        let y: i32 = y.parse().context("year")?;
        let yy: i32 = yy.parse().context("year")?;
        if (y + 1) % 100 != yy {
            anyhow::bail!("--fy {text}: the second year must follow the first (e.g. 2026-27)");
        }
        Ok(Period { label: format!("FY{y}-{yy:02}"), from: date(y, 4, 1)?, to: date(y + 1, 3, 31)? })
    }

    /// The period's bounds as UTC instants: `[from 00:00 IST, day after to 00:00 IST)`.
    pub fn bounds_utc(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let ist = crate::clock::ist();
        let start = |d: NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .and_then(|t| t.and_local_timezone(ist).single())
                .map_or(DateTime::<Utc>::MIN_UTC, |t| t.with_timezone(&Utc))
        };
        (start(self.from), start(self.to.succ_opt().unwrap_or(self.to)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse() {
        let q = Period::quarter("2026-Q4").expect("q4");
        assert_eq!((q.from, q.to), (NaiveDate::from_ymd_opt(2027, 1, 1).expect("d"), NaiveDate::from_ymd_opt(2027, 3, 31).expect("d")));
        let m = Period::month("2027-02").expect("feb");
        assert_eq!(m.to, NaiveDate::from_ymd_opt(2027, 2, 28).expect("d"));
        let fy = Period::fy("2026-27").expect("fy");
        assert_eq!((fy.from, fy.to), (NaiveDate::from_ymd_opt(2026, 4, 1).expect("d"), NaiveDate::from_ymd_opt(2027, 3, 31).expect("d")));
        assert!(Period::fy("2026-28").is_err());
    }
}
