//! Deletion that nothing can stop: the real binary, run 31 days after delivery and 62 days after
//! purchase, purges customer data whether Amazon is unreachable, the credentials are revoked, the
//! installation is locked down or the pipeline file is broken, and still exits with the failure.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone as _, Utc};
use dakiya::clock::Clock;
use dakiya::demo::{run_once, sandbox_config, write_embedded};
use dakiya::sandbox::{Sandbox, SandboxOptions};
use dakiya::store::{Store, DB_FILE};

use crate::support::{dakiya_bare, run, spapi::sandbox};

/// Orders booked, picked up and delivered in process (days 1, 2 and 5), as the hourly task would.
struct Delivered {
    sb: Sandbox,
    work: tempfile::TempDir,
    home: PathBuf,
    pipeline: PathBuf,
    /// Orders the store knows as delivered.
    delivered: BTreeSet<String>,
    /// The latest purchase time.
    last_purchase: DateTime<Utc>,
}

async fn delivered_world(seed: u64) -> Delivered {
    let start = Utc.with_ymd_and_hms(2026, 11, 30, 2, 30, 0).single().expect("start");
    let sb = sandbox(SandboxOptions { seed, orders: 12, start, rate_scale: 2000.0, ..SandboxOptions::default() }).await;
    sb.with_world_mut(|w| w.without_cancellations());
    let work = tempfile::tempdir().expect("work");
    let home = work.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let pipeline = write_embedded(&home).expect("pipeline");
    let config = sandbox_config(&sb, 2000.0);
    let clock: Arc<dyn Clock> = sb.clock();
    sb.advance(Duration::hours(11));
    run_once(&home, &pipeline, &config, Arc::clone(&clock)).await.expect("day 1");
    sb.advance(Duration::days(1));
    run_once(&home, &pipeline, &config, Arc::clone(&clock)).await.expect("day 2");
    sb.advance(Duration::days(3));
    run_once(&home, &pipeline, &config, Arc::clone(&clock)).await.expect("day 5");
    let store = Store::open_read_only(&home.join(DB_FILE)).expect("db");
    let delivered: BTreeSet<String> = {
        let mut stmt = store.conn().prepare("SELECT order_id FROM orders WHERE delivered_at IS NOT NULL").expect("sql");
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).expect("rows");
        rows.collect::<Result<_, _>>().expect("ids")
    };
    let last_purchase: DateTime<Utc> = store.conn().query_row("SELECT max(purchase_date) FROM orders", [], |r| r.get(0)).expect("max");
    assert!(delivered.len() >= 8, "most orders are delivered by day 5: {delivered:?}");
    assert!(vault_rows_of(&home, &delivered) > 0, "their PII is in the vault");
    Delivered { sb, work, home, pipeline, delivered, last_purchase }
}

fn vault_rows_of(home: &Path, orders: &BTreeSet<String>) -> usize {
    let store = Store::open_read_only(&home.join(DB_FILE)).expect("db");
    dakiya::store::vault::all(store.conn()).expect("rows").iter().filter(|r| orders.contains(&r.order_id)).count()
}

fn vault_rows(home: &Path) -> i64 {
    let store = Store::open_read_only(&home.join(DB_FILE)).expect("db");
    dakiya::store::vault::count(store.conn()).expect("count")
}

/// A loopback port nobody listens on: Amazon unreachable.
fn dead_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

impl Delivered {
    /// A config file for the real binary: the sandbox's (or a dead endpoint), its clock at `now`.
    fn config(&self, name: &str, endpoint: Option<&str>, now: DateTime<Utc>) -> PathBuf {
        let mut text = self.sb.config_toml().replace("timeout = \"5s\"\n", "timeout = \"2s\"\nmax_attempts = 2\n");
        if let Some(endpoint) = endpoint {
            text = text.replace(&self.sb.lwa_url(), &format!("{endpoint}/auth/o2/token")).replace(&self.sb.base_url(), endpoint);
        }
        text.push_str(&format!("\n[testing]\nnow = \"{}\"\n", now.to_rfc3339()));
        let path = self.work.path().join(name);
        std::fs::write(&path, text).expect("config");
        path
    }

    fn run_binary(&self, config: &Path, refresh_token: Option<&str>) -> (i32, String, String) {
        let mut cmd = dakiya_bare();
        cmd.arg("--home").arg(&self.home).arg("--config").arg(config).arg("run").arg(&self.pipeline);
        for (k, v) in Sandbox::credential_env() {
            cmd.env(k, v);
        }
        if let Some(token) = refresh_token {
            cmd.env("DAKIYA_SPAPI__REFRESH_TOKEN", token);
        }
        run(cmd)
    }

    fn last_delivery(&self) -> DateTime<Utc> {
        let store = Store::open_read_only(&self.home.join(DB_FILE)).expect("db");
        store.conn().query_row("SELECT max(delivered_at) FROM orders", [], |r| r.get(0)).expect("max")
    }

    fn stages_of_last_run(&self) -> Vec<(String, String)> {
        let store = Store::open_read_only(&self.home.join(DB_FILE)).expect("db");
        let runs = store.recent_runs(1).expect("runs");
        store.run_stages(&runs[0].run_id).expect("stages").into_iter().map(|(stage, outcome, ..)| (stage, outcome)).collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_amazon_unreachable_when_runs_come_31_days_after_delivery_and_62_after_purchase_then_the_pii_is_gone_and_the_runs_fail() {
    let w = delivered_world(31).await;
    let dead = dead_endpoint();
    let at = w.last_delivery() + Duration::days(31);
    let (code, out, err) = w.run_binary(&w.config("unreachable.toml", Some(&dead), at), None);
    assert_eq!(code, 3, "the failure is reported\n{out}\n{err}");
    assert_eq!(vault_rows_of(&w.home, &w.delivered), 0, "no vault value of a delivered order is left\n{out}");
    let stages = w.stages_of_last_run();
    assert_eq!(stages.first().map(|s| s.1.as_str()), Some("failed"), "{stages:?}");
    assert_eq!(stages.last(), Some(&("retain".to_owned(), "done".to_owned())), "{stages:?}");
    // 62 days after the last purchase nothing may be left, whatever the packages did.
    let at = w.last_purchase + Duration::days(62);
    let (code, out, err) = w.run_binary(&w.config("unreachable-62.toml", Some(&dead), at), None);
    assert_eq!(code, 3, "{out}\n{err}");
    assert_eq!(vault_rows(&w.home), 0, "no PII at all\n{out}");
    assert!(dakiya::demo::canary_hits(&w.home, b"CANARY").expect("search").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_revoked_credentials_when_the_run_comes_31_days_after_delivery_then_the_pii_is_gone_and_the_run_fails() {
    let w = delivered_world(32).await;
    let at = w.last_delivery() + Duration::days(31);
    let config = w.config("revoked.toml", None, at);
    let (code, out, err) = w.run_binary(&config, Some("Atzr|revoked-in-seller-central"));
    assert_eq!(code, 3, "{out}\n{err}");
    assert!(err.contains("Login with Amazon") || err.contains("invalid_grant") || err.contains("auth"), "{err}");
    assert_eq!(vault_rows_of(&w.home, &w.delivered), 0, "{out}");
    let (code, out, err) = w.run_binary(&w.config("revoked-62.toml", None, w.last_purchase + Duration::days(62)), Some("Atzr|revoked"));
    assert_eq!(code, 3, "{out}\n{err}");
    assert_eq!(vault_rows(&w.home), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_a_lockdown_when_the_run_comes_31_days_after_delivery_then_the_pii_is_gone_and_the_run_exits_5() {
    let w = delivered_world(33).await;
    let at = w.last_delivery() + Duration::days(31);
    let config = w.config("locked.toml", None, at);
    let (code, out, err) = run({
        let mut cmd = dakiya_bare();
        cmd.arg("--home").arg(&w.home).arg("--config").arg(&config).arg("lockdown");
        cmd
    });
    assert_eq!(code, 0, "{out}\n{err}");
    let calls_before = w.sb.journal().len();
    let (code, out, err) = w.run_binary(&config, None);
    assert_eq!(code, 5, "{out}\n{err}");
    assert_eq!(w.sb.journal().len(), calls_before, "a locked-down run never calls Amazon");
    assert_eq!(vault_rows_of(&w.home, &w.delivered), 0, "{out}");
    let (code, _, err) = w.run_binary(&w.config("locked-62.toml", None, w.last_purchase + Duration::days(62)), None);
    assert_eq!(code, 5, "{err}");
    assert_eq!(vault_rows(&w.home), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_a_broken_pipeline_file_when_the_run_comes_then_retention_still_applies_and_the_run_exits_2() {
    let w = delivered_world(34).await;
    let broken = w.home.join("pipelines/broken.toml");
    std::fs::write(&broken, "version = 1\nstages = [\"fetch\", \"retain\"]\n[fetch]\noverlap = \"2 fortnights\"\n").expect("broken");
    let at = w.last_delivery() + Duration::days(31);
    let config = w.config("broken.toml", None, at);
    let calls_before = w.sb.journal().len();
    let mut cmd = dakiya_bare();
    cmd.arg("--home").arg(&w.home).arg("--config").arg(&config).arg("run").arg(&broken);
    for (k, v) in Sandbox::credential_env() {
        cmd.env(k, v);
    }
    let (code, out, err) = run(cmd);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("broken.toml:4:"), "every problem with file:line:col: {err}");
    assert_eq!(w.sb.journal().len(), calls_before, "no Amazon call without a valid plan");
    assert_eq!(vault_rows_of(&w.home, &w.delivered), 0, "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_a_run_in_progress_when_lockdown_begins_then_it_stops_at_the_next_stage_boundary_and_still_applies_retention() {
    let start = Utc.with_ymd_and_hms(2026, 11, 30, 2, 30, 0).single().expect("start");
    let sb = sandbox(SandboxOptions {
        seed: 35,
        orders: 6,
        start,
        rate_scale: 2000.0,
        stall: std::time::Duration::from_millis(2500),
        ..SandboxOptions::default()
    })
    .await;
    sb.advance(Duration::hours(11));
    let work = tempfile::tempdir().expect("work");
    let home = work.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let pipeline = write_embedded(&home).expect("pipeline");
    let config = work.path().join("sandbox.toml");
    std::fs::write(
        &config,
        format!(
            "{}\n[testing]\nnow = \"{}\"\n",
            sb.config_toml().replace("timeout = \"5s\"", "timeout = \"10s\""),
            sb.clock().now().to_rfc3339()
        ),
    )
    .expect("config");
    // The first searchOrders answer takes 2.5 s: the lockdown lands while fetch is running.
    sb.inject(dakiya::spapi::limits::Op::SearchOrders, dakiya::sandbox::FaultKind::Stall);
    let mut cmd = dakiya_bare();
    cmd.arg("--home").arg(&home).arg("--config").arg(&config).arg("run").arg(&pipeline);
    for (k, v) in Sandbox::credential_env() {
        cmd.env(k, v);
    }
    cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let child = cmd.spawn().expect("spawn");
    // Wait until the run is inside fetch (Amazon has the search; its answer stalls).
    let waited = std::time::Instant::now();
    while !sb.journal().iter().any(|e| e.op == "searchOrders") {
        assert!(waited.elapsed() < std::time::Duration::from_secs(30), "the run never reached searchOrders");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let (code, _, err) = run({
        let mut c = dakiya_bare();
        c.arg("--home").arg(&home).arg("--config").arg(&config).arg("lockdown");
        c
    });
    assert_eq!(code, 0, "lockdown never waits for the run: {err}");
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    let store = Store::open_read_only(&home.join(DB_FILE)).expect("db");
    let runs = store.recent_runs(1).expect("runs");
    let stages: Vec<String> = store.run_stages(&runs[0].run_id).expect("stages").into_iter().map(|s| s.0).collect();
    assert_eq!(stages, vec!["fetch".to_owned(), "retain".to_owned()], "fetch finished, nothing after it but retention");
    assert_eq!(runs[0].error_class.as_deref(), Some("locked_down"));
    assert_eq!(
        sb.journal().iter().filter(|e| e.op == "listHandoverSlots" || e.op == "createScheduledPackage").count(),
        0,
        "nothing booked after the lockdown"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_no_run_for_ten_days_past_the_deadline_when_a_run_comes_then_it_purges_and_nudges_the_seller_once() {
    let w = delivered_world(35).await;
    let out = w.work.path().join("nudge");
    let notify =
        format!("\n[notify]\ncommand = '''sh -c 'cat >> \"$0.stdin\"' {}'''\n[labels]\nprint_command = \"true {{file}}\"\n", out.display());
    let with_notify = |name: &str, at: DateTime<Utc>| {
        let path = w.config(name, None, at);
        let text = std::fs::read_to_string(&path).expect("config");
        std::fs::write(&path, format!("{text}{notify}")).expect("config");
        path
    };
    // The computer was off: the first run comes 40 days after the last delivery (deadline: 30).
    let at = w.last_delivery() + Duration::days(40);
    let (code, stdout, err) = w.run_binary(&with_notify("late.toml", at), None);
    assert!(code == 0 || code == 1, "{stdout}\n{err}");
    assert_eq!(vault_rows_of(&w.home, &w.delivered), 0, "purged now\n{stdout}");
    let said = std::fs::read_to_string(out.with_extension("stdin")).unwrap_or_default();
    let late = said.lines().filter(|l| l.contains("purged after its deadline")).collect::<Vec<_>>();
    assert_eq!(late.len(), 1, "{said}\n{err}");
    let n: usize = late[0].split_whitespace().next().and_then(|n| n.parse().ok()).unwrap_or(0);
    assert!(n >= 1 && n <= w.delivered.len(), "{said}");
    assert!(!said.contains("CANARY"), "no PII in a nudge");
    // The next hourly run purges nothing late: that line is not said again.
    let (_, stdout, err) = w.run_binary(&with_notify("next.toml", at + Duration::hours(1)), None);
    let again = std::fs::read_to_string(out.with_extension("stdin")).unwrap_or_default();
    assert_eq!(again.matches("purged after its deadline").count(), 1, "{again}\n{stdout}\n{err}");
}
