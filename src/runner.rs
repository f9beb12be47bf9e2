//! Runs a validated pipeline: records the run, runs each stage in order inside its own span,
//! records each stage's counts and duration, and returns the run report.
//!
//! The caller holds the run lock. A stage error stops the stages after it (it is recorded as failed
//! and returned: exit 3), and so do a missing SP-API session and a lockdown that begins during the
//! run (checked at every stage boundary: exit 5). **Retention runs in every case**: where the
//! pipeline lists `retain`, or at the end, or in place of the stages that did not run, with the
//! pipeline's `[retain]` options or their defaults. Deletion of customer data so never waits for
//! Amazon. Orders a stage holds are reported and make the outcome partial (exit 1) without
//! stopping the run.

use std::path::Path;
use std::time::Instant;

use anyhow::Context as _;
use tracing::Instrument as _;

use crate::clock::Clock;
use crate::config::AppConfig;
use crate::outcome::{LockedDown, Outcome};
use crate::pipeline::Pipeline;
use crate::spapi::SpApi;
use crate::stage::{RunCtx, StageKind, StagePlan, StageReport};
use crate::store::runs::{RunOutcome, StageRecord};
use crate::store::Store;
use crate::vault::Vault;

/// What a run did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunReport {
    /// Run id.
    pub run_id: String,
    /// Pipeline name.
    pub pipeline: String,
    /// Per stage: name, report, milliseconds.
    pub stages: Vec<(String, StageReport, u64)>,
}

impl RunReport {
    /// Partial when any stage held an order.
    pub fn outcome(&self) -> Outcome {
        if self.stages.iter().any(|(_, report, _)| !report.held.is_empty()) {
            Outcome::Partial
        } else {
            Outcome::Done
        }
    }

    /// A short human summary for the end of a run.
    pub fn summary(&self) -> String {
        let mut out = format!("run {} ({})\n", self.run_id, self.pipeline);
        for (stage, report, ms) in &self.stages {
            let counts: Vec<String> = report.counts.iter().map(|(k, v)| format!("{k}={v}")).collect();
            out.push_str(&format!("  {stage:<9} {ms:>6} ms  {}\n", counts.join(" ")));
            for held in &report.held {
                out.push_str(&format!("    held {}: {}\n", held.order_id, held.reason));
            }
        }
        out
    }
}

/// Everything a run needs besides the plan.
pub struct RunEnv<'a> {
    /// The open store.
    pub store: &'a Store,
    /// The clock.
    pub clock: &'a dyn Clock,
    /// App config.
    pub config: &'a AppConfig,
    /// Data directory.
    pub home: &'a Path,
    /// The SP-API client, when credentials are available.
    pub api: Option<&'a SpApi>,
    /// Why there is no client although one was wanted (damaged credential store, bad endpoint):
    /// the stages that talk to Amazon do not start, retention still runs, the run fails with it.
    pub api_error: Option<anyhow::Error>,
    /// The vault.
    pub vault: &'a mut Vault,
}

/// A run that went to its end: the report, and the error that stopped its Amazon stages, if any.
/// Retention ran in either case.
#[derive(Debug)]
pub struct Finished {
    /// What the stages did.
    pub report: RunReport,
    /// The first failure (a stage error, no session, a lockdown); `None` when all went well.
    pub error: Option<anyhow::Error>,
}

/// Run `plan` once. Retention runs even when an earlier stage failed; the first failure is
/// returned after it.
pub async fn run(plan: &Pipeline, env: &mut RunEnv<'_>) -> anyhow::Result<RunReport> {
    let finished = run_to_end(plan, env).await?;
    match finished.error {
        Some(err) => Err(err),
        None => Ok(finished.report),
    }
}

/// Run `plan` once and always apply retention: after the listed stages, or, when a stage failed,
/// the session could not be built or a lockdown began, instead of the stages still to come.
/// `Err` only when the run itself cannot be recorded (the database is gone).
pub async fn run_to_end(plan: &Pipeline, env: &mut RunEnv<'_>) -> anyhow::Result<Finished> {
    let run_id = uuid::Uuid::new_v4().simple().to_string();
    let span = tracing::info_span!("run", run_id = %run_id, pipeline = %plan.name);
    run_inner(plan, env, run_id).instrument(span).await
}

/// The `[retain]` options of a plan, or the defaults when the plan does not list `retain`.
fn retain_config(plan: &Pipeline) -> StagePlan {
    plan.stage(StageKind::Retain).cloned().unwrap_or(StagePlan::Retain(crate::stage::retain::RetainPlan { checkpoint: true }))
}

async fn run_inner(plan: &Pipeline, env: &mut RunEnv<'_>, run_id: String) -> anyhow::Result<Finished> {
    env.store.run_started(&run_id, &plan.name, env.clock.now()).context("cannot record the run start")?;
    // Rate limits carry over from earlier runs (Amazon's buckets do not refill between them).
    if let Some(api) = env.api {
        let now = env.clock.now();
        let history: Vec<(crate::spapi::limits::Op, chrono::DateTime<chrono::Utc>)> = env
            .store
            .calls_since(now - chrono::Duration::hours(2))
            .context("cannot read the API call log")?
            .into_iter()
            .filter_map(|(name, at)| crate::spapi::limits::Op::from_name(&name).map(|op| (op, at)))
            .collect();
        api.limits().carry_over(&history, now);
    }
    tracing::info!(stages = plan.stages.len(), "Run started.");
    let mut report = RunReport { run_id: run_id.clone(), pipeline: plan.name.clone(), stages: Vec::new() };
    let mut error: Option<(&'static str, anyhow::Error)> = None;
    let mut retained = false;
    let mut seq = 0usize;
    for stage in &plan.stages {
        let kind = stage.kind();
        if kind != StageKind::Retain {
            // A lockdown that began during the run stops it at the next stage boundary.
            if crate::lockdown::is_locked_down(env.home) {
                tracing::error!(stage = kind.name(), "Locked down: no further stage talks to Amazon; retention still runs.");
                error = Some(("locked_down", anyhow::Error::new(LockedDown)));
                break;
            }
            if let Some(err) = env.api_error.take() {
                let class = error_class(&err);
                record_stage(env, &run_id, seq, kind, env.clock.now(), 0, RunOutcome::Failed, &StageReport::default())?;
                seq += 1;
                tracing::error!(stage = kind.name(), error_class = class, error = %format!("{err:#}"), "No SP-API session; stages that need Amazon do not run; retention still runs.");
                error = Some((class, err.context("cannot reach the Selling Partner API")));
                break;
            }
        }
        let result = run_stage(plan, stage, env, &run_id, seq, &mut report).await;
        seq += 1;
        if kind == StageKind::Retain {
            retained = true;
        }
        let err = match result {
            Ok(Ok(())) => continue,
            Ok(Err(err)) => err.context(format!("stage `{kind}` failed")),
            // The stage's record could not be written: stop, but still try retention.
            Err(err) => err,
        };
        let class = error_class(&err);
        tracing::error!(stage = kind.name(), error_class = class, error = %format!("{err:#}"), "Stage failed; the stages after it do not run; retention still runs.");
        error = Some((class, err));
        break;
    }
    // Retention never waits for Amazon, for a failed stage or for a lockdown.
    if !retained {
        let retain = retain_config(plan);
        if let Err(err) = run_stage(plan, &retain, env, &run_id, seq, &mut report).await? {
            let class = error_class(&err);
            tracing::error!(stage = "retain", error_class = class, error = %format!("{err:#}"), "Retention failed.");
            if error.is_none() {
                error = Some((class, err.context("stage `retain` failed")));
            }
        }
    }
    let (outcome, class) = match (&error, report.outcome()) {
        (Some((class, _)), _) => (RunOutcome::Failed, Some(*class)),
        (None, Outcome::Done) => (RunOutcome::Done, None),
        (None, Outcome::Partial) => (RunOutcome::Partial, None),
    };
    env.store.run_finished(&run_id, env.clock.now(), outcome, class).context("cannot record the run end")?;
    if let Some(api) = env.api {
        if let Err(err) = api.observations().save(env.home) {
            tracing::warn!(error = %format!("{err:#}"), "Cannot write the observations of Amazon's answers.");
        }
    }
    tracing::info!(outcome = outcome.as_str(), "Run finished.");
    Ok(Finished { report, error: error.map(|(_, err)| err) })
}

/// Run one stage and record it. The outer `Result` fails only when the record cannot be written;
/// the inner one is the stage's own result.
async fn run_stage(
    plan: &Pipeline,
    stage: &StagePlan,
    env: &mut RunEnv<'_>,
    run_id: &str,
    seq: usize,
    report: &mut RunReport,
) -> anyhow::Result<anyhow::Result<()>> {
    let kind = stage.kind();
    crate::testing::checkpoint(kind.name());
    let started_at = env.clock.now();
    let timer = Instant::now();
    let mut ctx = RunCtx {
        run_id,
        store: env.store,
        clock: env.clock,
        config: env.config,
        home: env.home,
        catalog: plan.catalog.as_deref(),
        api: env.api,
        vault: &mut *env.vault,
        collect_pii: plan.collect_pii,
    };
    let result = stage.run(&mut ctx).instrument(tracing::info_span!("stage", stage = kind.name())).await;
    let ms = timer.elapsed().as_millis() as u64;
    if let Some(api) = env.api {
        let calls = api.drain_calls();
        env.store.record_calls(run_id, &calls).context("cannot record the API call log")?;
    }
    Ok(match result {
        Ok(stage_report) => {
            let outcome = if stage_report.held.is_empty() { RunOutcome::Done } else { RunOutcome::Partial };
            record_stage(env, run_id, seq, kind, started_at, ms, outcome, &stage_report)?;
            tracing::info!(stage = kind.name(), duration_ms = ms, held = stage_report.held.len(), "Stage finished.");
            // One concise line per held order (dakiya's own reasons: no PII).
            for held in &stage_report.held {
                tracing::warn!(stage = kind.name(), order_id = %held.order_id, reason = %held.reason, "Order held.");
            }
            report.stages.push((kind.name().to_owned(), stage_report, ms));
            Ok(())
        }
        Err(err) => {
            record_stage(env, run_id, seq, kind, started_at, ms, RunOutcome::Failed, &StageReport::default())?;
            Err(err)
        }
    })
}

#[allow(clippy::too_many_arguments)]
fn record_stage(
    env: &mut RunEnv<'_>,
    run_id: &str,
    seq: usize,
    kind: StageKind,
    started_at: chrono::DateTime<chrono::Utc>,
    ms: u64,
    outcome: RunOutcome,
    report: &StageReport,
) -> anyhow::Result<()> {
    let counts_json = serde_json::to_string(&report.counts)?;
    let rec = StageRecord {
        seq: seq as i32,
        stage: kind.name(),
        started_at,
        duration_ms: ms as i64,
        outcome,
        counts_json: &counts_json,
        held: report.held.len() as i32,
    };
    env.store.stage_finished(run_id, &rec).context("cannot record a stage")?;
    Ok(())
}

/// A short, PII-free class name for an error, for the run record and logs.
pub fn error_class(err: &anyhow::Error) -> &'static str {
    for cause in err.chain() {
        if cause.is::<crate::store::StoreError>() || cause.is::<duckdb::Error>() {
            return "database";
        }
        if let Some(err) = cause.downcast_ref::<crate::spapi::Error>() {
            return match err.class() {
                "no_credentials" => "spapi_no_credentials",
                "auth" => "spapi_auth",
                "throttled" => "spapi_throttled",
                "transport" => "spapi_transport",
                "decode" => "spapi_decode",
                "insecure_endpoint" => "spapi_insecure_endpoint",
                _ => "spapi",
            };
        }
        if cause.is::<crate::vault::VaultError>() || cause.is::<crate::vault::keystore::KeystoreError>() {
            return "keys";
        }
    }
    "runtime"
}
