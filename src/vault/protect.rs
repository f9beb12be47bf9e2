//! Protection of secrets at rest (the keystore and the SP-API credentials), behind one trait.
//!
//! - [`PassphraseProtector`]: AES-256-GCM under a key derived from a passphrase with Argon2id.
//! - [`DpapiProtector`]: Windows DPAPI, user scope, with app-specific entropy. Only its two calls
//!   into `windows-dpapi` are Windows-only; everywhere else it compiles and reports that DPAPI is
//!   unavailable, so the portable code around it is type-checked on every platform.
//! - [`TestKeyProtector`]: a fixed, public key. Accepted only when the config says `sandbox`.
//!
//! An [`Envelope`] is what lands on disk: JSON naming its protection, KDF parameters and salt,
//! nonce and ciphertext (base64). Its purpose ("keystore", "credentials") is bound in as
//! associated data, so one file cannot be swapped for the other.

use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use rand::RngCore as _;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::cipher::{self, DataKey, KEY_LEN};
use crate::config::Protection;

/// Failures protecting or unprotecting a secret.
#[derive(Debug, thiserror::Error)]
pub enum ProtectError {
    /// The passphrase does not open this file.
    #[error("wrong passphrase (or the {purpose} file was altered)")]
    WrongPassphrase {
        /// Which file.
        purpose: String,
    },
    /// Authentication failed under a key that cannot be wrong (test key, DPAPI).
    #[error("the {purpose} file is damaged or was altered")]
    Damaged {
        /// Which file.
        purpose: String,
    },
    /// The file was written with another protection than the config asks for.
    #[error("the {purpose} file is protected with {found:?}, but the config says {expected:?}")]
    Mismatch {
        /// Which file.
        purpose: String,
        /// In the file.
        found: Protection,
        /// In the config.
        expected: Protection,
    },
    /// DPAPI failed or is not available on this platform.
    #[error("Windows DPAPI: {0}")]
    Dpapi(String),
    /// Malformed envelope.
    #[error("the {purpose} file is not a valid dakiya envelope: {detail}")]
    Format {
        /// Which file.
        purpose: String,
        /// What is wrong.
        detail: String,
    },
}

/// Argon2id parameters, stored with the salt so they can be raised later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Iterations.
    pub t: u32,
    /// Lanes.
    pub p: u32,
    /// Salt, base64.
    pub salt: String,
}

/// A protected secret as stored on disk.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    /// Envelope format version.
    pub format: u32,
    /// What it holds: "keystore" or "credentials".
    pub purpose: String,
    /// How it is protected.
    pub protection: Protection,
    /// KDF parameters (passphrase only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kdf: Option<KdfParams>,
    /// Nonce, base64 (not for DPAPI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Ciphertext (or DPAPI blob), base64.
    pub data: String,
}

/// Protects secrets at rest.
pub trait Protector: Send + Sync {
    /// The kind, as named in the config.
    fn kind(&self) -> Protection;
    /// Protect `plaintext` for `purpose`.
    fn protect(&self, purpose: &str, plaintext: &[u8]) -> Result<Envelope, ProtectError>;
    /// Recover the plaintext.
    fn unprotect(&self, envelope: &Envelope) -> Result<Zeroizing<Vec<u8>>, ProtectError>;
}

fn aad(purpose: &str) -> Vec<u8> {
    format!("dakiya.envelope.v1\0{purpose}").into_bytes()
}

fn decode(purpose: &str, what: &str, text: &str) -> Result<Vec<u8>, ProtectError> {
    B64.decode(text).map_err(|err| ProtectError::Format { purpose: purpose.into(), detail: format!("{what}: {err}") })
}

fn check_kind(envelope: &Envelope, expected: Protection) -> Result<(), ProtectError> {
    if envelope.format != 1 {
        return Err(ProtectError::Format {
            purpose: envelope.purpose.clone(),
            detail: format!("format {} is not supported", envelope.format),
        });
    }
    if envelope.protection != expected {
        return Err(ProtectError::Mismatch { purpose: envelope.purpose.clone(), found: envelope.protection, expected });
    }
    Ok(())
}

fn seal_envelope(
    key: &DataKey,
    kind: Protection,
    purpose: &str,
    kdf: Option<KdfParams>,
    plaintext: &[u8],
) -> Result<Envelope, ProtectError> {
    let (nonce, data) = cipher::seal(key, &aad(purpose), plaintext)
        .map_err(|err| ProtectError::Format { purpose: purpose.into(), detail: err.to_string() })?;
    Ok(Envelope { format: 1, purpose: purpose.into(), protection: kind, kdf, nonce: Some(B64.encode(nonce)), data: B64.encode(data) })
}

fn open_envelope(key: &DataKey, envelope: &Envelope) -> Result<Zeroizing<Vec<u8>>, cipher::OpenError> {
    let purpose = &envelope.purpose;
    let nonce = envelope.nonce.as_deref().and_then(|n| decode(purpose, "nonce", n).ok()).ok_or(cipher::OpenError)?;
    let data = decode(purpose, "data", &envelope.data).map_err(|_| cipher::OpenError)?;
    cipher::open(key, &aad(purpose), &nonce, &data)
}

/// The shortest passphrase dakiya accepts, from a prompt or the environment.
pub const MIN_PASSPHRASE_CHARS: usize = 12;

/// Refuse a passphrase shorter than [`MIN_PASSPHRASE_CHARS`] (from a prompt or the environment).
pub fn check_passphrase(passphrase: &SecretString, what: &str) -> Result<(), crate::outcome::Invalid> {
    if passphrase.expose_secret().chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(crate::outcome::Invalid(format!("the {what} must have at least {MIN_PASSPHRASE_CHARS} characters")));
    }
    Ok(())
}

/// AES-256-GCM under an Argon2id key derived from a passphrase.
///
/// The derivation is deliberately slow (64 MiB, 3 passes), so it runs once per process: the
/// derived key and its salt are kept in memory (wiped on drop) and later saves reuse them with a
/// fresh nonce each. Parameters read from a file are bounded, so a tampered file cannot make
/// dakiya allocate gigabytes.
pub struct PassphraseProtector {
    passphrase: SecretString,
    cache: parking_lot::Mutex<Option<(KdfParams, DataKey)>>,
}

impl PassphraseProtector {
    /// Memory in KiB for new envelopes: 64 MiB (above OWASP's 19 MiB floor; the recovery kit is
    /// printed, so it must resist offline guessing).
    pub const M_KIB: u32 = 64 * 1024;
    /// Passes for new envelopes.
    pub const T: u32 = 3;
    /// The most memory a stored envelope may ask for (1 GiB).
    pub const MAX_M_KIB: u32 = 1024 * 1024;
    /// The most passes a stored envelope may ask for.
    pub const MAX_T: u32 = 16;
    /// The most lanes a stored envelope may ask for.
    pub const MAX_P: u32 = 8;

    /// A protector for `passphrase`.
    pub fn new(passphrase: SecretString) -> Self {
        Self { passphrase, cache: parking_lot::Mutex::new(None) }
    }

    fn derive(&self, params: &KdfParams, purpose: &str) -> Result<DataKey, ProtectError> {
        if params.m_kib > Self::MAX_M_KIB || params.t > Self::MAX_T || params.p > Self::MAX_P || params.p == 0 {
            return Err(ProtectError::Format { purpose: purpose.into(), detail: "KDF parameters out of bounds".into() });
        }
        let salt = decode(purpose, "salt", &params.salt)?;
        let argon_params = Params::new(params.m_kib, params.t, params.p, Some(KEY_LEN))
            .map_err(|err| ProtectError::Format { purpose: purpose.into(), detail: err.to_string() })?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params);
        let mut out = Zeroizing::new([0u8; KEY_LEN]);
        argon
            .hash_password_into(self.passphrase.expose_secret().as_bytes(), &salt, out.as_mut())
            .map_err(|err| ProtectError::Format { purpose: purpose.into(), detail: err.to_string() })?;
        Ok(DataKey::from_bytes(*out))
    }

    fn cached(&self) -> Option<(KdfParams, DataKey)> {
        self.cache.lock().clone()
    }

    fn remember(&self, params: &KdfParams, key: &DataKey) {
        *self.cache.lock() = Some((params.clone(), key.clone()));
    }
}

impl Protector for PassphraseProtector {
    fn kind(&self) -> Protection {
        Protection::Passphrase
    }

    fn protect(&self, purpose: &str, plaintext: &[u8]) -> Result<Envelope, ProtectError> {
        let (params, key) = match self.cached().filter(|(p, _)| p.m_kib >= Self::M_KIB && p.t >= Self::T) {
            Some(hit) => hit,
            None => {
                let mut salt = [0u8; 16];
                rand::rngs::OsRng.fill_bytes(&mut salt);
                let params = KdfParams { m_kib: Self::M_KIB, t: Self::T, p: 1, salt: B64.encode(salt) };
                let key = self.derive(&params, purpose)?;
                self.remember(&params, &key);
                (params, key)
            }
        };
        seal_envelope(&key, Protection::Passphrase, purpose, Some(params), plaintext)
    }

    fn unprotect(&self, envelope: &Envelope) -> Result<Zeroizing<Vec<u8>>, ProtectError> {
        check_kind(envelope, Protection::Passphrase)?;
        let params = envelope
            .kdf
            .as_ref()
            .ok_or_else(|| ProtectError::Format { purpose: envelope.purpose.clone(), detail: "missing KDF parameters".into() })?;
        let key = match self.cached().filter(|(p, _)| p == params) {
            Some((_, key)) => key,
            None => self.derive(params, &envelope.purpose)?,
        };
        let plain = open_envelope(&key, envelope).map_err(|_| ProtectError::WrongPassphrase { purpose: envelope.purpose.clone() })?;
        self.remember(params, &key);
        Ok(plain)
    }
}

/// A fixed, publicly known key: for the sandbox, tests and the demo only.
pub struct TestKeyProtector;

impl TestKeyProtector {
    fn key() -> DataKey {
        let digest = Sha256::digest(b"dakiya insecure test key - never for real data");
        let mut bytes = [0u8; KEY_LEN];
        bytes.copy_from_slice(&digest);
        DataKey::from_bytes(bytes)
    }
}

impl Protector for TestKeyProtector {
    fn kind(&self) -> Protection {
        Protection::InsecureTestKey
    }

    fn protect(&self, purpose: &str, plaintext: &[u8]) -> Result<Envelope, ProtectError> {
        seal_envelope(&Self::key(), Protection::InsecureTestKey, purpose, None, plaintext)
    }

    fn unprotect(&self, envelope: &Envelope) -> Result<Zeroizing<Vec<u8>>, ProtectError> {
        check_kind(envelope, Protection::InsecureTestKey)?;
        open_envelope(&Self::key(), envelope).map_err(|_| ProtectError::Damaged { purpose: envelope.purpose.clone() })
    }
}

/// Windows DPAPI, user scope, with app entropy. Usable only on Windows, from a logon session
/// that has the user's keys loaded (interactive or "run whether user is logged on or not" with a
/// stored password; not S4U).
pub struct DpapiProtector;

fn dpapi_entropy(purpose: &str) -> Vec<u8> {
    format!("dakiya.dpapi.v1\0{purpose}").into_bytes()
}

impl Protector for DpapiProtector {
    fn kind(&self) -> Protection {
        Protection::Dpapi
    }

    fn protect(&self, purpose: &str, plaintext: &[u8]) -> Result<Envelope, ProtectError> {
        let blob = dpapi::protect(plaintext, &dpapi_entropy(purpose))?;
        Ok(Envelope { format: 1, purpose: purpose.into(), protection: Protection::Dpapi, kdf: None, nonce: None, data: B64.encode(blob) })
    }

    fn unprotect(&self, envelope: &Envelope) -> Result<Zeroizing<Vec<u8>>, ProtectError> {
        check_kind(envelope, Protection::Dpapi)?;
        let blob = decode(&envelope.purpose, "data", &envelope.data)?;
        dpapi::unprotect(&blob, &dpapi_entropy(&envelope.purpose)).map(Zeroizing::new)
    }
}

#[cfg(windows)]
mod dpapi {
    //! The only Windows-specific lines: `windows-dpapi` user-scope calls with entropy.
    use super::ProtectError;
    use windows_dpapi::{decrypt_data, encrypt_data, Scope};

    pub fn protect(plaintext: &[u8], entropy: &[u8]) -> Result<Vec<u8>, ProtectError> {
        encrypt_data(plaintext, Scope::User, Some(entropy)).map_err(|err| ProtectError::Dpapi(format!("{err:#}")))
    }

    pub fn unprotect(blob: &[u8], entropy: &[u8]) -> Result<Vec<u8>, ProtectError> {
        decrypt_data(blob, Scope::User, Some(entropy)).map_err(|err| ProtectError::Dpapi(format!("{err:#}")))
    }
}

#[cfg(not(windows))]
mod dpapi {
    //! Portable twin: DPAPI does not exist here; say so instead of pretending.
    use super::ProtectError;

    pub fn protect(_plaintext: &[u8], _entropy: &[u8]) -> Result<Vec<u8>, ProtectError> {
        Err(ProtectError::Dpapi("only available on Windows; use keys.protection = \"passphrase\"".into()))
    }

    pub fn unprotect(_blob: &[u8], _entropy: &[u8]) -> Result<Vec<u8>, ProtectError> {
        Err(ProtectError::Dpapi("only available on Windows; use keys.protection = \"passphrase\"".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passphrase_round_trip_and_wrong_passphrase() {
        let good = PassphraseProtector::new(SecretString::from("correct horse battery staple"));
        let env = good.protect("keystore", b"top secret").expect("protect");
        assert_eq!(good.unprotect(&env).expect("open").as_slice(), b"top secret");
        let bad = PassphraseProtector::new(SecretString::from("wrong horse battery staple"));
        assert!(matches!(bad.unprotect(&env), Err(ProtectError::WrongPassphrase { .. })));
        let kdf = env.kdf.clone().expect("kdf");
        assert!(kdf.m_kib >= 64 * 1024 && kdf.t >= 3, "at least 64 MiB and 3 passes");
        // A second save reuses the derived key (one slow derivation per process), fresh nonce.
        let again = good.protect("keystore", b"top secret").expect("protect");
        assert_eq!(again.kdf, env.kdf);
        assert_ne!(again.nonce, env.nonce);
        // A tampered file cannot ask for unbounded memory.
        let mut greedy = env.clone();
        if let Some(k) = greedy.kdf.as_mut() {
            k.m_kib = u32::MAX;
        }
        assert!(matches!(
            PassphraseProtector::new(SecretString::from("correct horse battery staple")).unprotect(&greedy),
            Err(ProtectError::Format { .. })
        ));
        assert!(check_passphrase(&SecretString::from("short"), "passphrase").is_err());
        assert!(check_passphrase(&SecretString::from("twelve chars"), "passphrase").is_ok());
        let json = serde_json::to_string(&env).expect("json");
        assert!(!json.contains("top secret"));
    }

    #[test]
    fn purpose_is_bound_and_kind_is_checked() {
        let env = TestKeyProtector.protect("keystore", b"x").expect("protect");
        let mut swapped = env.clone();
        swapped.purpose = "credentials".into();
        assert!(matches!(TestKeyProtector.unprotect(&swapped), Err(ProtectError::Damaged { .. })));
        let pass = PassphraseProtector::new(SecretString::from("p"));
        assert!(matches!(pass.unprotect(&env), Err(ProtectError::Mismatch { .. })));
    }

    #[cfg(not(windows))]
    #[test]
    fn dpapi_says_it_is_unavailable_off_windows() {
        assert!(matches!(DpapiProtector.protect("keystore", b"x"), Err(ProtectError::Dpapi(_))));
    }
}
