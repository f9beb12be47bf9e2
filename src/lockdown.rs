//! The lockdown marker (`<home>/LOCKED_DOWN.json`), the incident switch of policy section 11.
//!
//! Kept apart from the commands so the runner can check it at every stage boundary without
//! importing them. While the marker exists: no stage that talks to Amazon starts, nothing that
//! decrypts customer data for output runs (`labels print`, `backup`, `restore`,
//! `keys export-recovery`, `credentials set`), and deletion still runs (`run` applies the
//! retention rules and exits 5; `purge`, `audit`, `status` and `unlock` work).

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::outcome::LockedDown;
use crate::session::Session;
use crate::store::{Store, DB_FILE};
use crate::vault::credentials;

/// File that marks a lockdown (a PII-free incident record).
pub const LOCKDOWN_FILE: &str = "LOCKED_DOWN.json";

/// Whether the data directory is locked down.
pub fn is_locked_down(home: &Path) -> bool {
    home.join(LOCKDOWN_FILE).exists()
}

/// Refuse to work while locked down (exit 5).
pub fn ensure_not_locked_down(home: &Path) -> anyhow::Result<()> {
    if is_locked_down(home) {
        return Err(anyhow::Error::new(LockedDown));
    }
    Ok(())
}

/// The incident record written by `lockdown` (PII-free).
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct Incident {
    /// When.
    pub at: DateTime<Utc>,
    /// Whether all PII was crypto-shredded.
    pub pii_shredded: bool,
    /// Whether stored credentials were destroyed.
    pub credentials_destroyed: bool,
    /// The steps the policy requires next.
    pub next_steps: Vec<String>,
}

pub const STEPS: [&str; 5] = [
    "Revoke the app's authorisation in Seller Central (Apps and Services > Manage Your Apps) so the refresh token stops working.",
    "Notify Amazon within 24 hours through a Seller Central support case (security incident involving Amazon Information).",
    "Disconnect the workstation from the network if a compromise is suspected; keep the machine for investigation.",
    "Investigate and document the root cause; rotate the LWA client secret and run `dakiya keys rotate` after remediation.",
    "Run `dakiya unlock` only after the review; record the post-incident review.",
];

/// What a lockdown did.
#[derive(Debug)]
pub struct LockedDownReport {
    /// The incident record (also written to `incidents/` and the marker).
    pub incident: Incident,
    /// Plaintext label files deleted.
    pub plaintext_files: usize,
    /// Leftover key files deleted (only when no run was writing keys).
    pub stale_key_files: usize,
}

/// The incident switch. Order matters: the marker is written **first** (no run starts after it,
/// and a run in progress stops at its next stage boundary), then the stored credentials are
/// overwritten and deleted, plaintext label files and leftover key files are swept, and with
/// `shred_pii` every vault value is deleted and every epoch key destroyed. If a later step fails,
/// the marker is already there.
pub fn lock_down(session: &Session, shred_pii: bool) -> anyhow::Result<LockedDownReport> {
    let home = session.home();
    crate::home::ensure(home)?;
    let now = session.clock.now();
    let mut incident = Incident {
        at: now,
        pii_shredded: false,
        credentials_destroyed: false,
        next_steps: STEPS.iter().map(|s| (*s).to_owned()).collect(),
    };
    crate::vault::keystore::write_atomic(&home.join(LOCKDOWN_FILE), &serde_json::to_vec_pretty(&incident)?)?;
    incident.credentials_destroyed = credentials::clear(home)?;
    let plaintext_files = crate::docs::print::sweep(home)?;
    // Leftover key files only when no run is writing keys right now (a run in progress stops at
    // its next stage boundary, and every later run sweeps them under the lock).
    let stale_key_files = match crate::lock::try_acquire(home) {
        Ok(_lock) => crate::vault::keystore::sweep_stale(home)?,
        Err(_) => 0,
    };
    if shred_pii && home.join(DB_FILE).exists() {
        // Waits for a run in progress: it stops at its next stage boundary.
        crate::home::ensure(home)?;
        let _lock = crate::lock::acquire_waiting(home, std::time::Duration::from_secs(30 * 60))?;
        let store = Store::open(home)?;
        let mut vault = session.open_vault(&store)?;
        store.tx(|conn| Ok(crate::store::vault::shred_all(conn, now).map(|_| ())?))?;
        store.checkpoint()?;
        let epochs = vault.keystore().live_epochs();
        vault.keystore_mut().destroy(&epochs, now)?;
        incident.pii_shredded = true;
    }
    let text = serde_json::to_vec_pretty(&incident)?;
    std::fs::create_dir_all(home.join("incidents"))?;
    std::fs::write(home.join("incidents").join(format!("incident-{}.json", now.format("%Y%m%dT%H%M%SZ"))), &text)?;
    crate::vault::keystore::write_atomic(&home.join(LOCKDOWN_FILE), &text)?;
    Ok(LockedDownReport { incident, plaintext_files, stale_key_files })
}

/// Lift a lockdown; returns whether there was one.
pub fn unlock(home: &Path) -> anyhow::Result<bool> {
    let path = home.join(LOCKDOWN_FILE);
    if !path.exists() {
        return Ok(false);
    }
    std::fs::remove_file(&path)?;
    Ok(true)
}
