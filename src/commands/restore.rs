//! `dakiya restore FILE [--into HOME] [--force] [--recovery-kit KIT]` (`crate::backup`).

#![allow(clippy::print_stdout)]

use std::path::PathBuf;

use crate::lockdown::ensure_not_locked_down;
use crate::outcome::Outcome;
use crate::session::Session;

/// `dakiya restore`.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The backup file.
    pub file: PathBuf,
    /// Data directory to restore into (default: --home).
    #[arg(long)]
    pub into: Option<PathBuf>,
    /// Replace an existing database.
    #[arg(long)]
    pub force: bool,
    /// Recovery kit (when the keystore of the backed-up machine is gone).
    #[arg(long)]
    pub recovery_kit: Option<PathBuf>,
}

/// Restore a backup and report what is still readable.
pub fn exec(session: &Session, args: RestoreArgs) -> anyhow::Result<Outcome> {
    let home = session.home();
    let target = args.into.as_deref().unwrap_or(home);
    ensure_not_locked_down(home)?;
    ensure_not_locked_down(target)?;
    crate::home::ensure(target)?;
    let _lock = crate::lock::try_acquire(target)?;
    let kit_keys = match &args.recovery_kit {
        Some(kit) => crate::backup::read_recovery(kit, super::keys::recovery_passphrase(false)?)?,
        None => Vec::new(),
    };
    let report = crate::backup::restore_into(session, &args.file, target, args.force, kit_keys)?;
    println!("Restored {} into {}:", args.file.display(), target.display());
    for (table, n) in &report.manifest.rows {
        println!("  {table}: {n} rows");
    }
    println!(
        "  customer data still readable: {} values; shredded (keys destroyed or not on this machine), removed: {}",
        report.pii_readable, report.pii_shredded
    );
    Ok(Outcome::Done)
}
