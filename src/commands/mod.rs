//! One module per command, cargo style: its clap arguments beside its `exec(&Session, args)`.
//! Commands only wire and print: the logic lives in the library modules (`runner`, `retention`,
//! `audit`, `lockdown`, `backup`, `store`, `gst`, `task`). Every command gets the one
//! [`Session`] the command line built (data directory, config, clock, and the protector made on
//! first use, so a passphrase is asked at most once).
//!
//! Order of work for commands that change the data directory: config and arguments checked (exit
//! 2, nothing touched) → the run lock (exit 4, nothing touched) → logs → the store → work.

pub mod audit;
pub mod backup;
pub mod config;
pub mod credentials;
pub mod doctor;
pub mod gst;
pub mod keys;
pub mod labels;
pub mod lockdown;
pub mod purge;
pub mod report;
pub mod restore;
pub mod run;
pub mod sandbox;
pub mod status;
pub mod task;
pub mod validate;

use crate::lock::{self, RunLock};
use crate::session::Session;
use crate::store::Store;
use crate::vault::Vault;

/// How long a maintenance command waits for a running run to finish.
pub const WAIT_FOR_RUN: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// The data directory created if needed, the run lock (waiting for a run in progress), the
/// store and the vault: what the maintenance commands work on.
pub fn open(session: &Session) -> anyhow::Result<(RunLock, Store, Vault)> {
    crate::home::ensure(session.home())?;
    let lock = lock::acquire_waiting(session.home(), WAIT_FOR_RUN)?;
    let store = Store::open(session.home())?;
    let vault = session.open_vault(&store)?;
    Ok((lock, store, vault))
}
