//! `dakiya run [PIPELINE]`: what Task Scheduler starts every hour.

#![allow(clippy::print_stdout)]

use std::path::PathBuf;

use crate::outcome::Outcome;
use crate::pipeline::{self, DEFAULT_PIPELINE};
use crate::runner::{self, RunEnv};
use crate::session::{self, Session};
use crate::store::{Store, DB_FILE};
use crate::{lock, telemetry};

/// `dakiya run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Pipeline file.
    #[arg(default_value = DEFAULT_PIPELINE)]
    pub pipeline: PathBuf,
    /// Only read from Amazon (search, slots) and print what would be booked or held; nothing is
    /// booked, requested or stored (except the PII-free observations of Amazon's answers).
    #[arg(long)]
    pub dry_run: bool,
}

/// Validate, lock, log, open the store and vault, run, print the summary.
///
/// Retention is applied on every run that finds a database, whatever else happens: a pipeline
/// file that does not validate (exit 2 after retention), no credentials or Amazon unreachable
/// (exit 3 after retention), a lockdown (exit 5 after retention). Only an invalid app config, a
/// second run holding the lock, or keys that cannot be opened stop it.
pub fn exec(session: &Session, args: RunArgs) -> anyhow::Result<Outcome> {
    if args.dry_run {
        return dry_run(session, &args);
    }
    let (home, config) = (session.home(), &session.config);
    let invalid = pipeline::invalid;
    let (plan, invalid_pipeline) = match pipeline::load(&args.pipeline) {
        Ok(plan) => (plan, None),
        // A broken pipeline file never stops deletion: with a database there, retention runs.
        Err(diags) if home.join(DB_FILE).is_file() => (pipeline::Pipeline::retain_only(&args.pipeline), Some(invalid(diags))),
        Err(diags) => return Err(invalid(diags)),
    };
    // Config problems (e.g. the test key outside sandbox mode) are found before anything is touched.
    session::check_protection(config)?;
    if let Some(n) = config.testing.pause_at.filter(|_| config.spapi.sandbox) {
        crate::testing::arm(n);
    }
    crate::home::ensure(home)?;
    let _lock = lock::try_acquire(home)?;
    let _log = telemetry::init(&config.log, Some(&home.join("logs")))?;
    session.sweep_stale_secrets();
    let store = Store::open(home)?;
    let mut vault = session.open_vault(&store)?;
    // No client while locked down or without a valid pipeline; a client that cannot be built
    // stops the Amazon stages, not retention.
    let (api, api_error) = if invalid_pipeline.is_some() || crate::lockdown::is_locked_down(home) {
        (None, None)
    } else {
        match session.client() {
            Ok(api) => (api, None),
            Err(err) => (None, Some(err)),
        }
    };
    let started = session.clock.now();
    let held_before: std::collections::BTreeSet<String> = store.held_orders()?.into_iter().map(|(id, _, _)| id).collect();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let mut env = RunEnv { store: &store, clock: session.clock.as_ref(), config, home, api: api.as_ref(), api_error, vault: &mut vault };
    let finished = rt.block_on(runner::run_to_end(&plan, &mut env))?;
    print!("{}", finished.report.summary());
    let failure = match (&invalid_pipeline, &finished.error) {
        (Some(_), _) => Some("the pipeline file is invalid; only the retention rules were applied (`dakiya validate`)".to_owned()),
        (None, Some(err)) => Some(format!("{err:#}").lines().next().unwrap_or_default().to_owned()),
        (None, None) => None,
    };
    nudge(session, &store, &vault, (started, &held_before), failure);
    if let Some(err) = invalid_pipeline {
        return Err(err.context("the pipeline file is invalid; only the retention rules were applied"));
    }
    match finished.error {
        Some(err) => Err(err),
        None => Ok(finished.report.outcome()),
    }
}

/// `[notify]`: tell the seller what this run left for them. Never fails the run.
fn nudge(
    session: &Session,
    store: &Store,
    vault: &crate::vault::Vault,
    (started, held_before): (chrono::DateTime<chrono::Utc>, &std::collections::BTreeSet<String>),
    failure: Option<String>,
) {
    let config = &session.config.notify;
    if config.command.is_none() {
        return;
    }
    let facts = (|| -> anyhow::Result<crate::notify::Facts> {
        let now = session.clock.now();
        let held = store.held_orders()?;
        let soon = now + chrono::Duration::hours(i64::from(config.label_hours));
        let labels_due = crate::store::orders::needs_attention(store.conn(), soon)?
            .into_iter()
            .filter(|l| l.reason.contains("label") && l.pickup.is_some_and(|p| p <= soon))
            .map(|l| (l.order_id, l.reason))
            .collect();
        let audit = crate::audit::report(session, store, vault, now)?;
        Ok(crate::notify::Facts {
            new_held: held.into_iter().filter(|(id, _, _)| !held_before.contains(id)).map(|(id, why, _)| (id, why)).collect(),
            labels_due,
            failure,
            overdue_values: audit.overdue_values,
            purged_late: crate::store::retention::purged_late_since(store.conn(), started)?,
            audit_problems: audit.needs_seller().into_iter().filter(|p| !p.contains("past their purge deadline")).collect(),
        })
    })();
    let lines = match facts {
        Ok(facts) => crate::notify::lines(&facts),
        Err(err) => vec![format!("dakiya could not check what needs you: {err:#}")],
    };
    if lines.is_empty() {
        return;
    }
    match crate::notify::send(config, &lines) {
        Ok(()) => tracing::info!(lines = lines.len(), "Notified the seller."),
        Err(err) => tracing::warn!(error = %format!("{err:#}"), "The notify command failed; the run is not affected."),
    }
}

/// `dakiya run --dry-run`: reads only, prints per order what a run would do.
fn dry_run(session: &Session, args: &RunArgs) -> anyhow::Result<Outcome> {
    let plan = pipeline::load_or_invalid(&args.pipeline)?;
    session::check_protection(&session.config)?;
    let home = session.home();
    crate::home::ensure(home)?;
    let _lock = lock::try_acquire(home)?;
    let store = if home.join(DB_FILE).is_file() { Some(Store::open_read_only(&home.join(DB_FILE))?) } else { None };
    let api = session.client()?.ok_or_else(|| anyhow::Error::new(crate::spapi::Error::NoCredentials))?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let now = session.clock.now();
    let lines = rt.block_on(crate::preview::preview(&plan, &api, store.as_ref(), now))?;
    api.observations().save(home)?;
    println!(
        "Dry run of {} at {} (nothing booked, requested or stored):",
        plan.name,
        now.with_timezone(&crate::clock::ist()).format("%d %b %H:%M IST")
    );
    println!("  {:<22} {:<10} {:>8}  {:<24} note", "order", "box", "grams", "pickup slot (IST)");
    let mut would_hold = false;
    for line in &lines {
        let slot = line.slot.as_ref().map_or_else(
            || "-".to_owned(),
            |(start, method)| format!("{} {method}", start.with_timezone(&crate::clock::ist()).format("%a %d %b %H:%M")),
        );
        would_hold |= line.note.as_deref().is_some_and(|n| n.starts_with("would be held") || n.starts_with("would be quarantined"));
        println!(
            "  {:<22} {:<10} {:>8}  {:<24} {}",
            line.order_id,
            line.box_name.as_deref().unwrap_or("-"),
            line.weight_g.map_or_else(|| "-".to_owned(), |w| format!("{w:.0}")),
            slot,
            line.note.as_deref().unwrap_or("")
        );
    }
    if lines.is_empty() {
        println!("  no order to book");
    }
    println!("What Amazon's answers showed (PII-free) is in {}.", home.join(crate::spapi::observe::OBSERVATIONS_FILE).display());
    Ok(if would_hold { Outcome::Partial } else { Outcome::Done })
}
