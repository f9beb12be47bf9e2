//! Page ingestion is set-wise (appender for new orders, multi-row upserts for known ones): it must
//! leave exactly what ingesting the same orders one by one leaves, for new, changed, duplicate,
//! delivered and PII-carrying orders alike.

use chrono::{DateTime, Duration, TimeZone as _, Utc};
use dakiya::config::RetentionConfig;
use dakiya::ingest::{ingest, ingest_page, IngestCtx, Ingested};
use dakiya::spapi::model::orders::{parse_order, Order};
use dakiya::store::Store;
use dakiya::vault::keystore::Keystore;
use dakiya::vault::protect::TestKeyProtector;
use dakiya::vault::Vault;
use serde_json::json;

fn t(d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).single().expect("time")
}

fn order(id: &str, updated: DateTime<Utc>, items: &[(&str, &str, i64)], delivered: bool, phone: bool) -> Order {
    let mut address = json!({ "name": format!("CANARY-NAME-{id}"), "addressLine1": "CANARY-LINE", "stateOrRegion": "Gujarat" });
    if phone {
        address["phone"] = json!(format!("CANARY-PHONE-{id}"));
    }
    let mut o = json!({
        "orderId": id,
        "createdTime": t(1, 10).to_rfc3339(),
        "lastUpdatedTime": updated.to_rfc3339(),
        "programs": ["AMAZON_EASY_SHIP"],
        "salesChannel": { "channelName": "AMAZON" },
        "fulfillment": { "fulfillmentStatus": if delivered { "SHIPPED" } else { "UNSHIPPED" } },
        "recipient": { "deliveryAddress": address },
        "orderItems": items.iter().map(|(item, sku, qty)| json!({ "orderItemId": item, "quantityOrdered": qty, "product": { "sellerSku": sku } })).collect::<Vec<_>>(),
    });
    if delivered {
        o["packages"] = json!([{ "packageReferenceId": "p1", "packageStatus": { "status": "DELIVERED", "detailedStatus": "DELIVERED" } }]);
    }
    parse_order(o).expect("order")
}

struct Env {
    _home: tempfile::TempDir,
    store: Store,
    vault: Vault,
}

impl Env {
    fn new() -> Env {
        let home = tempfile::tempdir().expect("home");
        let store = Store::open(home.path()).expect("store");
        let vault = Vault::new(Keystore::create(home.path(), Box::new(TestKeyProtector), t(1, 0)).expect("ks"));
        Env { _home: home, store, vault }
    }

    fn ingest(&mut self, orders: &[Order], now: DateTime<Utc>, one_by_one: bool) -> Vec<Ingested> {
        let vault = &mut self.vault;
        let r = RetentionConfig::default();
        self.store
            .tx(|conn| {
                let mut cx = IngestCtx { vault, retention: &r, collect_pii: true, now };
                if one_by_one {
                    orders.iter().map(|o| ingest(conn, &mut cx, o)).collect()
                } else {
                    ingest_page(conn, &mut cx, orders)
                }
            })
            .expect("ingest")
    }

    /// Every plain row and every vault row's identity, deadline and plaintext, as text.
    fn snapshot(&self) -> Vec<String> {
        let conn = self.store.conn();
        let mut out = Vec::new();
        for sql in [
            "SELECT * EXCLUDE (first_seen, updated_at) FROM orders ORDER BY order_id",
            "SELECT * FROM order_items ORDER BY order_id, order_item_id",
            "SELECT order_id, reason FROM quarantine ORDER BY order_id",
            "SELECT order_id, field, epoch, deadline FROM vault ORDER BY order_id, field",
        ] {
            let mut stmt = conn.prepare(sql).expect("sql");
            let mut rows = stmt.query([]).expect("query");
            while let Some(row) = rows.next().expect("row") {
                let n = row.as_ref().column_count();
                let cells: Vec<String> = (0..n).map(|i| format!("{:?}", row.get_ref(i).expect("cell"))).collect();
                out.push(format!("{sql}: {}", cells.join(" | ")));
            }
        }
        for sealed in dakiya::store::vault::all(conn).expect("vault") {
            out.push(format!("{} {} = {}", sealed.order_id, sealed.field, self.vault.open(&sealed).expect("open").expose()));
        }
        out
    }
}

#[test]
fn a_page_ingested_at_once_leaves_exactly_what_one_by_one_ingestion_leaves() {
    let first = vec![
        order("171-0000001-0000001", t(1, 11), &[("1", "HST-MUG-01", 1)], false, true),
        order("171-0000002-0000002", t(1, 11), &[("1", "HST-MUG-01", 2), ("2", "HST-TEA-01", 1)], false, true),
    ];
    let second = vec![
        // Known, its items changed, now delivered and without the phone (kept, new deadline).
        order("171-0000002-0000002", t(3, 9), &[("1", "HST-MUG-01", 1)], true, false),
        // Known and unchanged (the overlap re-reads it).
        order("171-0000001-0000001", t(1, 11), &[("1", "HST-MUG-01", 1)], false, true),
        // New, and twice in the page.
        order("171-0000003-0000003", t(3, 8), &[("1", "HST-TEA-01", 3)], false, true),
        order("171-0000003-0000003", t(3, 8), &[("1", "HST-TEA-01", 3)], false, true),
    ];
    let mut snapshots = Vec::new();
    let mut outcomes = Vec::new();
    for one_by_one in [true, false] {
        let mut env = Env::new();
        let a = env.ingest(&first, t(1, 12), one_by_one);
        let b = env.ingest(&second, t(3, 10), one_by_one);
        snapshots.push(env.snapshot());
        outcomes.push((a, b));
    }
    assert_eq!(snapshots[0], snapshots[1], "set-wise and one-by-one ingestion disagree");
    assert_eq!(outcomes[0], outcomes[1]);
    let (_, second_outcomes) = &outcomes[1];
    assert!(matches!(second_outcomes[0], Ingested::Stored { new: false, delivered: true, .. }), "{second_outcomes:?}");
    assert_eq!(second_outcomes[1], Ingested::Unchanged);
    assert!(matches!(second_outcomes[2], Ingested::Stored { new: true, .. }));
    assert_eq!(second_outcomes[3], Ingested::Unchanged, "a duplicate in the page is ingested once");
    let snap = &snapshots[1];
    assert_eq!(snap.iter().filter(|l| l.starts_with("SELECT * FROM order_items")).count(), 3, "items replaced, not added: {snap:#?}");
    assert!(
        snap.iter().any(|l| l == "171-0000002-0000002 phone = CANARY-PHONE-171-0000002-0000002"),
        "a field Amazon no longer sends is kept"
    );
    // Every value of the delivered order follows its new deadline: delivery + 30 days.
    let mut env = Env::new();
    env.ingest(&first, t(1, 12), false);
    env.ingest(&second, t(3, 10), false);
    let deadlines: Vec<DateTime<Utc>> = env
        .store
        .conn()
        .prepare("SELECT deadline FROM vault WHERE order_id = '171-0000002-0000002'")
        .expect("sql")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(deadlines.len(), 3, "name, line 1, phone");
    assert!(deadlines.iter().all(|d| *d == t(3, 9) + Duration::days(30)), "{deadlines:?}");
}
