//! Every retention rule of spec section 5, enforced by the `retain` stage on every run and by
//! `dakiya purge`. Cheap when nothing is due.
//!
//! - Customer PII (vault rows, labels): each value's key is a lease of at most a week. When a
//!   lease ends, a value whose deadline is still ahead is re-sealed under a later epoch; a value
//!   whose deadline has come is deleted; then the ended epochs' keys are destroyed. Old copies of
//!   the database, its WAL and backups so become unreadable within a week (crypto-shredding).
//!   PII of a package still in transit at its hard cap keeps a deadline a week ahead (shown in
//!   `dakiya audit`), but only while a fetch succeeded within the last week: without news from
//!   Amazon the cap applies.
//! - Plaintext label files: none may survive a run; leftovers of a killed run are deleted.
//! - Order records: kept until `gst_record_months` after the annual-return due date of their
//!   financial year (31 December after the year ends), then deleted.
//! - Logs, run history, API call log: deleted after their periods.
//!
//! Each rule writes a PII-free line to `purge_log`: what, how many, which epochs were destroyed.
//!
//! A purge is a [`plan`] (read only; what `dakiya purge --dry-run` prints) and its [`apply`].
//! Deletion comes first and needs no key: one value that cannot be decrypted is deleted and
//! logged (`pii_unreadable`), never a reason to stop purging the others.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use chrono::{DateTime, Datelike as _, Duration, Months, NaiveDate, Utc};

use crate::config::RetentionConfig;
use crate::store::retention as sql;
use crate::store::Store;
use crate::vault::{purge_time, Sealed, Vault};

/// Statuses of a package on its way (PII still needed if the carrier calls).
const IN_TRANSIT: &[&str] =
    &["PICKED_UP", "DROPPED_OFF", "AT_ORIGIN_FC", "AT_DESTINATION_FC", "OUT_FOR_DELIVERY", "RETURNING_TO_SELLER", "IN_TRANSIT"];

/// Re-sealed values are written in batches of this many (one transaction each).
const RESEAL_BATCH: usize = 256;

/// What a purge did (or, from [`PurgePlan::report`], would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PurgeReport {
    /// Vault rows deleted because their deadline came (PII values and documents).
    pub pii_rows: u64,
    /// Orders whose PII deadline came.
    pub pii_orders: u64,
    /// Vault rows that could not be decrypted (tampered, corrupt, key lost) and were deleted.
    pub unreadable: u64,
    /// Values whose lease ended but whose deadline is ahead: re-sealed under a later key.
    pub resealed: u64,
    /// Epoch keys destroyed.
    pub epochs_destroyed: Vec<NaiveDate>,
    /// Orders whose PII was kept past the cap because the package is in transit.
    pub extended_in_transit: u64,
    /// Plaintext files of an interrupted print deleted.
    pub plaintext_files: u64,
    /// Temporary keystore or credential files of an interrupted write deleted.
    pub stale_secret_files: u64,
    /// Log files deleted.
    pub log_files: u64,
    /// Run records deleted.
    pub runs: u64,
    /// API call log rows deleted.
    pub api_calls: u64,
    /// Order records past the GST retention period deleted.
    pub orders: u64,
}

impl PurgeReport {
    /// Anything deleted at all.
    pub fn any(&self) -> bool {
        self.pii_rows
            + self.unreadable
            + self.log_files
            + self.runs
            + self.api_calls
            + self.orders
            + self.plaintext_files
            + self.stale_secret_files
            > 0
            || !self.epochs_destroyed.is_empty()
    }
}

/// Everything one purge will do, decided before anything is changed: `dakiya purge --dry-run`
/// prints it, [`apply`] carries it out, so a dry run and a real run cannot disagree.
#[derive(Debug, Default)]
pub struct PurgePlan {
    now: DateTime<Utc>,
    /// Orders still in transit at their deadline: the deadline moves to `in_transit_deadline`.
    in_transit: Vec<String>,
    in_transit_deadline: DateTime<Utc>,
    /// Vault rows `(owner, field)` whose deadline has come.
    due: Vec<(String, String)>,
    due_orders: BTreeSet<String>,
    /// Rows whose lease ends but whose (possibly moved) deadline is ahead, with that deadline.
    renew: Vec<(Sealed, DateTime<Utc>)>,
    /// Rows whose lease ends and that cannot be decrypted: deleted (unreadable anyway).
    unreadable: Vec<(String, String)>,
    /// Epoch keys whose purge time has come.
    epochs: Vec<NaiveDate>,
    plaintext_files: Vec<PathBuf>,
    stale_secret_files: Vec<PathBuf>,
    log_files: Vec<PathBuf>,
    history_cutoff: DateTime<Utc>,
    runs: u64,
    api_calls: u64,
    expired_orders: Vec<String>,
}

impl PurgePlan {
    /// What applying this plan will do.
    pub fn report(&self) -> PurgeReport {
        PurgeReport {
            pii_rows: self.due.len() as u64,
            pii_orders: self.due_orders.len() as u64,
            unreadable: self.unreadable.len() as u64,
            resealed: self.renew.len() as u64,
            epochs_destroyed: self.epochs.clone(),
            extended_in_transit: self.in_transit.len() as u64,
            plaintext_files: self.plaintext_files.len() as u64,
            stale_secret_files: self.stale_secret_files.len() as u64,
            log_files: self.log_files.len() as u64,
            runs: self.runs,
            api_calls: self.api_calls,
            orders: self.expired_orders.len() as u64,
        }
    }
}

/// The last day (inclusive) an order bought at `purchase` must be kept for GST.
pub fn gst_keep_until(purchase: DateTime<Utc>, months: u32) -> NaiveDate {
    let local = purchase.with_timezone(&crate::clock::ist()).date_naive();
    let fy_start = if local.month() >= 4 { local.year() } else { local.year() - 1 };
    // Annual return due 31 December after the financial year ends (FY Apr Y – Mar Y+1).
    let due = NaiveDate::from_ymd_opt(fy_start + 1, 12, 31).unwrap_or(local);
    due.checked_add_months(Months::new(months)).unwrap_or(due)
}

fn dur(d: std::time::Duration) -> Duration {
    Duration::from_std(d).unwrap_or(Duration::days(90))
}

fn files_in(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry?.path();
        if path.is_file() {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// Decide everything a purge at `now` does. Reads only (values whose lease ends are test-opened
/// in memory to tell the unreadable ones).
pub fn plan(store: &Store, vault: &Vault, home: &Path, r: &RetentionConfig, now: DateTime<Utc>) -> anyhow::Result<PurgePlan> {
    let conn = store.conn();
    let today = now.date_naive();
    let mut p = PurgePlan { now, in_transit_deadline: now + Duration::days(7), ..PurgePlan::default() };
    p.plaintext_files = files_in(&crate::docs::print::tmp_dir(home))?;
    p.stale_secret_files = crate::vault::keystore::stale_files(home);

    // "Still in transit" must be known, not remembered: the exception holds only while dakiya
    // has heard from Amazon within the last week. Without Amazon (an outage, revoked
    // credentials, a lockdown) the hard cap applies as written.
    let fresh = sql::last_successful_fetch(conn)?.is_some_and(|t| t > now - Duration::days(7));
    if fresh {
        p.in_transit = sql::in_transit_due(conn, today, IN_TRANSIT)?;
    }
    let moved: BTreeSet<&str> = p.in_transit.iter().map(String::as_str).collect();
    for (sealed, order_deadline) in sql::leases_ending(conn, today)? {
        let deadline =
            if moved.contains(sealed.order_id.as_str()) { p.in_transit_deadline } else { order_deadline.unwrap_or(sealed.deadline) };
        if purge_time(crate::vault::epoch_of(deadline)) <= now {
            p.due_orders.insert(sealed.order_id.clone());
            p.due.push((sealed.order_id, sealed.field));
        } else {
            match vault.open_bytes(&sealed) {
                Ok(_) => p.renew.push((sealed, deadline)),
                Err(err) if err.is_unreadable() => p.unreadable.push((sealed.order_id, sealed.field)),
                Err(err) => return Err(anyhow::Error::new(err).context("cannot plan the purge")),
            }
        }
    }
    p.epochs = vault.keystore().live_epochs().into_iter().filter(|e| purge_time(*e) <= now).collect();

    let log_cutoff = (now - dur(r.logs)).date_naive();
    p.log_files = files_in(&home.join("logs"))?
        .into_iter()
        .filter(|path| {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let date =
                name.strip_prefix("dakiya.").and_then(|rest| rest.get(..10)).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            date.is_some_and(|d| d < log_cutoff)
        })
        .collect();

    p.history_cutoff = now - dur(r.run_history);
    (p.runs, p.api_calls) = sql::history_before(conn, p.history_cutoff)?;
    p.expired_orders = sql::orders_bought_before(conn, now - Duration::days(365 * 6))?
        .into_iter()
        .filter(|(_, purchase)| today > gst_keep_until(*purchase, r.gst_record_months))
        .map(|(id, _)| id)
        .collect();
    Ok(p)
}

/// Carry out a plan. Deletion comes first and never depends on decrypting anything: due rows
/// are deleted (with unreadable ones) and the keys of epochs with nothing left to re-seal are
/// destroyed, in that order; then later rows are re-sealed batch by batch (a value that turns
/// out unreadable is deleted, never an abort); then the remaining ended epochs' keys go. A crash
/// anywhere leaves work the next run's plan finds again.
pub fn apply(store: &Store, vault: &mut Vault, plan: PurgePlan, run_id: Option<&str>) -> anyhow::Result<PurgeReport> {
    let now = plan.now;
    let mut out = plan.report();
    out.resealed = 0;

    // Plaintext labels left by a killed print, and copies of keys left by a killed write.
    for path in &plan.plaintext_files {
        if path.exists() {
            std::fs::remove_file(path).with_context(|| format!("cannot delete leftover {}", path.display()))?;
        }
    }
    for path in &plan.stale_secret_files {
        let removed = if path.is_dir() { std::fs::remove_dir_all(path) } else { std::fs::remove_file(path) };
        removed.with_context(|| format!("cannot delete the leftover key file {}", path.display()))?;
    }

    // 1. Due and unreadable rows go, in one transaction. Only orders whose deadline came are
    // marked purged: an order that lost an unreadable value gets it again from Amazon.
    let due_orders: Vec<String> = plan.due_orders.iter().cloned().collect();
    store.tx(|conn| {
        sql::extend_deadlines(conn, &plan.in_transit, plan.in_transit_deadline)?;
        sql::delete_rows(conn, &plan.due)?;
        sql::delete_rows(conn, &plan.unreadable)?;
        sql::mark_purged(conn, &due_orders, now)?;
        if !plan.unreadable.is_empty() {
            sql::log(conn, now, run_id, "pii_unreadable", plan.unreadable.len() as u64, "")?;
        }
        Ok(())
    })?;
    if !plan.unreadable.is_empty() {
        tracing::error!(
            values = plan.unreadable.len(),
            "Vault values could not be decrypted (tampered, corrupt or key lost) and were deleted; see `dakiya audit`."
        );
    }

    // 2. Keys of ended epochs with nothing left to re-seal: destroyed now.
    let renew_epochs: BTreeSet<NaiveDate> = plan.renew.iter().map(|(s, _)| s.epoch).collect();
    let (free, waiting): (Vec<NaiveDate>, Vec<NaiveDate>) = plan.epochs.iter().partition(|e| !renew_epochs.contains(*e));
    vault.keystore_mut().destroy(&free, now)?;

    // 3. Values with a later deadline move to a later key, batch by batch.
    let mut late_unreadable = Vec::new();
    for batch in plan.renew.chunks(RESEAL_BATCH) {
        let mut sealed = Vec::with_capacity(batch.len());
        for (row, deadline) in batch {
            match vault.reseal(row, *deadline, now) {
                Ok(s) => sealed.push(s),
                Err(err) if err.is_unreadable() => late_unreadable.push((row.order_id.clone(), row.field.clone())),
                // Keys could not be saved: stop here; the rows and their old keys stay for the next run.
                Err(err) => return Err(anyhow::Error::new(err).context("cannot re-seal customer data under a later key")),
            }
        }
        store.tx(|conn| Ok(crate::store::vault::put(conn, &sealed, now)?))?;
        out.resealed += sealed.len() as u64;
    }

    // 4. What is left in the ended epochs cannot be read: deleted; then their keys go.
    store.tx(|conn| {
        sql::delete_rows(conn, &late_unreadable)?;
        if !late_unreadable.is_empty() {
            sql::log(conn, now, run_id, "pii_unreadable", late_unreadable.len() as u64, "")?;
        }
        sql::mark_past_deadline_without_rows(conn, now)?;
        Ok(())
    })?;
    out.unreadable += late_unreadable.len() as u64;
    let in_use: BTreeSet<NaiveDate> = sql::epochs_in_use(store.conn())?.into_iter().collect();
    let (gone, kept): (Vec<NaiveDate>, Vec<NaiveDate>) = waiting.into_iter().partition(|e| !in_use.contains(e));
    vault.keystore_mut().destroy(&gone, now)?;
    if !kept.is_empty() {
        // Never expected (every row of an ended epoch was deleted or re-sealed above).
        out.epochs_destroyed.retain(|e| !kept.contains(e));
        tracing::error!(epochs = kept.len(), "Ended epochs still hold values; their keys are kept until the next run.");
    }

    // 5. Logs, history, GST records, and the purge log.
    for path in &plan.log_files {
        std::fs::remove_file(path).with_context(|| format!("cannot delete old log {}", path.display()))?;
    }
    store.tx(|conn| {
        sql::delete_history_before(conn, plan.history_cutoff)?;
        sql::delete_orders(conn, &plan.expired_orders)?;
        let epochs = out.epochs_destroyed.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(",");
        let lines: [(&str, u64, &str); 7] = [
            ("pii", out.pii_rows, epochs.as_str()),
            ("plaintext_labels", out.plaintext_files, ""),
            ("stale_key_files", out.stale_secret_files, ""),
            ("logs", out.log_files, ""),
            ("run_history", out.runs, ""),
            ("api_calls", out.api_calls, ""),
            ("orders", out.orders, ""),
        ];
        for (rule, n, epochs) in lines {
            if n > 0 || !epochs.is_empty() {
                sql::log(conn, now, run_id, rule, n, epochs)?;
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// Plan and, unless `dry_run`, apply every rule.
pub fn enforce(
    store: &Store,
    vault: &mut Vault,
    home: &Path,
    r: &RetentionConfig,
    now: DateTime<Utc>,
    run_id: Option<&str>,
    dry_run: bool,
) -> anyhow::Result<PurgeReport> {
    let plan = plan(store, vault, home, r, now)?;
    if dry_run {
        return Ok(plan.report());
    }
    apply(store, vault, plan, run_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn gst_retention_runs_72_months_from_the_annual_return_due_date() {
        // FY 2026-27 (April 2026 – March 2027): return due 31 Dec 2027; keep until 31 Dec 2033.
        let april = Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).single().expect("date");
        assert_eq!(gst_keep_until(april, 72), NaiveDate::from_ymd_opt(2033, 12, 31).expect("date"));
        let march = Utc.with_ymd_and_hms(2027, 3, 31, 12, 0, 0).single().expect("date");
        assert_eq!(gst_keep_until(march, 72), NaiveDate::from_ymd_opt(2033, 12, 31).expect("date"));
        // 31 March 18:31 UTC is already 1 April in India: the next financial year.
        let late = Utc.with_ymd_and_hms(2027, 3, 31, 18, 31, 0).single().expect("date");
        assert_eq!(gst_keep_until(late, 72), NaiveDate::from_ymd_opt(2034, 12, 31).expect("date"));
    }
}
