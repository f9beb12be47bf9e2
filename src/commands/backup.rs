//! `dakiya backup [--to DIR]` and `dakiya backup verify FILE`: encrypted backups (`crate::backup`).

#![allow(clippy::print_stdout)]

use std::path::PathBuf;

use crate::lockdown::ensure_not_locked_down;
use crate::outcome::Outcome;
use crate::session::Session;

/// `dakiya backup`.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// Verify instead of backing up.
    #[command(subcommand)]
    pub command: Option<BackupCommand>,
    /// Folder for the backup (default from config, else <home>/backups).
    #[arg(long)]
    pub to: Option<PathBuf>,
}

/// `dakiya backup …`
#[derive(Debug, clap::Subcommand)]
pub enum BackupCommand {
    /// Decrypt a backup and check it against its manifest.
    Verify {
        /// The backup file.
        file: PathBuf,
    },
}

/// Back up, or verify a backup.
pub fn exec(session: &Session, args: BackupArgs) -> anyhow::Result<Outcome> {
    let (home, config) = (session.home(), &session.config);
    match args.command {
        None => {
            ensure_not_locked_down(home)?;
            let (_lock, store, mut vault) = super::open(session)?;
            let dir = args.to.or_else(|| config.backup.dir.clone()).unwrap_or_else(|| home.join("backups"));
            let file = crate::backup::create(&store, &mut vault, &dir, session.clock.now(), config.backup.keep)?;
            println!(
                "Backup written: {} (AES-256-GCM; customer data in it becomes unreadable when its keys are destroyed).",
                file.display()
            );
            Ok(Outcome::Done)
        }
        Some(BackupCommand::Verify { file }) => {
            let ks = crate::vault::keystore::Keystore::open(home, session.protector()?)?;
            let (manifest, _db) = crate::backup::open(&file, &|g| ks.backup_key_generation(g))?;
            println!(
                "{}: OK, taken {}, schema {}, {} tables",
                file.display(),
                manifest.taken_at,
                manifest.schema_version,
                manifest.rows.len()
            );
            for (table, n) in &manifest.rows {
                println!("  {table}: {n} rows");
            }
            Ok(Outcome::Done)
        }
    }
}
