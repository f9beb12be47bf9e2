//! The stage registry: a closed set of stages, one module each, dispatched by one `match`.
//!
//! Adding a stage means one [`StageKind`] variant, one module with its `<Name>Config` (serde, the
//! pipeline reference for the seller) and its `run`, and one arm in each `match` below; the
//! compiler points at every place that must change.
//!
//! Invariant: stages never call each other. They share data only through the store, so any stage
//! can be re-run on its own and a killed run resumes where it stopped.

pub mod confirm;
pub mod enrich;
pub mod fetch;
pub mod retain;
pub mod schedule;
pub mod size;

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::Path;

use serde_spanned::Spanned;
use toml::de::DeValue;

use crate::clock::Clock;
use crate::config::AppConfig;
use crate::pipeline::diagnostic::Reporter;
use crate::pipeline::spec::deserialize_table;
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
    /// Every retention rule.
    Retain,
}

impl StageKind {
    /// Every stage, in natural order.
    pub const ALL: [StageKind; 6] = [
        StageKind::Fetch,
        StageKind::Enrich,
        StageKind::Size,
        StageKind::Schedule,
        StageKind::Confirm,
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
            StageKind::Fetch | StageKind::Retain => &[],
            StageKind::Enrich => &[StageKind::Fetch],
            StageKind::Size => &[StageKind::Fetch, StageKind::Enrich],
            StageKind::Schedule => &[StageKind::Fetch, StageKind::Enrich, StageKind::Size],
            StageKind::Confirm => {
                &[StageKind::Fetch, StageKind::Enrich, StageKind::Size, StageKind::Schedule]
            }
        }
    }

    /// Parse this stage's table (absent → defaults) and run its static checks.
    pub fn parse(self, table: Option<&Spanned<DeValue<'_>>>, cx: &mut CheckCx<'_, '_>) -> Option<StageConfig> {
        fn get<T: serde::de::DeserializeOwned + Default>(
            kind: StageKind,
            table: Option<&Spanned<DeValue<'_>>>,
            cx: &mut CheckCx<'_, '_>,
        ) -> Option<T> {
            match table {
                Some(table) => deserialize_table(table, &format!("[{}]", kind.name()), cx.rep),
                None => Some(T::default()),
            }
        }
        let before = cx.rep_count();
        let config = match self {
            StageKind::Fetch => StageConfig::Fetch(get(self, table, cx)?),
            StageKind::Enrich => StageConfig::Enrich(get(self, table, cx)?),
            StageKind::Size => StageConfig::Size(get(self, table, cx)?),
            StageKind::Schedule => StageConfig::Schedule(get(self, table, cx)?),
            StageKind::Confirm => StageConfig::Confirm(get(self, table, cx)?),
            StageKind::Retain => StageConfig::Retain(get(self, table, cx)?),
        };
        // Checks run even when some keys failed to parse, so every problem shows at once.
        match &config {
            StageConfig::Fetch(c) => c.check(cx),
            StageConfig::Enrich(c) => c.check(cx),
            StageConfig::Size(c) => c.check(cx),
            StageConfig::Schedule(c) => c.check(cx),
            StageConfig::Confirm(c) => c.check(cx),
            StageConfig::Retain(c) => c.check(cx),
        }
        (cx.rep_count() == before).then_some(config)
    }
}

impl fmt::Display for StageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A stage's validated configuration: the plan for one step of a run.
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
            StageConfig::Retain(_) => StageKind::Retain,
        }
    }

    /// Run the stage.
    pub async fn run(&self, ctx: &mut RunCtx<'_>) -> anyhow::Result<StageReport> {
        match self {
            StageConfig::Fetch(c) => fetch::run(c, ctx).await,
            StageConfig::Enrich(c) => enrich::run(c, ctx).await,
            StageConfig::Size(c) => size::run(c, ctx).await,
            StageConfig::Schedule(c) => schedule::run(c, ctx).await,
            StageConfig::Confirm(c) => confirm::run(c, ctx).await,
            StageConfig::Retain(c) => retain::run(c, ctx).await,
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
    /// Folder of the pipeline file (relative paths in it start here).
    pub base_dir: &'a Path,
    /// The SP-API client, when credentials are available.
    pub api: Option<&'a SpApi>,
    /// The PII vault.
    pub vault: &'a mut Vault,
    /// Whether the recipient is stored at all (`[enrich] collect_pii`).
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
}

/// Context for a stage's static checks: reports problems at the offending key.
pub struct CheckCx<'r, 'a> {
    /// The diagnostics sink for the file.
    pub rep: &'r mut Reporter<'a>,
    /// The stage's table, when the file has one.
    pub table: Option<&'r Spanned<DeValue<'r>>>,
    /// Where to point when the table is absent (the stage's entry in `stages`).
    pub fallback: Range<usize>,
    /// Directory that relative paths in the file are resolved against.
    pub base_dir: &'r Path,
    /// The stage being checked.
    pub kind: StageKind,
}

impl CheckCx<'_, '_> {
    /// Report a problem with `key` of this stage's table.
    pub fn error(&mut self, key: &str, message: impl Into<String>, help: Option<String>) {
        let span = self
            .table
            .and_then(|t| t.get_ref().as_table())
            .and_then(|t| t.iter().find(|(k, _)| k.get_ref() == key).map(|(_, v)| v.span()))
            .or_else(|| self.table.map(|t| t.span()))
            .unwrap_or_else(|| self.fallback.clone());
        self.rep.error(span, format!("[{}] {key}: {}", self.kind, message.into()), help);
    }

    fn rep_count(&self) -> usize {
        self.rep.count()
    }
}
