//! `dakiya task install|uninstall|show`: the Windows Task Scheduler task (`crate::task`).

#![allow(clippy::print_stdout)]

use std::path::PathBuf;

use crate::outcome::{Invalid, Outcome};
use crate::pipeline::{self, DEFAULT_PIPELINE};
use crate::session::Session;

/// `dakiya task`.
#[derive(Debug, clap::Args)]
pub struct TaskArgs {
    /// What to do with the task.
    #[command(subcommand)]
    pub command: TaskCommand,
}

/// `dakiya task …`
#[derive(Debug, clap::Subcommand)]
pub enum TaskCommand {
    /// Register the task (`schtasks /Create /XML`); `--print-xml` only prints it (any OS).
    Install {
        /// Interval between runs.
        #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
        every: std::time::Duration,
        /// Pipeline the task runs.
        #[arg(long, default_value = DEFAULT_PIPELINE)]
        pipeline: PathBuf,
        /// Print the task XML instead of registering it.
        #[arg(long)]
        print_xml: bool,
    },
    /// Remove the task.
    Uninstall,
    /// Show the registered task.
    Show,
}

/// Run a `task` command.
pub fn exec(session: &Session, args: TaskArgs) -> anyhow::Result<Outcome> {
    let (command, home, clock) = (args.command, session.home(), session.clock.as_ref());
    let registry = crate::task::Schtasks;
    match command {
        TaskCommand::Install { every, pipeline, print_xml } => {
            let cwd = crate::config::current_dir()?;
            let pipeline = if pipeline.is_absolute() { pipeline } else { cwd.join(pipeline) };
            if !print_xml {
                pipeline::load_or_invalid(&pipeline)?;
            }
            let now = clock.now();
            let next_hour = now + chrono::Duration::minutes(60 - i64::from(chrono::Timelike::minute(&now)));
            let spec = crate::task::TaskSpec {
                every,
                exe: crate::config::current_exe()?,
                pipeline,
                working_dir: cwd,
                user: crate::config::windows_user(),
                start: next_hour,
            };
            if print_xml {
                print!("{}", crate::task::xml(&spec).map_err(|e| anyhow::Error::new(Invalid(format!("{e:#}"))))?);
                return Ok(Outcome::Done);
            }
            crate::home::ensure(home)?;
            let file = crate::task::install(&registry, home, &spec)?;
            println!(
                "Registered the task {} (every {}; XML in {}).",
                crate::task::TASK_NAME,
                humantime::format_duration(every),
                file.display()
            );
            println!("Task Scheduler shows dakiya's exit code as \"Last Run Result\" (see README).");
            Ok(Outcome::Done)
        }
        TaskCommand::Uninstall => {
            crate::task::TaskRegistry::delete(&registry, crate::task::TASK_NAME)?;
            println!("Removed the task {}.", crate::task::TASK_NAME);
            Ok(Outcome::Done)
        }
        TaskCommand::Show => {
            print!("{}", crate::task::TaskRegistry::query(&registry, crate::task::TASK_NAME)?);
            Ok(Outcome::Done)
        }
    }
}
