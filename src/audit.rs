//! The compliance report of `dakiya audit`: customer data ages and deadlines, labels, logs,
//! credential and key ages, leftovers, and the protection in use. Every problem that needs the
//! seller is listed (the command exits 1 when there is one). PII-free by construction: counts,
//! dates, ages and file names only.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::session::Session;
use crate::store::Store;
use crate::vault::{credentials, Vault};

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
    /// The operating system behind the policy's promises (Windows only; empty elsewhere).
    pub os_checks: Vec<crate::osprobe::Check>,
    /// Problems that need the seller (non-empty → exit 1).
    pub problems: Vec<String>,
    /// Those of `problems` that describe a test setup (sandbox mode, the test key): said by
    /// `dakiya audit`, not worth a nudge after every sandbox run.
    #[serde(skip)]
    pub setup: Vec<String>,
}

impl Audit {
    /// The problems worth a nudge (`[notify]`): all but the test setup's own.
    pub fn needs_seller(&self) -> Vec<String> {
        self.problems.iter().filter(|p| !self.setup.contains(p)).cloned().collect()
    }
}

/// Build the report for the store and vault of `session` at `now`.
pub fn report(session: &Session, store: &Store, vault: &Vault, now: DateTime<Utc>) -> anyhow::Result<Audit> {
    let (home, config) = (session.home(), &session.config);
    let conn = store.conn();
    let today = now.date_naive();
    let vault_values = crate::store::vault::count(conn)?;
    let epochs = crate::store::vault::epoch_counts(conn)?;
    let oldest_pii_deadline = crate::store::vault::earliest_deadline(conn)?;
    let overdue_values = crate::store::retention::overdue(conn, today)?;
    let kept_in_transit = crate::store::vault::orders_kept_past_cap(conn)?;
    let encrypted_labels: i64 = crate::store::labels::count(conn)?;
    let tmp = crate::docs::print::tmp_dir(home);
    let plaintext_label_files = if tmp.is_dir() { std::fs::read_dir(&tmp)?.count() } else { 0 };
    let mut logs: Vec<String> = match std::fs::read_dir(home.join("logs")) {
        Ok(entries) => entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect(),
        Err(_) => Vec::new(),
    };
    logs.sort();
    let oldest_log = logs.first().cloned();
    let protector = session.protector()?;
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
        problems.push(format!(
            "the keystore is protected by {:?}, a public test key: only for the sandbox, never for real customer data",
            status.protection
        ));
    }
    if config.spapi.sandbox {
        problems.push("spapi.sandbox = true: this is a sandbox (test) setup, not a production one".into());
    }
    let setup = problems.clone();
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
        problems
            .push("the LWA client secret is 180 days old or older: rotate it in Seller Central and run `dakiya credentials set`".into());
    }
    if key_age_days >= 365 {
        problems.push("the keys were last rotated over a year ago: run `dakiya keys rotate`".into());
    }
    let log_cutoff = (now - Duration::from_std(config.retention.logs).unwrap_or(Duration::days(90))).date_naive();
    if oldest_log
        .as_deref()
        .and_then(|n| n.strip_prefix("dakiya."))
        .and_then(|r| r.get(..10))
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .is_some_and(|d| d < log_cutoff)
    {
        problems.push("log files older than the retention period: run `dakiya purge`".into());
    }
    // BitLocker, firewall, auto-lock, Remote Desktop, the data directory's ACL: Windows only.
    let os_checks = if cfg!(windows) {
        crate::osprobe::checks(&crate::osprobe::SystemProbe, home, &crate::config::os_user().unwrap_or_default())
    } else {
        Vec::new()
    };
    problems.extend(os_checks.iter().filter_map(|c| match &c.finding {
        crate::osprobe::Finding::Problem(p) => Some(format!("{}: {p}", c.name)),
        _ => None,
    }));
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
        locked_down: crate::lockdown::is_locked_down(home),
        os_checks,
        problems,
        setup,
    };
    Ok(report)
}
