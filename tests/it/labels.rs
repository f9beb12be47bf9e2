//! Labels: printed through a private temporary file that never survives; a failed print keeps the
//! encrypted label; feed errors hold only the affected orders.

use std::path::Path;

use chrono::Duration;
use dakiya::config::AppConfig;
use dakiya::sandbox::SandboxOptions;
use dakiya::store::Store;

use crate::support::spapi::sandbox;

fn pipeline(home: &Path, stages: &str) -> std::path::PathBuf {
    dakiya::demo::write_embedded(home).expect("files");
    let mut text = format!("version = 1\nstages = [{stages}]\n");
    if stages.contains("size") {
        text.push_str("catalog = \"../config/catalog.csv\"\n[size]\nboxes = \"../config/boxes.toml\"\n");
    }
    let path = home.join("pipelines/test.toml");
    std::fs::write(&path, text).expect("pipeline");
    path
}

/// The sandbox's app config with a print command.
fn printing(sb: &dakiya::sandbox::Sandbox, print_command: &str) -> AppConfig {
    let mut config = dakiya::demo::sandbox_config(sb, 2000.0);
    config.labels.print_command = Some(print_command.to_owned());
    config
}

async fn run(home: &Path, pipeline: &Path, config: &AppConfig, sb: &dakiya::sandbox::Sandbox) -> dakiya::runner::RunReport {
    let clock: std::sync::Arc<dyn dakiya::clock::Clock> = sb.clock();
    dakiya::demo::run_once(home, pipeline, config, clock).await.unwrap_or_else(|e| panic!("the run failed: {e:#}"))
}

fn docs_states(home: &Path) -> Vec<(String, Option<String>)> {
    let store = Store::open_read_only(&home.join(dakiya::store::DB_FILE)).expect("db");
    let mut stmt = store.conn().prepare("SELECT order_id, docs_state FROM packages ORDER BY order_id").expect("sql");
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).expect("rows");
    rows.collect::<Result<_, _>>().expect("rows")
}

#[cfg(unix)]
#[tokio::test]
async fn given_a_print_command_then_every_label_is_printed_and_no_plaintext_remains() {
    let sb = sandbox(SandboxOptions { seed: 8, orders: 6, rate_scale: 2000.0, ..SandboxOptions::default() }).await;
    sb.advance(Duration::hours(11));
    let home = tempfile::tempdir().expect("home");
    let printer = tempfile::tempdir().expect("printer");
    let record = printer.path().join("printed.txt");
    // The "printer" records a hash of each file it got, never the content.
    let cmd = format!("sh -c 'sha256sum \"$1\" >> \"$2\"' sh {{file}} {}", record.display());
    let pipeline = pipeline(home.path(), "\"fetch\", \"enrich\", \"size\", \"schedule\", \"confirm\"");
    let config = printing(&sb, &cmd);
    let report = run(home.path(), &pipeline, &config, &sb).await;
    let states = docs_states(home.path());
    let printed = states.iter().filter(|(_, s)| s.as_deref() == Some("printed")).count();
    assert!(printed >= 4, "{states:?}\n{}", report.summary());
    let lines = std::fs::read_to_string(&record).expect("printer record");
    assert_eq!(lines.lines().count(), printed * 2, "label and invoice per order");
    let tmp = dakiya::docs::print::tmp_dir(home.path());
    assert_eq!(std::fs::read_dir(&tmp).expect("tmp").count(), 0, "no plaintext label file left");
    assert!(dakiya::demo::canary_hits(home.path(), b"CANARY").expect("search").is_empty());
}

#[cfg(unix)]
#[tokio::test]
async fn given_a_failing_printer_then_no_plaintext_is_left_and_the_encrypted_label_waits_for_a_retry() {
    let sb = sandbox(SandboxOptions { seed: 9, orders: 4, rate_scale: 2000.0, ..SandboxOptions::default() }).await;
    sb.advance(Duration::hours(11));
    let home = tempfile::tempdir().expect("home");
    let pipeline = pipeline(home.path(), "\"fetch\", \"enrich\", \"size\", \"schedule\", \"confirm\"");
    let config = printing(&sb, "false {file}");
    let report = run(home.path(), &pipeline, &config, &sb).await;
    assert!(report.summary().contains("labels_print_failed"), "{}", report.summary());
    let states = docs_states(home.path());
    assert!(states.iter().all(|(_, s)| s.as_deref() != Some("printed")));
    assert!(states.iter().any(|(_, s)| s.as_deref() == Some("stored")), "{states:?}");
    let store = Store::open_read_only(&home.path().join(dakiya::store::DB_FILE)).expect("db");
    let docs: i64 = store.conn().query_row("SELECT count(*) FROM vault WHERE field LIKE 'doc:%'", [], |r| r.get(0)).expect("count");
    assert!(docs > 0, "the encrypted labels are kept for a retry");
    assert_eq!(std::fs::read_dir(dakiya::docs::print::tmp_dir(home.path())).expect("tmp").count(), 0);
}

fn docs_retry(home: &Path, order_id: &str) -> (Option<String>, i32, Option<String>) {
    let store = Store::open_read_only(&home.join(dakiya::store::DB_FILE)).expect("db");
    store
        .conn()
        .query_row("SELECT docs_state, docs_attempts, docs_error FROM packages WHERE order_id = ?", [order_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .expect("row")
}

#[tokio::test]
async fn given_a_feed_message_error_then_only_that_order_is_asked_again_boundedly_then_held() {
    let sb = sandbox(SandboxOptions { seed: 10, orders: 5, rate_scale: 2000.0, ..SandboxOptions::default() }).await;
    sb.advance(Duration::hours(11));
    let home = tempfile::tempdir().expect("home");
    let config = dakiya::demo::sandbox_config(&sb, 2000.0);
    let first = pipeline(home.path(), "\"fetch\", \"enrich\", \"size\", \"schedule\"");
    run(home.path(), &first, &config, &sb).await;
    // Amazon loses one package before the feed is processed: its message fails.
    let victim = {
        let states = docs_states(home.path());
        states.iter().find(|(_, s)| s.as_deref() == Some("requested")).map(|(id, _)| id.clone()).expect("a requested order")
    };
    sb.with_world_mut(|w| {
        if let Some(o) = w.orders.get_mut(&victim) {
            o.package = None;
        }
    });
    let second = pipeline(home.path(), "\"confirm\"");
    let report = run(home.path(), &second, &config, &sb).await;
    assert!(report.stages.iter().all(|(_, r, _)| r.held.is_empty()), "an error is not terminal at once");
    for (id, state) in docs_states(home.path()) {
        if id == victim {
            assert_eq!(docs_retry(home.path(), &id), (None, 1, Some("25001".to_owned())), "asked again later, with Amazon's code");
        } else {
            assert_eq!(state.as_deref(), Some("stored"), "{id}");
        }
    }
    // Each later feed asks again (after the backoff) until the attempts are used up.
    let both = pipeline(home.path(), "\"schedule\", \"confirm\"");
    let mut held = Vec::new();
    for _ in 0..8 {
        sb.advance(Duration::hours(13));
        let report = run(home.path(), &both, &config, &sb).await;
        held.extend(report.stages.iter().flat_map(|(_, r, _)| r.held.iter().map(|h| (h.order_id.clone(), h.reason.clone()))));
        if !held.is_empty() {
            break;
        }
    }
    assert_eq!(held.iter().map(|(o, _)| o.clone()).collect::<Vec<_>>(), vec![victim.clone()]);
    assert!(held[0].1.contains("25001"), "{}", held[0].1);
    let (state, attempts, _) = docs_retry(home.path(), &victim);
    assert_eq!((state.as_deref(), attempts), (Some("failed"), dakiya::stage::confirm::MAX_DOCUMENT_ATTEMPTS as i32));
    let store = Store::open_read_only(&home.path().join(dakiya::store::DB_FILE)).expect("db");
    let reason = store.held_orders().expect("held").into_iter().find(|(o, _, _)| *o == victim).map(|(_, r, _)| r).expect("held");
    assert!(reason.contains("labels request"), "the seller is told how to ask again: {reason}");
}

#[tokio::test]
async fn given_a_run_killed_after_create_feed_when_the_next_run_comes_then_it_adopts_the_feed_and_sends_no_second_one() {
    let sb = sandbox(SandboxOptions { seed: 12, orders: 4, rate_scale: 2000.0, ..SandboxOptions::default() }).await;
    sb.advance(Duration::hours(11));
    let home = tempfile::tempdir().expect("home");
    let config = dakiya::demo::sandbox_config(&sb, 2000.0);
    let first = pipeline(home.path(), "\"fetch\", \"enrich\", \"size\", \"schedule\"");
    run(home.path(), &first, &config, &sb).await;
    // As if killed between Amazon's answer to createFeed and recording it.
    {
        let store = Store::open(home.path()).expect("db");
        store.conn().execute("UPDATE feeds SET state = 'intent', feed_id = NULL", []).expect("rewind");
    }
    let report = run(home.path(), &first, &config, &sb).await;
    assert!(report.summary().contains("feeds_adopted=1"), "{}", report.summary());
    let feeds = sb.journal().iter().filter(|e| e.op == "createFeed").count();
    assert_eq!(feeds, 1, "no second feed for the same packages");
    let second = pipeline(home.path(), "\"confirm\"");
    run(home.path(), &second, &config, &sb).await;
    assert!(docs_states(home.path()).iter().all(|(_, s)| s.as_deref() == Some("stored")));
}

#[cfg(unix)]
#[tokio::test]
async fn labels_waiting_encrypted_are_listed_printed_and_purged_by_command() {
    let sb = sandbox(SandboxOptions { seed: 13, orders: 4, rate_scale: 2000.0, ..SandboxOptions::default() }).await;
    sb.advance(Duration::hours(11));
    let work = tempfile::tempdir().expect("work");
    let home = work.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let pipeline = pipeline(&home, "\"fetch\", \"enrich\", \"size\", \"schedule\", \"confirm\"");
    let config = dakiya::demo::sandbox_config(&sb, 2000.0);
    run(&home, &pipeline, &config, &sb).await;
    let config_file = work.path().join("sandbox.toml");
    std::fs::write(&config_file, sb.config_toml()).expect("config");
    let dakiya = |args: &[&str]| {
        let mut cmd = crate::support::dakiya_bare();
        cmd.arg("--home").arg(&home).arg("--config").arg(&config_file).args(args);
        crate::support::run(cmd)
    };
    let (code, out, err) = dakiya(&["labels", "list"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("stored"), "{out}");
    assert!(!out.contains("CANARY"));
    // The "printer" writes down the environment it was given.
    let seen = work.path().join("printer-env.txt");
    let command = format!("sh -c 'env >> \"$2\"' sh {{file}} {}", seen.display());
    let (code, out, err) = {
        let mut cmd = crate::support::dakiya_bare();
        cmd.arg("--home").arg(&home).arg("--config").arg(&config_file).args(["labels", "print", "--command", &command]);
        for (k, v) in dakiya::sandbox::Sandbox::credential_env() {
            cmd.env(k, v);
        }
        cmd.env("DAKIYA_PASSPHRASE", "CANARY-PASSPHRASE-77").env("SOME_API_TOKEN", "CANARY-TOKEN-88");
        crate::support::run(cmd)
    };
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Printed the labels of"), "{out}");
    assert!(docs_states(&home).iter().all(|(_, s)| s.as_deref() == Some("printed")));
    let env_seen = std::fs::read_to_string(&seen).expect("the printer ran");
    assert!(env_seen.contains("PATH="), "the printer still gets an ordinary environment");
    assert!(!env_seen.contains("DAKIYA_") && !env_seen.contains("CANARY"), "no secret reaches the printer:\n{env_seen}");
    let store = Store::open_read_only(&home.join(dakiya::store::DB_FILE)).expect("db");
    let docs: i64 = store.conn().query_row("SELECT count(*) FROM vault WHERE field LIKE 'doc:%'", [], |r| r.get(0)).expect("count");
    assert_eq!(docs, 0, "printed labels are deleted right after printing (policy 8.1)");
    drop(store);
    let (code, out, err) = dakiya(&["labels", "purge"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Deleted 0"), "{out}");
}

#[cfg(unix)]
#[tokio::test]
async fn given_a_combined_pdf_for_several_orders_when_it_is_printed_then_it_is_deleted_and_every_order_is_printed() {
    let sb = sandbox(SandboxOptions { seed: 15, orders: 4, rate_scale: 2000.0, ..SandboxOptions::default() }).await;
    sb.advance(Duration::hours(11));
    let home = tempfile::tempdir().expect("home");
    let pipeline = pipeline(home.path(), "\"fetch\", \"enrich\", \"size\", \"schedule\", \"confirm\"");
    let config = dakiya::demo::sandbox_config(&sb, 2000.0);
    run(home.path(), &pipeline, &config, &sb).await;
    let store = Store::open(home.path()).expect("db");
    let mut vault = dakiya::vault::Vault::new(
        dakiya::vault::keystore::Keystore::open(home.path(), Box::new(dakiya::vault::protect::TestKeyProtector)).expect("ks"),
    );
    // As Amazon may send it: one PDF for the whole feed, stored under the feed's id.
    let (feed, deadline): (String, chrono::DateTime<chrono::Utc>) = store
        .conn()
        .query_row("SELECT p.feed_id, min(o.pii_deadline) FROM packages p JOIN orders o USING (order_id) WHERE p.docs_state = 'stored' GROUP BY p.feed_id LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("a feed");
    let now = dakiya::clock::Clock::now(sb.clock().as_ref());
    let combined = vault.seal_bytes(&feed, "doc:combined.pdf", b"%PDF-1.4 CANARY-COMBINED", deadline, now).expect("seal");
    store
        .tx(|conn| {
            conn.execute(
                "DELETE FROM vault WHERE field LIKE 'doc:%' AND order_id IN (SELECT order_id FROM packages WHERE feed_id = ?)",
                [&feed],
            )?;
            Ok(dakiya::store::vault::put(conn, &[combined], now)?)
        })
        .expect("combined");
    let on_feed: Vec<String> = {
        let mut stmt = store
            .conn()
            .prepare("SELECT order_id FROM packages WHERE feed_id = ? AND docs_state = 'stored' ORDER BY order_id")
            .expect("sql");
        let rows = stmt.query_map([&feed], |r| r.get::<_, String>(0)).expect("rows");
        rows.collect::<Result<_, _>>().expect("ids")
    };
    let (printed, failed) =
        dakiya::stage::confirm::print_stored(&store, &mut vault, home.path(), "true {file}", Some(&on_feed), now).expect("print");
    assert_eq!(failed, 0);
    assert!(printed >= 2, "{printed}");
    let docs: i64 = store.conn().query_row("SELECT count(*) FROM vault WHERE field LIKE 'doc:%'", [], |r| r.get(0)).expect("count");
    assert_eq!(docs, 0, "the combined PDF is deleted once printed");
    let waiting: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM packages WHERE feed_id = ? AND docs_state = 'stored'", [&feed], |r| r.get(0))
        .expect("count");
    assert_eq!(waiting, 0, "every order on it is printed");
    // A combined PDF left over after all its orders were printed goes with `labels purge`.
    let leftover = vault.seal_bytes(&feed, "doc:combined.pdf", b"%PDF-1.4 CANARY-LEFTOVER", deadline, now).expect("seal");
    store.tx(|conn| Ok(dakiya::store::vault::put(conn, &[leftover], now)?)).expect("leftover");
    let n = store.tx(|conn| Ok(dakiya::store::labels::purge_printed(conn)?)).expect("purge");
    assert_eq!(n, 1);
}
