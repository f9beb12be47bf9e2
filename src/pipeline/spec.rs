//! The raw layer: a pipeline file as the seller wrote it, parsed with spans.
//!
//! Nothing here checks meaning beyond types; [`super::load`] turns this into the validated plan.
//! Deserialization errors are collected per key: a table with three bad keys yields three
//! diagnostics, not one (each failing key is reported, set aside, and the table is tried again).

use std::ops::Range;

use serde_spanned::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use crate::diagnostic::Reporter;

/// Pipeline file format version this build understands.
pub const FORMAT_VERSION: i64 = 1;

/// The top-level keys that are not stage tables.
pub const HEADER_KEYS: [&str; 6] = ["version", "name", "description", "stages", "collect_pii", "catalog"];

/// A pipeline file, parsed but not yet validated.
pub struct PipelineSpec<'i> {
    /// `version = 1`.
    pub version: Option<Spanned<i64>>,
    /// Optional display name.
    pub name: Option<String>,
    /// Optional description.
    pub description: Option<String>,
    /// Span of the `stages` value, if present.
    pub stages_span: Option<Range<usize>>,
    /// The stage names, in order, with their spans.
    pub stages: Vec<Spanned<String>>,
    /// `collect_pii = true|false`: whether the recipient is stored at all (fetch and enrich).
    pub collect_pii: Option<bool>,
    /// `catalog = "…"`: the SKU catalogue (size and the GST export), with the value's span.
    pub catalog: Option<Spanned<String>>,
    /// Every other top-level entry: `(key, key span, value)`; meant to be stage tables.
    pub tables: Vec<(String, Range<usize>, Spanned<DeValue<'i>>)>,
}

/// Parse `source`. Syntax errors are reported and yield `None`.
pub fn parse<'i>(source: &'i str, rep: &mut Reporter<'_>) -> Option<PipelineSpec<'i>> {
    let (root, errors) = DeTable::parse_recoverable(source);
    // After the first syntax error the parser's recovery guesses; later "errors" are usually
    // echoes of the first, so only the first is reported.
    if let Some(err) = errors.first() {
        let span = err.span().unwrap_or(0..0);
        rep.error(
            span,
            format!("invalid TOML: {}", err.message().trim()),
            Some("fix this first; nothing else in the file was checked".into()),
        );
        return None;
    }
    let mut spec = PipelineSpec {
        version: None,
        name: None,
        description: None,
        stages_span: None,
        stages: Vec::new(),
        collect_pii: None,
        catalog: None,
        tables: Vec::new(),
    };
    for (key, value) in root.into_inner() {
        let key_span = key.span();
        let key = key.into_inner().into_owned();
        match key.as_str() {
            "version" => match value.get_ref().as_integer().and_then(|i| i.as_str().parse::<i64>().ok()) {
                Some(v) => spec.version = Some(Spanned::new(value.span(), v)),
                None => rep.error(
                    value.span(),
                    format!("`version` must be an integer, found {}", value.get_ref().type_str()),
                    Some(format!("write `version = {FORMAT_VERSION}`")),
                ),
            },
            "name" | "description" => match value.get_ref().as_str() {
                Some(s) => {
                    if key == "name" {
                        spec.name = Some(s.to_owned());
                    } else {
                        spec.description = Some(s.to_owned());
                    }
                }
                None => rep.error(value.span(), format!("`{key}` must be a string, found {}", value.get_ref().type_str()), None),
            },
            "collect_pii" => match value.get_ref().as_bool() {
                Some(b) => spec.collect_pii = Some(b),
                None => rep.error(
                    value.span(),
                    format!("`collect_pii` must be true or false, found {}", value.get_ref().type_str()),
                    Some("write `collect_pii = true` (store the recipient encrypted) or `false` (never store it)".into()),
                ),
            },
            "catalog" => match value.get_ref().as_str() {
                Some(path) => spec.catalog = Some(Spanned::new(value.span(), path.to_owned())),
                None => rep.error(value.span(), format!("`catalog` must be a path in quotes, found {}", value.get_ref().type_str()), None),
            },
            "stages" => {
                spec.stages_span = Some(value.span());
                match value.get_ref().as_array() {
                    Some(items) => {
                        for item in items.iter() {
                            match item.get_ref().as_str() {
                                Some(name) => spec.stages.push(Spanned::new(item.span(), name.to_owned())),
                                None => rep.error(
                                    item.span(),
                                    format!("a stage name must be a string, found {}", item.get_ref().type_str()),
                                    None,
                                ),
                            }
                        }
                    }
                    None => rep.error(
                        value.span(),
                        format!("`stages` must be an array of stage names, found {}", value.get_ref().type_str()),
                        Some("write e.g. `stages = [\"fetch\", \"enrich\", \"size\"]`".into()),
                    ),
                }
            }
            _ => spec.tables.push((key, key_span, value)),
        }
    }
    Some(spec)
}

/// Deserialize one table into `T`, reporting every failing key.
///
/// `T` should use `#[serde(deny_unknown_fields, default)]` so that unknown keys are errors and
/// absent keys take their defaults. Returns the value built from the keys that did parse (failed
/// keys take their defaults), so later checks can still report their own problems; callers know
/// from the reporter whether anything failed. `None` only if the table could not be read at all.
pub fn deserialize_table<T>(
    table: &Spanned<DeValue<'_>>,
    what: &str,
    rep: &mut Reporter<'_>,
    deserialize: impl Fn(ValueDeserializer<'_>) -> Result<T, toml::de::Error>,
) -> Option<T> {
    let mut current = table.clone();
    // Each round removes one failing key, so this ends after at most one round per key.
    let rounds = current.get_ref().as_table().map_or(0, |t| t.len()) + 1;
    for _ in 0..rounds {
        let err = match deserialize(ValueDeserializer::from(current.clone())) {
            Ok(value) => return Some(value),
            Err(err) => err,
        };
        let span = err.span().unwrap_or_else(|| current.span());
        let message = tidy_message(err.message());
        let help = hint(&message);
        rep.error(span.clone(), format!("{what}: {message}"), help);
        // Set aside the top-level key whose key or value holds the error, then try again.
        let DeValue::Table(entries) = current.get_mut() else { return None };
        let culprit = entries
            .iter()
            .find(|(key, value)| contains(&key.span(), span.start) || contains(&value.span(), span.start))
            .map(|(key, _)| key.clone());
        match culprit {
            Some(key) => {
                entries.remove(&key);
            }
            None => return None,
        }
    }
    None
}

/// A hint for common serde messages.
fn hint(message: &str) -> Option<String> {
    if message.contains("expected a duration") || message.contains("duration") {
        Some("write a duration such as \"30m\", \"2h\" or \"7days\"".into())
    } else if message.starts_with("unknown field `collect_pii`") {
        Some("`collect_pii` moved to the top of the file (fetch and enrich both use it): write `collect_pii = true` under `version`".into())
    } else if message.starts_with("unknown field `catalog`") {
        Some("`catalog` moved to the top of the file (size and the GST export both use it): write `catalog = \"../config/catalog.csv\"` under `version`".into())
    } else if message.starts_with("unknown field `print_command`") {
        Some("the print command moved to the app config (it belongs to this computer's printer): `[labels] print_command` in config/dakiya.toml".into())
    } else if message.starts_with("unknown field") {
        Some("remove the key or fix its spelling (the list above is every key this stage knows)".into())
    } else if message.starts_with("unknown variant") {
        Some("use one of the values listed above".into())
    } else if message.contains("expected u32")
        || message.contains("expected a boolean")
        || message.contains("expected a string")
        || message.contains("expected a sequence")
    {
        Some("check the value's type: numbers without quotes, booleans as true/false, text in quotes".into())
    } else {
        None
    }
}

fn contains(range: &Range<usize>, at: usize) -> bool {
    range.start <= at && at < range.end.max(range.start + 1)
}

/// Serde messages end with a period or newline sometimes; keep them one tidy line.
fn tidy_message(message: &str) -> String {
    message.trim().trim_end_matches('.').replace('\n', " ")
}
