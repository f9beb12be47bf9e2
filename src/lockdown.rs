//! The lockdown marker (`<home>/LOCKED_DOWN.json`), the incident switch of policy section 11.
//!
//! Kept apart from the commands so the runner can check it at every stage boundary without
//! importing them. While the marker exists: no stage that talks to Amazon starts, nothing that
//! decrypts customer data for output runs (`labels print`, `backup`, `restore`,
//! `keys export-recovery`, `credentials set`), and deletion still runs (`run` applies the
//! retention rules and exits 5; `purge`, `audit`, `status` and `unlock` work).

use std::path::Path;

use crate::outcome::LockedDown;

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
