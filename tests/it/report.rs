//! `dakiya report`: the page is built from a store the pipeline filled against the sandbox, its
//! figures equal SQL on the same data, it holds no PII, and it loads in headless Chromium (a real
//! browser) with no console errors; a screenshot of each section is taken.

use std::path::Path;
use std::sync::Arc;

use chrono::{Duration, TimeZone as _, Utc};
use dakiya::clock::Clock;
use dakiya::demo::{canary_hits, run_once, sandbox_config, write_embedded};
use dakiya::sandbox::SandboxOptions;
use dakiya::store::Store;

use crate::support::spapi::sandbox;

/// The text of the element with `data-k="key"`.
fn figure(html: &str, key: &str) -> String {
    let tag = format!("data-k=\"{key}\"");
    let at = html.find(&tag).unwrap_or_else(|| panic!("no figure {key}"));
    let rest = &html[at..];
    let start = rest.find('>').map_or(0, |i| i + 1);
    rest[start..].split('<').next().unwrap_or("").to_owned()
}

fn chromium() -> std::path::PathBuf {
    let path = std::path::PathBuf::from("/usr/bin/chromium");
    assert!(path.exists(), "headless Chromium is needed for this test: apt-get install chromium (.ci/run installs it)");
    path
}

fn browse(page: &Path, args: &[&str]) -> (String, String) {
    let out = std::process::Command::new(chromium())
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
        .args(["--disable-component-update", "--hide-scrollbars", "--enable-logging=stderr", "--v=0"])
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_matches_sql_holds_no_pii_and_loads_in_a_real_browser() {
    let start = Utc.with_ymd_and_hms(2026, 11, 30, 2, 30, 0).single().expect("start");
    let sb = sandbox(SandboxOptions { seed: 9, orders: 30, start, rate_scale: 2000.0, ..SandboxOptions::default() }).await;
    let home = tempfile::tempdir().expect("home");
    let pipeline = write_embedded(home.path()).expect("pipeline");
    let config = sandbox_config(&sb, 2000.0);
    let clock: Arc<dyn Clock> = sb.clock();
    for step in [Duration::hours(11), Duration::days(1), Duration::days(3), Duration::days(6)] {
        sb.advance(step);
        run_once(home.path(), &pipeline, &config, Arc::clone(&clock)).await.expect("run");
    }
    let store = Store::open(home.path()).expect("store");
    let catalog = dakiya::catalog::Catalog::parse(dakiya::demo::CATALOG_CSV).expect("catalogue");
    let period = dakiya::gst::period::Period::range("2026-11-01..2026-12-31").expect("range");
    let page = home.path().join("report.html");
    let written = dakiya::report::write(&store, &catalog, "24", &period, sb.clock().now(), &page).expect("report");
    let html = std::fs::read_to_string(&page).expect("page");

    // Figures against SQL on the same data.
    let q = |sql: &str| -> i64 { store.conn().query_row(sql, [], |r| r.get(0)).expect("sql") };
    assert_eq!(figure(&html, "orders"), q("SELECT count(*) FROM orders").to_string());
    assert_eq!(figure(&html, "pickups"), q("SELECT count(*) FROM packages WHERE state = 'scheduled'").to_string());
    assert_eq!(figure(&html, "held_total"), q("SELECT count(*) FROM orders WHERE hold_reason IS NOT NULL").to_string());
    assert_eq!(
        figure(&html, "api_calls"),
        q("SELECT count(*) FROM api_calls WHERE operation NOT IN ('lwaToken', 'uploadFeedDocument', 'downloadDocument')").to_string()
    );
    assert_eq!(figure(&html, "throttled"), q("SELECT count(*) FROM api_calls WHERE http_status = 429").to_string());
    assert_eq!(figure(&html, "runs"), q("SELECT count(*) FROM runs").to_string());
    // Sales: the same total as the GST export of the same months (net of the return's credit note).
    let out = tempfile::tempdir().expect("out");
    let gst = dakiya::config::GstConfig::default();
    let settings = dakiya::gst::export::ExportSettings { seller_state: "24", gst: &gst };
    let m = dakiya::gst::export::export(&store, &catalog, &settings, &period, &out.path().join("x")).expect("export");
    assert_eq!(figure(&html, "taxable_total"), dakiya::report::inr(m.register_totals.taxable));
    assert!(m.register_totals.taxable > 0);
    // No PII anywhere in the page.
    assert!(canary_hits(home.path(), b"CANARY").expect("search").is_empty());
    assert!(!html.contains("CANARY"));
    assert!(
        !html.contains("<script") && !html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("url("),
        "self-contained: no script, no external resource"
    );

    // A real browser: it loads, with no console message, every section is there; a screenshot of each.
    let (dom, log) = browse(&page, &["--dump-dom"]);
    assert!(!log.contains("CONSOLE") && !log.contains("Uncaught") && !log.contains("Failed to load"), "{log}");
    let shots = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-screenshots");
    std::fs::create_dir_all(&shots).expect("dir");
    for section in &written.sections {
        assert!(dom.contains(&format!("id=\"{section}\"")), "{section} in the DOM");
        let png = shots.join(format!("{section}.png"));
        let shot = format!("--screenshot={}", png.display());
        let url = page.with_file_name(format!("report.html#{section}"));
        let _ = browse(&url, &["--window-size=1200,900", &shot]);
        let bytes = std::fs::read(&png).expect("screenshot");
        assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000, "{section}: a real picture");
    }
}
