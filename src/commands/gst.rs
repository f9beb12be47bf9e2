//! `dakiya gst export`: the sales register and GSTR-1 sheets for the Chartered Accountant;
//! `dakiya gst lock`: record an export as filed; `dakiya gst import-mtr`: Amazon's Merchant Tax
//! Report, without its personal columns, reconciled with dakiya's lines.

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
        /// Output folder (default gst-<period>, or gst-<period>-amendment with --amend).
        #[arg(long)]
        out: Option<PathBuf>,
        /// For a filed month: write what changed since its filing as amendment rows (B2CSA,
        /// B2CLA, 14A) for the return you file now, and list what they cannot carry.
        #[arg(long)]
        amend: bool,
        /// Pipeline whose `catalog` gives HSN and GST rates.
        #[arg(long, default_value = DEFAULT_PIPELINE)]
        pipeline: PathBuf,
    },
    /// Import Amazon's Merchant Tax Report CSVs (B2C, B2B) as downloaded from Seller Central:
    /// personal columns are never read; every month they cover is reconciled with dakiya's
    /// lines, and the export then uses their credit note numbers (exit 1 when anything differs).
    ImportMtr {
        /// The MTR CSV files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Pipeline whose `catalog` gives HSN and GST rates.
        #[arg(long, default_value = DEFAULT_PIPELINE)]
        pipeline: PathBuf,
    },
    /// Record an export as filed: its files' hashes and every line it reported. A filed period
    /// is never exported again, and its lines are never reported in another period.
    Lock {
        /// The month filed: 2026-10.
        #[arg(long, group = "when")]
        period: Option<String>,
        /// The quarter filed (quarterly filers): 2026-Q3.
        #[arg(long, group = "when")]
        quarter: Option<String>,
        /// The export folder that was filed (default gst-<period>).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Pipeline whose `catalog` gave HSN and GST rates.
        #[arg(long, default_value = DEFAULT_PIPELINE)]
        pipeline: PathBuf,
    },
}

/// Run a `gst` command.
pub fn exec(session: &Session, args: GstArgs) -> anyhow::Result<Outcome> {
    use crate::gst::export::{default_out, export, lock, summary, ExportSettings, Period};
    let (home, config) = (session.home(), &session.config);
    let invalid = |e: anyhow::Error| anyhow::Error::new(Invalid(format!("{e:#}")));
    let settings = ExportSettings { seller_state: &config.seller.state_code, gst: &config.gst };
    match args.command {
        GstCommand::Export { period, quarter, fy, range, out, amend, pipeline } => {
            let period = pick_period(period.as_deref(), quarter.as_deref(), fy.as_deref(), range.as_deref())?.ok_or_else(|| {
                anyhow::Error::new(Invalid(
                    "give exactly one of --period YYYY-MM, --quarter YYYY-Qn, --fy YYYY-YY, --range FROM..TO".into(),
                ))
            })?;
            let catalog = pipeline::load_or_invalid(&pipeline)?.load_catalog()?;
            let store = open_store(home)?;
            if amend {
                let out = out.unwrap_or_else(|| PathBuf::from(format!("gst-{}-amendment", period.label)));
                let done = crate::gst::export::amend(&store.0, &catalog, &settings, &period, &out)?;
                for f in &done.files {
                    println!("  {:<22} {:>6} rows", f.name, f.rows);
                }
                for w in &done.by_hand {
                    println!("WARNING: {w}");
                }
                for n in &done.notes {
                    println!("{n}");
                }
                println!("Written to {}", out.display());
                return Ok(if done.by_hand.is_empty() { Outcome::Done } else { Outcome::Partial });
            }
            let out = out.unwrap_or_else(|| default_out(&period));
            let manifest = export(&store.0, &catalog, &settings, &period, &out)?;
            print!("{}", summary(&manifest));
            println!("Written to {}", out.display());
            Ok(Outcome::Done)
        }
        GstCommand::ImportMtr { files, pipeline } => {
            let catalog = pipeline::load_or_invalid(&pipeline)?.load_catalog()?;
            let store = open_store(home)?;
            let done = crate::gst::mtr::import(&store.0, &catalog, &config.seller.state_code, &files, session.clock.now())?;
            println!("Merchant Tax Report: {} rows new, {} replaced.", done.new, done.replaced);
            if !done.dropped.is_empty() {
                println!("Personal columns not read: {}.", done.dropped.join(", "));
            }
            for p in &done.problems {
                println!("WARNING: {p}");
            }
            let mut differ = !done.problems.is_empty();
            for (month, diffs) in &done.differences {
                println!("{month}: {} differences with dakiya", diffs.len());
                for d in diffs {
                    println!("  {}", d.describe());
                }
                differ |= !diffs.is_empty();
            }
            Ok(if differ { Outcome::Partial } else { Outcome::Done })
        }
        GstCommand::Lock { period, quarter, dir, pipeline } => {
            let period = match (period.as_deref(), quarter.as_deref()) {
                (Some(p), None) => Period::month(p).map_err(invalid)?,
                (None, Some(q)) => Period::quarter(q).map_err(invalid)?,
                _ => return Err(anyhow::Error::new(Invalid("give exactly one of --period YYYY-MM, --quarter YYYY-Qn".into()))),
            };
            let catalog = pipeline::load_or_invalid(&pipeline)?.load_catalog()?;
            let store = open_store(home)?;
            let dir = dir.unwrap_or_else(|| default_out(&period));
            let locked = lock(&store.0, &catalog, &settings, &period, &dir, session.clock.now()).map_err(invalid)?;
            println!(
                "{} recorded as filed: {} files, {} sale lines (never reported in another period).",
                period.label, locked.files, locked.lines
            );
            Ok(Outcome::Done)
        }
    }
}

/// The period of `--period`, `--quarter`, `--fy` or `--range` (`None`: none given). A bad value
/// is an `Invalid` error (exit 2).
pub(super) fn pick_period(
    month: Option<&str>,
    quarter: Option<&str>,
    fy: Option<&str>,
    range: Option<&str>,
) -> anyhow::Result<Option<crate::gst::period::Period>> {
    use crate::gst::period::Period;
    let invalid = |e: anyhow::Error| anyhow::Error::new(Invalid(format!("{e:#}")));
    Ok(Some(match (month, quarter, fy, range) {
        (Some(p), None, None, None) => Period::month(p).map_err(invalid)?,
        (None, Some(q), None, None) => Period::quarter(q).map_err(invalid)?,
        (None, None, Some(f), None) => Period::fy(f).map_err(invalid)?,
        (None, None, None, Some(r)) => Period::range(r).map_err(invalid)?,
        _ => return Ok(None),
    }))
}

/// The store, with the run lock held so the hourly run stays out while the GST code reads a
/// consistent store.
fn open_store(home: &std::path::Path) -> anyhow::Result<(Store, lock::RunLock)> {
    if !home.join(DB_FILE).is_file() {
        anyhow::bail!("no database in {}: nothing to export yet", home.display());
    }
    let guard = lock::acquire_waiting(home, super::WAIT_FOR_RUN)?;
    Ok((Store::open(home)?, guard))
}
