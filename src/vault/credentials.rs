//! The credential store: the three SP-API secrets (LWA client id, client secret, refresh token)
//! in `<home>/credentials.json`, protected like the keystore (DPAPI, passphrase, or the sandbox
//! test key). Never in plain text; `Debug` prints nothing secret.

use std::path::Path;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::keystore::write_atomic;
use super::protect::{Envelope, Protector};
use crate::spapi::Credentials;

/// File name inside the data directory.
pub const CREDENTIALS_FILE: &str = "credentials.json";

#[derive(Serialize, Deserialize)]
struct Stored {
    client_id: String,
    client_secret: String,
    refresh_token: String,
    /// When the client secret was set (Amazon requires rotation every 180 days).
    secret_set_at: DateTime<Utc>,
}

/// Credentials as loaded, with the secret's age.
pub struct Loaded {
    /// The secrets.
    pub credentials: Credentials,
    /// When the client secret was stored.
    pub secret_set_at: DateTime<Utc>,
}

impl std::fmt::Debug for Loaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loaded").field("secret_set_at", &self.secret_set_at).finish_non_exhaustive()
    }
}

/// Store the secrets (replacing any earlier ones).
pub fn save(home: &Path, protector: &dyn Protector, creds: &Credentials, now: DateTime<Utc>) -> anyhow::Result<()> {
    let stored = Stored {
        client_id: creds.client_id.expose_secret().to_owned(),
        client_secret: creds.client_secret.expose_secret().to_owned(),
        refresh_token: creds.refresh_token.expose_secret().to_owned(),
        secret_set_at: now,
    };
    let plain = Zeroizing::new(serde_json::to_vec(&stored)?);
    drop(stored);
    let envelope = protector.protect("credentials", &plain)?;
    write_atomic(&home.join(CREDENTIALS_FILE), &serde_json::to_vec_pretty(&envelope)?)?;
    Ok(())
}

/// Load the secrets, if stored.
pub fn load(home: &Path, protector: &dyn Protector) -> anyhow::Result<Option<Loaded>> {
    let path = home.join(CREDENTIALS_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(anyhow::Error::new(err).context(format!("cannot read {}", path.display()))),
    };
    let envelope: Envelope = serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{} is damaged: {e}", path.display()))?;
    let plain = protector.unprotect(&envelope).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let stored: Stored = serde_json::from_slice(&plain).map_err(|_| anyhow::anyhow!("{} is damaged", path.display()))?;
    Ok(Some(Loaded {
        credentials: Credentials {
            client_id: SecretString::from(stored.client_id),
            client_secret: SecretString::from(stored.client_secret),
            refresh_token: SecretString::from(stored.refresh_token),
        },
        secret_set_at: stored.secret_set_at,
    }))
}

/// Delete the stored secrets: the file is overwritten with zeros **in place** (same inode, no
/// truncation), synced, then deleted and the directory synced. Returns whether there were any.
///
/// On SSDs (wear levelling) and on NTFS with shadow copies the old blocks may survive anyway; the
/// content was encrypted, and the real protection is revoking the app in Seller Central, which
/// `dakiya lockdown` tells the seller to do first.
pub fn clear(home: &Path) -> anyhow::Result<bool> {
    use std::io::Write as _;
    let path = home.join(CREDENTIALS_FILE);
    if !path.exists() {
        return Ok(false);
    }
    {
        let len = std::fs::metadata(&path)?.len() as usize;
        let mut file = std::fs::OpenOptions::new().write(true).truncate(false).open(&path)?;
        file.write_all(&vec![0u8; len])?;
        file.sync_all()?;
    }
    std::fs::remove_file(&path)?;
    #[cfg(unix)]
    std::fs::File::open(home)?.sync_all()?;
    Ok(true)
}
