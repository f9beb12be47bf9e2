//! Assembly of what commands need from the config: the keystore protector, the vault, the
//! credentials and the SP-API client. Kept out of `cli` so tests and the demo build the same way.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;

use crate::clock::Clock;
use crate::config::{AppConfig, Protection};
use crate::outcome::Invalid;
use crate::spapi::{ClientOptions, Credentials, SpApi};
use crate::store::Store;
use crate::vault::keystore::{Keystore, KeystoreError};
use crate::vault::protect::{DpapiProtector, PassphraseProtector, Protector, TestKeyProtector};
use crate::vault::{credentials, Vault};

/// Check the protection setting without unlocking anything (a config problem: exit 2).
pub fn check_protection(config: &AppConfig) -> anyhow::Result<()> {
    crate::config::check_sandbox(config)?;
    match config.keys.protection {
        Protection::Dpapi if !cfg!(windows) => Err(anyhow::Error::new(Invalid(
            "config: keys.protection = \"dpapi\" works only on Windows; use \"passphrase\" here".into(),
        ))),
        _ => Ok(()),
    }
}

/// Delete leftovers of killed keystore and credential writes (old copies of keys and secrets)
/// at the start of a run; `dakiya audit` reports any that could not be deleted.
pub fn sweep_stale_secrets(home: &Path) {
    match crate::vault::keystore::sweep_stale(home) {
        Ok(0) => {}
        Ok(n) => tracing::warn!(files = n, "Deleted temporary keystore or credential files left by an interrupted write."),
        Err(err) => tracing::error!(error = %err, "Cannot delete temporary keystore or credential files; `dakiya audit` lists them."),
    }
}

/// The protector the config asks for.
pub fn protector(config: &AppConfig) -> anyhow::Result<Box<dyn Protector>> {
    match config.keys.protection {
        Protection::Dpapi => Ok(Box::new(DpapiProtector)),
        Protection::InsecureTestKey => {
            crate::config::check_sandbox(config)?;
            Ok(Box::new(TestKeyProtector))
        }
        Protection::Passphrase => {
            let passphrase = match crate::config::passphrase_from_env() {
                Some(p) => p,
                None => {
                    use std::io::IsTerminal as _;
                    if !std::io::stdin().is_terminal() {
                        anyhow::bail!("the keystore is protected by a passphrase: set DAKIYA_PASSPHRASE or run interactively");
                    }
                    secrecy::SecretString::from(rpassword::prompt_password("dakiya keystore passphrase: ").context("cannot read the passphrase")?)
                }
            };
            crate::vault::protect::check_passphrase(&passphrase, "keystore passphrase (DAKIYA_PASSPHRASE or the prompt)").map_err(anyhow::Error::new)?;
            Ok(Box::new(PassphraseProtector::new(passphrase)))
        }
    }
}

/// Open the vault. A missing keystore is created only when the database holds no vault rows
/// (a new installation); otherwise it is an error and nothing is overwritten.
pub fn open_vault(home: &Path, config: &AppConfig, store: &Store, clock: &dyn Clock) -> anyhow::Result<Vault> {
    match Keystore::open(home, protector(config)?) {
        Ok(ks) => Ok(Vault::new(ks)),
        Err(KeystoreError::Missing(path)) => {
            let rows = crate::store::vault::count(store.conn())?;
            if rows > 0 {
                return Err(anyhow::Error::new(KeystoreError::Missing(path)));
            }
            Ok(Vault::new(Keystore::create(home, protector(config)?, clock.now())?))
        }
        Err(err) => Err(err.into()),
    }
}

/// The SP-API credentials: from the environment (CI, tests) when all three are set, else from
/// the credential store.
pub fn credentials(home: &Path, config: &AppConfig) -> anyhow::Result<Option<Credentials>> {
    let s = &config.spapi;
    if let (Some(id), Some(secret), Some(token)) = (&s.client_id, &s.client_secret, &s.refresh_token) {
        return Ok(Some(Credentials {
            client_id: secrecy::SecretString::from(id.expose()),
            client_secret: secrecy::SecretString::from(secret.expose()),
            refresh_token: secrecy::SecretString::from(token.expose()),
        }));
    }
    if !home.join(credentials::CREDENTIALS_FILE).exists() {
        return Ok(None);
    }
    if config.spapi.sandbox {
        return Err(anyhow::Error::new(Invalid(format!(
            "{} holds stored SP-API credentials, which are refused in sandbox mode (spapi.sandbox = true): the sandbox takes its test credentials from the environment",
            home.join(credentials::CREDENTIALS_FILE).display()
        ))));
    }
    Ok(credentials::load(home, protector(config)?.as_ref())?.map(|l| l.credentials))
}

/// The SP-API client, if there are credentials.
pub fn client(home: &Path, config: &AppConfig, clock: Arc<dyn Clock>) -> anyhow::Result<Option<SpApi>> {
    let Some(creds) = credentials(home, config)? else { return Ok(None) };
    let opts = ClientOptions::from_config(&config.spapi)?;
    Ok(Some(SpApi::new(opts, creds, clock)?))
}
