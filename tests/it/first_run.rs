//! A safe first real run: `dakiya run --dry-run` (reads only, prints what would be booked or
//! held) and `dakiya doctor` (the checks before it), through the real binary against the sandbox.

use chrono::{Duration, TimeZone as _, Utc};
use dakiya::sandbox::{Sandbox, SandboxOptions};

use crate::support::{dakiya_bare, run, spapi::sandbox};

async fn setup(options: SandboxOptions) -> (Sandbox, tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let sb = sandbox(options).await;
    sb.advance(Duration::hours(11));
    let work = tempfile::tempdir().expect("work");
    let home = work.path().join("home");
    let config = work.path().join("sandbox.toml");
    std::fs::write(
        &config,
        format!("{}\n[testing]\nnow = \"{}\"\n", sb.config_toml(), dakiya::clock::Clock::now(sb.clock().as_ref()).to_rfc3339()),
    )
    .expect("config");
    (sb, work, home, config)
}

fn binary(home: &std::path::Path, config: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let mut cmd = dakiya_bare();
    cmd.arg("--home").arg(home).arg("--config").arg(config).args(args);
    for (k, v) in Sandbox::credential_env() {
        cmd.env(k, v);
    }
    run(cmd)
}

fn start() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 2, 30, 0).single().expect("start")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_prints_box_weight_and_slot_per_order_and_books_and_stores_nothing() {
    let (sb, _work, home, config) =
        setup(SandboxOptions { seed: 80, orders: 8, start: start(), rate_scale: 2000.0, ..SandboxOptions::default() }).await;
    let (code, out, err) = binary(&home, &config, &["run", "--dry-run"]);
    assert!(code == 0 || code == 1, "{out}\n{err}");
    let booked = sb
        .journal()
        .iter()
        .filter(|e| matches!(e.op, "createScheduledPackage" | "createFeed" | "createFeedDocument" | "updateScheduledPackages"))
        .count();
    assert_eq!(booked, 0, "no effect on Amazon");
    assert!(sb.journal().iter().any(|e| e.op == "listHandoverSlots"), "slots were read");
    assert!(out.contains("pickup slot") && out.contains("IST"), "{out}");
    let rows: Vec<&str> = out.lines().filter(|l| l.trim_start().starts_with("40")).collect();
    assert!(rows.len() >= 6, "one line per order:\n{out}");
    assert!(rows.iter().filter(|l| l.contains("PICKUP")).count() >= 5, "box, weight and slot shown:\n{out}");
    assert!(!home.join(dakiya::store::DB_FILE).exists(), "nothing stored");
    assert!(!home.join("keystore.json").exists(), "no keys made");
    let observations = std::fs::read_to_string(home.join(dakiya::spapi::observe::OBSERVATIONS_FILE)).expect("observations");
    assert!(observations.contains("handoverMethod") && observations.contains("PICKUP"), "{observations}");
    assert!(dakiya::demo::canary_hits(&home, b"CANARY").expect("search").is_empty(), "no PII anywhere");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_checks_credentials_roles_and_the_catalogue_and_names_what_needs_the_seller() {
    let (_sb, _work, home, config) =
        setup(SandboxOptions { seed: 81, orders: 40, start: start(), rate_scale: 2000.0, ..SandboxOptions::default() }).await;
    let (code, out, err) = binary(&home, &config, &["doctor"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("Login with Amazon accepted"), "{out}");
    assert!(out.lines().any(|l| l.contains("ok") && l.contains("Easy Ship API role")), "{out}");
    let catalogue = out.lines().find(|l| l.contains("catalogue")).expect("catalogue line");
    assert!(catalogue.contains("PROBLEM") && catalogue.contains("HST-LAMP-XL"), "the sandbox's unknown SKU is named: {catalogue}");

    let (_sb, _work, home, config) = setup(SandboxOptions {
        seed: 82,
        orders: 3,
        start: start(),
        rate_scale: 2000.0,
        denied_ops: vec![dakiya::spapi::limits::Op::GetScheduledPackage],
        ..SandboxOptions::default()
    })
    .await;
    let (code, out, err) = binary(&home, &config, &["doctor", "--json"]);
    assert_eq!(code, 1, "{out}\n{err}");
    let checks: serde_json::Value = serde_json::from_str(&out).expect("json");
    let easy_ship = checks.as_array().expect("list").iter().find(|c| c["name"] == "Easy Ship API role").expect("check");
    assert_eq!(easy_ship["problem"], true);
    assert!(easy_ship["detail"].as_str().is_some_and(|d| d.contains("Direct-to-Consumer Shipping")), "{easy_ship}");
}
