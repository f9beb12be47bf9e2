//! Pipeline files: what a run does, declared in TOML (`pipelines/*.toml`).
//!
//! Two layers, in the manner of cargo's raw manifest and ripgrep's low/high args:
//! [`spec`] parses the file keeping spans; [`load`] checks meaning and returns a [`Pipeline`], the
//! validated plan. Only a `Pipeline` reaches the runner. Every problem is collected and reported
//! at once as `file:line:col: error: …` with a hint ([`diagnostic`]).
//!
//! ```toml
//! version = 1
//! stages = ["fetch", "enrich", "size", "schedule", "confirm", "retain"]
//! [fetch]
//! overlap = "2h"
//! ```

pub mod diagnostic;
pub mod spec;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use diagnostic::{did_you_mean, Diagnostics, Reporter};

use crate::stage::{CheckCx, StageConfig, StageKind};

/// The default pipeline of `dakiya run`.
pub const DEFAULT_PIPELINE: &str = "pipelines/hourly.toml";

/// A validated pipeline: stages in order, each with checked options.
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// The file it came from.
    pub path: PathBuf,
    /// Display name (the file stem unless `name` is set).
    pub name: String,
    /// Stages to run, in order.
    pub stages: Vec<StageConfig>,
    /// Folder of the file; relative paths in it start here.
    pub base_dir: PathBuf,
}

impl Pipeline {
    /// The plan a run falls back to when its pipeline file does not validate: only `retain`, with
    /// its defaults. Deletion of customer data never waits for a fixed pipeline file.
    pub fn retain_only(path: &Path) -> Pipeline {
        let base_dir = path.parent().filter(|p| !p.as_os_str().is_empty()).map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        Pipeline {
            path: path.to_path_buf(),
            name: "retain-only".into(),
            stages: vec![StageConfig::Retain(crate::stage::retain::RetainConfig::default())],
            base_dir,
        }
    }

    /// Whether the recipient is stored: `[enrich] collect_pii`, default true.
    pub fn collect_pii(&self) -> bool {
        self.stages
            .iter()
            .find_map(|s| match s {
                StageConfig::Enrich(c) => Some(c.collect_pii),
                _ => None,
            })
            .unwrap_or(true)
    }
}

/// Read and validate a pipeline file. On failure, every problem found is returned.
pub fn load(path: &Path) -> Result<Pipeline, Diagnostics> {
    let mut diags = Diagnostics::default();
    let file = path.display().to_string();
    let source = match std::fs::read_to_string(path) {
        Ok(source) => source,
        Err(err) => {
            let mut rep = Reporter::new(file, "", &mut diags);
            rep.error(0..0, format!("cannot read pipeline file: {err}"), Some("check the path; the default is pipelines/hourly.toml".into()));
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
            rep.error(entry.span(), format!("stage `{name}` is listed twice"), Some("each stage runs at most once per run; remove the second entry".into()));
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
        rep.error(top_span, "missing `stages`", Some("add e.g. `stages = [\"fetch\", \"enrich\", \"size\", \"schedule\", \"confirm\", \"retain\"]`".into()));
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
            rep.error(value.span(), format!("`{key}` must be a table of options, found {}", value.get_ref().type_str()), Some(format!("write `[{key}]` followed by its options")));
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
        let mut cx = CheckCx { rep: &mut *rep, table, fallback: span.clone(), base_dir, kind: *kind };
        if let Some(config) = kind.parse(table, &mut cx) {
            stages.push(config);
        }
    }
    let name = spec.name.clone().unwrap_or_else(|| {
        path.file_stem().map_or_else(|| "pipeline".to_owned(), |s| s.to_string_lossy().into_owned())
    });
    Some(Pipeline { path: path.to_path_buf(), name, stages, base_dir: base_dir.to_path_buf() })
}
