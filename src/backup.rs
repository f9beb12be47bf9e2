//! Encrypted backups that keep seven years of GST records safe and customer data deletable.
//!
//! `dakiya backup` takes the run lock (waiting for a run to finish), checkpoints the database and
//! writes one file: `DAKIYA-BACKUP-1` magic, the backup-key generation, a 96-bit nonce and the
//! AES-256-GCM ciphertext of a gzip'd tar holding the database and a manifest (time, schema
//! version, rows per table, SHA-256 of the database). The backup key lives in the keystore; the
//! epoch keys of customer PII are **not** in the backup, so PII in any backup becomes unreadable
//! when its epoch key is destroyed: the 30-day limit holds for backups without touching them.
//!
//! `dakiya keys export-recovery` writes the backup keys (never an epoch key) protected by a
//! passphrase, so a backup can be restored on a new machine after the old one and its DPAPI
//! profile are gone. `dakiya restore` refuses to overwrite a database unless told, restores into
//! a fresh home, and reports which vault values are still readable and which were shredded (those
//! are deleted from the restored copy, since nobody can ever read them).

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::store::{Store, DB_FILE, SCHEMA_VERSION};
use crate::vault::cipher::{self, DataKey};
use crate::vault::keystore::write_atomic;
use crate::vault::protect::{Envelope, PassphraseProtector, Protector};
use crate::vault::Vault;

const MAGIC: &[u8; 15] = b"DAKIYA-BACKUP-1";

/// What a backup holds besides the database.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BackupManifest {
    /// When it was taken.
    pub taken_at: DateTime<Utc>,
    /// Schema version of the database.
    pub schema_version: i64,
    /// Rows per table.
    pub rows: BTreeMap<String, i64>,
    /// SHA-256 of the database file.
    pub db_sha256: String,
}

/// Failures reading a backup.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// Not a dakiya backup (or truncated before the header ends).
    #[error("{0} is not a dakiya backup (or it is truncated)")]
    NotABackup(PathBuf),
    /// The key is missing.
    #[error("the backup was made with backup key generation {0}, which this keystore or recovery kit does not hold")]
    NoKey(u32),
    /// Authentication failed: corrupted, truncated or tampered.
    #[error("{0} is corrupted or truncated (authentication failed); nothing was restored")]
    Corrupt(PathBuf),
    /// The contents do not match their manifest.
    #[error("{0}: the database does not match the backup's manifest; nothing was restored")]
    Mismatch(PathBuf),
}

/// Rows per table of an open store.
pub fn table_rows(store: &Store) -> anyhow::Result<BTreeMap<String, i64>> {
    Ok(store.table_rows()?)
}

/// Write a backup of the (checkpointed) store into `dir`; returns the file. Keeps the newest
/// `keep` backups there and deletes older ones.
pub fn create(store: &Store, vault: &mut Vault, dir: &Path, now: DateTime<Utc>, keep: usize) -> anyhow::Result<PathBuf> {
    store.checkpoint()?;
    let db_bytes = Zeroizing::new(std::fs::read(store.path()).with_context(|| format!("cannot read {}", store.path().display()))?);
    let manifest = BackupManifest {
        taken_at: now,
        schema_version: SCHEMA_VERSION,
        rows: table_rows(store)?,
        db_sha256: hex::encode(Sha256::digest(&db_bytes)),
    };
    let mut tar = tar::Builder::new(Vec::new());
    for (name, bytes) in [("manifest.json", serde_json::to_vec_pretty(&manifest)?), (DB_FILE, db_bytes.to_vec())] {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o600);
        header.set_mtime(now.timestamp().max(0) as u64);
        header.set_cksum();
        tar.append_data(&mut header, name, bytes.as_slice())?;
    }
    // Compression is the long part on a large store: the bar counts the bytes compressed.
    let tar_bytes = Zeroizing::new(tar.into_inner()?);
    let progress = crate::progress::bytes(tar_bytes.len() as u64, "backup", true);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for chunk in tar_bytes.chunks(1 << 20) {
        gz.write_all(chunk)?;
        progress.inc(chunk.len() as u64);
    }
    let plain = Zeroizing::new(gz.finish()?);
    progress.finish_and_clear();
    let (generation, key) = vault.keystore_mut().backup_key(now)?;
    let aad = header_bytes(generation);
    let (nonce, ciphertext) = cipher::seal(&key, &aad, &plain).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut out = aad;
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    std::fs::create_dir_all(dir)?;
    let file = dir.join(format!("dakiya-{}.backup", now.format("%Y%m%dT%H%M%SZ")));
    write_atomic(&file, &out)?;
    prune(dir, keep)?;
    Ok(file)
}

fn header_bytes(generation: u32) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&generation.to_be_bytes());
    out
}

fn prune(dir: &Path, keep: usize) -> anyhow::Result<()> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("dakiya-") && n.to_string_lossy().ends_with(".backup")))
        .collect();
    files.sort();
    let excess = files.len().saturating_sub(keep.max(1));
    for old in files.into_iter().take(excess) {
        std::fs::remove_file(&old).with_context(|| format!("cannot delete old backup {}", old.display()))?;
    }
    Ok(())
}

/// Decrypt and check a backup: returns the manifest and the database bytes.
pub fn open(file: &Path, keys: &dyn Fn(u32) -> Option<DataKey>) -> anyhow::Result<(BackupManifest, Zeroizing<Vec<u8>>)> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let head = MAGIC.len() + 4;
    if bytes.len() < head + cipher::NONCE_LEN + 16 || &bytes[..MAGIC.len()] != MAGIC {
        return Err(BackupError::NotABackup(file.to_path_buf()).into());
    }
    let generation = u32::from_be_bytes([bytes[MAGIC.len()], bytes[MAGIC.len() + 1], bytes[MAGIC.len() + 2], bytes[MAGIC.len() + 3]]);
    let key = keys(generation).ok_or(BackupError::NoKey(generation))?;
    let nonce = &bytes[head..head + cipher::NONCE_LEN];
    let plain = cipher::open(&key, &bytes[..head], nonce, &bytes[head + cipher::NONCE_LEN..])
        .map_err(|_| BackupError::Corrupt(file.to_path_buf()))?;
    let mut tar_bytes = Zeroizing::new(Vec::new());
    flate2::read::GzDecoder::new(plain.as_slice()).read_to_end(&mut tar_bytes).map_err(|_| BackupError::Corrupt(file.to_path_buf()))?;
    let mut archive = tar::Archive::new(tar_bytes.as_slice());
    let mut manifest = None;
    let mut db = None;
    for entry in archive.entries()? {
        let mut entry = entry?;
        let name = entry.path()?.to_string_lossy().into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data)?;
        match name.as_str() {
            "manifest.json" => manifest = Some(serde_json::from_slice::<BackupManifest>(&data)?),
            DB_FILE => db = Some(Zeroizing::new(data)),
            _ => {}
        }
    }
    let (Some(manifest), Some(db)) = (manifest, db) else { return Err(BackupError::Mismatch(file.to_path_buf()).into()) };
    if hex::encode(Sha256::digest(db.as_slice())) != manifest.db_sha256 {
        return Err(BackupError::Mismatch(file.to_path_buf()).into());
    }
    Ok((manifest, db))
}

/// What a restore did.
#[derive(Debug, Clone, Serialize)]
pub struct RestoreReport {
    /// The manifest of the backup.
    pub manifest: BackupManifest,
    /// Vault values still readable with the target's keystore.
    pub pii_readable: u64,
    /// Vault values whose epoch key is gone (shredded): deleted from the restored copy.
    pub pii_shredded: u64,
}

/// Restore `db` into `home`. Refuses an existing database unless `force`.
pub fn restore(
    file: &Path,
    manifest: BackupManifest,
    db: &[u8],
    home: &Path,
    vault: Option<&Vault>,
    force: bool,
) -> anyhow::Result<RestoreReport> {
    let target = home.join(DB_FILE);
    if target.exists() && !force {
        anyhow::bail!("{} already holds a database; restore into a fresh home (--into DIR) or pass --force to replace it", home.display());
    }
    std::fs::create_dir_all(home)?;
    let wal = home.join(format!("{DB_FILE}.wal"));
    if force && wal.exists() {
        std::fs::remove_file(&wal)?;
    }
    write_atomic(&target, db)?;
    let store = Store::open(home)?;
    let rows = crate::store::vault::all(store.conn())?;
    let mut readable = 0;
    let mut gone = Vec::new();
    let progress = crate::progress::bar(rows.len() as u64, "checking", true);
    for row in &rows {
        match vault.map(|v| v.open_bytes(row)) {
            Some(Ok(_)) => readable += 1,
            _ => gone.push((row.order_id.clone(), row.field.clone())),
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    if !gone.is_empty() {
        store.tx(|conn| Ok(crate::store::retention::delete_rows(conn, &gone).map(|_| ())?))?;
        store.checkpoint()?;
    }
    let _ = file;
    Ok(RestoreReport { manifest, pii_readable: readable, pii_shredded: gone.len() as u64 })
}

/// The recovery kit: backup keys protected by a passphrase the seller chooses.
#[derive(Serialize, Deserialize)]
struct KitContent {
    backup_keys: Vec<(u32, String)>,
}

/// Write the recovery kit.
pub fn export_recovery(vault: &mut Vault, passphrase: secrecy::SecretString, out: &Path, now: DateTime<Utc>) -> anyhow::Result<()> {
    use base64::Engine as _;
    let (generation, key) = vault.keystore_mut().backup_key(now)?;
    let content = KitContent { backup_keys: vec![(generation, base64::engine::general_purpose::STANDARD.encode(key.as_bytes()))] };
    let plain = Zeroizing::new(serde_json::to_vec(&content)?);
    let envelope = PassphraseProtector::new(passphrase).protect("recovery-kit", &plain)?;
    write_atomic(out, &serde_json::to_vec_pretty(&envelope)?)?;
    Ok(())
}

/// Read the backup keys from a recovery kit.
pub fn read_recovery(kit: &Path, passphrase: secrecy::SecretString) -> anyhow::Result<Vec<(u32, DataKey)>> {
    use base64::Engine as _;
    let envelope: Envelope = serde_json::from_slice(&std::fs::read(kit)?).context("not a recovery kit")?;
    let plain = PassphraseProtector::new(passphrase).unprotect(&envelope)?;
    let content: KitContent = serde_json::from_slice(&plain).context("damaged recovery kit")?;
    let mut out = Vec::new();
    for (generation, b64) in content.backup_keys {
        let bytes = Zeroizing::new(base64::engine::general_purpose::STANDARD.decode(b64)?);
        let arr: [u8; cipher::KEY_LEN] = bytes.as_slice().try_into().context("bad key")?;
        out.push((generation, DataKey::from_bytes(arr)));
    }
    Ok(out)
}

/// `dakiya restore`: open `file` with the backup key of the target's keystore, of the session's
/// keystore, or of a recovery kit (`kit_keys`), restore it into `target` (never over a database
/// unless `force`), and create the target's keystore if it has none (adopting the kit's key).
pub fn restore_into(
    session: &crate::session::Session,
    file: &Path,
    target: &Path,
    force: bool,
    kit_keys: Vec<(u32, DataKey)>,
) -> anyhow::Result<RestoreReport> {
    use crate::vault::keystore::{Keystore, KeystoreError};
    let home = session.home();
    let local = Keystore::open(target, session.protector()?).ok().or_else(|| {
        if target == home {
            None
        } else {
            session.protector().ok().and_then(|p| Keystore::open(home, p).ok())
        }
    });
    let lookup = |g: u32| {
        kit_keys
            .iter()
            .find(|(kg, _)| *kg == g)
            .map(|(_, k)| k.clone())
            .or_else(|| local.as_ref().and_then(|ks| ks.backup_key_generation(g)))
    };
    let (manifest, db) = open(file, &lookup)?;
    // The target's keystore (if any) decides which PII is still readable.
    let target_vault = match Keystore::open(target, session.protector()?) {
        Ok(ks) => Some(Vault::new(ks)),
        Err(KeystoreError::Missing(_)) => None,
        Err(err) => return Err(err.into()),
    };
    let report = restore(file, manifest, &db, target, target_vault.as_ref(), force)?;
    if target_vault.is_none() {
        let now = session.clock.now();
        let mut ks = Keystore::create(target, session.protector()?, now)?;
        if let Some((g, k)) = kit_keys.into_iter().next() {
            ks.adopt_backup_key(g, k, now)?;
        }
    }
    Ok(report)
}
