//! The store: migrations from empty, the PII column allow-list, refusal to touch foreign, newer
//! or damaged databases.

use dakiya::store::{Store, StoreError, DB_FILE, SCHEMA_VERSION};

/// Every column of the plain schema. A new column must be added here on purpose, after checking
/// it can never hold PII (names, addresses, postal codes, phones, emails, buyer GSTINs).
const ALLOWED_COLUMNS: &[(&str, &[&str])] = &[
    ("api_calls", &["run_id", "called_at", "operation", "http_status", "request_id", "duration_ms", "attempt", "error_class"]),
    ("dakiya_schema", &["version", "applied_at"]),
    ("gst_filed", &["period", "from_day", "to_day", "locked_at", "files"]),
    ("gst_filed_lines", &["order_id", "order_item_id", "period", "section", "pos", "rate_bp", "taxable_paise", "tax_paise"]),
    ("gst_filed_refunds", &["event_key", "period", "section", "taxable_paise", "tax_paise"]),
    // The filed sheets' cells: places of supply, rates, numbers, amounts; a B2B buyer's GSTIN (a
    // business's registration, as in mtr_lines), never a person's data.
    ("gst_filed_rows", &["period", "sheet", "row_no", "cells"]),
    (
        "mtr_lines",
        &[
            "mtr_key",
            "report",
            "transaction_type",
            "order_id",
            "shipment_item_id",
            "invoice_number",
            "invoice_date",
            "sku",
            "hsn",
            "quantity",
            "state_code",
            "invoice_amount_paise",
            "taxable_paise",
            "tax_paise",
            "igst_paise",
            "cgst_paise",
            "sgst_paise",
            "credit_note_no",
            "credit_note_date",
            "buyer_gstin",
            "imported_at",
        ],
    ),
    (
        "refund_events",
        &[
            "event_key",
            "order_id",
            "posted_at",
            "order_item_id",
            "adjustment_item_id",
            "sku",
            "quantity",
            "value_paise",
            "tax_paise",
            "promotion_paise",
            "other_paise",
            "other_types",
            "currency",
            "problem",
            "first_seen",
        ],
    ),
    ("feeds", &["local_id", "state", "feed_id", "document_id", "result_document_id", "report_id", "n_orders", "created_at", "finished_at"]),
    (
        "order_items",
        &[
            "order_id",
            "order_item_id",
            "sku",
            "asin",
            "quantity",
            "item_price_paise",
            "item_tax_paise",
            "shipping_paise",
            "shipping_tax_paise",
            "discount_paise",
            "gift_wrap_paise",
            "cod_fee_paise",
            "other_paise",
            "proceeds_total_paise",
            "purchase_date",
        ],
    ),
    (
        "orders",
        &[
            "order_id",
            "purchase_date",
            "last_updated",
            "order_status",
            "easy_ship_status",
            "is_easy_ship",
            "is_business",
            "is_cod",
            "ship_state_code",
            "state_unknown",
            "total_paise",
            "currency",
            "hold_reason",
            "held_at",
            "delivered_at",
            "ended_at",
            "end_reason",
            "pii_deadline",
            "pii_purged_at",
            "first_seen",
            "updated_at",
            "ship_by",
            "cancel_requested",
            "waiting_reason",
            "tax_basis",
            "invoice_value_paise",
        ],
    ),
    (
        "packages",
        &[
            "order_id",
            "state",
            "box",
            "length_cm",
            "width_cm",
            "height_cm",
            "weight_g",
            "slot_id",
            "slot_start",
            "slot_end",
            "handover_method",
            "package_id",
            "package_status",
            "tracking_id",
            "invoice_number",
            "invoice_date",
            "sized_at",
            "intent_at",
            "scheduled_at",
            "docs_state",
            "feed_id",
            "label_printed_at",
            "confirmed_at",
            "updated_at",
            "docs_attempts",
            "docs_retry_at",
            "docs_error",
            "late",
            "purchase_date",
        ],
    ),
    ("quarantine", &["order_id", "reason", "first_seen", "last_seen"]),
    ("purge_log", &["purged_at", "run_id", "rule", "n_rows", "epochs", "dry_run"]),
    ("run_stages", &["run_id", "seq", "stage", "started_at", "duration_ms", "outcome", "counts", "held"]),
    ("runs", &["run_id", "pipeline", "started_at", "ended_at", "outcome", "error_class"]),
    // The vault holds only ciphertext, nonces and key ids; PII never appears in plaintext.
    ("vault", &["order_id", "field", "key_id", "epoch", "deadline", "nonce", "ciphertext", "sealed_at"]),
    ("watermarks", &["name", "value"]),
];

#[test]
fn given_an_empty_home_when_opened_then_all_migrations_apply() {
    let home = tempfile::tempdir().expect("tempdir");
    let store = Store::open(home.path()).expect("open");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    drop(store);
    // Opening again is a no-op.
    let store = Store::open(home.path()).expect("reopen");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
}

#[test]
fn every_plain_column_is_on_the_pii_free_allow_list() {
    let home = tempfile::tempdir().expect("tempdir");
    let store = Store::open(home.path()).expect("open");
    let columns = store.columns().expect("columns");
    assert!(!columns.is_empty());
    for (table, column) in &columns {
        let allowed = ALLOWED_COLUMNS.iter().find(|(t, _)| t == table).is_some_and(|(_, cols)| cols.contains(&column.as_str()));
        assert!(allowed, "column {table}.{column} is not on the PII-free allow-list");
    }
    for (table, cols) in ALLOWED_COLUMNS {
        for col in *cols {
            assert!(columns.iter().any(|(t, c)| t == table && c == col), "allow-list names {table}.{col}, which no longer exists");
        }
    }
}

#[test]
fn given_a_newer_schema_when_opened_then_refused_and_untouched() {
    let home = tempfile::tempdir().expect("tempdir");
    {
        let store = Store::open(home.path()).expect("open");
        store.conn().execute("INSERT INTO dakiya_schema (version) VALUES (?)", [SCHEMA_VERSION + 1]).expect("bump");
        store.checkpoint().expect("checkpoint");
    }
    let db = home.path().join(DB_FILE);
    let before = std::fs::read(&db).expect("read db");
    let err = Store::open(home.path()).expect_err("newer must be refused");
    assert!(matches!(err, StoreError::Newer { found, .. } if found == SCHEMA_VERSION + 1), "{err}");
    assert_eq!(std::fs::read(&db).expect("read db"), before, "the file must be untouched");
}

#[test]
fn given_a_foreign_duckdb_file_when_opened_then_refused() {
    let home = tempfile::tempdir().expect("tempdir");
    let db = home.path().join(DB_FILE);
    {
        let conn = duckdb::Connection::open(&db).expect("open foreign");
        conn.execute_batch("CREATE TABLE accounts (id INTEGER)").expect("create");
    }
    let err = Store::open(home.path()).expect_err("foreign must be refused");
    assert!(matches!(err, StoreError::Foreign { .. }), "{err}");
}

#[test]
fn given_a_truncated_database_when_opened_then_clear_error_and_file_untouched() {
    let home = tempfile::tempdir().expect("tempdir");
    {
        let store = Store::open(home.path()).expect("open");
        store.checkpoint().expect("checkpoint");
    }
    let db = home.path().join(DB_FILE);
    let bytes = std::fs::read(&db).expect("read");
    let truncated = &bytes[..bytes.len() / 3];
    std::fs::write(&db, truncated).expect("truncate");
    let err = Store::open(home.path()).expect_err("truncated must fail");
    let msg = err.to_string();
    assert!(msg.contains("cannot open the database") && msg.contains("left untouched"), "{msg}");
    assert_eq!(std::fs::read(&db).expect("read"), truncated, "the damaged file must not be rewritten");
}

#[test]
fn given_an_unknown_state_when_written_then_the_database_refuses_it() {
    let home = tempfile::tempdir().expect("home");
    let store = dakiya::store::Store::open(home.path()).expect("store");
    let conn = store.conn();
    let insert = |state: &str, docs: Option<&str>| {
        conn.execute(
            "INSERT INTO packages (order_id, state, docs_state, sized_at, updated_at) VALUES (?, ?, ?, TIMESTAMP '2026-12-01 00:00:00', TIMESTAMP '2026-12-01 00:00:00')",
            duckdb::params![format!("402-{state}-{}", docs.unwrap_or("none")), state, docs],
        )
    };
    use dakiya::store::states::{DocsState, FeedState, PackageState};
    for s in PackageState::ALL {
        assert!(insert(s.as_str(), None).is_ok(), "{s}");
    }
    for d in DocsState::ALL {
        assert!(insert("scheduled", Some(d.as_str())).is_ok(), "{d}");
    }
    assert!(insert("lost", None).is_err(), "an unknown package state is refused");
    assert!(insert("scheduled", Some("misplaced")).is_err(), "an unknown documents state is refused");
    for s in FeedState::ALL {
        conn.execute(
            "INSERT INTO feeds (local_id, state, n_orders, created_at) VALUES (?, ?, 0, TIMESTAMP '2026-12-01 00:00:00')",
            duckdb::params![format!("f-{s}"), s.as_str()],
        )
        .expect("known feed state");
    }
    assert!(conn
        .execute("INSERT INTO feeds (local_id, state, n_orders, created_at) VALUES ('f-x', 'sent', 0, TIMESTAMP '2026-12-01 00:00:00')", [])
        .is_err());
}

#[test]
fn a_store_from_before_v9_gets_its_items_and_packages_purchase_dates_copied() {
    let home = tempfile::tempdir().expect("tempdir");
    {
        let store = Store::open(home.path()).expect("open");
        // The store as v8 left it: rows, and no copies.
        store
            .conn()
            .execute_batch(
                "INSERT INTO orders (order_id, purchase_date, order_status, first_seen, updated_at)
                   VALUES ('171-0000001-0000001', TIMESTAMP '2026-10-31 18:20:00', 'SHIPPED', now(), now());
                 INSERT INTO order_items (order_id, order_item_id, quantity) VALUES ('171-0000001-0000001', '1', 1);
                 INSERT INTO packages (order_id, state, sized_at, updated_at) VALUES ('171-0000001-0000001', 'sized', now(), now());
                 ALTER TABLE order_items DROP COLUMN purchase_date;
                 ALTER TABLE packages DROP COLUMN purchase_date;
                 DELETE FROM dakiya_schema WHERE version = 9;
                 CHECKPOINT;",
            )
            .expect("back to v8");
    }
    let store = Store::open(home.path()).expect("migrate");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    let copies: Vec<String> = ["order_items", "packages"]
        .iter()
        .map(|t| store.conn().query_row(&format!("SELECT CAST(purchase_date AS VARCHAR) FROM {t}"), [], |r| r.get(0)).expect(t))
        .collect();
    assert_eq!(copies, ["2026-10-31 18:20:00", "2026-10-31 18:20:00"]);
}
