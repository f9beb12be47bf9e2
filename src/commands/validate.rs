//! `dakiya validate [PIPELINE]...`: every problem of every file as `file:line:col: error: …`.

#![allow(clippy::print_stdout)]

use std::path::PathBuf;

use crate::outcome::{Invalid, Outcome};
use crate::pipeline::{self, DEFAULT_PIPELINE};

/// `dakiya validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Pipeline files.
    #[arg(default_value = DEFAULT_PIPELINE)]
    pub pipelines: Vec<PathBuf>,
}

/// Check the files; print what each plan does.
pub fn exec(args: ValidateArgs) -> anyhow::Result<Outcome> {
    let mut all = crate::diagnostic::Diagnostics::default();
    for path in &args.pipelines {
        match pipeline::load(path) {
            Ok(plan) => {
                let names: Vec<&str> = plan.stages.iter().map(|s| s.kind().name()).collect();
                let retain = if names.contains(&"retain") {
                    "retain also runs if a stage before it fails"
                } else {
                    "retain is not listed: it runs at the end anyway, with its defaults"
                };
                println!("{}: ok ({}; {retain})", path.display(), names.join(" → "));
            }
            Err(diags) => all.0.extend(diags.0),
        }
    }
    if all.is_empty() {
        println!("note: every `dakiya run` applies the retention rules, whatever fails before them (Amazon unreachable, no credentials, a lockdown, even an invalid pipeline file); a pipeline cannot skip them.");
        Ok(Outcome::Done)
    } else {
        let n = all.len();
        Err(anyhow::Error::new(Invalid(format!("{all}\n{n} problem{} found", if n == 1 { "" } else { "s" }))))
    }
}
