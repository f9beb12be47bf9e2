//! The CLI end to end: the run lock, the run record, loud failure of unimplemented stages,
//! exit codes.

use crate::support::{run, TestHome};
use dakiya::store::{Store, DB_FILE};

#[test]
fn given_another_run_holds_the_lock_when_run_then_exit_4_and_nothing_touched() {
    let home = TestHome::new();
    let _held = dakiya::lock::try_acquire(home.path()).expect("take the lock");
    let (code, _out, err) = run({
        let mut cmd = home.dakiya();
        cmd.arg("run");
        cmd
    });
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("another dakiya run holds the lock"), "{err}");
    let entries: Vec<_> = std::fs::read_dir(home.path()).expect("ls").map(|e| e.expect("entry").file_name()).collect();
    assert_eq!(entries, [std::ffi::OsString::from("dakiya.lock")], "nothing but the lock file may exist");
}

#[test]
fn given_no_credentials_when_run_then_it_fails_loudly_with_exit_3_and_is_recorded() {
    let home = TestHome::new();
    let (code, _out, err) = run({
        let mut cmd = home.dakiya();
        cmd.args(["run", "tests/fixtures/pipelines/good/hourly.toml"]).env("DAKIYA_PASSPHRASE", "correct horse battery staple");
        cmd
    });
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("no SP-API credentials"), "{err}");
    let store = Store::open_read_only(&home.path().join(DB_FILE)).expect("db exists");
    let runs = store.recent_runs(10).expect("runs");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].outcome, "failed");
    assert_eq!(runs[0].error_class.as_deref(), Some("spapi_no_credentials"));
    assert!(runs[0].ended_at.is_some());
    let stages: Vec<(String, String)> = store.run_stages(&runs[0].run_id).expect("stages").into_iter().map(|s| (s.0, s.1)).collect();
    assert_eq!(stages.first(), Some(&("fetch".to_owned(), "failed".to_owned())), "{stages:?}");
    assert_eq!(stages.last(), Some(&("retain".to_owned(), "done".to_owned())), "retention ran without Amazon: {stages:?}");
    assert_eq!(stages.len(), 2, "nothing between them: {stages:?}");
}

#[test]
fn given_a_passphrase_keystore_without_the_passphrase_when_run_unattended_then_exit_3_and_a_clear_message() {
    let home = TestHome::new();
    let (code, _out, err) = run({
        let mut cmd = home.dakiya();
        cmd.args(["run", "tests/fixtures/pipelines/good/hourly.toml"]).stdin(std::process::Stdio::null());
        cmd
    });
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("DAKIYA_PASSPHRASE"), "{err}");
}

#[test]
fn given_a_run_when_it_ends_then_a_run_record_and_a_json_log_exist() {
    let home = TestHome::new();
    let (_code, _out, _err) = run({
        let mut cmd = home.dakiya();
        cmd.args(["run", "tests/fixtures/pipelines/good/hourly.toml"]).env("DAKIYA_PASSPHRASE", "pass phrase 12");
        cmd
    });
    let logs: Vec<_> = std::fs::read_dir(home.path().join("logs")).expect("logs dir").collect();
    assert_eq!(logs.len(), 1, "one daily log file");
    let (code, out, err) = run({
        let mut cmd = home.dakiya();
        cmd.args(["status", "--json"]);
        cmd
    });
    assert_eq!(code, 0, "{err}");
    let status: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(status["runs"].as_array().map(Vec::len), Some(1), "{out}");
}

#[test]
fn given_an_invalid_pipeline_when_run_then_exit_2_and_no_data_directory_is_created() {
    let home = TestHome::new();
    let fresh = home.path().join("not-yet");
    let (code, _out, err) = run({
        let mut cmd = crate::support::dakiya_bare();
        cmd.arg("--home").arg(&fresh).args(["run", "tests/fixtures/pipelines/bad/unknown_key.toml"]);
        cmd
    });
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown_key.toml:5:1"), "{err}");
    assert!(!fresh.exists());
}

#[test]
fn given_a_truncated_database_when_run_then_exit_3_and_the_file_is_untouched() {
    let home = TestHome::new();
    {
        let store = Store::open(home.path()).expect("open");
        store.checkpoint().expect("checkpoint");
    }
    let db = home.path().join(DB_FILE);
    let bytes = std::fs::read(&db).expect("read");
    std::fs::write(&db, &bytes[..bytes.len() / 2]).expect("truncate");
    let damaged = std::fs::read(&db).expect("read");
    let (code, _out, err) = run({
        let mut cmd = home.dakiya();
        cmd.args(["run", "tests/fixtures/pipelines/good/hourly.toml"]);
        cmd
    });
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("cannot open the database"), "{err}");
    assert_eq!(std::fs::read(&db).expect("read"), damaged);
}

#[test]
fn config_show_redacts_secrets_from_the_environment() {
    let home = TestHome::new();
    let (code, out, err) = run({
        let mut cmd = home.dakiya();
        cmd.args(["config", "show"]).env("DAKIYA_SPAPI__CLIENT_SECRET", "canary-secret-91ab");
        cmd
    });
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("canary-secret-91ab"), "{out}");
    assert!(out.contains("client_secret = \"[redacted]\""), "{out}");
}

#[test]
fn usage_errors_exit_2() {
    let (code, _out, _err) = run({
        let mut cmd = crate::support::dakiya_bare();
        cmd.arg("no-such-command");
        cmd
    });
    assert_eq!(code, 2);
}
