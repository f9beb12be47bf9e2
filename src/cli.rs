//! The command line: clap definitions and dispatch. Returns outcomes; never exits.
//!
//! Order of work for commands that change the data directory: load and validate config and
//! pipeline (exit 2 on problems, nothing touched) → take the run lock (exit 4 if held, nothing
//! touched) → start file logging → open the store → work.

#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::clock::Clock;
use crate::config::{self, AppConfig};
use crate::outcome::{Invalid, Outcome};
use crate::pipeline::{self, DEFAULT_PIPELINE};
use crate::runner::{self, RunEnv};
use crate::store::{Store, DB_FILE};
use crate::{admin, lock, session, telemetry};

/// dakiya: hands-off Amazon.in Easy Ship fulfilment.
#[derive(Debug, Parser)]
#[command(name = "dakiya", version, about, long_about = None)]
pub struct Cli {
    /// Data directory (database, keystore, logs). Default: %LOCALAPPDATA%\dakiya on Windows.
    #[arg(long, global = true, env = "DAKIYA_HOME", value_name = "DIR")]
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
    Run {
        /// Pipeline file.
        #[arg(default_value = DEFAULT_PIPELINE)]
        pipeline: PathBuf,
    },
    /// Check pipeline files and report every problem with file:line:col.
    Validate {
        /// Pipeline files.
        #[arg(default_value = DEFAULT_PIPELINE)]
        pipelines: Vec<PathBuf>,
    },
    /// Show recent runs and held orders.
    Status {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
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
    Backup {
        /// Verify instead of backing up.
        #[command(subcommand)]
        command: Option<BackupCommand>,
        /// Folder for the backup (default from config, else <home>/backups).
        #[arg(long)]
        to: Option<PathBuf>,
    },
    /// Restore a backup into a fresh home (or replace the database with --force).
    Restore {
        /// The backup file.
        file: PathBuf,
        /// Data directory to restore into (default: --home).
        #[arg(long)]
        into: Option<PathBuf>,
        /// Replace an existing database.
        #[arg(long)]
        force: bool,
        /// Recovery kit (when the keystore of the backed-up machine is gone).
        #[arg(long)]
        recovery_kit: Option<PathBuf>,
    },
    /// Labels and invoices waiting encrypted: list, print, purge.
    Labels {
        /// What to do.
        #[command(subcommand)]
        command: LabelsCommand,
    },
    /// GST data for the Chartered Accountant.
    Gst {
        /// What to do.
        #[command(subcommand)]
        command: GstCommand,
    },
    /// The Windows Task Scheduler task that runs dakiya hourly.
    Task {
        /// What to do with the task.
        #[command(subcommand)]
        command: TaskCommand,
    },
    /// Keystore commands.
    Keys {
        /// What to do with the keys.
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// SP-API credentials (stored protected, never in plain text).
    Credentials {
        /// What to do with the credentials.
        #[command(subcommand)]
        command: CredentialsCommand,
    },
    /// Apply every retention rule now.
    Purge {
        /// Only count what would be deleted.
        #[arg(long)]
        dry_run: bool,
    },
    /// Compliance report: PII ages and deadlines, labels, logs, credential and key ages.
    Audit {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Incident switch: destroy stored credentials, block runs, optionally shred all PII.
    Lockdown {
        /// Also crypto-shred every piece of customer PII now.
        #[arg(long)]
        shred_pii: bool,
    },
    /// Lift a lockdown after the incident review.
    Unlock,
    /// The local SP-API sandbox.
    Sandbox {
        /// What to do with the sandbox.
        #[command(subcommand)]
        command: SandboxCommand,
    },
    /// App config commands.
    Config {
        /// What to do with the config.
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

/// `dakiya backup …`
#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Decrypt a backup and check it against its manifest.
    Verify {
        /// The backup file.
        file: PathBuf,
    },
}

/// `dakiya labels …`
#[derive(Debug, Subcommand)]
pub enum LabelsCommand {
    /// Orders whose labels are stored (encrypted) and whether they were printed.
    List,
    /// Print labels: all unprinted ones, or those of the given orders. A printed label is deleted
    /// right after printing (policy 8.1).
    Print {
        /// Order ids (default: every unprinted label).
        orders: Vec<String>,
        /// Print command with `{file}` (default: the app config's `[labels] print_command`).
        #[arg(long)]
        command: Option<String>,
    },
    /// Delete any encrypted label of a printed order left behind, and combined PDFs whose orders
    /// are all printed.
    Purge,
}

/// `dakiya gst …`
#[derive(Debug, Subcommand)]
pub enum GstCommand {
    /// Write the sales register and GSTR-1 sheets for a month, quarter or financial year.
    Export {
        /// A month: 2026-10.
        #[arg(long, group = "when")]
        period: Option<String>,
        /// A financial-year quarter: 2026-Q3 (Q1 = April to June of FY 2026-27).
        #[arg(long, group = "when")]
        quarter: Option<String>,
        /// A financial year: 2026-27.
        #[arg(long, group = "when")]
        fy: Option<String>,
        /// Any range of India dates: 2019-04-01..2026-03-31.
        #[arg(long, group = "when")]
        range: Option<String>,
        /// Output folder (default gst-<period>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Pipeline whose `catalog` gives HSN and GST rates.
        #[arg(long, default_value = DEFAULT_PIPELINE)]
        pipeline: PathBuf,
    },
}

/// `dakiya task …`
#[derive(Debug, Subcommand)]
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

/// `dakiya keys …`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Key ages and vault values per epoch.
    Status,
    /// New keys for every epoch; re-encrypt every vault value; destroy the old keys.
    Rotate,
    /// Write the recovery kit (backup keys, never PII keys) protected by a passphrase you choose.
    ExportRecovery {
        /// Where to write it (print it and keep it in a safe).
        #[arg(long)]
        out: PathBuf,
    },
}

/// `dakiya credentials …`
#[derive(Debug, Subcommand)]
pub enum CredentialsCommand {
    /// Ask for client id, client secret and refresh token (no echo) and store them protected.
    Set,
    /// Call Login with Amazon once with the stored credentials.
    Check,
    /// Delete the stored credentials.
    Clear,
}

/// `dakiya sandbox …`
#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Serve the sandbox over HTTP on a loopback address until Ctrl-C.
    Serve {
        /// Address to listen on (loopback only).
        #[arg(long, default_value = "127.0.0.1:8787")]
        addr: std::net::SocketAddr,
        /// Seed for orders and faults.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Orders placed over the last two hours.
        #[arg(long, default_value_t = 40)]
        orders: usize,
        /// Rate limits this many times faster than Amazon's (dakiya must use the same factor).
        #[arg(long, default_value_t = 1.0)]
        rate_scale: f64,
        /// Fraction of calls that get a fault (0 to 1).
        #[arg(long, default_value_t = 0.0)]
        fault_rate: f64,
        /// Write a dakiya config file pointing at this sandbox.
        #[arg(long, value_name = "PATH")]
        write_config: Option<PathBuf>,
    },
}

/// `dakiya config …`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective config, secrets redacted.
    Show,
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
    let now: &dyn Clock = clock.as_ref();
    match cli.command {
        Command::Validate { pipelines } => validate(&pipelines),
        Command::Config { command: ConfigCommand::Show } => {
            print!("{}", config::show(&loaded)?);
            println!("# data directory: {}", home.display());
            Ok(Outcome::Done)
        }
        Command::Status { json } => status(&home, json),
        Command::Run { pipeline } => run_pipeline(&pipeline, &home, &loaded.config, Arc::clone(&clock)),
        Command::Demo { dir, seed } => crate::demo::run(dir.as_deref(), seed),
        Command::Task { command } => task_command(command, &home, now),
        Command::Labels { command } => admin::labels(&home, &loaded.config, now, command),
        Command::Backup { command: None, to } => admin::backup(&home, &loaded.config, now, to),
        Command::Backup { command: Some(BackupCommand::Verify { file }), .. } => admin::backup_verify(&home, &loaded.config, &file),
        Command::Restore { file, into, force, recovery_kit } => {
            admin::restore(&home, &loaded.config, now, &file, into.as_deref(), force, recovery_kit.as_deref())
        }
        Command::Gst { command: GstCommand::Export { period, quarter, fy, range, out, pipeline } } => {
            gst_export(&home, &loaded.config, period.as_deref(), quarter.as_deref(), fy.as_deref(), range.as_deref(), out, &pipeline)
        }
        Command::Keys { command } => {
            let _log = telemetry::init(&loaded.config.log, None)?;
            match command {
                KeysCommand::Status => admin::keys_status(&home, &loaded.config, now),
                KeysCommand::Rotate => admin::keys_rotate(&home, &loaded.config, now),
                KeysCommand::ExportRecovery { out } => admin::export_recovery(&home, &loaded.config, now, &out),
            }
        }
        Command::Credentials { command } => match command {
            CredentialsCommand::Set => admin::credentials_set(&home, &loaded.config, now),
            CredentialsCommand::Check => admin::credentials_check(&home, &loaded.config, Arc::clone(&clock)),
            CredentialsCommand::Clear => admin::credentials_clear(&home),
        },
        Command::Purge { dry_run } => {
            let _log = telemetry::init(&loaded.config.log, Some(&home.join("logs")))?;
            admin::purge(&home, &loaded.config, now, dry_run)
        }
        Command::Audit { json } => admin::audit(&home, &loaded.config, now, json),
        Command::Lockdown { shred_pii } => admin::lockdown(&home, &loaded.config, now, shred_pii),
        Command::Unlock => admin::unlock(&home),
        Command::Sandbox { command: SandboxCommand::Serve { addr, seed, orders, rate_scale, fault_rate, write_config } } => {
            let _log = telemetry::init(&loaded.config.log, None)?;
            serve_sandbox(addr, seed, orders, rate_scale, fault_rate, write_config.as_deref(), now)
        }
    }
}

fn validate(paths: &[PathBuf]) -> anyhow::Result<Outcome> {
    let mut all = crate::diagnostic::Diagnostics::default();
    for path in paths {
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

/// Create the data directory with owner-only permissions where the OS allows.
pub fn ensure_home(home: &Path) -> anyhow::Result<()> {
    if home.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(home).with_context(|| format!("cannot create the data directory {}", home.display()))
}

/// `dakiya run`: validate, lock, log, open the store and vault, run, print the summary.
///
/// Retention is applied on every run that finds a database, whatever else happens: a pipeline
/// file that does not validate (exit 2 after retention), no credentials or Amazon unreachable
/// (exit 3 after retention), a lockdown (exit 5 after retention). Only an invalid app config, a
/// second run holding the lock, or keys that cannot be opened stop it.
pub fn run_pipeline(path: &Path, home: &Path, config: &AppConfig, clock: Arc<dyn Clock>) -> anyhow::Result<Outcome> {
    let invalid = pipeline::invalid;
    let (plan, invalid_pipeline) = match pipeline::load(path) {
        Ok(plan) => (plan, None),
        // A broken pipeline file never stops deletion: with a database there, retention runs.
        Err(diags) if home.join(DB_FILE).is_file() => (pipeline::Pipeline::retain_only(path), Some(invalid(diags))),
        Err(diags) => return Err(invalid(diags)),
    };
    // Config problems (e.g. the test key outside sandbox mode) are found before anything is touched.
    session::check_protection(config)?;
    if let Some(n) = config.testing.pause_at.filter(|_| config.spapi.sandbox) {
        crate::testing::arm(n);
    }
    ensure_home(home)?;
    let _lock = lock::try_acquire(home)?;
    let _log = telemetry::init(&config.log, Some(&home.join("logs")))?;
    session::sweep_stale_secrets(home);
    let store = Store::open(home)?;
    let mut vault = session::open_vault(home, config, &store, clock.as_ref())?;
    // No client while locked down or without a valid pipeline; a client that cannot be built
    // stops the Amazon stages, not retention.
    let (api, api_error) = if invalid_pipeline.is_some() || crate::lockdown::is_locked_down(home) {
        (None, None)
    } else {
        match session::client(home, config, Arc::clone(&clock)) {
            Ok(api) => (api, None),
            Err(err) => (None, Some(err)),
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let mut env = RunEnv { store: &store, clock: clock.as_ref(), config, home, api: api.as_ref(), api_error, vault: &mut vault };
    let finished = rt.block_on(runner::run_to_end(&plan, &mut env))?;
    print!("{}", finished.report.summary());
    if let Some(err) = invalid_pipeline {
        return Err(err.context("the pipeline file is invalid; only the retention rules were applied"));
    }
    match finished.error {
        Some(err) => Err(err),
        None => Ok(finished.report.outcome()),
    }
}

/// `dakiya gst export`.
#[allow(clippy::too_many_arguments)]
pub fn gst_export(
    home: &Path,
    config: &AppConfig,
    period: Option<&str>,
    quarter: Option<&str>,
    fy: Option<&str>,
    range: Option<&str>,
    out: Option<PathBuf>,
    pipeline_path: &Path,
) -> anyhow::Result<Outcome> {
    use crate::gst::export::{default_out, export, summary, Period};
    let invalid = |e: anyhow::Error| anyhow::Error::new(Invalid(format!("{e:#}")));
    let period = match (period, quarter, fy, range) {
        (Some(p), None, None, None) => Period::month(p).map_err(invalid)?,
        (None, Some(q), None, None) => Period::quarter(q).map_err(invalid)?,
        (None, None, Some(f), None) => Period::fy(f).map_err(invalid)?,
        (None, None, None, Some(r)) => Period::range(r).map_err(invalid)?,
        _ => return Err(anyhow::Error::new(Invalid("give exactly one of --period YYYY-MM, --quarter YYYY-Qn, --fy YYYY-YY, --range FROM..TO".into()))),
    };
    let catalog = pipeline::load_or_invalid(pipeline_path)?.load_catalog()?;
    if !home.join(DB_FILE).is_file() {
        anyhow::bail!("no database in {}: nothing to export yet", home.display());
    }
    // The run lock keeps the hourly run out while the export reads a consistent store.
    let _lock = lock::acquire_waiting(home, std::time::Duration::from_secs(30 * 60))?;
    let store = Store::open(home)?;
    let out = out.unwrap_or_else(|| default_out(&period));
    let manifest = export(&store, &catalog, &config.seller.state_code, &period, &out)?;
    print!("{}", summary(&manifest));
    println!("Written to {}", out.display());
    Ok(Outcome::Done)
}

fn task_command(command: TaskCommand, home: &Path, clock: &dyn Clock) -> anyhow::Result<Outcome> {
    let registry = crate::task::Schtasks;
    match command {
        TaskCommand::Install { every, pipeline, print_xml } => {
            let cwd = std::env::current_dir()?;
            let pipeline = if pipeline.is_absolute() { pipeline } else { cwd.join(pipeline) };
            if !print_xml {
                pipeline::load_or_invalid(&pipeline)?;
            }
            let now = clock.now();
            let next_hour = now + chrono::Duration::minutes(60 - i64::from(chrono::Timelike::minute(&now)));
            let spec = crate::task::TaskSpec {
                every,
                exe: std::env::current_exe()?,
                pipeline,
                working_dir: cwd,
                user: crate::config::windows_user(),
                start: next_hour,
            };
            if print_xml {
                print!("{}", crate::task::xml(&spec).map_err(|e| anyhow::Error::new(Invalid(format!("{e:#}"))))?);
                return Ok(Outcome::Done);
            }
            ensure_home(home)?;
            let file = crate::task::install(&registry, home, &spec)?;
            println!("Registered the task {} (every {}; XML in {}).", crate::task::TASK_NAME, humantime::format_duration(every), file.display());
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

fn serve_sandbox(
    addr: std::net::SocketAddr,
    seed: u64,
    orders: usize,
    rate_scale: f64,
    fault_rate: f64,
    write_config: Option<&Path>,
    clock: &dyn Clock,
) -> anyhow::Result<Outcome> {
    if !addr.ip().is_loopback() {
        return Err(anyhow::Error::new(Invalid(format!(
            "--addr {addr}: the sandbox listens on loopback addresses only (127.0.0.1 or [::1])"
        ))));
    }
    if !(0.0..=1.0).contains(&fault_rate) || !(rate_scale > 0.0) {
        return Err(anyhow::Error::new(Invalid("--fault-rate must be 0 to 1 and --rate-scale above 0".into())));
    }
    let now = clock.now();
    let options = crate::sandbox::SandboxOptions {
        seed,
        orders,
        start: now,
        first_order_at: Some(now - chrono::Duration::hours(2)),
        spread: chrono::Duration::hours(2),
        rate_scale,
        fault_rate,
        ..crate::sandbox::SandboxOptions::default()
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async move {
        let sandbox = crate::sandbox::Sandbox::start(options, addr).await?;
        if let Some(path) = write_config {
            std::fs::write(path, sandbox.config_toml()).with_context(|| format!("cannot write {}", path.display()))?;
        }
        println!("SP-API sandbox listening on {} (seed {seed}, {orders} orders, rate scale {rate_scale}, faults {fault_rate})", sandbox.base_url());
        println!("  spapi.endpoint     = {}", sandbox.base_url());
        println!("  spapi.lwa_endpoint = {}", sandbox.lwa_url());
        println!("  test credentials (not secrets):");
        for (key, value) in crate::sandbox::Sandbox::credential_env() {
            println!("    {key}={value}");
        }
        if let Some(path) = write_config {
            println!("  config written to {}: dakiya --config {} run", path.display(), path.display());
        }
        println!("Simulated time follows the wall clock. Ctrl-C stops the sandbox.");
        // Simulated time follows real time while serving.
        let started = std::time::Instant::now();
        let mut last = std::time::Duration::ZERO;
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => break,
                _ = tick.tick() => {
                    let elapsed = started.elapsed();
                    let delta = elapsed.saturating_sub(last);
                    last = elapsed;
                    sandbox.advance(chrono::Duration::from_std(delta).unwrap_or_default());
                }
            }
        }
        println!("Sandbox stopped.");
        anyhow::Ok(())
    })?;
    Ok(Outcome::Done)
}

fn status(home: &Path, json: bool) -> anyhow::Result<Outcome> {
    let db = home.join(DB_FILE);
    if !db.is_file() {
        if json {
            println!("{}", serde_json::json!({ "home": home, "runs": [], "held": [] }));
        } else {
            println!("No runs yet (no database in {}).", home.display());
        }
        return Ok(Outcome::Done);
    }
    let store = Store::open_read_only(&db)?;
    let runs = store.recent_runs(5)?;
    let held = store.held_orders()?;
    if json {
        let held: Vec<_> = held
            .iter()
            .map(|(id, reason, at)| serde_json::json!({ "order_id": id, "reason": reason, "held_at": at }))
            .collect();
        println!("{}", serde_json::json!({ "home": home, "runs": runs, "held": held }));
        return Ok(Outcome::Done);
    }
    println!("Recent runs:");
    if runs.is_empty() {
        println!("  none");
    }
    for run in &runs {
        let ended = run.ended_at.map_or_else(|| "-".to_owned(), |t| t.format("%Y-%m-%d %H:%M:%S").to_string());
        println!(
            "  {}  {}  {:<8} {}  ended {}{}",
            run.started_at.format("%Y-%m-%d %H:%M:%S"),
            run.run_id,
            run.outcome,
            run.pipeline,
            ended,
            run.error_class.as_ref().map_or_else(String::new, |c| format!("  ({c})")),
        );
    }
    println!("Held orders:");
    if held.is_empty() {
        println!("  none");
    }
    for (id, reason, _) in &held {
        println!("  {id}: {reason}");
    }
    Ok(Outcome::Done)
}
