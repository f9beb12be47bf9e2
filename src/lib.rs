//! dakiya ("postman"): hands-off Amazon.in Easy Ship fulfilment for a one-person seller.
//!
//! Every hour Task Scheduler starts `dakiya run`: a declarative pipeline (`pipelines/*.toml`) of
//! stages fetches orders through the Selling Partner API, sizes them, books Easy Ship pickups,
//! fetches labels and deletes customer data on time. See `ARCHITECTURE.md` for the code map.
//!
//! Module map (one line each; details in each module's own doc):
//! - [`audit`]: the compliance report of `dakiya audit`.
//! - [`backup`]: encrypted backups, restore, the recovery kit.
//! - [`catalog`]: the SKU catalogue, the box list and the choice of box and weight.
//! - [`diagnostic`]: `file:line:col: error: …` diagnostics with hints (pipelines and config).
//! - [`demo`]: `dakiya demo`, the whole product against the sandbox in seconds.
//! - [`doctor`]: `dakiya doctor`, the checks before a first real run.
//! - [`docs`]: labels and invoices: processing report, splitting, printing.
//! - [`home`]: the data directory, created owner-only.
//! - [`gst`]: GST for the CA: the export, credit notes, the Merchant Tax Report import.
//! - [`ingest`]: one order from Amazon into the store and the vault: the PII boundary.
//! - [`cli`]: clap definitions and dispatch to [`commands`]; returns outcomes, never exits.
//! - [`commands`]: one module per command (its clap args and `exec`); wiring and printing only.
//! - [`config`]: the app config (figment: defaults < file < `DAKIYA_*` env); the only module that
//!   reads the environment.
//! - [`clock`]: the injected clock; the only place wall time is read.
//! - [`task`]: the Windows Task Scheduler task (XML and `schtasks`).
//! - [`telemetry`]: tracing setup (stderr + daily JSON files), never logs PII.
//! - [`lock`]: the single-instance run lock.
//! - [`lockdown`]: the incident marker checked at every stage boundary.
//! - [`pii`]: `Pii`, customer data in memory (redacted, wiped on drop); a leaf.
//! - [`pipeline`]: pipeline TOML → raw spec → validated plan, with `file:line:col` diagnostics.
//! - [`stage`]: the closed `StageKind` registry and one module per stage.
//! - [`preview`]: `run --dry-run`, what a run would book or hold, reads only.
//! - [`progress`]: progress bars for long interactive work, hidden off a terminal.
//! - [`notify`]: `[notify]`, the nudge after a run that needs the seller.
//! - [`report`]: `dakiya report`, one self-contained HTML page with inline SVG charts.
//! - [`retention`]: every retention rule; used by `retain` and `dakiya purge`.
//! - [`runner`]: runs a validated plan, records the run, builds the run report.
//! - [`sandbox`]: the local, stateful SP-API fake for tests, the demo and `sandbox serve`.
//! - [`session`]: one command's `Session`: home, config, clock, the protector made once, vault,
//!   credentials and client.
//! - [`spapi`]: the Selling Partner API client (the only HTTP to Amazon).
//! - [`store`]: the DuckDB store, migrations and typed queries; no PII columns.
//! - [`testing`]: numbered checkpoints for the crash test (sandbox mode only).
//! - [`osprobe`]: the OS behind the policy (BitLocker, firewall, auto-lock, RDP, ACL), Windows probes behind a trait.
//! - [`outcome`]: the typed results and failures that `main` maps to exit codes.
//! - [`vault`]: AES-256-GCM field encryption of PII, epoch keys, crypto-shredding, protection.

pub mod audit;
pub mod backup;
pub mod catalog;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod demo;
pub mod diagnostic;
pub mod docs;
pub mod doctor;
pub mod gst;
pub mod gstin;
pub mod home;
pub mod ingest;
pub mod lock;
pub mod lockdown;
pub mod notify;
pub mod osprobe;
pub mod outcome;
pub mod pii;
pub mod pipeline;
pub mod preview;
pub mod progress;
pub mod report;
pub mod retention;
pub mod runner;
pub mod sandbox;
pub mod session;
pub mod spapi;
pub mod stage;
pub mod store;
pub mod task;
pub mod telemetry;
pub mod testing;
pub mod vault;
