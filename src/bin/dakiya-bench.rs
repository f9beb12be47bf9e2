//! `scripts/bench.sh`: the performance figures of `spec/quality.md`, each printed beside its goal.
//!
//! Everything runs against the local sandbox on loopback with its rate limits scaled by a known
//! factor; the "floor" of a run is computed from Amazon's published token buckets at that scale.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;

/// The product's allocator (zero on free), so figures include its cost.
#[global_allocator]
static ALLOCATOR: zeroizing_alloc::ZeroAlloc<std::alloc::System> = zeroizing_alloc::ZeroAlloc(std::alloc::System);
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, TimeZone as _, Utc};
use dakiya::clock::Clock;
use dakiya::demo::{run_once, sandbox_config, write_embedded};
use dakiya::sandbox::{Sandbox, SandboxOptions};
use dakiya::spapi::limits::Op;

/// A line on stdout that does not tear the progress bar on stderr.
macro_rules! say {
    ($($arg:tt)*) => { dakiya::progress::println(&format!($($arg)*)) };
}

fn row(name: &str, value: String, goal: &str, ok: bool) {
    say!("{:<58} {:>14}   goal {:<22} {}", name, value, goal, if ok { "ok" } else { "MISSED" });
}

async fn sandbox(seed: u64, orders: usize, scale: f64, faults: f64) -> anyhow::Result<Sandbox> {
    let start = Utc.with_ymd_and_hms(2026, 11, 30, 2, 30, 0).single().ok_or_else(|| anyhow::anyhow!("time"))?;
    let sb = Sandbox::start(
        SandboxOptions {
            seed,
            orders,
            start,
            rate_scale: scale,
            fault_rate: faults,
            stall: std::time::Duration::from_millis(1500),
            spread: Duration::hours(1),
            ..SandboxOptions::default()
        },
        "127.0.0.1:0".parse()?,
    )
    .await?;
    sb.with_world_mut(|w| w.without_cancellations());
    Ok(sb)
}

fn sp_calls(sb: &Sandbox, from: usize) -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
    for e in sb.journal().into_iter().skip(from) {
        if Op::from_name(e.op).is_some_and(|op| op.is_sp_api()) {
            *out.entry(e.op).or_default() += 1;
        }
    }
    out
}

/// Steady state: 20 new orders an hour, hourly runs.
async fn calls_per_order() -> anyhow::Result<()> {
    let sb = sandbox(31, 20, 2000.0, 0.0).await?;
    let home = tempfile::tempdir()?;
    let pipeline = write_embedded(home.path())?;
    let config = sandbox_config(&sb, 2000.0);
    let clock: Arc<dyn Clock> = sb.clock();
    sb.advance(Duration::hours(1));
    run_once(home.path(), &pipeline, &config, Arc::clone(&clock)).await?;
    let mut calls = 0usize;
    let mut scheduled = 0usize;
    let mut by_op: BTreeMap<&'static str, usize> = BTreeMap::new();
    for _hour in 0..8 {
        let now = clock.now();
        sb.with_world_mut(|w| w.generate(20, now));
        sb.advance(Duration::hours(1));
        let mark = sb.journal().len();
        run_once(home.path(), &pipeline, &config, Arc::clone(&clock)).await?;
        let journal = sb.journal();
        scheduled +=
            journal.iter().skip(mark).filter(|e| e.op == "createScheduledPackage" && e.outcome.starts_with("created package")).count();
        for (op, n) in sp_calls(&sb, mark) {
            calls += n;
            *by_op.entry(op).or_default() += n;
        }
    }
    let per = calls as f64 / scheduled.max(1) as f64;
    row("Amazon calls per scheduled order (20 new/hour, 8 runs)", format!("{per:.2}"), "<= 2.2 (floor 2)", per <= 2.2);
    say!("    {} SP-API calls for {} orders: {:?}", calls, scheduled, by_op);
    Ok(())
}

/// The rate-limit floor of the calls a run made: per operation, calls beyond the burst at its
/// scaled rate; the run cannot be faster than its slowest bucket.
fn floor_secs(calls: &BTreeMap<&'static str, usize>, scale: f64) -> f64 {
    calls
        .iter()
        .filter_map(|(op, n)| {
            let (rate, burst) = Op::from_name(op)?.published_limit()?;
            Some((*n as f64 - burst as f64).max(0.0) / (rate * scale))
        })
        .fold(0.0, f64::max)
}

/// One 60-order run (more runs if faults stop one early): wall time, floor, 429s, stage times.
struct Trial {
    wall: f64,
    floor: f64,
    throttled: usize,
    runs: usize,
    stage_ms: BTreeMap<String, u64>,
}

async fn wall_trial(seed: u64, faults: f64) -> anyhow::Result<Trial> {
    let scale = 4.0;
    let n = 60;
    let sb = sandbox(seed, n, scale, faults).await?;
    let home = tempfile::tempdir()?;
    let pipeline = write_embedded(home.path())?;
    let mut config = sandbox_config(&sb, scale);
    config.spapi.timeout = std::time::Duration::from_millis(1000);
    config.spapi.max_attempts = 6;
    let clock: Arc<dyn Clock> = sb.clock();
    sb.advance(Duration::hours(2));
    let started = Instant::now();
    let mut runs = 0;
    let mut stage_ms: BTreeMap<String, u64> = BTreeMap::new();
    // With faults a run may stop early; the next run finishes the work (as hourly runs would).
    loop {
        runs += 1;
        if let Ok(report) = run_once(home.path(), &pipeline, &config, Arc::clone(&clock)).await {
            for (name, _, ms) in report.stages {
                *stage_ms.entry(name).or_default() += ms;
            }
        }
        let scheduled =
            sb.journal().iter().filter(|e| e.op == "createScheduledPackage" && e.outcome.starts_with("created package")).count();
        if scheduled >= n - 1 || runs >= 5 {
            break;
        }
    }
    let wall = started.elapsed().as_secs_f64();
    let floor = floor_secs(&sp_calls(&sb, 0), scale);
    let throttled = sb.journal().iter().filter(|e| e.status == 429 && e.outcome == "throttled").count();
    Ok(Trial { wall, floor, throttled, runs, stage_ms })
}

/// Wall time over the rate-limit floor, the median of three seeded trials.
async fn wall_vs_floor(faults: f64) -> anyhow::Result<()> {
    let mut trials = Vec::new();
    for seed in [32, 33, 34] {
        trials.push(wall_trial(seed, faults).await?);
    }
    let mut ratios: Vec<f64> = trials.iter().map(|t| t.wall / t.floor.max(1e-9)).collect();
    ratios.sort_by(f64::total_cmp);
    let median = ratios[ratios.len() / 2];
    let goal = if faults > 0.0 { 1.35 } else { 1.05 };
    row(
        &format!("Run wall time / rate-limit floor, 60 orders, {:.0} % faults", faults * 100.0),
        format!("{median:.3}"),
        &format!("<= {goal:.2} (median of 3)"),
        median <= goal,
    );
    for t in &trials {
        say!(
            "    wall {:.2} s, floor {:.2} s at 4x Amazon's rates, ratio {:.3}, {} run(s); stages (ms): {:?}",
            t.wall,
            t.floor,
            t.wall / t.floor.max(1e-9),
            t.runs,
            t.stage_ms
        );
    }
    if faults == 0.0 {
        let throttled: usize = trials.iter().map(|t| t.throttled).sum();
        row("429 responses at correct pacing (3 runs)", throttled.to_string(), "0", throttled == 0);
    }
    Ok(())
}

/// Run a child, sampling its peak RSS (`VmHWM`, a high-water mark) until it exits.
#[cfg(unix)]
fn run_measured(cmd: &mut std::process::Command) -> anyhow::Result<(f64, i64, i32)> {
    let started = Instant::now();
    let mut child = cmd.spawn()?;
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0i64;
    let status = loop {
        if let Some(kb) = std::fs::read_to_string(&status_file).ok().and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse::<i64>().ok())
        }) {
            peak = peak.max(kb);
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    };
    Ok((started.elapsed().as_secs_f64(), peak, status.code().unwrap_or(-1)))
}

#[cfg(unix)]
async fn idle_run(exe: &Path) -> anyhow::Result<()> {
    let now = dakiya::clock::SystemClock.now();
    let sb = Sandbox::start(
        SandboxOptions {
            seed: 33,
            orders: 40,
            start: now,
            first_order_at: Some(now - Duration::hours(3)),
            spread: Duration::hours(2),
            rate_scale: 2000.0,
            ..SandboxOptions::default()
        },
        "127.0.0.1:0".parse()?,
    )
    .await?;
    let home = tempfile::tempdir()?;
    let pipeline = write_embedded(home.path())?;
    let config = home.path().join("sandbox.toml");
    std::fs::write(&config, sb.config_toml())?;
    let mk = || {
        let mut c = std::process::Command::new(exe);
        c.arg("--home")
            .arg(home.path())
            .arg("--config")
            .arg(&config)
            .arg("run")
            .arg(&pipeline)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        for (k, v) in Sandbox::credential_env() {
            c.env(k, v);
        }
        c
    };
    // Two runs bring everything in; the third has nothing new.
    let sb_ref = &sb;
    for _ in 0..2 {
        let mut c = mk();
        let handle = tokio::task::spawn_blocking(move || c.status());
        handle.await??;
    }
    let _ = sb_ref;
    let mut best = f64::MAX;
    let mut rss = 0;
    for _ in 0..5 {
        let mut c = mk();
        let (wall, r, _code) = tokio::task::spawn_blocking(move || run_measured(&mut c)).await??;
        best = best.min(wall);
        rss = r;
    }
    row("Idle hourly run (nothing new), process wall time, best of 5", format!("{:.0} ms", best * 1000.0), "<= 300 ms", best <= 0.3);
    row("Idle hourly run, peak RSS (largest child)", format!("{:.1} MB", rss as f64 / 1024.0), "<= 60 MB", (rss as f64 / 1024.0) <= 60.0);
    Ok(())
}

/// Seven years at 300 orders a day, filled straight into a store.
/// The GST export over seven years at `per_day` orders a day (300: today's benchmark; 3,000:
/// issue #16's ten times), against DuckDB's own `COPY` of the same register.
fn gst_export(exe: &Path, per_day: usize) -> anyhow::Result<()> {
    let home = tempfile::tempdir()?;
    let store = dakiya::store::Store::open(home.path())?;
    let days = 7 * 365;
    let started = Instant::now();
    let lines = dakiya::store::synthetic::fill_gst_history(&store, days, per_day)?;
    say!("    seeded {lines} order lines in {:.1} s", started.elapsed().as_secs_f64());
    // Measured on a fresh connection, as `dakiya gst export` opens the store: the seeding's
    // buffers (4 GB, two threads) are not the export's.
    drop(store);
    let store = dakiya::store::Store::open(home.path())?;
    let catalog = dakiya::catalog::Catalog::parse(dakiya::demo::CATALOG_CSV).map_err(|p| anyhow::anyhow!("{}", p.join("; ")))?;
    let period = dakiya::gst::export::Period {
        label: "7y".into(),
        from: chrono::NaiveDate::from_ymd_opt(2019, 4, 1).unwrap_or_default(),
        to: chrono::NaiveDate::from_ymd_opt(2026, 3, 31).unwrap_or_default(),
    };
    let gst = dakiya::config::GstConfig::default();
    let settings = dakiya::gst::export::ExportSettings { seller_state: "24", gst: &gst };
    // Export and baseline back to back, three pairs, the median pair's figures: this machine's
    // speed drifts by a fifth between minutes, so a ratio of two runs far apart measures the drift.
    let pairs = 3;
    let mut measured = Vec::new();
    let mut manifest = None;
    // The baseline gets the least memory it runs in, never less than the export's: the export's
    // own limit, else the next step of the ladder (said in the output). Found once, in the first
    // pair; a failed attempt is not timed.
    const LADDER: [Option<&str>; 5] = [None, Some("128MB"), Some("256MB"), Some("512MB"), Some("1GB")];
    let mut limit: Option<Option<&str>> = None;
    for pair in 0..pairs {
        let out = home.path().join(format!("export-{pair}"));
        let started = Instant::now();
        manifest = Some(dakiya::gst::export::export(&store, &catalog, &settings, &period, &out)?);
        let ours = started.elapsed().as_secs_f64();
        let copy_file = home.path().join("copy.csv");
        let mut started = Instant::now();
        match limit {
            Some(l) => dakiya::gst::export::baseline_copy(&store, &catalog, "24", &period, &copy_file, l)?,
            None => {
                for (i, l) in LADDER.iter().enumerate() {
                    let _ = std::fs::remove_file(&copy_file);
                    started = Instant::now();
                    match dakiya::gst::export::baseline_copy(&store, &catalog, "24", &period, &copy_file, *l) {
                        Ok(()) => {
                            limit = Some(*l);
                            break;
                        }
                        Err(e) if i + 1 == LADDER.len() => return Err(e),
                        Err(_) => {}
                    }
                }
            }
        }
        let copy = started.elapsed().as_secs_f64();
        // The same register, byte for byte: the export's order without a sort is DuckDB's ORDER BY.
        let mut hash = <sha2::Sha256 as sha2::Digest>::new();
        std::io::copy(&mut std::fs::File::open(&copy_file)?, &mut hash)?;
        let copied = hex::encode(sha2::Digest::finalize(hash));
        let same = manifest.as_ref().and_then(|m| m.files.first()).is_some_and(|f| f.sha256 == copied);
        if !same {
            anyhow::bail!("the export's register differs from DuckDB's own sorted COPY of it");
        }
        let _ = std::fs::remove_file(&copy_file);
        let _ = std::fs::remove_dir_all(&out);
        measured.push((ours / copy.max(1e-9), ours, copy));
    }
    measured.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (ratio, ours, copy) = measured.get(measured.len() / 2).copied().ok_or_else(|| anyhow::anyhow!("no pair measured"))?;
    let manifest = manifest.ok_or_else(|| anyhow::anyhow!("no export ran"))?;
    let all: Vec<String> = measured.iter().map(|(r, o, c)| format!("{o:.2}/{c:.2}={r:.2}")).collect();
    say!("    pairs (export s / COPY s = ratio): {}", all.join(", "));
    let rows = manifest.files.first().map_or(0, |f| f.rows);
    // Absolute times are no goal (spec/quality.md: they vary too much between machines here).
    say!("GST export, 7 years at {per_day}/day ({rows} register rows), wall       {ours:.2} s");
    row(&format!("GST export / DuckDB COPY TO of the same register ({per_day}/day)"), format!("{ratio:.2}"), "<= 1.5", ratio <= 1.5);
    let note = match limit.flatten() {
        None => String::new(),
        Some(l) => format!(" (given {l}: DuckDB cannot do it in one query within the export's own limit)"),
    };
    say!("    DuckDB's own COPY TO of the same register (same lines, columns and bytes): {copy:.2} s{note}");
    drop(store);
    // The export's own memory: the real binary, in its own process.
    #[cfg(unix)]
    {
        let mut cmd = std::process::Command::new(exe);
        cmd.arg("--home")
            .arg(home.path())
            .args(["gst", "export", "--range", "2019-04-01..2026-03-31", "--out"])
            .arg(home.path().join("export-cli"));
        cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).env("DAKIYA_PASSPHRASE", "bench");
        let (wall, peak_kb, code) = run_measured(&mut cmd)?;
        let mb = peak_kb as f64 / 1024.0;
        row(
            &format!("GST export (7 years, {per_day}/day) in its own process: peak RSS"),
            format!("{mb:.0} MB"),
            "<= 200 MB",
            mb <= 200.0 && code == 0,
        );
        say!("    wall {wall:.2} s including process start, exit {code}");
    }
    Ok(())
}

fn vault_bench() -> anyhow::Result<()> {
    let home = tempfile::tempdir()?;
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).single().ok_or_else(|| anyhow::anyhow!("time"))?;
    let mut vault = dakiya::vault::Vault::new(dakiya::vault::keystore::Keystore::create(
        home.path(),
        Box::new(dakiya::vault::protect::TestKeyProtector),
        now,
    )?);
    let value = dakiya::vault::Pii::new("Flat 12, Shanti Apartments, Near Ring Road");
    // Keys for the epochs first (a keystore write each), then the timed loop.
    let deadline = now + Duration::days(30);
    vault.seal("warm", dakiya::vault::PiiField::AddressLine1, &value, deadline, now)?;
    let started = Instant::now();
    let mut ok = 0;
    for i in 0..100_000 {
        let sealed = vault.seal(&format!("402-{i:07}"), dakiya::vault::PiiField::AddressLine1, &value, deadline, now)?;
        if vault.open(&sealed)?.expose().len() == value.expose().len() {
            ok += 1;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    row("Vault: seal + open of 100 k values", format!("{secs:.2} s"), "<= 1 s", secs <= 1.0 && ok == 100_000);
    Ok(())
}

fn main() -> anyhow::Result<()> {
    // The GST export's phase times (`dakiya::gst::phase`), printed among the figures.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("dakiya::gst::phase=debug"))
        .with_writer(dakiya::progress::log_writer)
        .without_time()
        .with_target(false)
        .with_level(false)
        .with_ansi(false)
        .try_init();
    let exe = std::env::args().nth(1).map(std::path::PathBuf::from).unwrap_or_else(|| std::path::PathBuf::from("target/release/dakiya"));
    say!(
        "dakiya benchmarks ({}; {} CPUs)",
        dakiya::clock::Clock::now(&dakiya::clock::SystemClock).format("%Y-%m-%d"),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    // An optional second argument picks benchmarks by name (`calls`, `wall`, `idle`, `vault`, `gst`,
    // `gst10`: the export at ten times the volume).
    let only = std::env::args().nth(2);
    let want = |name: &str| only.as_deref().is_none_or(|o| o.split(',').any(|o| o == name));
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let names = ["calls", "wall", "idle", "vault", "gst", "gst10"];
    // Which benchmark is running, on a terminal (the figures themselves go to stdout).
    let progress = dakiya::progress::bar(names.iter().filter(|n| want(n)).count() as u64, "benchmarks", true);
    let want = |name: &str| {
        let on = want(name);
        if on {
            progress.set_message(name.to_owned());
            progress.inc(1);
        }
        on
    };
    if want("calls") {
        rt.block_on(calls_per_order())?;
    }
    if want("wall") {
        rt.block_on(wall_vs_floor(0.0))?;
        rt.block_on(wall_vs_floor(0.2))?;
    }
    #[cfg(unix)]
    if want("idle") {
        rt.block_on(idle_run(&exe))?;
    }
    if want("vault") {
        vault_bench()?;
    }
    if want("gst") {
        gst_export(&exe, 300)?;
    }
    if want("gst10") {
        gst_export(&exe, 3000)?;
    }
    progress.finish_and_clear();
    Ok(())
}
