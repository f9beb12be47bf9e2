//! `dakiya lockdown [--shred-pii]` and `dakiya unlock`: the incident switch of policy section 11
//! (`crate::lockdown`).

#![allow(clippy::print_stdout)]

use crate::lockdown::STEPS;
use crate::outcome::Outcome;
use crate::session::Session;

/// `dakiya lockdown`.
#[derive(Debug, clap::Args)]
pub struct LockdownArgs {
    /// Also crypto-shred every piece of customer PII now.
    #[arg(long)]
    pub shred_pii: bool,
}

/// Lock down and print the steps the policy requires next.
pub fn exec(session: &Session, args: LockdownArgs) -> anyhow::Result<Outcome> {
    let report = crate::lockdown::lock_down(session, args.shred_pii)?;
    println!("LOCKED DOWN. Runs now only apply the retention rules and exit with code 5 until `dakiya unlock`.");
    println!("  stored credentials destroyed: {}", report.incident.credentials_destroyed);
    println!("  plaintext label files and interrupted key writes deleted: {} / {}", report.plaintext_files, report.stale_key_files);
    println!("  all customer PII crypto-shredded: {}", report.incident.pii_shredded);
    println!("Now, as the data-handling policy (section 11) requires:");
    for (i, step) in STEPS.iter().enumerate() {
        println!("  {}. {step}", i + 1);
    }
    Ok(Outcome::Done)
}

/// `dakiya unlock`.
pub fn unlock(session: &Session) -> anyhow::Result<Outcome> {
    if crate::lockdown::unlock(session.home())? {
        println!(
            "Unlocked. Store new credentials with `dakiya credentials set` before the next run; the incident record stays in {}.",
            session.home().join("incidents").display()
        );
    } else {
        println!("Not locked down.");
    }
    Ok(Outcome::Done)
}
