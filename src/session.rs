//! The [`Session`] of one command: data directory, app config and clock, built once by the
//! command line, with the keystore protector created on first use and kept, so a passphrase is
//! asked at most once per command. It also opens the vault, loads the credentials and builds the
//! SP-API client, so the commands, the demo and tests assemble things the same way.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use anyhow::Context as _;

use crate::clock::Clock;
use crate::config::{AppConfig, Protection};
use crate::outcome::Invalid;
use crate::spapi::{ClientOptions, Credentials, SpApi};
use crate::store::Store;
use crate::vault::keystore::{Keystore, KeystoreError};
use crate::vault::protect::{DpapiProtector, Envelope, PassphraseProtector, ProtectError, Protector, TestKeyProtector};
use crate::vault::{credentials, Vault};

/// Check the protection setting without unlocking anything (a config problem: exit 2).
pub fn check_protection(config: &AppConfig) -> anyhow::Result<()> {
    crate::config::check_sandbox(config)?;
    match config.keys.protection {
        Protection::Dpapi if !cfg!(windows) => {
            Err(anyhow::Error::new(Invalid("config: keys.protection = \"dpapi\" works only on Windows; use \"passphrase\" here".into())))
        }
        _ => Ok(()),
    }
}

/// A new protector of the kind the config asks for (prompts for a passphrase if it needs one).
fn new_protector(config: &AppConfig) -> anyhow::Result<Arc<dyn Protector>> {
    match config.keys.protection {
        Protection::Dpapi => Ok(Arc::new(DpapiProtector)),
        Protection::InsecureTestKey => {
            crate::config::check_sandbox(config)?;
            Ok(Arc::new(TestKeyProtector))
        }
        Protection::Passphrase => {
            let passphrase = match crate::config::passphrase_from_env() {
                Some(p) => p,
                None => {
                    use std::io::IsTerminal as _;
                    if !std::io::stdin().is_terminal() {
                        anyhow::bail!("the keystore is protected by a passphrase: set DAKIYA_PASSPHRASE or run interactively");
                    }
                    secrecy::SecretString::from(
                        rpassword::prompt_password("dakiya keystore passphrase: ").context("cannot read the passphrase")?,
                    )
                }
            };
            crate::vault::protect::check_passphrase(&passphrase, "keystore passphrase (DAKIYA_PASSPHRASE or the prompt)")
                .map_err(anyhow::Error::new)?;
            Ok(Arc::new(PassphraseProtector::new(passphrase)))
        }
    }
}

/// A handle on the session's one protector (the keystore and credential store take a box).
struct Shared(Arc<dyn Protector>);

impl Protector for Shared {
    fn kind(&self) -> Protection {
        self.0.kind()
    }

    fn protect(&self, purpose: &str, plaintext: &[u8]) -> Result<Envelope, ProtectError> {
        self.0.protect(purpose, plaintext)
    }

    fn unprotect(&self, envelope: &Envelope) -> Result<zeroize::Zeroizing<Vec<u8>>, ProtectError> {
        self.0.unprotect(envelope)
    }
}

/// One command's context.
pub struct Session {
    /// The data directory.
    pub home: PathBuf,
    /// The app config.
    pub config: AppConfig,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    protector: OnceLock<Arc<dyn Protector>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("home", &self.home).finish_non_exhaustive()
    }
}

impl Session {
    /// A session on `home` with `config` and `clock`.
    pub fn new(home: impl Into<PathBuf>, config: AppConfig, clock: Arc<dyn Clock>) -> Session {
        Session { home: home.into(), config, clock, protector: OnceLock::new() }
    }

    /// The data directory.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// The keystore protector, created (and a passphrase asked for) on first use only.
    pub fn protector(&self) -> anyhow::Result<Box<dyn Protector>> {
        let shared = match self.protector.get() {
            Some(p) => Arc::clone(p),
            None => {
                let p = new_protector(&self.config)?;
                Arc::clone(self.protector.get_or_init(|| p))
            }
        };
        Ok(Box::new(Shared(shared)))
    }

    /// Open the vault of `home` (the session's, or another data directory's). A missing keystore
    /// is created only when the database holds no vault rows (a new installation); otherwise it
    /// is an error and nothing is overwritten.
    pub fn open_vault_in(&self, home: &Path, store: &Store) -> anyhow::Result<Vault> {
        match Keystore::open(home, self.protector()?) {
            Ok(ks) => Ok(Vault::new(ks)),
            Err(KeystoreError::Missing(path)) => {
                let rows = crate::store::vault::count(store.conn())?;
                if rows > 0 {
                    return Err(anyhow::Error::new(KeystoreError::Missing(path)));
                }
                Ok(Vault::new(Keystore::create(home, self.protector()?, self.clock.now())?))
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Open the session's vault.
    pub fn open_vault(&self, store: &Store) -> anyhow::Result<Vault> {
        self.open_vault_in(&self.home, store)
    }

    /// The SP-API credentials: from the environment (CI, tests) when all three are set, else
    /// from the credential store (refused in sandbox mode).
    pub fn credentials(&self) -> anyhow::Result<Option<Credentials>> {
        let s = &self.config.spapi;
        if let (Some(id), Some(secret), Some(token)) = (&s.client_id, &s.client_secret, &s.refresh_token) {
            return Ok(Some(Credentials {
                client_id: secrecy::SecretString::from(id.expose()),
                client_secret: secrecy::SecretString::from(secret.expose()),
                refresh_token: secrecy::SecretString::from(token.expose()),
            }));
        }
        let file = self.home.join(credentials::CREDENTIALS_FILE);
        if !file.exists() {
            return Ok(None);
        }
        if s.sandbox {
            return Err(anyhow::Error::new(Invalid(format!(
                "{} holds stored SP-API credentials, which are refused in sandbox mode (spapi.sandbox = true): the sandbox takes its test credentials from the environment",
                file.display()
            ))));
        }
        Ok(credentials::load(&self.home, self.protector()?.as_ref())?.map(|l| l.credentials))
    }

    /// The SP-API client, if there are credentials.
    pub fn client(&self) -> anyhow::Result<Option<SpApi>> {
        let Some(creds) = self.credentials()? else { return Ok(None) };
        let opts = ClientOptions::from_config(&self.config.spapi)?;
        Ok(Some(SpApi::new(opts, creds, Arc::clone(&self.clock))?))
    }

    /// Delete leftovers of killed keystore and credential writes (old copies of keys and
    /// secrets) at the start of a run; `dakiya audit` reports any that could not be deleted.
    pub fn sweep_stale_secrets(&self) {
        match crate::vault::keystore::sweep_stale(&self.home) {
            Ok(0) => {}
            Ok(n) => tracing::warn!(files = n, "Deleted temporary keystore or credential files left by an interrupted write."),
            Err(err) => tracing::error!(error = %err, "Cannot delete temporary keystore or credential files; `dakiya audit` lists them."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_protector_is_made_once_per_session() {
        let mut config = AppConfig::default();
        config.keys.protection = Protection::InsecureTestKey;
        config.spapi.sandbox = true;
        config.spapi.endpoint = "http://127.0.0.1:1".into();
        config.spapi.lwa_endpoint = "http://127.0.0.1:1/auth".into();
        let session = Session::new("/nonexistent", config, Arc::new(crate::clock::SystemClock));
        let a = session.protector().expect("protector");
        let b = session.protector().expect("protector");
        assert_eq!(a.kind(), b.kind());
        assert!(session.protector.get().is_some_and(|p| Arc::strong_count(p) >= 1));
    }
}
