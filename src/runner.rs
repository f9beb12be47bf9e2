//! Runs a validated pipeline: records the run, runs each stage in order inside its own span,
//! records each stage's counts and duration, and returns the run report.
//!
//! The caller holds the run lock. A stage error stops the run (it is recorded as failed and the
//! error propagates: exit 3); orders a stage holds are reported and make the outcome partial
//! (exit 1) without stopping the run.

use std::path::Path;
use std::time::Instant;

use anyhow::Context as _;
use tracing::Instrument as _;

use crate::clock::Clock;
use crate::config::AppConfig;
use crate::outcome::Outcome;
use crate::pipeline::Pipeline;
use crate::stage::{RunCtx, StageKind, StageReport};
use crate::store::runs::{RunOutcome, StageRecord};
use crate::spapi::SpApi;
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
    /// The vault.
    pub vault: &'a mut Vault,
}

/// Run `plan` once.
pub async fn run(plan: &Pipeline, env: &mut RunEnv<'_>) -> anyhow::Result<RunReport> {
    let run_id = uuid::Uuid::new_v4().simple().to_string();
    let span = tracing::info_span!("run", run_id = %run_id, pipeline = %plan.name);
    run_inner(plan, env, run_id).instrument(span).await
}

async fn run_inner(plan: &Pipeline, env: &mut RunEnv<'_>, run_id: String) -> anyhow::Result<RunReport> {
    env.store.run_started(&run_id, &plan.name, env.clock.now()).context("cannot record the run start")?;
    tracing::info!(stages = plan.stages.len(), "Run started.");
    let mut report = RunReport { run_id: run_id.clone(), pipeline: plan.name.clone(), stages: Vec::new() };
    for (seq, stage) in plan.stages.iter().enumerate() {
        let kind = stage.kind();
        crate::testing::checkpoint(kind.name());
        let started_at = env.clock.now();
        let timer = Instant::now();
        let mut ctx = RunCtx {
            run_id: &run_id,
            store: env.store,
            clock: env.clock,
            config: env.config,
            home: env.home,
            base_dir: &plan.base_dir,
            api: env.api,
            vault: &mut *env.vault,
            collect_pii: plan.collect_pii(),
        };
        let result = stage.run(&mut ctx).instrument(tracing::info_span!("stage", stage = kind.name())).await;
        let ms = timer.elapsed().as_millis() as u64;
        if let Some(api) = env.api {
            let calls = api.drain_calls();
            env.store.record_calls(&run_id, &calls).context("cannot record the API call log")?;
        }
        match result {
            Ok(stage_report) => {
                let outcome = if stage_report.held.is_empty() { RunOutcome::Done } else { RunOutcome::Partial };
                record_stage(env, &run_id, seq, kind, started_at, ms, outcome, &stage_report)?;
                tracing::info!(stage = kind.name(), duration_ms = ms, held = stage_report.held.len(), "Stage finished.");
                report.stages.push((kind.name().to_owned(), stage_report, ms));
            }
            Err(err) => {
                let class = error_class(&err);
                record_stage(env, &run_id, seq, kind, started_at, ms, RunOutcome::Failed, &StageReport::default())?;
                env.store
                    .run_finished(&run_id, env.clock.now(), RunOutcome::Failed, Some(class))
                    .context("cannot record the run end")?;
                tracing::error!(stage = kind.name(), error_class = class, error = %err, "Stage failed; run stopped.");
                return Err(err.context(format!("stage `{kind}` failed")));
            }
        }
    }
    let outcome = match report.outcome() {
        Outcome::Done => RunOutcome::Done,
        Outcome::Partial => RunOutcome::Partial,
    };
    env.store.run_finished(&run_id, env.clock.now(), outcome, None).context("cannot record the run end")?;
    tracing::info!(outcome = outcome.as_str(), "Run finished.");
    Ok(report)
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
