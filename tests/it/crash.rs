//! The crash test: the real `dakiya run` binary is SIGKILLed at 50+ seeded points (every SP-API
//! answer before it is recorded, every commit, every stage start), then run to completion.
//! Afterwards every eligible order is scheduled exactly once, none is lost, the database opens
//! cleanly and no plaintext PII or label file is left.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use dakiya::clock::{Clock, SystemClock};
use dakiya::demo::{canary_hits, write_embedded};
use dakiya::sandbox::{Sandbox, SandboxOptions};
use dakiya::store::{Store, DB_FILE};
use rand::{Rng as _, SeedableRng as _};

use crate::support::dakiya_bare;

enum Ended {
    Paused(String),
    Exited(i32),
}

fn run_until_paused(home: &std::path::Path, config: &std::path::Path, pipeline: &std::path::Path, pause_at: Option<u64>) -> Ended {
    let mut cmd = dakiya_bare();
    cmd.arg("--home").arg(home).arg("--config").arg(config).arg("run").arg(pipeline);
    for (k, v) in Sandbox::credential_env() {
        cmd.env(k, v);
    }
    if let Some(n) = pause_at {
        cmd.env("DAKIYA_TESTING__PAUSE_AT", n.to_string());
    }
    cmd.stdout(Stdio::null()).stderr(Stdio::piped()).stdin(Stdio::null());
    let mut child = cmd.spawn().expect("spawn dakiya");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.starts_with("DAKIYA-PAUSED") {
                let _ = tx.send(Some(line));
                return;
            }
        }
        let _ = tx.send(None);
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(Some(line)) => {
            child.kill().expect("SIGKILL");
            let _ = child.wait();
            Ended::Paused(line)
        }
        Ok(None) => Ended::Exited(child.wait().expect("wait").code().unwrap_or(-1)),
        Err(_) => {
            let _ = child.kill();
            panic!("dakiya neither paused nor finished within 60 s");
        }
    }
}

#[test]
fn given_sigkill_at_50_seeded_points_when_runs_resume_then_every_order_is_scheduled_exactly_once_and_nothing_leaks() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let now = SystemClock.now();
    let sb = rt
        .block_on(Sandbox::start(
            SandboxOptions {
                seed: 21,
                orders: 40,
                start: now,
                first_order_at: Some(now - chrono::Duration::hours(3)),
                spread: chrono::Duration::hours(2),
                rate_scale: 2000.0,
                ..SandboxOptions::default()
            },
            "127.0.0.1:0".parse().expect("addr"),
        ))
        .expect("sandbox");
    sb.with_world_mut(|w| w.without_cancellations());
    let home = tempfile::tempdir().expect("home");
    let pipeline = write_embedded(home.path()).expect("pipeline");

    let config = home.path().join("sandbox.toml");
    // Labels are printed too, so kills land while a plaintext label file exists.
    std::fs::write(&config, format!("{}\n[labels]\nprint_command = \"true {{file}}\"\n", sb.config_toml())).expect("config");

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0xC4A5);
    let mut labels = BTreeMap::<String, usize>::new();
    let mut kills = 0;
    let mut attempts = 0;
    const MUST: [&str; 12] = [
        "fetch",
        "size",
        "schedule",
        "confirm",
        "refunds",
        "retain",
        "searchOrders",
        "listHandoverSlots",
        "createScheduledPackage",
        "after",
        "keystore-write",
        "print",
    ];
    let covered = |labels: &BTreeMap<String, usize>| MUST.iter().all(|m| labels.keys().any(|l| l.starts_with(m)));
    // 55 kills, early points often and late ones sometimes, so every stage gets hit while orders
    // are still being scheduled; then, until every kind of point has been hit, kills at a resumed
    // run's first checkpoints (the fetch stage's start) and anywhere. The very first checkpoint
    // is the new keystore's write: kill there once for sure.
    while (kills < 55 || !covered(&labels)) && attempts < 400 {
        attempts += 1;
        let n = if attempts == 1 {
            1
        } else if kills >= 55 && rng.gen_bool(0.5) {
            rng.gen_range(1..=3)
        } else if rng.gen_bool(0.7) {
            rng.gen_range(1..=40)
        } else {
            rng.gen_range(1..=160)
        };
        match run_until_paused(home.path(), &config, &pipeline, Some(n)) {
            Ended::Paused(line) => {
                kills += 1;
                let label = line.split_whitespace().nth(2).unwrap_or("?").to_owned();
                *labels.entry(label).or_default() += 1;
            }
            Ended::Exited(code) => assert!(code == 0 || code == 1, "a run ended with exit {code}"),
        }
    }
    assert!(kills >= 50, "only {kills} kills in {attempts} attempts");
    for must in MUST {
        assert!(labels.keys().any(|l| l.starts_with(must)), "no kill at {must}: {labels:?}");
    }
    // Finish: clean runs until nothing is left to do.
    for _ in 0..3 {
        match run_until_paused(home.path(), &config, &pipeline, None) {
            Ended::Exited(code) => assert!(code == 0 || code == 1, "final run exit {code}"),
            Ended::Paused(_) => unreachable!("no pause requested"),
        }
    }
    let mut created = BTreeMap::<String, usize>::new();
    for e in sb.journal() {
        if e.op == "createScheduledPackage" && e.outcome.starts_with("created package") {
            *created.entry(e.order_id.expect("order")).or_default() += 1;
        }
    }
    assert_eq!(created.len(), 39, "every eligible order scheduled");
    assert!(created.values().all(|n| *n == 1), "never twice: {created:?}");
    let store = Store::open_read_only(&home.path().join(DB_FILE)).expect("the database opens cleanly");
    let orders: i64 = store.conn().query_row("SELECT count(*) FROM orders", [], |r| r.get(0)).expect("count");
    assert_eq!(orders, 40, "no order lost");
    let scheduled: i64 =
        store.conn().query_row("SELECT count(*) FROM packages WHERE state = 'scheduled'", [], |r| r.get(0)).expect("count");
    assert_eq!(scheduled, 39);
    assert_eq!(store.columns_containing("CANARY").expect("sql search"), Vec::new(), "no canary in any text column");
    let our_feeds: i64 = store.conn().query_row("SELECT count(*) FROM feeds WHERE feed_id IS NOT NULL", [], |r| r.get(0)).expect("count");
    let amazon_feeds = sb.journal().iter().filter(|e| e.op == "createFeed" && e.status == 202).count() as i64;
    assert_eq!(amazon_feeds, our_feeds, "every feed Amazon got is one dakiya knows: none sent twice");
    drop(store);
    let hits = canary_hits(home.path(), b"CANARY").expect("search");
    for hit in &hits {
        let bytes = std::fs::read(hit).expect("read");
        if let Some(pos) = bytes.windows(6).position(|w| w == b"CANARY") {
            let from = pos.saturating_sub(120);
            let to = (pos + 120).min(bytes.len());
            eprintln!("canary in {} at {pos}: {:?}", hit.display(), String::from_utf8_lossy(&bytes[from..to]));
        }
    }
    assert_eq!(hits, Vec::<std::path::PathBuf>::new(), "no plaintext PII or secret anywhere");
    assert_eq!(
        dakiya::vault::keystore::stale_files(home.path()),
        Vec::<std::path::PathBuf>::new(),
        "no copy of the keystore left by a killed write"
    );
    let tmp = home.path().join("tmp");
    assert!(!tmp.exists() || std::fs::read_dir(&tmp).expect("ls").count() == 0, "no plaintext label file left");
}
