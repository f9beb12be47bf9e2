//! Retention rules with an injected clock, at the day boundaries: PII after delivery, after a
//! non-delivery end, the 60-day cap and its in-transit exception, logs, run history, GST records.

use chrono::{DateTime, Duration, TimeZone as _, Utc};
use dakiya::config::RetentionConfig;
use dakiya::ingest::{ingest, IngestCtx};
use dakiya::retention::enforce;
use dakiya::spapi::model::orders::parse_order;
use dakiya::store::Store;
use dakiya::vault::keystore::Keystore;
use dakiya::vault::protect::TestKeyProtector;
use dakiya::vault::Vault;
use serde_json::json;

fn t(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, s).single().expect("time")
}

fn order(id: &str, created: DateTime<Utc>, updated: DateTime<Utc>, status: &str, pkg: Option<(&str, &str)>) -> serde_json::Value {
    let mut o = json!({
        "orderId": id,
        "createdTime": created.to_rfc3339(),
        "lastUpdatedTime": updated.to_rfc3339(),
        "programs": ["AMAZON_EASY_SHIP"],
        "salesChannel": { "channelName": "AMAZON" },
        "fulfillment": { "fulfillmentStatus": status },
        "recipient": { "deliveryAddress": { "name": format!("CANARY-NAME-{id}"), "phone": format!("CANARY-PHONE-{id}"), "stateOrRegion": "Gujarat" } },
        "orderItems": [{ "orderItemId": "1", "quantityOrdered": 1, "product": { "sellerSku": "HST-MUG-01" } }],
    });
    if let Some((st, detailed)) = pkg {
        o["packages"] = json!([{ "packageReferenceId": "p1", "packageStatus": { "status": st, "detailedStatus": detailed } }]);
    }
    o
}

struct Env {
    home: tempfile::TempDir,
    store: Store,
    vault: Vault,
    r: RetentionConfig,
}

impl Env {
    fn new() -> Env {
        let home = tempfile::tempdir().expect("home");
        let store = Store::open(home.path()).expect("store");
        let vault = Vault::new(Keystore::create(home.path(), Box::new(TestKeyProtector), t(2026, 1, 1, 0, 0, 0)).expect("ks"));
        Env { home, store, vault, r: RetentionConfig::default() }
    }

    fn ingest(&mut self, raw: serde_json::Value, now: DateTime<Utc>) {
        let order = parse_order(raw).expect("order");
        let vault = &mut self.vault;
        let r = &self.r;
        self.store
            .tx(|conn| {
                let mut cx = IngestCtx { vault, retention: r, collect_pii: true, now };
                ingest(conn, &mut cx, &order)
            })
            .expect("ingest");
    }

    fn purge(&mut self, now: DateTime<Utc>) -> dakiya::retention::PurgeReport {
        enforce(&self.store, &mut self.vault, self.home.path(), &self.r, now, None, false).expect("purge")
    }

    fn plan(&self, now: DateTime<Utc>) -> dakiya::retention::PurgeReport {
        dakiya::retention::plan(&self.store, &self.vault, self.home.path(), &self.r, now).expect("plan").report()
    }

    /// A successful fetch at `at`: dakiya heard from Amazon then.
    fn fetched(&self, at: DateTime<Utc>) {
        let id = format!("run-{}", at.timestamp());
        self.store.run_started(&id, "hourly", at).expect("run");
        let rec = dakiya::store::runs::StageRecord {
            seq: 0,
            stage: "fetch",
            started_at: at,
            duration_ms: 5,
            outcome: dakiya::store::runs::RunOutcome::Done,
            counts_json: "{}",
            held: 0,
        };
        self.store.stage_finished(&id, &rec).expect("stage");
    }

    /// Flip one byte of one stored value of `order_id`.
    fn tamper(&self, order_id: &str, field: &str) {
        let mut row = dakiya::store::vault::for_order(self.store.conn(), order_id)
            .expect("rows")
            .into_iter()
            .find(|r| r.field == field)
            .expect("row");
        row.ciphertext[0] ^= 0x01;
        dakiya::store::vault::put(self.store.conn(), &[row], t(2026, 1, 1, 0, 0, 0)).expect("tamper");
    }

    fn pii(&self, id: &str) -> usize {
        dakiya::store::vault::for_order(self.store.conn(), id).expect("rows").len()
    }
}

#[test]
fn pii_goes_at_the_start_of_the_deadline_day_after_delivery_and_its_key_with_it() {
    let mut e = Env::new();
    let bought = t(2026, 12, 1, 9, 0, 0);
    e.ingest(order("402-A", bought, bought, "UNSHIPPED", None), bought);
    assert_eq!(e.pii("402-A"), 2);
    let delivered = t(2026, 12, 4, 15, 30, 0);
    e.ingest(order("402-A", bought, delivered, "SHIPPED", Some(("DELIVERED", "DELIVERED"))), delivered + Duration::hours(1));
    // Deadline 2027-01-03 15:30; its epoch (UTC day 2027-01-03) is purged at 00:00 that day.
    let r = e.purge(t(2027, 1, 2, 23, 59, 59));
    assert_eq!((r.pii_rows, e.pii("402-A")), (0, 2), "one second early: nothing goes");
    let r = e.purge(t(2027, 1, 3, 0, 0, 0));
    assert_eq!(r.pii_rows, 2);
    assert_eq!(e.pii("402-A"), 0);
    let day = chrono::NaiveDate::from_ymd_opt(2027, 1, 3).expect("date");
    assert_eq!(r.epochs_destroyed, vec![day]);
    assert!(!e.vault.keystore().live_epochs().contains(&day), "the epoch key is gone");
    let purged: Option<DateTime<Utc>> =
        e.store.conn().query_row("SELECT pii_purged_at FROM orders WHERE order_id = '402-A'", [], |r| r.get(0)).expect("row");
    assert!(purged.is_some());
    // A later update from Amazon never brings the PII back.
    e.ingest(
        order("402-A", bought, t(2027, 1, 10, 0, 0, 0), "SHIPPED", Some(("UNDELIVERABLE", "RETURNED_TO_SELLER"))),
        t(2027, 1, 10, 1, 0, 0),
    );
    assert_eq!(e.pii("402-A"), 0);
}

#[test]
fn cancelled_orders_lose_pii_30_days_after_cancellation_and_undelivered_ones_at_the_cap() {
    let mut e = Env::new();
    let bought = t(2026, 12, 1, 9, 0, 0);
    e.ingest(order("402-C", bought, bought, "UNSHIPPED", None), bought);
    let cancelled = t(2026, 12, 2, 8, 0, 0);
    e.ingest(order("402-C", bought, cancelled, "CANCELLED", None), cancelled);
    e.ingest(order("402-N", bought, bought, "UNSHIPPED", None), bought);
    e.purge(t(2026, 12, 31, 23, 59, 59));
    assert_eq!(e.pii("402-C"), 2);
    e.purge(t(2027, 1, 1, 0, 0, 0));
    assert_eq!(e.pii("402-C"), 0, "30 days after the cancellation");
    // Never shipped, never ended: the 60-day cap (2027-01-30 09:00 → purged 2027-01-30 00:00).
    e.purge(t(2027, 1, 29, 23, 59, 59));
    assert_eq!(e.pii("402-N"), 2);
    e.purge(t(2027, 1, 30, 0, 0, 0));
    assert_eq!(e.pii("402-N"), 0);
}

#[test]
fn pii_of_a_package_in_transit_at_the_cap_is_kept_a_week_at_a_time() {
    let mut e = Env::new();
    let bought = t(2026, 12, 1, 9, 0, 0);
    e.ingest(
        order("402-T", bought, bought + Duration::days(2), "SHIPPED", Some(("IN_TRANSIT", "AT_DESTINATION_FC"))),
        bought + Duration::days(2),
    );
    let at_cap = t(2027, 1, 30, 0, 0, 0);
    e.fetched(at_cap - Duration::hours(1));
    let planned = e.plan(at_cap);
    let r = e.purge(at_cap);
    assert_eq!(planned, r, "a dry run and the real purge agree, the in-transit order included");
    assert_eq!(r.extended_in_transit, 1);
    assert_eq!(r.pii_rows, 0, "nothing of it counted as purged");
    assert_eq!(e.pii("402-T"), 2, "still in transit: kept");
    e.fetched(at_cap + Duration::days(7));
    let r = e.purge(at_cap + Duration::days(8));
    assert_eq!(r.extended_in_transit, 1);
    assert_eq!(e.pii("402-T"), 2);
    // Without news from Amazon for a week, "in transit" is not known any more: the cap applies.
    let r = e.purge(at_cap + Duration::days(16));
    assert_eq!(r.extended_in_transit, 0);
    assert_eq!(e.pii("402-T"), 0, "{r:?}");
}

#[test]
fn given_a_tampered_value_when_the_purge_comes_then_every_due_row_still_goes_and_the_bad_one_is_deleted_and_logged() {
    let mut e = Env::new();
    let bought = t(2026, 12, 1, 9, 0, 0);
    // 402-D: delivered, due on 2027-01-03. 402-L: undelivered, its lease ends 2026-12-08 with
    // the deadline (the cap) far ahead, and one of its values is damaged.
    e.ingest(order("402-D", bought, bought, "UNSHIPPED", None), bought);
    e.ingest(order("402-D", bought, t(2026, 12, 4, 15, 30, 0), "SHIPPED", Some(("DELIVERED", "DELIVERED"))), t(2026, 12, 4, 16, 0, 0));
    e.ingest(order("402-L", bought, bought, "UNSHIPPED", None), bought);
    e.tamper("402-L", "phone");
    let lease_end = t(2026, 12, 8, 0, 0, 0);
    let planned = e.plan(lease_end);
    let r = e.purge(lease_end);
    assert_eq!(planned, r, "the dry run saw the damaged value too");
    assert_eq!(r.unreadable, 1, "{r:?}");
    assert_eq!(r.resealed, 1, "the readable value moved to a later key");
    assert_eq!(e.pii("402-L"), 1);
    let logged: i64 =
        e.store.conn().query_row("SELECT sum(n_rows)::BIGINT FROM purge_log WHERE rule = 'pii_unreadable'", [], |r| r.get(0)).expect("log");
    assert_eq!(logged, 1);
    // The due order's purge is not held up by anything.
    let r = e.purge(t(2027, 1, 3, 0, 0, 0));
    assert_eq!(r.pii_rows, 2);
    assert_eq!(e.pii("402-D"), 0);
}

#[test]
fn given_a_damaged_value_at_the_due_day_then_the_purge_deletes_it_with_the_rest() {
    let mut e = Env::new();
    let bought = t(2026, 12, 1, 9, 0, 0);
    for id in ["402-A", "402-B", "402-C"] {
        e.ingest(order(id, bought, bought, "UNSHIPPED", None), bought);
        e.ingest(order(id, bought, t(2026, 12, 3, 10, 0, 0), "SHIPPED", Some(("DELIVERED", "DELIVERED"))), t(2026, 12, 3, 11, 0, 0));
    }
    // Keep the values alive until their deadline (each lease end re-seals them), then damage one.
    for day in [4, 11, 18, 25] {
        e.purge(t(2026, 12, day, 0, 0, 0));
    }
    e.tamper("402-B", "recipient_name");
    let r = e.purge(t(2027, 1, 2, 0, 0, 0));
    assert_eq!(r.pii_rows, 6, "{r:?}");
    assert_eq!(e.pii("402-A") + e.pii("402-B") + e.pii("402-C"), 0, "{r:?}");
}

#[test]
fn given_a_damaged_stored_value_when_its_order_comes_again_then_fetch_stores_the_page_and_drops_the_bad_value() {
    let mut e = Env::new();
    let bought = t(2026, 12, 1, 9, 0, 0);
    e.ingest(order("402-X", bought, bought, "UNSHIPPED", None), bought);
    e.tamper("402-X", "phone");
    // Amazon stops sending the phone after delivery: the stored one would be re-sealed under the
    // new deadline, but it cannot be read.
    let mut later = order("402-X", bought, t(2026, 12, 4, 10, 0, 0), "SHIPPED", Some(("DELIVERED", "DELIVERED")));
    later["recipient"]["deliveryAddress"]["phone"] = serde_json::Value::Null;
    let other = order("402-Y", bought, t(2026, 12, 4, 10, 0, 0), "UNSHIPPED", None);
    let now = t(2026, 12, 4, 11, 0, 0);
    let (x, y) = (parse_order(later).expect("order"), parse_order(other).expect("order"));
    let vault = &mut e.vault;
    let r = &e.r;
    e.store
        .tx(|conn| {
            let mut cx = IngestCtx { vault, retention: r, collect_pii: true, now };
            ingest(conn, &mut cx, &x)?;
            ingest(conn, &mut cx, &y)
        })
        .expect("the page is stored");
    assert_eq!(e.pii("402-X"), 1, "the name stays, the unreadable phone is gone");
    assert_eq!(e.pii("402-Y"), 2);
    let logged: i64 =
        e.store.conn().query_row("SELECT count(*) FROM purge_log WHERE rule = 'pii_unreadable'", [], |r| r.get(0)).expect("log");
    assert_eq!(logged, 1);
}

#[test]
fn logs_run_history_and_gst_records_expire_on_their_day() {
    let mut e = Env::new();
    let now = t(2027, 1, 1, 0, 0, 0);
    let logs = e.home.path().join("logs");
    std::fs::create_dir_all(&logs).expect("logs");
    for date in ["2026-10-02", "2026-10-03", "2026-12-31"] {
        std::fs::write(logs.join(format!("dakiya.{date}.jsonl")), b"{}\n").expect("log");
    }
    e.store.run_started("old", "hourly", now - Duration::days(90) - Duration::seconds(1)).expect("run");
    e.store.run_started("recent", "hourly", now - Duration::days(89)).expect("run");
    // FY 2019-20 (bought May 2019): annual return due 31 Dec 2020; kept until 31 Dec 2026.
    e.ingest(order("171-OLD", t(2019, 5, 1, 10, 0, 0), t(2019, 5, 5, 10, 0, 0), "SHIPPED", None), t(2019, 5, 5, 10, 0, 0));
    // FY 2020-21 (bought March 2021): kept until 31 Dec 2027.
    e.ingest(order("171-NEW", t(2021, 3, 20, 10, 0, 0), t(2021, 3, 25, 10, 0, 0), "SHIPPED", None), t(2021, 3, 25, 10, 0, 0));
    let kept = e.purge(t(2026, 12, 31, 12, 0, 0));
    assert_eq!(kept.orders, 0, "still inside the retention period on 31 Dec");
    let r = e.purge(now);
    assert_eq!(r.log_files, 1, "90 days: 2026-10-02 goes, 2026-10-03 stays");
    assert!(logs.join("dakiya.2026-10-03.jsonl").exists());
    assert_eq!(r.runs, 1);
    assert_eq!(r.orders, 1);
    let left: Vec<String> = {
        let mut stmt = e.store.conn().prepare("SELECT order_id FROM orders ORDER BY order_id").expect("sql");
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).expect("rows");
        rows.collect::<Result<_, _>>().expect("ids")
    };
    assert_eq!(left, vec!["171-NEW".to_owned()]);
    let log_lines: i64 = e.store.conn().query_row("SELECT count(*) FROM purge_log", [], |r| r.get(0)).expect("count");
    assert!(log_lines >= 3, "each rule leaves a PII-free purge log line");
}
