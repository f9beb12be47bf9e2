//! `dakiya purge [--dry-run]`: every retention rule now (`crate::retention`); a dry run prints the
//! same plan the real purge carries out.

#![allow(clippy::print_stdout)]

use crate::outcome::Outcome;
use crate::session::Session;

/// `dakiya purge`.
#[derive(Debug, clap::Args)]
pub struct PurgeArgs {
    /// Only count what would be deleted.
    #[arg(long)]
    pub dry_run: bool,
}

/// `dakiya purge [--dry-run]`.
pub fn exec(session: &Session, args: PurgeArgs) -> anyhow::Result<Outcome> {
    let _log = crate::telemetry::init(&session.config.log, Some(&session.home().join("logs")))?;
    let (config, dry_run) = (&session.config, args.dry_run);
    let (_lock, store, mut vault) = super::open(session)?;
    let report = crate::retention::enforce(&store, &mut vault, session.home(), &config.retention, session.clock.now(), None, dry_run)?;
    if !dry_run && report.any() {
        store.checkpoint()?;
    }
    println!("{} retention rules:", if dry_run { "Would apply" } else { "Applied" });
    println!(
        "  customer PII: {} values of {} orders; {} epoch keys destroyed",
        report.pii_rows,
        report.pii_orders,
        report.epochs_destroyed.len()
    );
    println!("  values that cannot be decrypted (tampered, corrupt, key lost), deleted: {}", report.unreadable);
    println!("  values re-sealed under a later key (lease ended, deadline ahead): {}", report.resealed);
    println!("  PII kept past the cap because the package is in transit: {} orders", report.extended_in_transit);
    println!("  plaintext label files: {}", report.plaintext_files);
    println!("  temporary keystore/credential files of an interrupted write: {}", report.stale_secret_files);
    println!("  log files older than {}: {}", humantime::format_duration(config.retention.logs), report.log_files);
    println!("  run records / API call log rows: {} / {}", report.runs, report.api_calls);
    println!("  order records past the GST retention period: {}", report.orders);
    Ok(Outcome::Done)
}
