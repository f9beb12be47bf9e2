//! `dakiya doctor [--json]`: checks before a first real run (`crate::doctor`); exit 1 with the
//! list when anything needs the seller.

#![allow(clippy::print_stdout)]

use std::path::PathBuf;

use crate::outcome::Outcome;
use crate::pipeline::{self, DEFAULT_PIPELINE};
use crate::session::Session;

/// `dakiya doctor`.
#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// Pipeline whose catalogue to check.
    #[arg(long, default_value = DEFAULT_PIPELINE)]
    pub pipeline: PathBuf,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// Run the checks and print them.
pub fn exec(session: &Session, args: DoctorArgs) -> anyhow::Result<Outcome> {
    let plan = pipeline::load_or_invalid(&args.pipeline)?;
    crate::session::check_protection(&session.config)?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let checks = rt.block_on(crate::doctor::check(session, &plan));
    let problems = checks.iter().filter(|c| c.problem).count();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&checks)?);
    } else {
        println!("dakiya doctor");
        for c in &checks {
            println!("  {} {:<24} {}", if c.problem { "PROBLEM" } else { "ok     " }, c.name, c.detail);
        }
        if problems == 0 {
            println!("Everything a first run needs is in place. Try `dakiya run --dry-run` next.");
        } else {
            println!(
                "{problems} thing{} need{} you before the first run.",
                if problems == 1 { "" } else { "s" },
                if problems == 1 { "s" } else { "" }
            );
        }
    }
    Ok(if problems == 0 { Outcome::Done } else { Outcome::Partial })
}
