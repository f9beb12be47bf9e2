//! `dakiya audit [--json]`: the compliance report (`crate::audit`); exit 1 when something needs
//! the seller.

#![allow(clippy::print_stdout)]

use crate::outcome::Outcome;
use crate::session::Session;

/// `dakiya audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// Print the report.
pub fn exec(session: &Session, args: AuditArgs) -> anyhow::Result<Outcome> {
    let now = session.clock.now();
    let (_lock, store, vault) = super::open(session)?;
    let report = crate::audit::report(session, &store, &vault, now)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("dakiya audit, {}", now.format("%Y-%m-%d %H:%M UTC"));
        println!(
            "  customer PII in the vault: {} values; oldest deadline {}",
            report.vault_values,
            report.oldest_pii_deadline.map_or_else(|| "-".into(), |d| d.to_string())
        );
        for (epoch, n) in &report.epochs {
            println!("    epoch {epoch}: {n}");
        }
        println!("  past their deadline: {}   kept past the 60-day cap (in transit): {}", report.overdue_values, report.kept_in_transit);
        println!("  labels: {} encrypted, {} plaintext files", report.encrypted_labels, report.plaintext_label_files);
        println!("  oldest log file: {}", report.oldest_log.as_deref().unwrap_or("-"));
        println!(
            "  credentials: {}{}",
            report.credentials,
            report.client_secret_age_days.map_or_else(String::new, |d| format!("; client secret {d} days old (Amazon: rotate every 180)"))
        );
        println!(
            "  keys: {} protection, customer-data keys rotated {} days ago (rotate yearly)",
            report.key_protection, report.key_age_days
        );
        println!(
            "  backup key: {} (never rotated, so old backups stay readable; it never protects customer-data keys)",
            report.backup_key_age_days.map_or_else(|| "none yet".to_owned(), |d| format!("{d} days old"))
        );
        println!(
            "  leftover key files: {}   undecryptable values deleted (30 days): {}",
            report.stale_key_files.len(),
            report.unreadable_values_deleted_30d
        );
        println!("  database encryption: {}", report.database_encryption);
        println!("  locked down: {}", report.locked_down);
        if report.os_checks.is_empty() {
            println!("  operating system: not Windows here; BitLocker, firewall, auto-lock, Remote Desktop and the folder's ACL are checked on Windows");
        }
        for c in &report.os_checks {
            let (state, detail) = match &c.finding {
                crate::osprobe::Finding::Ok(d) => ("ok", d),
                crate::osprobe::Finding::Problem(d) => ("PROBLEM", d),
                crate::osprobe::Finding::Unknown(d) => ("unknown", d),
            };
            println!("  {:<8} {}: {detail}", state, c.name);
        }
        if report.problems.is_empty() {
            println!("  problems: none");
        }
        for p in &report.problems {
            println!("  PROBLEM: {p}");
        }
    }
    Ok(if report.problems.is_empty() { Outcome::Done } else { Outcome::Partial })
}
