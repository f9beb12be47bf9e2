//! `dakiya gst export`: the sales register and GSTR-1 sheets for the Chartered Accountant.

#![allow(clippy::print_stdout)]

use std::path::PathBuf;

use crate::lock;
use crate::outcome::{Invalid, Outcome};
use crate::pipeline::{self, DEFAULT_PIPELINE};
use crate::session::Session;
use crate::store::{Store, DB_FILE};

/// `dakiya gst`.
#[derive(Debug, clap::Args)]
pub struct GstArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: GstCommand,
}

/// `dakiya gst …`
#[derive(Debug, clap::Subcommand)]
pub enum GstCommand {
    /// Write the sales register and GSTR-1 sheets for a month, quarter or financial year.
    Export {
        /// A month: 2026-10.
        #[arg(long, group = "when")]
        period: Option<String>,
        /// A financial-year quarter: 2026-Q3 (Q1 = April to June of FY 2026-27).
        #[arg(long, group = "when")]
        quarter: Option<String>,
        /// A financial year: 2026-27.
        #[arg(long, group = "when")]
        fy: Option<String>,
        /// Any range of India dates: 2019-04-01..2026-03-31.
        #[arg(long, group = "when")]
        range: Option<String>,
        /// Output folder (default gst-<period>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Pipeline whose `catalog` gives HSN and GST rates.
        #[arg(long, default_value = DEFAULT_PIPELINE)]
        pipeline: PathBuf,
    },
}

/// Run a `gst` command.
pub fn exec(session: &Session, args: GstArgs) -> anyhow::Result<Outcome> {
    let GstCommand::Export { period, quarter, fy, range, out, pipeline } = args.command;
    let (home, config) = (session.home(), &session.config);
    let (period, quarter, fy, range, pipeline_path) =
        (period.as_deref(), quarter.as_deref(), fy.as_deref(), range.as_deref(), pipeline.as_path());
    use crate::gst::export::{default_out, export, summary, Period};
    let invalid = |e: anyhow::Error| anyhow::Error::new(Invalid(format!("{e:#}")));
    let period = match (period, quarter, fy, range) {
        (Some(p), None, None, None) => Period::month(p).map_err(invalid)?,
        (None, Some(q), None, None) => Period::quarter(q).map_err(invalid)?,
        (None, None, Some(f), None) => Period::fy(f).map_err(invalid)?,
        (None, None, None, Some(r)) => Period::range(r).map_err(invalid)?,
        _ => {
            return Err(anyhow::Error::new(Invalid(
                "give exactly one of --period YYYY-MM, --quarter YYYY-Qn, --fy YYYY-YY, --range FROM..TO".into(),
            )))
        }
    };
    let catalog = pipeline::load_or_invalid(pipeline_path)?.load_catalog()?;
    if !home.join(DB_FILE).is_file() {
        anyhow::bail!("no database in {}: nothing to export yet", home.display());
    }
    // The run lock keeps the hourly run out while the export reads a consistent store.
    let _lock = lock::acquire_waiting(home, super::WAIT_FOR_RUN)?;
    let store = Store::open(home)?;
    let out = out.unwrap_or_else(|| default_out(&period));
    let manifest = export(&store, &catalog, &config.seller.state_code, &period, &out)?;
    print!("{}", summary(&manifest));
    println!("Written to {}", out.display());
    Ok(Outcome::Done)
}
