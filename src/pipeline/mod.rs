//! Pipeline files: what a run does, declared in TOML (`pipelines/*.toml`).
//!
//! Two layers, in the manner of cargo's raw manifest and ripgrep's low/high args:
//! [`spec`] parses the file keeping spans; [`load`] checks meaning and returns a [`Pipeline`], the
//! validated plan. Only a `Pipeline` reaches the runner. Every problem is collected and reported
//! at once as `file:line:col: error: …` with a hint ([`crate::diagnostic`]).
//!
//! ```toml
//! version = 1
//! stages = ["fetch", "enrich", "size", "schedule", "confirm", "refunds", "retain"]
//! [fetch]
//! overlap = "2h"
//! ```

pub mod spec;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::{did_you_mean, Diagnostics, Reporter};

use std::sync::Arc;

use crate::catalog::Catalog;
use crate::stage::{BuildCx, StageKind, StagePlan};

/// The default pipeline of `dakiya run`.
pub const DEFAULT_PIPELINE: &str = "pipelines/hourly.toml";

/// The default SKU catalogue, relative to the pipeline file.
pub const DEFAULT_CATALOG: &str = "../config/catalog.csv";

/// A validated pipeline: stages in order, each with its checked plan, and the settings several
/// parts share (the header).
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// The file it came from.
    pub path: PathBuf,
    /// Display name (the file stem unless `name` is set).
    pub name: String,
    /// Stages to run, in order.
    pub stages: Vec<StagePlan>,
    /// Folder of the file; relative paths in it start here.
    pub base_dir: PathBuf,
    /// Whether the recipient is stored at all (header `collect_pii`, default true).
    pub collect_pii: bool,
    /// The SKU catalogue file (header `catalog`), resolved.
    pub catalog_path: PathBuf,
    /// The catalogue, loaded and checked when `size` is in the plan.
    pub catalog: Option<Arc<Catalog>>,
}

impl Pipeline {
    /// The plan a run falls back to when its pipeline file does not validate: only `retain`, with
    /// its defaults. Deletion of customer data never waits for a fixed pipeline file.
    pub fn retain_only(path: &Path) -> Pipeline {
        let base_dir = path.parent().filter(|p| !p.as_os_str().is_empty()).map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        Pipeline {
            path: path.to_path_buf(),
            name: "retain-only".into(),
            stages: vec![StagePlan::Retain(crate::stage::retain::RetainPlan { checkpoint: true })],
            catalog_path: base_dir.join(DEFAULT_CATALOG),
            base_dir,
            collect_pii: true,
            catalog: None,
        }
    }

    /// The SKU catalogue: the loaded one, or read from `catalog_path` (the GST export of a
    /// pipeline without `size`).
    pub fn load_catalog(&self) -> anyhow::Result<Arc<Catalog>> {
        match &self.catalog {
            Some(c) => Ok(Arc::clone(c)),
            None => Ok(Arc::new(Catalog::load(&self.catalog_path)?)),
        }
    }

    /// The plan of `kind`, if the pipeline lists it.
    pub fn stage(&self, kind: StageKind) -> Option<&StagePlan> {
        self.stages.iter().find(|s| s.kind() == kind)
    }
}

/// The validated pipeline of `path`, or every problem rendered as one `Invalid` error (exit 2).
pub fn load_or_invalid(path: &Path) -> anyhow::Result<Pipeline> {
    load(path).map_err(invalid)
}

/// Every problem of a pipeline file as one `Invalid` error (exit 2), with the count.
pub fn invalid(diags: Diagnostics) -> anyhow::Error {
    let n = diags.len();
    anyhow::Error::new(crate::outcome::Invalid(format!("{diags}\n{n} problem{} found", if n == 1 { "" } else { "s" })))
}

/// Read and validate a pipeline file. On failure, every problem found is returned.
pub fn load(path: &Path) -> Result<Pipeline, Diagnostics> {
    let mut diags = Diagnostics::default();
    let file = path.display().to_string();
    let source = match std::fs::read_to_string(path) {
        Ok(source) => source,
        Err(err) => {
            let mut rep = Reporter::new(file, "", &mut diags);
            rep.error(
                0..0,
                format!("cannot read pipeline file: {err}"),
                Some("check the path; the default is pipelines/hourly.toml".into()),
            );
            return Err(diags);
        }
    };
    let base_dir = path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let base_dir = if base_dir.as_os_str().is_empty() { PathBuf::from(".") } else { base_dir };
    let mut rep = Reporter::new(file, &source, &mut diags);
    let plan = check(path, &base_dir, &mut rep);
    diags.sort();
    match plan {
        Some(plan) if diags.is_empty() => Ok(plan),
        _ => Err(diags),
    }
}

fn check(path: &Path, base_dir: &Path, rep: &mut Reporter<'_>) -> Option<Pipeline> {
    let source = rep.source();
    let spec = spec::parse(source, rep)?;
    let top_span = 0..0;

    match &spec.version {
        Some(v) if *v.get_ref() == spec::FORMAT_VERSION => {}
        Some(v) => rep.error(
            v.span(),
            format!("pipeline format version {} is not supported", v.get_ref()),
            Some(format!("this dakiya reads `version = {}`", spec::FORMAT_VERSION)),
        ),
        None => rep.error(top_span.clone(), "missing `version`", Some(format!("add `version = {}` at the top", spec::FORMAT_VERSION))),
    }

    // Stage list: known names, no duplicates, dependencies first.
    let stage_names: Vec<&str> = StageKind::ALL.iter().map(|k| k.name()).collect();
    let mut listed: Vec<(StageKind, std::ops::Range<usize>)> = Vec::new();
    for entry in &spec.stages {
        let name = entry.get_ref().as_str();
        let Some(kind) = StageKind::from_name(name) else {
            let help = match did_you_mean(name, stage_names.iter().copied()) {
                Some(near) => format!("did you mean `{near}`? known stages: {}", stage_names.join(", ")),
                None => format!("known stages: {}", stage_names.join(", ")),
            };
            rep.error(entry.span(), format!("unknown stage `{name}`"), Some(help));
            continue;
        };
        if listed.iter().any(|(k, _)| *k == kind) {
            rep.error(
                entry.span(),
                format!("stage `{name}` is listed twice"),
                Some("each stage runs at most once per run; remove the second entry".into()),
            );
            continue;
        }
        listed.push((kind, entry.span()));
    }
    for (idx, (kind, span)) in listed.iter().enumerate() {
        for later in &listed[idx + 1..] {
            if kind.depends_on().contains(&later.0) {
                rep.error(
                    span.clone(),
                    format!("stage `{kind}` comes before `{}`, which it depends on", later.0),
                    Some(format!("move `{}` before `{kind}`", later.0)),
                );
            }
        }
    }
    if spec.stages_span.is_none() {
        rep.error(
            top_span,
            "missing `stages`",
            Some("add e.g. `stages = [\"fetch\", \"enrich\", \"size\", \"schedule\", \"confirm\", \"retain\"]`".into()),
        );
    } else if spec.stages.is_empty() && listed.is_empty() {
        rep.error(spec.stages_span.clone().unwrap_or(0..0), "`stages` is empty", Some("list at least one stage".into()));
    }

    // Stage tables: known, listed; parse each.
    let mut tables: HashMap<StageKind, &serde_spanned::Spanned<toml::de::DeValue<'_>>> = HashMap::new();
    for (key, key_span, value) in &spec.tables {
        let Some(kind) = StageKind::from_name(key) else {
            let mut candidates: Vec<&str> = stage_names.clone();
            candidates.extend(spec::HEADER_KEYS);
            let help = match did_you_mean(key, candidates) {
                Some(near) => format!("did you mean `{near}`?"),
                None => format!("top-level keys are {} and one table per stage ({})", spec::HEADER_KEYS.join(", "), stage_names.join(", ")),
            };
            rep.error(key_span.clone(), format!("unknown key `{key}`"), Some(help));
            continue;
        };
        if value.get_ref().as_table().is_none() {
            rep.error(
                value.span(),
                format!("`{key}` must be a table of options, found {}", value.get_ref().type_str()),
                Some(format!("write `[{key}]` followed by its options")),
            );
            continue;
        }
        if !listed.iter().any(|(k, _)| *k == kind) && !spec.stages.iter().any(|s| s.get_ref() == key) {
            rep.error(
                key_span.clone(),
                format!("table [{key}] configures a stage that is not in `stages`"),
                Some(format!("add \"{key}\" to `stages`, or delete the table")),
            );
            continue;
        }
        tables.insert(kind, value);
    }

    let mut stages = Vec::new();
    for (kind, span) in &listed {
        let table = tables.get(kind).copied();
        let before = rep.count();
        let config = match table {
            Some(table) => spec::deserialize_table(table, &format!("[{kind}]"), rep, |d| kind.deserialize(d)),
            None => Some(kind.default_config()),
        };
        // Checks run even when some keys failed to parse, so every problem shows at once.
        let Some(config) = config else { continue };
        let mut cx = BuildCx::new(*kind, base_dir);
        let plan = config.build(&mut cx);
        for problem in cx.problems {
            let at = table
                .and_then(|t| t.get_ref().as_table())
                .and_then(|t| t.iter().find(|(k, _)| k.get_ref().as_ref() == problem.key.as_str()).map(|(_, v)| v.span()))
                .or_else(|| table.map(|t| t.span()))
                .unwrap_or_else(|| span.clone());
            rep.error(at, format!("[{kind}] {}: {}", problem.key, problem.message), problem.help);
        }
        if let Some(plan) = plan.filter(|_| rep.count() == before) {
            stages.push(plan);
        }
    }
    // The header's catalogue, loaded and checked when `size` will use it.
    let catalog_text = spec.catalog.as_ref().map_or(DEFAULT_CATALOG, |c| c.get_ref().as_str());
    let catalog_path = base_dir.join(catalog_text);
    let catalog_span =
        spec.catalog.as_ref().map(|c| c.span()).or_else(|| listed.iter().find(|(k, _)| *k == StageKind::Size).map(|(_, s)| s.clone()));
    let mut catalog = None;
    if listed.iter().any(|(k, _)| *k == StageKind::Size) || spec.catalog.is_some() {
        let at = catalog_span.unwrap_or(0..0);
        if !catalog_path.is_file() {
            rep.error(
                at,
                format!("catalog: file {catalog_text:?} not found (looked for {})", catalog_path.display()),
                Some("paths are relative to the pipeline file's folder; `catalog` is a top-level key".into()),
            );
        } else {
            match Catalog::load(&catalog_path) {
                Ok(c) => catalog = Some(Arc::new(c)),
                Err(err) => rep.error(at, format!("catalog: {err:#}"), Some("fix the file; every bad row is listed".into())),
            }
        }
    }
    let name =
        spec.name.clone().unwrap_or_else(|| path.file_stem().map_or_else(|| "pipeline".to_owned(), |s| s.to_string_lossy().into_owned()));
    Some(Pipeline {
        path: path.to_path_buf(),
        name,
        stages,
        base_dir: base_dir.to_path_buf(),
        collect_pii: spec.collect_pii.unwrap_or(true),
        catalog_path,
        catalog,
    })
}
