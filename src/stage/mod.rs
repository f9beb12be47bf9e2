//! The stage registry: a closed set of stages, one module each, dispatched by one `match`.
//!
//! Each stage module holds two layers, in the manner of Vector's `FilterConfig::build()` and
//! ripgrep's low/high args: `<Name>Config` (serde, exactly what the seller may write in the
//! stage's table; its field docs are the pipeline reference) and `<Name>Plan` (checked, with real
//! types: durations, windows, weekdays, loaded files), made by `build`. Only plans run.
//!
//! Adding a stage means one [`StageKind`] variant, one module with its config, plan, `build` and
//! `run`, and one arm in each `match` below; the compiler points at every place that must change.
//! This module knows nothing of TOML or spans: problems are reported by key to a [`BuildCx`], and
//! [`crate::pipeline`] turns them into `file:line:col` diagnostics.
//!
//! Invariant: stages never call each other. They share data only through the store, so any stage
//! can be re-run on its own and a killed run resumes where it stopped. Settings more than one part
//! needs (`collect_pii`, the catalogue) live in the pipeline header, the print command in the app
//! config; no stage reads another's options.

pub mod confirm;
pub mod enrich;
pub mod fetch;
pub mod refunds;
pub mod retain;
pub mod schedule;
pub mod size;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::config::AppConfig;
use crate::spapi::SpApi;
use crate::store::Store;
use crate::vault::Vault;

/// The stages dakiya knows, in their natural order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StageKind {
    /// New and changed orders from `searchOrders`.
    Fetch,
    /// PII to the vault, state codes, catalogue join.
    Enrich,
    /// Box and weight per order.
    Size,
    /// Easy Ship pickup slots and packages, then the documents feed.
    Schedule,
    /// Labels, printing, package status, rescheduling.
    Confirm,
    /// Refunds from the Finances API (credit notes for the GST export), once a day.
    Refunds,
    /// Every retention rule.
    Retain,
}

impl StageKind {
    /// Every stage, in natural order.
    pub const ALL: [StageKind; 7] = [
        StageKind::Fetch,
        StageKind::Enrich,
        StageKind::Size,
        StageKind::Schedule,
        StageKind::Confirm,
        StageKind::Refunds,
        StageKind::Retain,
    ];

    /// The name used in pipeline files, logs and reports.
    pub fn name(self) -> &'static str {
        match self {
            StageKind::Fetch => "fetch",
            StageKind::Enrich => "enrich",
            StageKind::Size => "size",
            StageKind::Schedule => "schedule",
            StageKind::Confirm => "confirm",
            StageKind::Refunds => "refunds",
            StageKind::Retain => "retain",
        }
    }

    /// The stage with this name.
    pub fn from_name(name: &str) -> Option<StageKind> {
        StageKind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// Stages whose output this one reads: when both are listed, they must come first.
    pub fn depends_on(self) -> &'static [StageKind] {
        match self {
            StageKind::Fetch | StageKind::Refunds | StageKind::Retain => &[],
            StageKind::Enrich => &[StageKind::Fetch],
            StageKind::Size => &[StageKind::Fetch, StageKind::Enrich],
            StageKind::Schedule => &[StageKind::Fetch, StageKind::Enrich, StageKind::Size],
            StageKind::Confirm => &[StageKind::Fetch, StageKind::Enrich, StageKind::Size, StageKind::Schedule],
        }
    }

    /// This stage's options when the pipeline has no table for it.
    pub fn default_config(self) -> StageConfig {
        match self {
            StageKind::Fetch => StageConfig::Fetch(Default::default()),
            StageKind::Enrich => StageConfig::Enrich(Default::default()),
            StageKind::Size => StageConfig::Size(Default::default()),
            StageKind::Schedule => StageConfig::Schedule(Default::default()),
            StageKind::Confirm => StageConfig::Confirm(Default::default()),
            StageKind::Refunds => StageConfig::Refunds(Default::default()),
            StageKind::Retain => StageConfig::Retain(Default::default()),
        }
    }

    /// Deserialize this stage's table (any serde format; the pipeline loader uses TOML with spans).
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(self, d: D) -> Result<StageConfig, D::Error> {
        use serde::Deserialize as _;
        Ok(match self {
            StageKind::Fetch => StageConfig::Fetch(fetch::FetchConfig::deserialize(d)?),
            StageKind::Enrich => StageConfig::Enrich(enrich::EnrichConfig::deserialize(d)?),
            StageKind::Size => StageConfig::Size(size::SizeConfig::deserialize(d)?),
            StageKind::Schedule => StageConfig::Schedule(schedule::ScheduleConfig::deserialize(d)?),
            StageKind::Confirm => StageConfig::Confirm(confirm::ConfirmConfig::deserialize(d)?),
            StageKind::Refunds => StageConfig::Refunds(refunds::RefundsConfig::deserialize(d)?),
            StageKind::Retain => StageConfig::Retain(retain::RetainConfig::deserialize(d)?),
        })
    }
}

impl fmt::Display for StageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A stage's options as written (the raw layer).
#[derive(Debug, Clone)]
pub enum StageConfig {
    /// `[fetch]`
    Fetch(fetch::FetchConfig),
    /// `[enrich]`
    Enrich(enrich::EnrichConfig),
    /// `[size]`
    Size(size::SizeConfig),
    /// `[schedule]`
    Schedule(schedule::ScheduleConfig),
    /// `[confirm]`
    Confirm(confirm::ConfirmConfig),
    /// `[refunds]`
    Refunds(refunds::RefundsConfig),
    /// `[retain]`
    Retain(retain::RetainConfig),
}

impl StageConfig {
    /// Which stage this configures.
    pub fn kind(&self) -> StageKind {
        match self {
            StageConfig::Fetch(_) => StageKind::Fetch,
            StageConfig::Enrich(_) => StageKind::Enrich,
            StageConfig::Size(_) => StageKind::Size,
            StageConfig::Schedule(_) => StageKind::Schedule,
            StageConfig::Confirm(_) => StageKind::Confirm,
            StageConfig::Refunds(_) => StageKind::Refunds,
            StageConfig::Retain(_) => StageKind::Retain,
        }
    }

    /// Check the options and build the plan. Every problem is reported to `cx` (all of them,
    /// not just the first); the plan is `None` if there was any.
    pub fn build(&self, cx: &mut BuildCx<'_>) -> Option<StagePlan> {
        let before = cx.problems.len();
        let plan = match self {
            StageConfig::Fetch(c) => StagePlan::Fetch(c.build(cx)),
            StageConfig::Enrich(c) => StagePlan::Enrich(c.build(cx)),
            StageConfig::Size(c) => StagePlan::Size(c.build(cx)?),
            StageConfig::Schedule(c) => StagePlan::Schedule(c.build(cx)?),
            StageConfig::Confirm(c) => StagePlan::Confirm(c.build(cx)),
            StageConfig::Refunds(c) => StagePlan::Refunds(c.build(cx)),
            StageConfig::Retain(c) => StagePlan::Retain(c.build(cx)),
        };
        (cx.problems.len() == before).then_some(plan)
    }
}

/// A stage's checked plan: what one step of a run does.
#[derive(Debug, Clone)]
pub enum StagePlan {
    /// `fetch`
    Fetch(fetch::FetchPlan),
    /// `enrich`
    Enrich(enrich::EnrichPlan),
    /// `size`
    Size(size::SizePlan),
    /// `schedule`
    Schedule(schedule::SchedulePlan),
    /// `confirm`
    Confirm(confirm::ConfirmPlan),
    /// `refunds`
    Refunds(refunds::RefundsPlan),
    /// `retain`
    Retain(retain::RetainPlan),
}

impl StagePlan {
    /// Which stage this is.
    pub fn kind(&self) -> StageKind {
        match self {
            StagePlan::Fetch(_) => StageKind::Fetch,
            StagePlan::Enrich(_) => StageKind::Enrich,
            StagePlan::Size(_) => StageKind::Size,
            StagePlan::Schedule(_) => StageKind::Schedule,
            StagePlan::Confirm(_) => StageKind::Confirm,
            StagePlan::Refunds(_) => StageKind::Refunds,
            StagePlan::Retain(_) => StageKind::Retain,
        }
    }

    /// Run the stage.
    pub async fn run(&self, ctx: &mut RunCtx<'_>) -> anyhow::Result<StageReport> {
        match self {
            StagePlan::Fetch(p) => fetch::run(p, ctx).await,
            StagePlan::Enrich(p) => enrich::run(p, ctx).await,
            StagePlan::Size(p) => size::run(p, ctx).await,
            StagePlan::Schedule(p) => schedule::run(p, ctx).await,
            StagePlan::Confirm(p) => confirm::run(p, ctx).await,
            StagePlan::Refunds(p) => refunds::run(p, ctx).await,
            StagePlan::Retain(p) => retain::run(p, ctx).await,
        }
    }
}

/// What a stage needs while it runs. Config is passed explicitly, never as a global.
pub struct RunCtx<'a> {
    /// Id of the current run (in logs and the run record).
    pub run_id: &'a str,
    /// The store; each stage commits its own writes atomically.
    pub store: &'a Store,
    /// The clock; the only source of "now".
    pub clock: &'a dyn Clock,
    /// App config.
    pub config: &'a AppConfig,
    /// Data directory.
    pub home: &'a Path,
    /// The SKU catalogue of the pipeline header (loaded when `size` is in the plan).
    pub catalog: Option<&'a Catalog>,
    /// The SP-API client, when credentials are available.
    pub api: Option<&'a SpApi>,
    /// The PII vault.
    pub vault: &'a mut Vault,
    /// Whether the recipient is stored at all (the pipeline header's `collect_pii`).
    pub collect_pii: bool,
}

impl<'a> RunCtx<'a> {
    /// The SP-API client, or a clear error when there are no credentials.
    pub fn api(&self) -> anyhow::Result<&'a SpApi> {
        self.api.ok_or_else(|| anyhow::Error::new(crate::spapi::Error::NoCredentials))
    }
}

/// An order that could not proceed, with the reason shown to the seller.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Held {
    /// Amazon order id.
    pub order_id: String,
    /// Why it is held.
    pub reason: String,
}

/// What a stage did: counts by name and the orders it held.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct StageReport {
    /// Named counts, e.g. `"new_orders" → 12`.
    pub counts: BTreeMap<String, u64>,
    /// Orders held in this stage.
    pub held: Vec<Held>,
}

impl StageReport {
    /// Add `n` to a named count.
    pub fn add(&mut self, name: &str, n: u64) {
        *self.counts.entry(name.to_owned()).or_default() += n;
    }

    /// Fold another report (of part of the same stage) into this one.
    pub fn merge(&mut self, other: StageReport) {
        for (name, n) in other.counts {
            *self.counts.entry(name).or_default() += n;
        }
        self.held.extend(other.held);
    }
}

/// One problem with a stage's options: the key it is about, what is wrong, and a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The option's key in the stage's table.
    pub key: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

/// What `build` needs: where relative paths start, and where problems go.
#[derive(Debug)]
pub struct BuildCx<'a> {
    /// The stage being built.
    pub kind: StageKind,
    /// Folder that relative paths in the pipeline file are resolved against.
    pub base_dir: &'a Path,
    /// Problems found so far.
    pub problems: Vec<Problem>,
}

impl<'a> BuildCx<'a> {
    /// A context for `kind` with paths relative to `base_dir`.
    pub fn new(kind: StageKind, base_dir: &'a Path) -> Self {
        Self { kind, base_dir, problems: Vec::new() }
    }

    /// Report a problem with `key` of this stage's table.
    pub fn error(&mut self, key: &str, message: impl Into<String>, help: Option<String>) {
        self.problems.push(Problem { key: key.to_owned(), message: message.into(), help });
    }
}
