//! The key hierarchy, kept outside the database in `<home>/keystore.json`.
//!
//! One data key per purge epoch (a UTC day of purge deadlines), in generations for rotation.
//! Purging an epoch deletes its vault rows **and** removes its keys from this file, so the
//! ciphertext left in the database file, its WAL or any backup can never be opened again
//! (crypto-shredding). The file is an [`Envelope`](super::protect::Envelope): the whole key set is
//! encrypted by the configured protector (DPAPI, passphrase or the sandbox test key) and written
//! atomically and durably ([`write_atomic`]: temporary file, fsync, rename, directory fsync or
//! write-through), and a new key is saved before anything is sealed with it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as B64;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::cipher::{DataKey, KEY_LEN};
use super::protect::{Envelope, ProtectError, Protector};

/// File name inside the data directory.
pub const KEYSTORE_FILE: &str = "keystore.json";

/// Failures of the keystore.
#[derive(Debug, thiserror::Error)]
pub enum KeystoreError {
    /// No keystore where one is required.
    #[error("no keystore at {0}; it holds the keys to the customer data in the database. Restore it from your backup, or if this is a new installation run `dakiya keys init`")]
    Missing(PathBuf),
    /// A keystore exists where a new one was to be created.
    #[error("a keystore already exists at {0}; refusing to overwrite it")]
    Exists(PathBuf),
    /// Protection failed (wrong passphrase, damaged file, DPAPI).
    #[error("keystore {path}: {source}")]
    Protect {
        /// The file.
        path: PathBuf,
        /// Why.
        source: ProtectError,
    },
    /// Unreadable or unwritable.
    #[error("keystore {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The decrypted content is not a key set.
    #[error("keystore {path} is damaged: {detail}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The key for an epoch was destroyed (its data is crypto-shredded).
    #[error("the key {0} was destroyed: that data has been purged and cannot be recovered")]
    Destroyed(String),
    /// A key id this keystore never had.
    #[error("unknown key id {0}")]
    Unknown(String),
}

/// A data key as stored.
#[derive(Clone, Serialize, Deserialize)]
struct StoredKey {
    generation: u32,
    #[serde(with = "b64_key")]
    key: DataKey,
    created_at: DateTime<Utc>,
}

mod b64_key {
    //! A data key as base64 inside the (encrypted) key set.
    use super::{DataKey, B64, KEY_LEN};
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(key: &DataKey, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&B64.encode(key.as_bytes()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DataKey, D::Error> {
        let text = zeroize::Zeroizing::new(String::deserialize(d)?);
        let bytes = zeroize::Zeroizing::new(B64.decode(text.as_bytes()).map_err(serde::de::Error::custom)?);
        let arr: [u8; KEY_LEN] = bytes.as_slice().try_into().map_err(|_| serde::de::Error::custom("bad key length"))?;
        Ok(DataKey::from_bytes(arr))
    }
}

/// The decrypted key set.
#[derive(Clone, Serialize, Deserialize)]
struct KeySet {
    format: u32,
    created_at: DateTime<Utc>,
    /// When `keys rotate` last ran (or creation).
    rotated_at: DateTime<Utc>,
    /// Live epoch keys, newest generation last.
    epochs: BTreeMap<NaiveDate, Vec<StoredKey>>,
    /// Destroyed epochs and when (a PII-free record for audits).
    destroyed: BTreeMap<NaiveDate, DateTime<Utc>>,
    /// Key for encrypted backups (not an epoch key: backups never carry PII keys).
    backup: Option<StoredKey>,
}

/// Key ages and counts for `keys status` and audit.
#[derive(Debug, Clone, Serialize)]
pub struct KeyStatus {
    /// Protection kind.
    pub protection: crate::config::Protection,
    /// Creation of the keystore.
    pub created_at: DateTime<Utc>,
    /// Last rotation.
    pub rotated_at: DateTime<Utc>,
    /// Live epochs.
    pub live_epochs: usize,
    /// Oldest live epoch.
    pub oldest_epoch: Option<NaiveDate>,
    /// Destroyed epochs so far.
    pub destroyed_epochs: usize,
    /// When the backup key was made (`keys rotate` does not rotate it).
    pub backup_key_created_at: Option<DateTime<Utc>>,
}

/// The open keystore.
pub struct Keystore {
    path: PathBuf,
    protector: Box<dyn Protector>,
    keys: KeySet,
}

impl std::fmt::Debug for Keystore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keystore").field("path", &self.path).field("keys", &"[redacted]").finish()
    }
}

/// The id of an epoch key generation, bound into every ciphertext's associated data.
pub fn key_id(epoch: NaiveDate, generation: u32) -> String {
    format!("e{}.g{generation}", epoch.format("%Y-%m-%d"))
}

/// Parse a key id back into `(epoch, generation)`.
pub fn parse_key_id(id: &str) -> Option<(NaiveDate, u32)> {
    let rest = id.strip_prefix('e')?;
    let (date, generation) = rest.split_once(".g")?;
    Some((NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?, generation.parse().ok()?))
}

impl Keystore {
    /// Create a new, empty keystore at `home/keystore.json`. Refuses to overwrite one.
    pub fn create(home: &Path, protector: Box<dyn Protector>, now: DateTime<Utc>) -> Result<Keystore, KeystoreError> {
        let path = home.join(KEYSTORE_FILE);
        if path.exists() {
            return Err(KeystoreError::Exists(path));
        }
        let keys =
            KeySet { format: 1, created_at: now, rotated_at: now, epochs: BTreeMap::new(), destroyed: BTreeMap::new(), backup: None };
        let store = Keystore { path, protector, keys };
        store.save()?;
        Ok(store)
    }

    /// Open the keystore at `home/keystore.json`.
    pub fn open(home: &Path, protector: Box<dyn Protector>) -> Result<Keystore, KeystoreError> {
        let path = home.join(KEYSTORE_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Err(KeystoreError::Missing(path)),
            Err(source) => return Err(KeystoreError::Io { path, source }),
        };
        let envelope: Envelope =
            serde_json::from_str(&text).map_err(|err| KeystoreError::Corrupt { path: path.clone(), detail: err.to_string() })?;
        let plain = protector.unprotect(&envelope).map_err(|source| KeystoreError::Protect { path: path.clone(), source })?;
        // A fixed message: serde's would quote the decrypted key set.
        let keys: KeySet = serde_json::from_slice(&plain)
            .map_err(|_| KeystoreError::Corrupt { path: path.clone(), detail: "the decrypted key set is not valid".into() })?;
        Ok(Keystore { path, protector, keys })
    }

    /// Path of the file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn save(&self) -> Result<(), KeystoreError> {
        let plain = Zeroizing::new(
            serde_json::to_vec(&self.keys).map_err(|err| KeystoreError::Corrupt { path: self.path.clone(), detail: err.to_string() })?,
        );
        let envelope =
            self.protector.protect("keystore", &plain).map_err(|source| KeystoreError::Protect { path: self.path.clone(), source })?;
        let text = serde_json::to_vec_pretty(&envelope)
            .map_err(|err| KeystoreError::Corrupt { path: self.path.clone(), detail: err.to_string() })?;
        write_atomic(&self.path, &text).map_err(|source| KeystoreError::Io { path: self.path.clone(), source })
    }

    /// The current key for `epoch`, created (and saved) if the epoch has none yet.
    pub fn current_key(&mut self, epoch: NaiveDate, now: DateTime<Utc>) -> Result<(String, DataKey), KeystoreError> {
        if self.keys.destroyed.contains_key(&epoch) {
            return Err(KeystoreError::Destroyed(key_id(epoch, 0)));
        }
        if let Some(stored) = self.keys.epochs.get(&epoch).and_then(|gens| gens.last()) {
            return Ok((key_id(epoch, stored.generation), stored.key.clone()));
        }
        let stored = StoredKey { generation: 1, key: DataKey::generate(), created_at: now };
        let result = (key_id(epoch, 1), stored.key.clone());
        self.keys.epochs.insert(epoch, vec![stored]);
        // The key must be on disk before anything is sealed with it.
        self.save()?;
        Ok(result)
    }

    /// The key with this id.
    pub fn key(&self, id: &str) -> Result<DataKey, KeystoreError> {
        let (epoch, generation) = parse_key_id(id).ok_or_else(|| KeystoreError::Unknown(id.to_owned()))?;
        if self.keys.destroyed.contains_key(&epoch) {
            return Err(KeystoreError::Destroyed(id.to_owned()));
        }
        self.keys
            .epochs
            .get(&epoch)
            .and_then(|gens| gens.iter().find(|k| k.generation == generation))
            .map(|k| k.key.clone())
            .ok_or_else(|| KeystoreError::Unknown(id.to_owned()))
    }

    /// Destroy every epoch key for epochs strictly before `before` and save. Returns the
    /// destroyed epochs. Callers delete the rows first.
    pub fn destroy_before(&mut self, before: NaiveDate, now: DateTime<Utc>) -> Result<Vec<NaiveDate>, KeystoreError> {
        let doomed: Vec<NaiveDate> = self.keys.epochs.range(..before).map(|(d, _)| *d).collect();
        self.destroy(&doomed, now)?;
        Ok(doomed)
    }

    /// Destroy the given epochs' keys and save.
    pub fn destroy(&mut self, epochs: &[NaiveDate], now: DateTime<Utc>) -> Result<(), KeystoreError> {
        if epochs.is_empty() {
            return Ok(());
        }
        for epoch in epochs {
            self.keys.epochs.remove(epoch);
            self.keys.destroyed.insert(*epoch, now);
        }
        self.save()
    }

    /// Live epochs.
    pub fn live_epochs(&self) -> Vec<NaiveDate> {
        self.keys.epochs.keys().copied().collect()
    }

    /// Start a rotation: every live epoch gets a new generation (saved). Callers re-seal live
    /// rows under [`Keystore::current_key`] and then call [`Keystore::retire_old_generations`].
    pub fn rotate(&mut self, now: DateTime<Utc>) -> Result<(), KeystoreError> {
        for gens in self.keys.epochs.values_mut() {
            let generation = gens.last().map_or(1, |k| k.generation + 1);
            gens.push(StoredKey { generation, key: DataKey::generate(), created_at: now });
        }
        // The backup key is not rotated here: backups must stay readable for the GST retention
        // period, and they never hold epoch keys.
        self.keys.rotated_at = now;
        self.save()
    }

    /// Drop every generation but the newest (after re-sealing) and save.
    pub fn retire_old_generations(&mut self) -> Result<(), KeystoreError> {
        for gens in self.keys.epochs.values_mut() {
            if gens.len() > 1 {
                let newest = gens.split_off(gens.len() - 1);
                *gens = newest;
            }
        }
        self.save()
    }

    /// Ages and counts.
    pub fn status(&self) -> KeyStatus {
        KeyStatus {
            protection: self.protector.kind(),
            created_at: self.keys.created_at,
            rotated_at: self.keys.rotated_at,
            live_epochs: self.keys.epochs.len(),
            oldest_epoch: self.keys.epochs.keys().next().copied(),
            destroyed_epochs: self.keys.destroyed.len(),
            backup_key_created_at: self.keys.backup.as_ref().map(|k| k.created_at),
        }
    }

    /// The backup key of a generation, if this keystore holds it.
    pub fn backup_key_generation(&self, generation: u32) -> Option<DataKey> {
        self.keys.backup.as_ref().filter(|k| k.generation == generation).map(|k| k.key.clone())
    }

    /// Install a backup key from a recovery kit (a new machine restoring a backup).
    pub fn adopt_backup_key(&mut self, generation: u32, key: DataKey, now: DateTime<Utc>) -> Result<(), KeystoreError> {
        self.keys.backup = Some(StoredKey { generation, key, created_at: now });
        self.save()
    }

    /// The backup key, created (and saved) on first use.
    pub fn backup_key(&mut self, now: DateTime<Utc>) -> Result<(u32, DataKey), KeystoreError> {
        if let Some(k) = &self.keys.backup {
            return Ok((k.generation, k.key.clone()));
        }
        let stored = StoredKey { generation: 1, key: DataKey::generate(), created_at: now };
        let result = (1, stored.key.clone());
        self.keys.backup = Some(stored);
        self.save()?;
        Ok(result)
    }
}

/// Prefix of the temporary folders [`write_atomic`] makes beside the file (atomicwrites' own).
pub const STALE_PREFIX: &str = ".atomicwrite";

/// Write `bytes` to `path` atomically and durably: a temporary file in a fresh folder beside it
/// (owner-only on Unix), fsync, rename over the old file, then fsync the directory (Unix) or
/// `MoveFileExW(MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)` (Windows), all by the
/// `atomicwrites` crate. So a key is on disk before anything sealed with it is committed, and a
/// destroyed key stays destroyed after a power cut. A killed write leaves a `.atomicwrite*`
/// folder, which [`sweep_stale`] deletes at the start of the next run.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    crate::home::write_durably(path, bytes, Some("keystore-write"))
}

/// Leftover temporary folders of killed [`write_atomic`] calls in `dir` (they may hold an old
/// copy of the keystore or the credentials).
pub fn stale_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out: Vec<PathBuf> =
        entries.filter_map(Result::ok).filter(|e| e.file_name().to_string_lossy().starts_with(STALE_PREFIX)).map(|e| e.path()).collect();
    out.sort();
    out
}

/// Delete the leftovers of killed [`write_atomic`] calls in `dir`; returns how many were found.
/// The caller holds the run lock, so no write is in progress.
pub fn sweep_stale(dir: &Path) -> std::io::Result<usize> {
    let stale = stale_files(dir);
    for path in &stale {
        if path.is_dir() {
            std::fs::remove_dir_all(path)?;
        } else {
            std::fs::remove_file(path)?;
        }
    }
    Ok(stale.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::protect::TestKeyProtector;
    use base64::Engine as _;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 4, 0, 0).single().expect("date")
    }

    #[test]
    fn keys_survive_reopen_and_destroyed_epochs_are_gone() {
        let home = tempfile::tempdir().expect("tmp");
        let mut ks = Keystore::create(home.path(), Box::new(TestKeyProtector), now()).expect("create");
        let d1 = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
        let d2 = NaiveDate::from_ymd_opt(2026, 12, 9).expect("date");
        let (id1, k1) = ks.current_key(d1, now()).expect("k1");
        let (id2, _) = ks.current_key(d2, now()).expect("k2");
        let ks2 = Keystore::open(home.path(), Box::new(TestKeyProtector)).expect("reopen");
        assert_eq!(ks2.key(&id1).expect("k1").as_bytes(), k1.as_bytes());
        let mut ks = ks2;
        assert_eq!(ks.destroy_before(d2, now()).expect("destroy"), vec![d1]);
        let ks3 = Keystore::open(home.path(), Box::new(TestKeyProtector)).expect("reopen");
        assert!(matches!(ks3.key(&id1), Err(KeystoreError::Destroyed(_))));
        assert!(ks3.key(&id2).is_ok());
        assert!(Keystore::create(home.path(), Box::new(TestKeyProtector), now()).is_err());
        let text = std::fs::read_to_string(home.path().join(KEYSTORE_FILE)).expect("read");
        assert!(!text.contains(&B64.encode(k1.as_bytes())), "keys never in plaintext on disk");
    }

    #[test]
    fn key_ids_round_trip() {
        let d = NaiveDate::from_ymd_opt(2027, 1, 2).expect("date");
        assert_eq!(parse_key_id(&key_id(d, 3)), Some((d, 3)));
        assert_eq!(parse_key_id("nonsense"), None);
    }
}
