//! The hourly pipeline end to end against the sandbox, in process: exactly-once scheduling,
//! holds, idempotent re-runs, convergence under faults, canaries, crypto-shredding.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{Duration, TimeZone as _, Utc};
use dakiya::clock::Clock;
use dakiya::config::AppConfig;
use dakiya::demo::{canary_hits, run_once, sandbox_config, write_embedded};
use dakiya::outcome::Outcome;
use dakiya::sandbox::world::{UNKNOWN_SKU, UNKNOWN_STATE};
use dakiya::sandbox::{Sandbox, SandboxOptions};
use dakiya::store::{Store, DB_FILE};

use crate::support::spapi::sandbox;

struct World {
    sb: Sandbox,
    home: tempfile::TempDir,
    pipeline: PathBuf,
    config: AppConfig,
}

impl World {
    async fn new(seed: u64, fault_rate: f64) -> World {
        let start = Utc.with_ymd_and_hms(2026, 11, 30, 2, 30, 0).single().expect("start");
        let sb = sandbox(SandboxOptions {
            seed,
            orders: 40,
            start,
            rate_scale: 2000.0,
            fault_rate,
            stall: std::time::Duration::from_millis(1500),
            ..SandboxOptions::default()
        })
        .await;
        // No random cancellations: the test counts on 39 schedulable orders.
        sb.with_world_mut(|w| w.without_cancellations());
        let home = tempfile::tempdir().expect("home");
        let pipeline = write_embedded(home.path()).expect("pipeline");
        let mut config = sandbox_config(&sb, 2000.0);
        config.spapi.timeout = std::time::Duration::from_millis(1000);
        config.spapi.max_attempts = 5;
        World { sb, home, pipeline, config }
    }

    async fn run(&self) -> anyhow::Result<dakiya::runner::RunReport> {
        let clock: Arc<dyn Clock> = self.sb.clock();
        run_once(self.home.path(), &self.pipeline, &self.config, clock).await
    }

    fn store(&self) -> Store {
        Store::open_read_only(&self.home.path().join(DB_FILE)).expect("db")
    }

    /// Orders the sandbox created a package for, with how often.
    fn created(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for e in self.sb.journal() {
            if e.op == "createScheduledPackage" && e.outcome.starts_with("created package") {
                *out.entry(e.order_id.clone().expect("order")).or_default() += 1;
            }
        }
        out
    }

    fn order_with(&self, pred: impl Fn(&dakiya::sandbox::world::SimOrder) -> bool) -> String {
        self.sb.with_world(|w| w.orders.values().find(|o| pred(o)).map(|o| o.order_id.clone()).expect("such an order"))
    }

    fn scheduled(&self) -> BTreeSet<String> {
        let store = self.store();
        let mut stmt = store.conn().prepare("SELECT order_id FROM packages WHERE state = 'scheduled'").expect("sql");
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).expect("rows");
        rows.collect::<Result<_, _>>().expect("ids")
    }
}

fn snapshot(store: &Store) -> Vec<(String, String, Option<String>, Option<String>, Option<String>)> {
    let mut stmt =
        store.conn().prepare("SELECT order_id, state, package_id, slot_id, docs_state FROM packages ORDER BY order_id").expect("sql");
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))).expect("rows");
    rows.collect::<Result<_, _>>().expect("rows")
}

#[tokio::test]
async fn given_40_orders_when_the_hourly_run_runs_twice_then_39_are_scheduled_exactly_once_and_the_unknown_sku_is_held() {
    let w = World::new(11, 0.0).await;
    w.sb.advance(Duration::hours(11));
    let report = w.run().await.expect("first run");
    assert_eq!(report.outcome(), Outcome::Partial, "{}", report.summary());
    let created = w.created();
    assert_eq!(created.len(), 39, "{}", report.summary());
    assert!(created.values().all(|n| *n == 1));
    let unknown_sku = w.order_with(|o| o.items.iter().any(|i| i.sku == UNKNOWN_SKU.sku));
    let unknown_state = w.order_with(|o| o.state_text == UNKNOWN_STATE);
    let multi = w.order_with(|o| o.items.len() > 1 && o.items.iter().all(|i| i.sku != UNKNOWN_SKU.sku));
    let cod = w.order_with(|o| o.cod && o.items.iter().all(|i| i.sku != UNKNOWN_SKU.sku));
    assert!(!created.contains_key(&unknown_sku));
    for id in [&unknown_state, &multi, &cod] {
        assert_eq!(created.get(id), Some(&1), "{id} must be scheduled");
    }
    let store = w.store();
    let held = store.held_orders().expect("held");
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].0, unknown_sku);
    assert!(held[0].1.contains("unknown SKU HST-LAMP-XL"), "{}", held[0].1);
    let (flagged, code): (bool, Option<String>) = store
        .conn()
        .query_row("SELECT state_unknown, ship_state_code FROM orders WHERE order_id = ?", [&unknown_state], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("row");
    assert!(flagged && code.is_none(), "unknown state is flagged, never guessed");
    let cod_flag: bool = store.conn().query_row("SELECT is_cod FROM orders WHERE order_id = ?", [&cod], |r| r.get(0)).expect("row");
    assert!(cod_flag);
    let before = snapshot(&store);
    drop(store);
    let feeds_before = w.sb.journal().iter().filter(|e| e.op == "createFeed").count();

    let again = w.run().await.expect("second run");
    assert_eq!(w.created(), created, "a second run books nothing new");
    assert_eq!(w.sb.journal().iter().filter(|e| e.op == "createFeed").count(), feeds_before, "no second documents feed");
    assert_eq!(snapshot(&w.store()), before, "{}", again.summary());
}

#[tokio::test]
async fn given_20_percent_faults_when_runs_repeat_then_they_converge_to_the_fault_free_state() {
    let clean = World::new(5, 0.0).await;
    clean.sb.advance(Duration::hours(11));
    clean.run().await.expect("clean run");
    let expected = clean.scheduled();
    assert_eq!(expected.len(), 39);

    let faulty = World::new(5, 0.2).await;
    faulty.sb.advance(Duration::hours(11));
    let mut runs = 0;
    let mut failures = 0;
    while runs < 12 {
        runs += 1;
        if faulty.run().await.is_err() {
            failures += 1;
        }
        // Hourly runs: time passes between them (documents feeds are batched by the hour).
        faulty.sb.advance(Duration::hours(1));
        let store = faulty.store();
        let stored: i64 =
            store.conn().query_row("SELECT count(*) FROM packages WHERE docs_state = 'stored'", [], |r| r.get(0)).expect("count");
        drop(store);
        if faulty.scheduled() == expected && stored == 39 {
            break;
        }
    }
    assert_eq!(faulty.scheduled(), expected, "after {runs} runs ({failures} failed)");
    let created = faulty.created();
    assert_eq!(created.len(), 39);
    assert!(created.values().all(|n| *n == 1), "each order created exactly once: {created:?}");
    let faults = faulty.sb.journal().iter().filter(|e| e.outcome.contains("fault")).count();
    assert!(faults > 10, "the faults were real: {faults}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("ls") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            std::fs::copy(&path, to.join(path.file_name().expect("name"))).expect("copy");
        }
    }
}

#[tokio::test]
async fn given_full_runs_through_the_purge_then_no_canary_pii_or_secret_is_anywhere_and_old_copies_cannot_be_decrypted() {
    let w = World::new(3, 0.0).await;
    w.sb.advance(Duration::hours(11));
    w.run().await.expect("day 1");
    w.sb.advance(Duration::days(1));
    w.run().await.expect("day 2");
    w.sb.advance(Duration::days(3));
    w.run().await.expect("day 5");
    // Nothing in plaintext while the PII is live: not in the bytes, not through SQL.
    assert_eq!(canary_hits(w.home.path(), b"CANARY").expect("search"), Vec::<PathBuf>::new());
    assert_eq!(w.store().columns_containing("CANARY").expect("sql search"), Vec::new());
    let vault_before = dakiya::store::vault::count(w.store().conn()).expect("count");
    assert!(vault_before > 200);
    // A copy of the database and keystore before the purge (a backup, a stolen disk image).
    let copy = tempfile::tempdir().expect("copy");
    copy_dir(w.home.path(), copy.path());

    w.sb.advance(Duration::days(31));
    let report = w.run().await.expect("day 36");
    assert_eq!(canary_hits(w.home.path(), b"CANARY").expect("search"), Vec::<PathBuf>::new(), "{}", report.summary());
    assert_eq!(w.store().columns_containing("CANARY").expect("sql search"), Vec::new());

    // The old database copy still holds ciphertext; the keystore as it is now cannot open it.
    let old = Store::open_read_only(&copy.path().join(DB_FILE)).expect("old copy");
    let old_rows = dakiya::store::vault::all(old.conn()).expect("rows");
    assert_eq!(old_rows.len() as i64, vault_before);
    let current =
        dakiya::vault::keystore::Keystore::open(w.home.path(), Box::new(dakiya::vault::protect::TestKeyProtector)).expect("keystore");
    let vault = dakiya::vault::Vault::new(current);
    let live: BTreeSet<String> = dakiya::store::vault::all(w.store().conn()).expect("rows").into_iter().map(|s| s.order_id).collect();
    let mut shredded = 0;
    for row in old_rows.iter().filter(|r| !live.contains(&r.order_id)) {
        assert!(vault.open_bytes(row).is_err(), "purged PII must be unrecoverable");
        shredded += 1;
    }
    assert!(shredded > 200, "{shredded}");
    // The old keystore could (the test can tell the difference).
    let old_ks =
        dakiya::vault::keystore::Keystore::open(copy.path(), Box::new(dakiya::vault::protect::TestKeyProtector)).expect("old keystore");
    assert!(dakiya::vault::Vault::new(old_ks).open_bytes(&old_rows[0]).is_ok());
}

#[tokio::test]
async fn given_no_pii_role_then_nothing_is_stored_and_no_order_is_asked_for_again() {
    let start = Utc.with_ymd_and_hms(2026, 11, 30, 2, 30, 0).single().expect("start");
    let sb =
        sandbox(SandboxOptions { seed: 14, orders: 10, start, rate_scale: 2000.0, pii_role: false, ..SandboxOptions::default() }).await;
    sb.advance(Duration::hours(11));
    let home = tempfile::tempdir().expect("home");
    let pipeline = write_embedded(home.path()).expect("pipeline");
    let config = sandbox_config(&sb, 2000.0);
    let clock: Arc<dyn Clock> = sb.clock();
    run_once(home.path(), &pipeline, &config, Arc::clone(&clock)).await.expect("run");
    run_once(home.path(), &pipeline, &config, Arc::clone(&clock)).await.expect("run again");
    let store = Store::open_read_only(&home.path().join(DB_FILE)).expect("db");
    let pii: i64 = store.conn().query_row("SELECT count(*) FROM vault WHERE field NOT LIKE 'doc:%'", [], |r| r.get(0)).expect("count");
    assert_eq!(pii, 0, "Amazon withheld the recipient: nothing to store");
    let coded: i64 =
        store.conn().query_row("SELECT count(*) FROM orders WHERE ship_state_code IS NOT NULL", [], |r| r.get(0)).expect("count");
    assert!(coded >= 8, "the ship-to state still arrives for GST");
    let get_order = sb.journal().iter().filter(|e| e.op == "getOrder").count();
    assert_eq!(get_order, 0, "no getOrder per order per run for data Amazon will not send");
    assert!(sb.journal().iter().filter(|e| e.op == "createScheduledPackage").count() >= 8);
}

#[tokio::test]
async fn given_a_buyer_cancellation_request_then_the_order_is_never_booked_and_status_lists_it() {
    let w = World::new(17, 0.0).await;
    let victim = w.order_with(|o| o.items.iter().all(|i| i.sku != UNKNOWN_SKU.sku) && o.state_text != UNKNOWN_STATE);
    w.sb.with_world_mut(|world| {
        if let Some(o) = world.orders.get_mut(&victim) {
            o.cancel_requested = true;
        }
    });
    w.sb.advance(Duration::hours(11));
    let report = w.run().await.expect("run");
    assert!(!w.created().contains_key(&victim), "never booked: {}", report.summary());
    assert!(w.created().len() >= 30);
    let store = w.store();
    let held = store.held_orders().expect("held");
    let reason = held.iter().find(|(o, _, _)| *o == victim).map(|(_, r, _)| r.clone()).expect("held");
    assert!(reason.contains("cancel"), "{reason}");
    assert!(!reason.contains("CANARY") && !reason.contains("changed their mind"), "the buyer's words are never kept: {reason}");
    let listed = dakiya::store::orders::not_booked(store.conn()).expect("status");
    assert!(listed.iter().any(|l| l.order_id == victim && l.reason.contains("cancel")), "{listed:?}");
    assert_eq!(store.columns_containing("changed their mind").expect("sql"), Vec::new());
}

#[tokio::test]
async fn given_a_quiet_search_window_then_the_watermark_still_moves_to_its_end() {
    let start = Utc.with_ymd_and_hms(2026, 11, 30, 2, 30, 0).single().expect("start");
    let sb = sandbox(SandboxOptions { seed: 18, orders: 0, start, rate_scale: 2000.0, ..SandboxOptions::default() }).await;
    let home = tempfile::tempdir().expect("home");
    let pipeline = write_embedded(home.path()).expect("pipeline");
    let config = sandbox_config(&sb, 2000.0);
    let clock: Arc<dyn Clock> = sb.clock();
    run_once(home.path(), &pipeline, &config, Arc::clone(&clock)).await.expect("first");
    let store = Store::open_read_only(&home.path().join(DB_FILE)).expect("db");
    let first = dakiya::store::orders::watermark(store.conn(), dakiya::stage::fetch::WATERMARK).expect("wm").expect("set");
    drop(store);
    assert!(first > sb.clock().now() - Duration::minutes(5), "moved to the window's end, not left at the 7-day lookback: {first}");
    sb.advance(Duration::hours(5));
    run_once(home.path(), &pipeline, &config, Arc::clone(&clock)).await.expect("second");
    let store = Store::open_read_only(&home.path().join(DB_FILE)).expect("db");
    let second = dakiya::store::orders::watermark(store.conn(), dakiya::stage::fetch::WATERMARK).expect("wm").expect("set");
    assert!(second >= first + Duration::hours(4), "{first} → {second}");
}
