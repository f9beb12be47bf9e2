//! `dakiya report [--period P | --quarter Q | --fy Y | --range A..B] [--out FILE.html]`: the
//! seller's window, one self-contained HTML page (`crate::report`).

#![allow(clippy::print_stdout)]

use std::path::PathBuf;

use crate::outcome::Outcome;
use crate::pipeline::{self, DEFAULT_PIPELINE};
use crate::session::Session;
use crate::store::{Store, DB_FILE};

/// `dakiya report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// A month: 2026-10.
    #[arg(long, group = "when")]
    pub period: Option<String>,
    /// A financial-year quarter: 2026-Q3.
    #[arg(long, group = "when")]
    pub quarter: Option<String>,
    /// A financial year: 2026-27 (default: the current one).
    #[arg(long, group = "when")]
    pub fy: Option<String>,
    /// Any range of India dates: 2026-04-01..2026-12-31.
    #[arg(long, group = "when")]
    pub range: Option<String>,
    /// Output file (default report-<period>.html).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Pipeline whose `catalog` gives HSN and GST rates.
    #[arg(long, default_value = DEFAULT_PIPELINE)]
    pub pipeline: PathBuf,
}

/// Write the report (the database opened read-only).
pub fn exec(session: &Session, args: ReportArgs) -> anyhow::Result<Outcome> {
    use crate::gst::period::Period;
    let now = session.clock.now();
    let given = super::gst::pick_period(args.period.as_deref(), args.quarter.as_deref(), args.fy.as_deref(), args.range.as_deref())?;
    let period = match given {
        Some(p) => p,
        None => {
            use chrono::Datelike as _;
            let today = now.with_timezone(&crate::clock::ist()).date_naive();
            let y = if today.month() >= 4 { today.year() } else { today.year() - 1 };
            Period::fy(&format!("{y}-{:02}", (y + 1) % 100))?
        }
    };
    let home = session.home();
    if !home.join(DB_FILE).is_file() {
        anyhow::bail!("no database in {}: nothing to report yet", home.display());
    }
    let catalog = pipeline::load_or_invalid(&args.pipeline)?.load_catalog()?;
    let store = Store::open(home)?;
    let out = args.out.unwrap_or_else(|| PathBuf::from(format!("report-{}.html", period.label)));
    let written = crate::report::write(&store, &catalog, &session.config.seller.state_code, &period, now, &out)?;
    println!(
        "Report of {} written to {} ({} KB; open it in any browser, no network needed).",
        period.label,
        written.path.display(),
        written.bytes / 1024
    );
    Ok(Outcome::Done)
}
