//! The seller's maintenance commands: keys, credentials, labels, purge, audit, backup and restore, lockdown. Each takes the
//! run lock where it changes the data directory and prints a short, PII-free report.

#![allow(clippy::print_stdout)]

use std::io::IsTerminal as _;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;
use serde::Serialize;

use crate::clock::Clock;
use crate::config::AppConfig;
use crate::outcome::Outcome;
use crate::spapi::Credentials;
use crate::store::{Store, DB_FILE};
use crate::vault::credentials;
use crate::{lock, retention, session};

pub use crate::lockdown::{ensure_not_locked_down, LOCKDOWN_FILE};

fn open(home: &Path, config: &AppConfig, clock: &dyn Clock) -> anyhow::Result<(lock::RunLock, Store, crate::vault::Vault)> {
    crate::cli::ensure_home(home)?;
    let lock = lock::acquire_waiting(home, std::time::Duration::from_secs(30 * 60))?;
    let store = Store::open(home)?;
    let vault = session::open_vault(home, config, &store, clock)?;
    Ok((lock, store, vault))
}

/// `dakiya keys status`.
pub fn keys_status(home: &Path, config: &AppConfig, clock: &dyn Clock) -> anyhow::Result<Outcome> {
    let (_lock, store, vault) = open(home, config, clock)?;
    let status = vault.keystore().status();
    let now = clock.now();
    println!("Keystore: {} ({:?} protection)", vault.keystore().path().display(), status.protection);
    println!("  created {}, last rotated {} ({} days ago; rotate at least yearly)", status.created_at.date_naive(), status.rotated_at.date_naive(), (now - status.rotated_at).num_days());
    println!("  live epoch keys: {}  destroyed so far: {}", status.live_epochs, status.destroyed_epochs);
    for (epoch, rows) in crate::store::vault::epoch_counts(store.conn())? {
        println!("    epoch {epoch}: {rows} vault values (purged at the start of that day, UTC)");
    }
    Ok(Outcome::Done)
}

/// `dakiya keys rotate`: new keys for every live epoch, every vault value re-encrypted, old keys
/// destroyed.
pub fn keys_rotate(home: &Path, config: &AppConfig, clock: &dyn Clock) -> anyhow::Result<Outcome> {
    let (_lock, store, mut vault) = open(home, config, clock)?;
    let now = clock.now();
    vault.keystore_mut().rotate(now)?;
    let rows = crate::store::vault::all(store.conn())?;
    let mut resealed = Vec::with_capacity(rows.len());
    for row in &rows {
        resealed.push(vault.reseal(row, row.deadline, now)?);
    }
    store.tx(|conn| Ok(crate::store::vault::put(conn, &resealed, now)?))?;
    store.checkpoint()?;
    vault.keystore_mut().retire_old_generations()?;
    println!("Rotated the keys of {} epochs; re-encrypted {} vault values; old keys destroyed.", vault.keystore().status().live_epochs, rows.len());
    Ok(Outcome::Done)
}

fn read_secret(prompt: &str, lines: &mut Option<std::io::Lines<std::io::StdinLock<'_>>>) -> anyhow::Result<SecretString> {
    let value = match lines {
        Some(lines) => lines.next().context("expected three lines on standard input: client id, client secret, refresh token")??,
        None => rpassword::prompt_password(prompt)?,
    };
    let value = value.trim().to_owned();
    if value.is_empty() {
        anyhow::bail!("{prompt} is empty");
    }
    Ok(SecretString::from(value))
}

/// `dakiya credentials set`: prompts without echo (or reads three lines from a pipe).
pub fn credentials_set(home: &Path, config: &AppConfig, clock: &dyn Clock) -> anyhow::Result<Outcome> {
    ensure_not_locked_down(home)?;
    if config.spapi.sandbox {
        return Err(anyhow::Error::new(crate::outcome::Invalid(
            "credentials are not stored in sandbox mode (spapi.sandbox = true): real secrets never go under the sandbox's settings; the sandbox's test credentials come from the environment".into(),
        )));
    }
    crate::cli::ensure_home(home)?;
    let stdin = std::io::stdin();
    let mut lines = if stdin.is_terminal() { None } else { Some(std::io::BufRead::lines(stdin.lock())) };
    let creds = Credentials {
        client_id: read_secret("LWA client id: ", &mut lines)?,
        client_secret: read_secret("LWA client secret: ", &mut lines)?,
        refresh_token: read_secret("Refresh token: ", &mut lines)?,
    };
    let protector = session::protector(config)?;
    // A run writing keys at the same moment must not see its temporary files swept.
    let _lock = lock::acquire_waiting(home, std::time::Duration::from_secs(30 * 60))?;
    credentials::save(home, protector.as_ref(), &creds, clock.now())?;
    println!("Stored the SP-API credentials in {} ({:?} protection).", home.join(credentials::CREDENTIALS_FILE).display(), protector.kind());
    println!("Amazon requires a new client secret every 180 days; `dakiya audit` shows its age.");
    Ok(Outcome::Done)
}

/// `dakiya credentials check`: one Login with Amazon exchange.
pub fn credentials_check(home: &Path, config: &AppConfig, clock: Arc<dyn Clock>) -> anyhow::Result<Outcome> {
    let api = session::client(home, config, Arc::clone(&clock))?.ok_or_else(|| anyhow::Error::new(crate::spapi::Error::NoCredentials))?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(api.check_login())?;
    println!("Login with Amazon accepted the credentials.");
    Ok(Outcome::Done)
}

/// `dakiya credentials clear`.
pub fn credentials_clear(home: &Path) -> anyhow::Result<Outcome> {
    if credentials::clear(home)? {
        println!("Deleted the stored SP-API credentials.");
    } else {
        println!("No stored credentials.");
    }
    Ok(Outcome::Done)
}

/// `dakiya purge [--dry-run]`.
pub fn purge(home: &Path, config: &AppConfig, clock: &dyn Clock, dry_run: bool) -> anyhow::Result<Outcome> {
    let (_lock, store, mut vault) = open(home, config, clock)?;
    let report = retention::enforce(&store, &mut vault, home, &config.retention, clock.now(), None, dry_run)?;
    if !dry_run && report.any() {
        store.checkpoint()?;
    }
    println!("{} retention rules:", if dry_run { "Would apply" } else { "Applied" });
    println!("  customer PII: {} values of {} orders; {} epoch keys destroyed", report.pii_rows, report.pii_orders, report.epochs_destroyed.len());
    println!("  values that cannot be decrypted (tampered, corrupt, key lost), deleted: {}", report.unreadable);
    println!("  values re-sealed under a later key (lease ended, deadline ahead): {}", report.resealed);
    println!("  PII kept past the cap because the package is in transit: {} orders", report.extended_in_transit);
    println!("  plaintext label files: {}", report.plaintext_files);
    println!("  temporary keystore/credential files of an interrupted write: {}", report.stale_secret_files);
    println!("  log files older than {}: {}", humantime::format_duration(config.retention.logs), report.log_files);
    println!("  run records / API call log rows: {} / {}", report.runs, report.api_calls);
    println!("  order records past the GST retention period: {}", report.orders);
    Ok(Outcome::Done)
}

/// The compliance report of `dakiya audit`.
#[derive(Debug, Serialize)]
pub struct Audit {
    /// When the report was made.
    pub at: DateTime<Utc>,
    /// Vault values (PII and labels).
    pub vault_values: i64,
    /// Values per epoch `(epoch, count)`.
    pub epochs: Vec<(chrono::NaiveDate, i64)>,
    /// The earliest purge deadline among live values.
    pub oldest_pii_deadline: Option<DateTime<Utc>>,
    /// Values whose epoch has begun but are still there (a missed deadline).
    pub overdue_values: i64,
    /// Orders past the 60-day cap kept because the package is in transit.
    pub kept_in_transit: i64,
    /// Encrypted labels waiting.
    pub encrypted_labels: i64,
    /// Plaintext label files present (must be 0 between runs).
    pub plaintext_label_files: usize,
    /// Oldest log file date.
    pub oldest_log: Option<String>,
    /// Where credentials come from.
    pub credentials: String,
    /// Days since the client secret was stored.
    pub client_secret_age_days: Option<i64>,
    /// Keystore protection.
    pub key_protection: String,
    /// Days since the last key rotation.
    pub key_age_days: i64,
    /// Days since the backup key was made (it is not rotated: backups must stay readable).
    pub backup_key_age_days: Option<i64>,
    /// Leftovers of interrupted keystore or credential writes (old copies of keys).
    pub stale_key_files: Vec<String>,
    /// Vault values found undecryptable and deleted in the last 30 days.
    pub unreadable_values_deleted_30d: i64,
    /// Whether this is a sandbox (test) setup.
    pub sandbox_mode: bool,
    /// Whole-database encryption.
    pub database_encryption: String,
    /// Locked down.
    pub locked_down: bool,
    /// Problems that need the seller (non-empty → exit 1).
    pub problems: Vec<String>,
}

/// `dakiya audit [--json]`.
pub fn audit(home: &Path, config: &AppConfig, clock: &dyn Clock, json: bool) -> anyhow::Result<Outcome> {
    let now = clock.now();
    let (_lock, store, vault) = open(home, config, clock)?;
    let conn = store.conn();
    let today = now.date_naive();
    let vault_values = crate::store::vault::count(conn)?;
    let epochs = crate::store::vault::epoch_counts(conn)?;
    let oldest_pii_deadline: Option<DateTime<Utc>> = conn.query_row("SELECT min(deadline) FROM vault", [], |r| r.get(0))?;
    let overdue_values = crate::store::retention::overdue(conn, today)?;
    let kept_in_transit: i64 = conn.query_row(
        "SELECT count(DISTINCT v.order_id) FROM vault v JOIN orders o USING (order_id) WHERE v.deadline > o.purchase_date + INTERVAL 60 DAY",
        [],
        |r| r.get(0),
    )?;
    let encrypted_labels: i64 = crate::store::labels::count(conn)?;
    let tmp = crate::docs::print::tmp_dir(home);
    let plaintext_label_files = if tmp.is_dir() { std::fs::read_dir(&tmp)?.count() } else { 0 };
    let mut logs: Vec<String> = match std::fs::read_dir(home.join("logs")) {
        Ok(entries) => entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect(),
        Err(_) => Vec::new(),
    };
    logs.sort();
    let oldest_log = logs.first().cloned();
    let protector = session::protector(config)?;
    let (credentials, client_secret_age_days) = if config.spapi.client_secret.is_some() {
        ("environment variables (CI/tests only)".to_owned(), None)
    } else {
        match credentials::load(home, protector.as_ref())? {
            Some(loaded) => (format!("credential store, {:?} protection", protector.kind()), Some((now - loaded.secret_set_at).num_days())),
            None => ("none stored".to_owned(), None),
        }
    };
    let status = vault.keystore().status();
    let key_age_days = (now - status.rotated_at).num_days();
    let backup_key_age_days = status.backup_key_created_at.map(|t| (now - t).num_days());
    let stale_key_files: Vec<String> = crate::vault::keystore::stale_files(home).iter().map(|p| p.display().to_string()).collect();
    let unreadable_values_deleted_30d = crate::store::retention::unreadable_since(conn, now - Duration::days(30))?;
    let mut problems = Vec::new();
    if status.protection == crate::config::Protection::InsecureTestKey {
        problems.push(format!("the keystore is protected by {:?}, a public test key: only for the sandbox, never for real customer data", status.protection));
    }
    if config.spapi.sandbox {
        problems.push("spapi.sandbox = true: this is a sandbox (test) setup, not a production one".into());
    }
    if !stale_key_files.is_empty() {
        problems.push(format!("{} leftover temporary keystore/credential files (old copies of keys) in {}: the next `dakiya run` or `dakiya purge` deletes them", stale_key_files.len(), home.display()));
    }
    if unreadable_values_deleted_30d > 0 {
        problems.push(format!("{unreadable_values_deleted_30d} vault values could not be decrypted in the last 30 days and were deleted (tampering, disk corruption or a lost keystore update): check the disk and where the keystore came from"));
    }
    if overdue_values > 0 {
        problems.push(format!("{overdue_values} vault values are past their purge deadline: run `dakiya purge`"));
    }
    if plaintext_label_files > 0 {
        problems.push(format!("{plaintext_label_files} plaintext label files in {}", tmp.display()));
    }
    if client_secret_age_days.is_some_and(|d| d >= 180) {
        problems.push("the LWA client secret is 180 days old or older: rotate it in Seller Central and run `dakiya credentials set`".into());
    }
    if key_age_days >= 365 {
        problems.push("the keys were last rotated over a year ago: run `dakiya keys rotate`".into());
    }
    let log_cutoff = (now - Duration::from_std(config.retention.logs).unwrap_or(Duration::days(90))).date_naive();
    if oldest_log.as_deref().and_then(|n| n.strip_prefix("dakiya.")).and_then(|r| r.get(..10)).and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).is_some_and(|d| d < log_cutoff) {
        problems.push("log files older than the retention period: run `dakiya purge`".into());
    }
    let report = Audit {
        at: now,
        vault_values,
        epochs,
        oldest_pii_deadline,
        overdue_values,
        kept_in_transit,
        encrypted_labels,
        plaintext_label_files,
        oldest_log,
        credentials,
        client_secret_age_days,
        key_protection: format!("{:?}", status.protection),
        key_age_days,
        backup_key_age_days,
        stale_key_files,
        unreadable_values_deleted_30d,
        sandbox_mode: config.spapi.sandbox,
        database_encryption: "off: the bundled DuckDB cannot write encrypted databases offline (see README); customer PII is AES-256-GCM field-encrypted in the vault, and the policy requires BitLocker on the disk".into(),
        locked_down: home.join(LOCKDOWN_FILE).exists(),
        problems,
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("dakiya audit, {}", now.format("%Y-%m-%d %H:%M UTC"));
        println!("  customer PII in the vault: {} values; oldest deadline {}", report.vault_values, report.oldest_pii_deadline.map_or_else(|| "-".into(), |d| d.to_string()));
        for (epoch, n) in &report.epochs {
            println!("    epoch {epoch}: {n}");
        }
        println!("  past their deadline: {}   kept past the 60-day cap (in transit): {}", report.overdue_values, report.kept_in_transit);
        println!("  labels: {} encrypted, {} plaintext files", report.encrypted_labels, report.plaintext_label_files);
        println!("  oldest log file: {}", report.oldest_log.as_deref().unwrap_or("-"));
        println!("  credentials: {}{}", report.credentials, report.client_secret_age_days.map_or_else(String::new, |d| format!("; client secret {d} days old (Amazon: rotate every 180)")));
        println!("  keys: {} protection, customer-data keys rotated {} days ago (rotate yearly)", report.key_protection, report.key_age_days);
        println!(
            "  backup key: {} (never rotated, so old backups stay readable; it never protects customer-data keys)",
            report.backup_key_age_days.map_or_else(|| "none yet".to_owned(), |d| format!("{d} days old"))
        );
        println!("  leftover key files: {}   undecryptable values deleted (30 days): {}", report.stale_key_files.len(), report.unreadable_values_deleted_30d);
        println!("  database encryption: {}", report.database_encryption);
        println!("  locked down: {}", report.locked_down);
        if report.problems.is_empty() {
            println!("  problems: none");
        }
        for p in &report.problems {
            println!("  PROBLEM: {p}");
        }
    }
    Ok(if report.problems.is_empty() { Outcome::Done } else { Outcome::Partial })
}

fn recovery_passphrase(confirm: bool) -> anyhow::Result<SecretString> {
    if let Some(p) = crate::config::recovery_passphrase_from_env() {
        if confirm {
            crate::vault::protect::check_passphrase(&p, "recovery kit passphrase (DAKIYA_RECOVERY_PASSPHRASE)").map_err(anyhow::Error::new)?;
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
        crate::vault::protect::check_passphrase(&SecretString::from(first.clone()), "recovery kit passphrase").map_err(anyhow::Error::new)?;
    }
    Ok(SecretString::from(first))
}

/// `dakiya keys export-recovery --out FILE`.
pub fn export_recovery(home: &Path, config: &AppConfig, clock: &dyn Clock, out: &Path) -> anyhow::Result<Outcome> {
    ensure_not_locked_down(home)?;
    let (_lock, _store, mut vault) = open(home, config, clock)?;
    let passphrase = recovery_passphrase(true)?;
    crate::backup::export_recovery(&mut vault, passphrase, out, clock.now())?;
    println!("Recovery kit written to {}. It holds the backup key (never customer-data keys).", out.display());
    println!("Print it, keep it with the passphrase in a safe, and delete the file from this computer.");
    Ok(Outcome::Done)
}

/// `dakiya backup [--to DIR]`.
pub fn backup(home: &Path, config: &AppConfig, clock: &dyn Clock, to: Option<std::path::PathBuf>) -> anyhow::Result<Outcome> {
    ensure_not_locked_down(home)?;
    let (_lock, store, mut vault) = open(home, config, clock)?;
    let dir = to.or_else(|| config.backup.dir.clone()).unwrap_or_else(|| home.join("backups"));
    let file = crate::backup::create(&store, &mut vault, &dir, clock.now(), config.backup.keep)?;
    println!("Backup written: {} (AES-256-GCM; customer data in it becomes unreadable when its keys are destroyed).", file.display());
    Ok(Outcome::Done)
}

/// `dakiya backup verify FILE`.
pub fn backup_verify(home: &Path, config: &AppConfig, file: &Path) -> anyhow::Result<Outcome> {
    let ks = crate::vault::keystore::Keystore::open(home, session::protector(config)?)?;
    let (manifest, _db) = crate::backup::open(file, &|g| ks.backup_key_generation(g))?;
    println!("{}: OK, taken {}, schema {}, {} tables", file.display(), manifest.taken_at, manifest.schema_version, manifest.rows.len());
    for (table, n) in &manifest.rows {
        println!("  {table}: {n} rows");
    }
    Ok(Outcome::Done)
}

/// `dakiya restore FILE [--into HOME] [--force] [--recovery-kit KIT]`.
pub fn restore(home: &Path, config: &AppConfig, clock: &dyn Clock, file: &Path, into: Option<&Path>, force: bool, kit: Option<&Path>) -> anyhow::Result<Outcome> {
    let target = into.unwrap_or(home);
    ensure_not_locked_down(home)?;
    ensure_not_locked_down(target)?;
    crate::cli::ensure_home(target)?;
    let _lock = lock::try_acquire(target)?;
    let kit_keys = match kit {
        Some(kit) => crate::backup::read_recovery(kit, recovery_passphrase(false)?)?,
        None => Vec::new(),
    };
    let protector = session::protector(config)?;
    let local = crate::vault::keystore::Keystore::open(target, protector).ok().or_else(|| {
        if target == home { None } else { session::protector(config).ok().and_then(|p| crate::vault::keystore::Keystore::open(home, p).ok()) }
    });
    let lookup = |g: u32| kit_keys.iter().find(|(kg, _)| *kg == g).map(|(_, k)| k.clone()).or_else(|| local.as_ref().and_then(|ks| ks.backup_key_generation(g)));
    let (manifest, db) = crate::backup::open(file, &lookup)?;
    // The target's keystore (if any) decides which PII is still readable.
    let target_vault = match crate::vault::keystore::Keystore::open(target, session::protector(config)?) {
        Ok(ks) => Some(crate::vault::Vault::new(ks)),
        Err(crate::vault::keystore::KeystoreError::Missing(_)) => None,
        Err(err) => return Err(err.into()),
    };
    let report = crate::backup::restore(file, manifest, &db, target, target_vault.as_ref(), force)?;
    if target_vault.is_none() {
        let mut ks = crate::vault::keystore::Keystore::create(target, session::protector(config)?, clock.now())?;
        if let Some((g, k)) = kit_keys.into_iter().next() {
            ks.adopt_backup_key(g, k, clock.now())?;
        }
    }
    println!("Restored {} into {}:", file.display(), target.display());
    for (table, n) in &report.manifest.rows {
        println!("  {table}: {n} rows");
    }
    println!("  customer data still readable: {} values; shredded (keys destroyed or not on this machine), removed: {}", report.pii_readable, report.pii_shredded);
    Ok(Outcome::Done)
}

/// `dakiya labels list|print|purge`.
pub fn labels(home: &Path, config: &AppConfig, clock: &dyn Clock, command: crate::cli::LabelsCommand) -> anyhow::Result<Outcome> {
    use crate::cli::LabelsCommand;
    let (_lock, store, mut vault) = open(home, config, clock)?;
    match command {
        LabelsCommand::List => {
            let mut stmt = store.conn().prepare(
                "SELECT p.order_id, p.docs_state, p.slot_start, p.label_printed_at, count(v.field) FROM packages p
                 LEFT JOIN vault v ON v.order_id = p.order_id AND v.field LIKE 'doc:%'
                 WHERE p.docs_state IS NOT NULL GROUP BY ALL ORDER BY p.slot_start, p.order_id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<DateTime<Utc>>>(2)?, r.get::<_, Option<DateTime<Utc>>>(3)?, r.get::<_, i64>(4)?))
            })?;
            println!("{:<22} {:<10} {:<20} {:<20} documents", "order", "state", "pickup (UTC)", "printed (UTC)");
            for row in rows {
                let (order, state, slot, printed, docs) = row?;
                let fmt = |t: Option<DateTime<Utc>>| t.map_or_else(|| "-".to_owned(), |t| t.format("%Y-%m-%d %H:%M").to_string());
                println!("{order:<22} {state:<10} {:<20} {:<20} {docs}", fmt(slot), fmt(printed));
            }
            Ok(Outcome::Done)
        }
        LabelsCommand::Print { orders, command } => {
            // Printing decrypts customer data: never while locked down.
            ensure_not_locked_down(home)?;
            let template = match command {
                Some(c) => c,
                None => config.labels.print_command.clone().ok_or_else(|| {
                    anyhow::Error::new(crate::outcome::Invalid("no print command: pass --command '… {file}' or set [labels] print_command in the app config".into()))
                })?,
            };
            let only = if orders.is_empty() { None } else { Some(orders.as_slice()) };
            let (printed, failed) = crate::stage::confirm::print_stored(&store, &mut vault, home, &template, only, clock.now())?;
            println!("Printed the labels of {printed} orders; {failed} failed (kept encrypted for a retry).");
            Ok(if failed > 0 { Outcome::Partial } else { Outcome::Done })
        }
        LabelsCommand::Purge => {
            let n = store.tx(|conn| Ok(crate::store::labels::purge_printed(conn)?))?;
            store.checkpoint()?;
            println!("Deleted {n} encrypted documents of printed orders.");
            Ok(Outcome::Done)
        }
    }
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

const STEPS: [&str; 5] = [
    "Revoke the app's authorisation in Seller Central (Apps and Services > Manage Your Apps) so the refresh token stops working.",
    "Notify Amazon within 24 hours through a Seller Central support case (security incident involving Amazon Information).",
    "Disconnect the workstation from the network if a compromise is suspected; keep the machine for investigation.",
    "Investigate and document the root cause; rotate the LWA client secret and run `dakiya keys rotate` after remediation.",
    "Run `dakiya unlock` only after the review; record the post-incident review.",
];

/// `dakiya lockdown [--shred-pii]`: the incident switch.
///
/// Order matters: the marker is written **first** (no run starts after it, and a run in
/// progress stops at its next stage boundary), then the stored credentials are overwritten and
/// deleted, plaintext label files and leftovers of interrupted key writes are swept, and with
/// `--shred-pii` every vault value is deleted and every epoch key destroyed. If a later step
/// fails, the marker is already there.
pub fn lockdown(home: &Path, config: &AppConfig, clock: &dyn Clock, shred_pii: bool) -> anyhow::Result<Outcome> {
    crate::cli::ensure_home(home)?;
    let now = clock.now();
    let mut incident = Incident { at: now, pii_shredded: false, credentials_destroyed: false, next_steps: STEPS.iter().map(|s| (*s).to_owned()).collect() };
    crate::vault::keystore::write_atomic(&home.join(LOCKDOWN_FILE), &serde_json::to_vec_pretty(&incident)?)?;
    incident.credentials_destroyed = credentials::clear(home)?;
    let plaintext = crate::docs::print::sweep(home)?;
    // Leftover key files only when no run is writing keys right now (a run in progress stops at
    // its next stage boundary, and every later run sweeps them under the lock).
    let stale = match lock::try_acquire(home) {
        Ok(_lock) => crate::vault::keystore::sweep_stale(home)?,
        Err(_) => 0,
    };
    if shred_pii && home.join(DB_FILE).exists() {
        // Waits for a run in progress: it stops at its next stage boundary.
        let (_lock, store, mut vault) = open(home, config, clock)?;
        store.tx(|conn| {
            conn.execute("UPDATE orders SET pii_purged_at = ? WHERE pii_purged_at IS NULL AND order_id IN (SELECT order_id FROM vault)", [now])?;
            conn.execute("DELETE FROM vault", [])?;
            Ok(())
        })?;
        store.checkpoint()?;
        let epochs = vault.keystore().live_epochs();
        vault.keystore_mut().destroy(&epochs, now)?;
        incident.pii_shredded = true;
    }
    let text = serde_json::to_vec_pretty(&incident)?;
    std::fs::create_dir_all(home.join("incidents"))?;
    std::fs::write(home.join("incidents").join(format!("incident-{}.json", now.format("%Y%m%dT%H%M%SZ"))), &text)?;
    crate::vault::keystore::write_atomic(&home.join(LOCKDOWN_FILE), &text)?;
    println!("LOCKED DOWN. Runs now only apply the retention rules and exit with code 5 until `dakiya unlock`.");
    println!("  stored credentials destroyed: {}", incident.credentials_destroyed);
    println!("  plaintext label files and interrupted key writes deleted: {plaintext} / {stale}");
    println!("  all customer PII crypto-shredded: {}", incident.pii_shredded);
    println!("Now, as the data-handling policy (section 11) requires:");
    for (i, step) in STEPS.iter().enumerate() {
        println!("  {}. {step}", i + 1);
    }
    Ok(Outcome::Done)
}

/// `dakiya unlock`.
pub fn unlock(home: &Path) -> anyhow::Result<Outcome> {
    let path = home.join(LOCKDOWN_FILE);
    if !path.exists() {
        println!("Not locked down.");
        return Ok(Outcome::Done);
    }
    std::fs::remove_file(&path)?;
    println!("Unlocked. Store new credentials with `dakiya credentials set` before the next run; the incident record stays in {}.", home.join("incidents").display());
    Ok(Outcome::Done)
}
