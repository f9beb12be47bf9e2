//! The command line: clap definitions and dispatch. Builds the one [`Session`] every command
//! gets, then hands over to `commands::<name>::exec`. Returns outcomes; never exits.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::commands::{
    self, audit, backup, config as config_cmd, credentials, doctor, gst, keys, labels, lockdown, purge, report, restore, run, sandbox,
    status, task, validate,
};
use crate::config;
use crate::outcome::Outcome;
use crate::session::Session;

/// dakiya: hands-off Amazon.in Easy Ship fulfilment.
#[derive(Debug, Parser)]
#[command(name = "dakiya", version, about, long_about = None)]
pub struct Cli {
    /// Data directory (database, keystore, logs). Default: `DAKIYA_HOME`, the config's `home`,
    /// else %LOCALAPPDATA%\dakiya on Windows.
    #[arg(long, global = true, value_name = "DIR")]
    pub home: Option<PathBuf>,
    /// App config file. Default: config/dakiya.toml when present.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a pipeline once (what Task Scheduler starts every hour).
    Run(run::RunArgs),
    /// Check pipeline files and report every problem with file:line:col.
    Validate(validate::ValidateArgs),
    /// Show recent runs and held orders.
    Status(status::StatusArgs),
    /// Check everything a first real run needs (credentials, roles, merchant id, catalogue, printer, task).
    Doctor(doctor::DoctorArgs),
    /// See the whole product in a minute: a seeded day against the local sandbox.
    Demo {
        /// Keep the demo's data folder here (must be empty or new).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Seed for the sandbox's orders.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Encrypted backup of the database (waits for a running run).
    Backup(backup::BackupArgs),
    /// Restore a backup into a fresh home (or replace the database with --force).
    Restore(restore::RestoreArgs),
    /// Labels and invoices waiting encrypted: list, print, purge.
    Labels(labels::LabelsArgs),
    /// GST data for the Chartered Accountant.
    Gst(gst::GstArgs),
    /// The Windows Task Scheduler task that runs dakiya hourly.
    Task(task::TaskArgs),
    /// Keystore commands.
    Keys(keys::KeysArgs),
    /// SP-API credentials (stored protected, never in plain text).
    Credentials(credentials::CredentialsArgs),
    /// Apply every retention rule now.
    Purge(purge::PurgeArgs),
    /// One self-contained HTML page: sales and tax, pickups, holds, Amazon calls, purges, GST periods.
    Report(report::ReportArgs),
    /// Compliance report: PII ages and deadlines, labels, logs, credential and key ages.
    Audit(audit::AuditArgs),
    /// Incident switch: destroy stored credentials, block runs, optionally shred all PII.
    Lockdown(lockdown::LockdownArgs),
    /// Lift a lockdown after the incident review.
    Unlock,
    /// The local SP-API sandbox.
    Sandbox(sandbox::SandboxArgs),
    /// App config commands.
    Config(config_cmd::ConfigArgs),
}

/// Parse the process arguments.
pub fn parse() -> Result<Cli, clap::Error> {
    Cli::try_parse()
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let loaded = config::load(cli.config.as_deref())?;
    let home = config::resolve_home(cli.home.as_deref(), &loaded.config)?;
    let clock = crate::clock::for_process(loaded.config.testing.now, loaded.config.spapi.sandbox);
    let session = Session::new(home, loaded.config.clone(), clock);
    match cli.command {
        Command::Run(args) => run::exec(&session, args),
        Command::Validate(args) => validate::exec(args),
        Command::Status(args) => status::exec(&session, args),
        Command::Doctor(args) => doctor::exec(&session, args),
        Command::Demo { dir, seed } => crate::demo::run(dir.as_deref(), seed),
        Command::Backup(args) => backup::exec(&session, args),
        Command::Restore(args) => restore::exec(&session, args),
        Command::Labels(args) => labels::exec(&session, args),
        Command::Gst(args) => gst::exec(&session, args),
        Command::Task(args) => task::exec(&session, args),
        Command::Keys(args) => keys::exec(&session, args),
        Command::Credentials(args) => credentials::exec(&session, args),
        Command::Purge(args) => purge::exec(&session, args),
        Command::Audit(args) => audit::exec(&session, args),
        Command::Report(args) => report::exec(&session, args),
        Command::Lockdown(args) => lockdown::exec(&session, args),
        Command::Unlock => commands::lockdown::unlock(&session),
        Command::Sandbox(args) => sandbox::exec(&session, args),
        Command::Config(args) => config_cmd::exec(&session, &loaded, args),
    }
}
