//! `dakiya demo`: the whole product in under a minute with no Amazon account.
//!
//! Starts the local SP-API sandbox with a seeded day of orders, writes the embedded default
//! pipeline, catalogue and box list into a demo data folder, and runs the real hourly pipeline
//! while moving simulated time through pickup, delivery and the 30-day purge, printing what
//! happened at each step.

#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use chrono::{Duration, TimeZone as _, Utc};

use crate::clock::Clock;
use crate::config::{AppConfig, EnvSecret, LogFormat, Protection};
use crate::outcome::Outcome;
use crate::runner::{self, RunEnv, RunReport};
use crate::sandbox::{Sandbox, SandboxOptions, CLIENT_ID, CLIENT_SECRET, MERCHANT_ID, REFRESH_TOKEN};
use crate::session::Session;
use crate::store::Store;
use crate::{lock, pipeline};

/// The default pipeline, catalogue and boxes shipped in the binary.
pub const HOURLY_PIPELINE: &str = include_str!("../pipelines/hourly.toml");
/// The example SKU catalogue.
pub const CATALOG_CSV: &str = include_str!("../config/catalog.csv");
/// The example box list.
pub const BOXES_TOML: &str = include_str!("../config/boxes.toml");

/// Write the embedded pipeline and config files into `home` (`pipelines/`, `config/`).
pub fn write_embedded(home: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(home.join("pipelines"))?;
    std::fs::create_dir_all(home.join("config"))?;
    std::fs::write(home.join("config/catalog.csv"), CATALOG_CSV)?;
    std::fs::write(home.join("config/boxes.toml"), BOXES_TOML)?;
    let path = home.join("pipelines/hourly.toml");
    std::fs::write(&path, HOURLY_PIPELINE)?;
    Ok(path)
}

/// An app config pointing at a sandbox, with its test credentials and the test key.
pub fn sandbox_config(sb: &Sandbox, rate_scale: f64) -> AppConfig {
    let mut config = AppConfig::default();
    config.seller.merchant_id = MERCHANT_ID.into();
    config.spapi.endpoint = sb.base_url();
    config.spapi.lwa_endpoint = sb.lwa_url();
    config.spapi.sandbox = true;
    config.spapi.rate_scale = rate_scale;
    config.spapi.timeout = std::time::Duration::from_secs(5);
    config.spapi.client_id = Some(EnvSecret::new(CLIENT_ID));
    config.spapi.client_secret = Some(EnvSecret::new(CLIENT_SECRET));
    config.spapi.refresh_token = Some(EnvSecret::new(REFRESH_TOKEN));
    config.keys.protection = Protection::InsecureTestKey;
    config.log.level = "warn".into();
    config.log.stderr_format = LogFormat::Pretty;
    config
}

/// Run the hourly pipeline once, in process, against the sandbox (what Task Scheduler would do).
pub async fn run_once(home: &Path, pipeline_path: &Path, config: &AppConfig, clock: Arc<dyn Clock>) -> anyhow::Result<RunReport> {
    let plan = pipeline::load_or_invalid(pipeline_path)?;
    let _lock = lock::try_acquire(home)?;
    let store = Store::open(home)?;
    let session = Session::new(home, config.clone(), Arc::clone(&clock));
    let mut vault = session.open_vault(&store)?;
    let api = session.client()?;
    let mut env = RunEnv { store: &store, clock: clock.as_ref(), config, home, api: api.as_ref(), api_error: None, vault: &mut vault };
    runner::run(&plan, &mut env).await
}

fn step(title: &str) {
    println!("\n── {title} ──");
}

/// Files under `dir` holding `needle` (inside zip files such as the GST workbook too).
pub fn canary_hits(dir: &Path, needle: &[u8]) -> anyhow::Result<Vec<PathBuf>> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path)?;
                if contains(&bytes, needle) || zipped_contains(&bytes, needle)? {
                    hits.push(path);
                }
            }
        }
    }
    Ok(hits)
}

fn contains(bytes: &[u8], needle: &[u8]) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle)
}

/// A zip file (an `.xlsx` workbook compresses its cells): search every entry, decompressed.
fn zipped_contains(bytes: &[u8], needle: &[u8]) -> anyhow::Result<bool> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return Ok(false);
    }
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i)?;
        let mut body = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut body)?;
        if contains(&body, needle) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The demo.
pub fn run(dir: Option<&Path>, seed: u64) -> anyhow::Result<Outcome> {
    let temp;
    let home = match dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            if d.join(crate::store::DB_FILE).exists() {
                anyhow::bail!("{} already holds a dakiya database; give the demo an empty folder", d.display());
            }
            d.to_path_buf()
        }
        None => {
            temp = tempfile::Builder::new().prefix("dakiya-demo-").tempdir()?;
            temp.path().to_path_buf()
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(demo(&home, seed, dir.is_some()))
}

async fn demo(home: &Path, seed: u64, keep: bool) -> anyhow::Result<Outcome> {
    let start = Utc.with_ymd_and_hms(2026, 11, 30, 2, 30, 0).single().context("start time")?;
    let rate_scale = 2000.0;
    let sb =
        Sandbox::start(SandboxOptions { seed, orders: 40, start, rate_scale, ..SandboxOptions::default() }, "127.0.0.1:0".parse()?).await?;
    let config = sandbox_config(&sb, rate_scale);
    let _log = crate::telemetry::init(&config.log, Some(&home.join("logs")))?;
    let pipeline_path = write_embedded(home)?;
    let clock: Arc<dyn Clock> = sb.clock();
    let ist = crate::clock::ist();
    println!("dakiya demo: a seeded day of Amazon.in Easy Ship orders against the local SP-API sandbox.");
    println!("Data folder: {}{}", home.display(), if keep { "" } else { " (temporary; pass --dir to keep it)" });
    println!("Sandbox: {} (seed {seed}; rate limits {rate_scale}× faster than Amazon's)", sb.base_url());

    sb.advance(Duration::hours(10));
    step(&format!("Day 1, {} IST: 40 orders came in since 08:00; the hourly run starts", clock.now().with_timezone(&ist).format("%H:%M")));
    let first = run_once(home, &pipeline_path, &config, Arc::clone(&clock)).await?;
    print!("{}", first.summary());
    let store = Store::open_read_only(&home.join(crate::store::DB_FILE))?;
    let scheduled = crate::store::orders::first_pickups(store.conn(), 5)?;
    println!("  Pickups booked (first five):");
    for (id, start, method) in scheduled {
        let when = start.map_or_else(|| "?".to_owned(), |s| s.with_timezone(&ist).format("%a %d %b %H:%M IST").to_string());
        println!("    {id}  {when}  {}", method.unwrap_or_default());
    }
    let flagged = crate::store::orders::count_state_unknown(store.conn())?;
    println!("  Orders whose ship-to state spelling is unknown (they ship; flagged for the GST export): {flagged}");
    let vault_rows = crate::store::vault::count(store.conn())?;
    println!("  Customer data: {vault_rows} values in the AES-256-GCM vault, none in plain tables.");
    drop(store);

    sb.advance(Duration::days(1));
    step("Day 2: the carrier collected the packages (one pickup was missed)");
    let second = run_once(home, &pipeline_path, &config, Arc::clone(&clock)).await?;
    print!("{}", second.summary());

    sb.advance(Duration::days(3));
    step("Day 5: packages delivered; each order's 30-day PII clock starts at delivery");
    let third = run_once(home, &pipeline_path, &config, Arc::clone(&clock)).await?;
    print!("{}", third.summary());

    sb.advance(Duration::days(31));
    step("Day 36: 31 days after delivery: customer data is purged and its keys destroyed");
    let fourth = run_once(home, &pipeline_path, &config, Arc::clone(&clock)).await?;
    print!("{}", fourth.summary());
    let store = Store::open_read_only(&home.join(crate::store::DB_FILE))?;
    let left = crate::store::vault::count(store.conn())?;
    let purged = crate::store::orders::count_pii_purged(store.conn())?;
    drop(store);
    println!("  Vault values left: {left} (PII of orders still in transit or returned later, if any)");
    println!("  Orders whose PII is gone for good: {purged}");
    let hits = canary_hits(home, b"CANARY")?;
    println!("  Byte search of the data folder for the sandbox's canary PII: {} file(s) with a hit", hits.len());
    let sql_hits = Store::open_read_only(&home.join(crate::store::DB_FILE))?.columns_containing("CANARY")?;
    println!("  SQL search of every text column of every table for it: {} column(s) with a hit", sql_hits.len());

    step("Month end: the GST export for the CA (no customer data leaves)");
    let store = Store::open(home)?;
    let catalog = crate::catalog::Catalog::parse(CATALOG_CSV).map_err(|p| anyhow::anyhow!("{}", p.join("; ")))?;
    let period = crate::gst::export::Period::month(&start.format("%Y-%m").to_string())?;
    let settings = crate::gst::export::ExportSettings { seller_state: &config.seller.state_code, gst: &config.gst };
    let manifest = crate::gst::export::export(&store, &catalog, &settings, &period, &home.join("gst-export"))?;
    drop(store);
    print!("{}", crate::gst::export::summary(&manifest));
    let export_hits = canary_hits(&home.join("gst-export"), b"CANARY")?;
    println!("  Canary search of the export: {} hits", export_hits.len());

    step("The seller's window: one HTML page, no network needed");
    let store = Store::open(home)?;
    let end = clock.now().with_timezone(&ist).date_naive();
    let span = crate::gst::export::Period::range(&format!("{}..{end}", start.with_timezone(&ist).date_naive()))?;
    let report = crate::report::write(&store, &catalog, &config.seller.state_code, &span, clock.now(), &home.join("report.html"))?;
    drop(store);
    println!(
        "  Report written to {} ({} KB): sales and tax, pickups, holds, Amazon calls, purges on time.",
        report.path.display(),
        report.bytes / 1024
    );

    step("Next");
    println!("  Run it for real: see README, \"Run it for real on Windows\".");
    if !hits.is_empty() || !sql_hits.is_empty() {
        anyhow::bail!("canary PII found in plaintext: {hits:?} {sql_hits:?}");
    }
    Ok(Outcome::Done)
}
