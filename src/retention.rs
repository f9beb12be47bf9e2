//! Every retention rule of spec section 5, enforced by the `retain` stage on every run and by
//! `dakiya purge`. Cheap when nothing is due.
//!
//! - Customer PII (vault rows, labels): each value's key is a lease of at most a week. When a
//!   lease ends, a value whose deadline is still ahead is re-sealed under a later epoch; a value
//!   whose deadline has come is deleted; then the ended epochs' keys are destroyed. Old copies of
//!   the database, its WAL and backups so become unreadable within a week (crypto-shredding).
//!   PII of a package still in transit at its hard cap keeps a deadline a week ahead (shown in
//!   `dakiya audit`).
//! - Plaintext label files: none may survive a run; leftovers of a killed run are deleted.
//! - Order records: kept until `gst_record_months` after the annual-return due date of their
//!   financial year (31 December after the year ends), then deleted.
//! - Logs, run history, API call log: deleted after their periods.
//!
//! Each rule writes a PII-free line to `purge_log`: what, how many, which epochs were destroyed.

use std::path::Path;

use anyhow::Context as _;
use chrono::{DateTime, Datelike as _, Duration, Months, NaiveDate, Utc};
use duckdb::params;

use crate::config::RetentionConfig;
use crate::store::vault as store_vault;
use crate::store::Store;
use crate::vault::{purge_time, Vault};

/// Statuses of a package on its way (PII still needed if the carrier calls).
const IN_TRANSIT: &[&str] = &["PICKED_UP", "DROPPED_OFF", "AT_ORIGIN_FC", "AT_DESTINATION_FC", "OUT_FOR_DELIVERY", "RETURNING_TO_SELLER", "IN_TRANSIT"];

/// What a purge did (or would do, in a dry run).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PurgeReport {
    /// Vault rows deleted (PII values and documents).
    pub pii_rows: u64,
    /// Orders whose PII is now gone.
    pub pii_orders: u64,
    /// Epoch keys destroyed.
    pub epochs_destroyed: Vec<NaiveDate>,
    /// Orders whose PII was kept past the cap because the package is in transit.
    pub extended_in_transit: u64,
    /// Plaintext files of an interrupted print deleted.
    pub plaintext_files: u64,
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
        self.pii_rows + self.log_files + self.runs + self.api_calls + self.orders + self.plaintext_files > 0 || !self.epochs_destroyed.is_empty()
    }
}

/// The last day (inclusive) an order bought at `purchase` must be kept for GST.
pub fn gst_keep_until(purchase: DateTime<Utc>, months: u32) -> NaiveDate {
    let local = purchase.with_timezone(&crate::sandbox::world::ist()).date_naive();
    let fy_start = if local.month() >= 4 { local.year() } else { local.year() - 1 };
    // Annual return due 31 December after the financial year ends (FY Apr Y – Mar Y+1).
    let due = NaiveDate::from_ymd_opt(fy_start + 1, 12, 31).unwrap_or(local);
    due.checked_add_months(Months::new(months)).unwrap_or(due)
}

fn dur(d: std::time::Duration) -> Duration {
    Duration::from_std(d).unwrap_or(Duration::days(90))
}

/// Enforce every rule. With `dry_run`, count only.
pub fn enforce(
    store: &Store,
    vault: &mut Vault,
    home: &Path,
    r: &RetentionConfig,
    now: DateTime<Utc>,
    run_id: Option<&str>,
    dry_run: bool,
) -> anyhow::Result<PurgeReport> {
    let mut out = PurgeReport::default();
    let conn = store.conn();
    let today = now.date_naive();

    // Plaintext labels left by a killed print.
    if dry_run {
        let dir = crate::docs::print::tmp_dir(home);
        out.plaintext_files = if dir.is_dir() { std::fs::read_dir(&dir)?.count() as u64 } else { 0 };
    } else {
        out.plaintext_files = crate::docs::print::sweep(home)? as u64;
    }

    // PII of packages still in transit at their deadline: the deadline moves forward a week.
    let in_transit_due: Vec<String> = {
        let list = IN_TRANSIT.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ");
        let mut stmt = conn.prepare(&format!(
            "SELECT DISTINCT o.order_id FROM orders o JOIN vault v USING (order_id)
             WHERE o.pii_deadline IS NOT NULL AND CAST(o.pii_deadline AS DATE) <= ? AND o.delivered_at IS NULL AND o.ended_at IS NULL
               AND o.easy_ship_status IN ({list})"
        ))?;
        let rows = stmt.query_map(params![today], |row| row.get::<_, String>(0))?;
        rows.collect::<Result<Vec<_>, _>>()?
    };
    out.extended_in_transit = in_transit_due.len() as u64;
    if !dry_run && !in_transit_due.is_empty() {
        let new_deadline = now + Duration::days(7);
        store.tx(|conn| {
            let mut stmt = conn.prepare("UPDATE orders SET pii_deadline = ? WHERE order_id = ?")?;
            for order_id in &in_transit_due {
                stmt.execute(params![new_deadline, order_id])?;
            }
            Ok(())
        })?;
    }

    // Leases that end today: values whose deadline is still ahead are re-sealed under a later
    // epoch; the rest are due.
    let leases_ending: Vec<(crate::vault::Sealed, Option<DateTime<Utc>>)> = {
        let mut stmt = conn.prepare(
            "SELECT v.order_id, v.field, v.key_id, v.epoch, v.deadline, v.nonce, v.ciphertext, o.pii_deadline
             FROM vault v LEFT JOIN orders o USING (order_id) WHERE v.epoch <= ?",
        )?;
        let rows = stmt.query_map(params![today], |r| {
            Ok((
                crate::vault::Sealed { order_id: r.get(0)?, field: r.get(1)?, key_id: r.get(2)?, epoch: r.get(3)?, deadline: r.get(4)?, nonce: r.get(5)?, ciphertext: r.get(6)? },
                r.get::<_, Option<DateTime<Utc>>>(7)?,
            ))
        })?;
        rows.collect::<Result<Vec<_>, _>>()?
    };
    let mut renewed = Vec::new();
    let mut due_rows = 0u64;
    let mut due_orders = std::collections::BTreeSet::new();
    for (sealed, order_deadline) in &leases_ending {
        let deadline = order_deadline.unwrap_or(sealed.deadline);
        if purge_time(crate::vault::epoch_of(deadline)) > now {
            if !dry_run {
                renewed.push(vault.reseal(sealed, deadline, now)?);
            }
        } else {
            due_rows += 1;
            due_orders.insert(sealed.order_id.clone());
        }
    }
    if !renewed.is_empty() {
        store.tx(|conn| Ok(store_vault::put(conn, &renewed, now)?))?;
    }
    let due_epochs: Vec<NaiveDate> = vault.keystore().live_epochs().into_iter().filter(|e| purge_time(*e) <= now).collect();
    out.pii_rows = due_rows;
    out.pii_orders = due_orders.len() as u64;
    out.epochs_destroyed = due_epochs.clone();
    if !dry_run && (due_rows > 0 || !due_epochs.is_empty()) {
        store.tx(|conn| {
            conn.execute(
                "UPDATE orders SET pii_purged_at = ? WHERE pii_purged_at IS NULL AND order_id IN (SELECT order_id FROM vault WHERE epoch <= ?)",
                params![now, today],
            )?;
            conn.execute(
                "UPDATE packages SET docs_state = 'purged' WHERE docs_state IN ('stored', 'requested') AND order_id IN (SELECT order_id FROM orders WHERE pii_purged_at IS NOT NULL)",
                [],
            )?;
            conn.execute("DELETE FROM vault WHERE epoch <= ?", params![today])?;
            Ok(())
        })?;
        // Rows first, keys second: a crash between leaves rows nobody can read, and the next
        // run destroys the keys.
        vault.keystore_mut().destroy(&due_epochs, now)?;
    }
    // Orders past their deadline that never had vault rows are marked too (nothing to delete).
    if !dry_run {
        conn.execute(
            "UPDATE orders SET pii_purged_at = ? WHERE pii_purged_at IS NULL AND pii_deadline IS NOT NULL AND pii_deadline <= ?
               AND order_id NOT IN (SELECT order_id FROM vault)",
            params![now, now],
        )?;
    }

    // Logs.
    let log_dir = home.join("logs");
    let log_cutoff = (now - dur(r.logs)).date_naive();
    if log_dir.is_dir() {
        for entry in std::fs::read_dir(&log_dir)? {
            let path = entry?.path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let date = name.strip_prefix("dakiya.").and_then(|rest| rest.get(..10)).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            if date.is_some_and(|d| d < log_cutoff) {
                out.log_files += 1;
                if !dry_run {
                    std::fs::remove_file(&path).with_context(|| format!("cannot delete old log {}", path.display()))?;
                }
            }
        }
    }

    // Run history and API call log.
    let history_cutoff = now - dur(r.run_history);
    out.runs = conn.query_row("SELECT count(*) FROM runs WHERE started_at < ?", params![history_cutoff], |row| row.get::<_, i64>(0))? as u64;
    out.api_calls = conn.query_row("SELECT count(*) FROM api_calls WHERE called_at < ?", params![history_cutoff], |row| row.get::<_, i64>(0))? as u64;

    // Order records past the GST retention period.
    let expired: Vec<String> = {
        let mut stmt = conn.prepare("SELECT order_id, purchase_date FROM orders WHERE purchase_date < ?")?;
        let oldest_possible = now - Duration::days(365 * 6);
        let rows = stmt.query_map(params![oldest_possible], |row| Ok((row.get::<_, String>(0)?, row.get::<_, DateTime<Utc>>(1)?)))?;
        let mut expired = Vec::new();
        for row in rows {
            let (id, purchase) = row?;
            if today > gst_keep_until(purchase, r.gst_record_months) {
                expired.push(id);
            }
        }
        expired
    };
    out.orders = expired.len() as u64;

    if !dry_run {
        store.tx(|conn| {
            conn.execute("DELETE FROM run_stages WHERE run_id IN (SELECT run_id FROM runs WHERE started_at < ?)", params![history_cutoff])?;
            conn.execute("DELETE FROM runs WHERE started_at < ?", params![history_cutoff])?;
            conn.execute("DELETE FROM api_calls WHERE called_at < ?", params![history_cutoff])?;
            for table in ["order_items", "packages", "quarantine", "vault", "orders"] {
                let mut stmt = conn.prepare(&format!("DELETE FROM {table} WHERE order_id = ?"))?;
                for id in &expired {
                    stmt.execute([id])?;
                }
            }
            let epochs = out.epochs_destroyed.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(",");
            let lines: [(&str, u64, &str); 6] = [
                ("pii", out.pii_rows, epochs.as_str()),
                ("plaintext_labels", out.plaintext_files, ""),
                ("logs", out.log_files, ""),
                ("run_history", out.runs, ""),
                ("api_calls", out.api_calls, ""),
                ("orders", out.orders, ""),
            ];
            let mut stmt = conn.prepare("INSERT INTO purge_log (purged_at, run_id, rule, n_rows, epochs, dry_run) VALUES (?, ?, ?, ?, ?, false)")?;
            for (rule, n, epochs) in lines {
                if n > 0 || !epochs.is_empty() {
                    stmt.execute(params![now, run_id, rule, n as i64, epochs])?;
                }
            }
            Ok(())
        })?;
    }
    Ok(out)
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
