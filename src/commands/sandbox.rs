//! `dakiya sandbox serve`: the local SP-API sandbox over HTTP on loopback, for trying dakiya
//! against it with `dakiya --config PATH run`.

#![allow(clippy::print_stdout)]

use std::path::PathBuf;

use anyhow::Context as _;

use crate::outcome::{Invalid, Outcome};
use crate::session::Session;

/// `dakiya sandbox`.
#[derive(Debug, clap::Args)]
pub struct SandboxArgs {
    /// What to do with the sandbox.
    #[command(subcommand)]
    pub command: SandboxCommand,
}

/// `dakiya sandbox …`
#[derive(Debug, clap::Subcommand)]
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

/// Run a `sandbox` command.
pub fn exec(session: &Session, args: SandboxArgs) -> anyhow::Result<Outcome> {
    let _log = crate::telemetry::init(&session.config.log, None)?;
    let SandboxCommand::Serve { addr, seed, orders, rate_scale, fault_rate, write_config } = args.command;
    let (write_config, clock) = (write_config.as_deref(), session.clock.as_ref());

    if !addr.ip().is_loopback() {
        return Err(anyhow::Error::new(Invalid(format!(
            "--addr {addr}: the sandbox listens on loopback addresses only (127.0.0.1 or [::1])"
        ))));
    }
    if !(0.0..=1.0).contains(&fault_rate) || !rate_scale.is_finite() || rate_scale <= 0.0 {
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
        println!(
            "SP-API sandbox listening on {} (seed {seed}, {orders} orders, rate scale {rate_scale}, faults {fault_rate})",
            sandbox.base_url()
        );
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
