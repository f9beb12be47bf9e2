//! `dakiya keys status|rotate|export-recovery`: key ages, rotation, the recovery kit.

#![allow(clippy::print_stdout)]

use std::io::IsTerminal as _;
use std::path::PathBuf;

use secrecy::SecretString;

use crate::lockdown::ensure_not_locked_down;
use crate::outcome::Outcome;
use crate::session::Session;

/// `dakiya keys`.
#[derive(Debug, clap::Args)]
pub struct KeysArgs {
    /// What to do with the keys.
    #[command(subcommand)]
    pub command: KeysCommand,
}

/// `dakiya keys …`
#[derive(Debug, clap::Subcommand)]
pub enum KeysCommand {
    /// Key ages and vault values per epoch.
    Status,
    /// New keys for every epoch; re-encrypt every vault value; destroy the old keys.
    Rotate,
    /// Write the recovery kit (backup keys, never PII keys) protected by a passphrase you choose.
    ExportRecovery {
        /// Where to write it (print it and keep it in a safe).
        #[arg(long)]
        out: PathBuf,
    },
}

/// Run a `keys` command.
pub fn exec(session: &Session, args: KeysArgs) -> anyhow::Result<Outcome> {
    let _log = crate::telemetry::init(&session.config.log, None)?;
    let now = session.clock.now();
    match args.command {
        KeysCommand::Status => {
            let (_lock, store, vault) = super::open(session)?;
            let status = vault.keystore().status();
            println!("Keystore: {} ({:?} protection)", vault.keystore().path().display(), status.protection);
            println!(
                "  created {}, last rotated {} ({} days ago; rotate at least yearly)",
                status.created_at.date_naive(),
                status.rotated_at.date_naive(),
                (now - status.rotated_at).num_days()
            );
            println!("  live epoch keys: {}  destroyed so far: {}", status.live_epochs, status.destroyed_epochs);
            for (epoch, rows) in crate::store::vault::epoch_counts(store.conn())? {
                println!("    epoch {epoch}: {rows} vault values (purged at the start of that day, UTC)");
            }
            Ok(Outcome::Done)
        }
        KeysCommand::Rotate => {
            let (_lock, store, mut vault) = super::open(session)?;
            let values = crate::store::vault::rotate_all(&store, &mut vault, now)?;
            println!(
                "Rotated the keys of {} epochs; re-encrypted {values} vault values; old keys destroyed.",
                vault.keystore().status().live_epochs
            );
            Ok(Outcome::Done)
        }
        KeysCommand::ExportRecovery { out } => {
            ensure_not_locked_down(session.home())?;
            let (_lock, _store, mut vault) = super::open(session)?;
            let passphrase = recovery_passphrase(true)?;
            crate::backup::export_recovery(&mut vault, passphrase, &out, now)?;
            println!("Recovery kit written to {}. It holds the backup key (never customer-data keys).", out.display());
            println!("Print it, keep it with the passphrase in a safe, and delete the file from this computer.");
            Ok(Outcome::Done)
        }
    }
}

/// The recovery-kit passphrase: `DAKIYA_RECOVERY_PASSPHRASE`, or asked for (twice when a kit is
/// made); at least 12 characters for a new kit.
pub(crate) fn recovery_passphrase(confirm: bool) -> anyhow::Result<SecretString> {
    if let Some(p) = crate::config::recovery_passphrase_from_env() {
        if confirm {
            crate::vault::protect::check_passphrase(&p, "recovery kit passphrase (DAKIYA_RECOVERY_PASSPHRASE)")
                .map_err(anyhow::Error::new)?;
        }
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("the recovery kit needs a passphrase: run interactively or set DAKIYA_RECOVERY_PASSPHRASE");
    }
    let first = rpassword::prompt_password("Recovery kit passphrase: ")?;
    if confirm {
        let second = rpassword::prompt_password("Repeat it: ")?;
        if first != second {
            anyhow::bail!("the passphrases differ");
        }
        crate::vault::protect::check_passphrase(&SecretString::from(first.clone()), "recovery kit passphrase")
            .map_err(anyhow::Error::new)?;
    }
    Ok(SecretString::from(first))
}
