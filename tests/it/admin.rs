//! Keys, credentials, audit, purge, lockdown through the real binary; bad keys and files.

use std::io::Write as _;
use std::process::Stdio;

use dakiya::clock::{Clock, SystemClock};
use dakiya::sandbox::{Sandbox, SandboxOptions, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN};

use crate::support::{run, TestHome};

fn with_pass(cmd: &mut std::process::Command, pass: &str) {
    cmd.env("DAKIYA_PASSPHRASE", pass).stdin(Stdio::null());
}

#[test]
fn credentials_are_stored_protected_checked_against_lwa_and_cleared() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("rt");
    let sb = rt.block_on(Sandbox::start(SandboxOptions { start: SystemClock.now(), ..SandboxOptions::default() }, "127.0.0.1:0".parse().expect("addr"))).expect("sandbox");
    let home = TestHome::new();
    let config = home.path().join("sandbox.toml");
    // A passphrase-protected store, pointed at the sandbox.
    std::fs::write(&config, sb.config_toml().replace("insecure-test-key", "passphrase")).expect("config");
    let mut set = home.dakiya();
    set.arg("--config").arg(&config).args(["credentials", "set"]).env("DAKIYA_PASSPHRASE", "pass phrase 1").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = set.spawn().expect("spawn");
    child.stdin.take().expect("stdin").write_all(format!("{CLIENT_ID}\n{CLIENT_SECRET}\n{REFRESH_TOKEN}\n").as_bytes()).expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stored = std::fs::read(home.path().join("credentials.json")).expect("stored");
    for secret in [CLIENT_SECRET, REFRESH_TOKEN, CLIENT_ID] {
        assert!(!stored.windows(secret.len()).any(|w| w == secret.as_bytes()), "a secret is in plain text");
    }
    let (code, outp, err) = run({
        let mut cmd = home.dakiya();
        cmd.arg("--config").arg(&config).args(["credentials", "check"]);
        with_pass(&mut cmd, "pass phrase 1");
        cmd
    });
    assert_eq!(code, 0, "{err}");
    assert!(outp.contains("accepted"), "{outp}");
    let (code, _, err) = run({
        let mut cmd = home.dakiya();
        cmd.arg("--config").arg(&config).args(["credentials", "check"]);
        with_pass(&mut cmd, "wrong");
        cmd
    });
    assert_eq!(code, 3);
    assert!(err.contains("wrong passphrase"), "{err}");
    let (code, _, _) = run({
        let mut cmd = home.dakiya();
        cmd.args(["credentials", "clear"]);
        cmd
    });
    assert_eq!(code, 0);
    assert!(!home.path().join("credentials.json").exists());
}

#[test]
fn lockdown_blocks_runs_with_exit_5_until_unlock() {
    let home = TestHome::new();
    let (code, out, err) = run({
        let mut cmd = home.dakiya();
        cmd.args(["lockdown"]);
        with_pass(&mut cmd, "p");
        cmd
    });
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("within 24 hours"), "{out}");
    let (code, _, err) = run({
        let mut cmd = home.dakiya();
        cmd.args(["run", "tests/fixtures/pipelines/good/hourly.toml"]);
        with_pass(&mut cmd, "p");
        cmd
    });
    assert_eq!(code, 5, "{err}");
    let incidents = std::fs::read_dir(home.path().join("incidents")).expect("incident record").count();
    assert_eq!(incidents, 1);
    let (code, _, _) = run({
        let mut cmd = home.dakiya();
        cmd.arg("unlock");
        cmd
    });
    assert_eq!(code, 0);
    let (code, _, err) = run({
        let mut cmd = home.dakiya();
        cmd.args(["run", "tests/fixtures/pipelines/good/hourly.toml"]);
        with_pass(&mut cmd, "p");
        cmd
    });
    assert_eq!(code, 3, "no credentials, but no longer locked: {err}");
}

#[test]
fn given_a_wrong_passphrase_or_a_missing_keystore_then_exit_3_and_nothing_is_overwritten() {
    let home = TestHome::new();
    // First run creates the keystore (then fails: no credentials).
    let (code, _, _) = run({
        let mut cmd = home.dakiya();
        cmd.args(["run", "tests/fixtures/pipelines/good/hourly.toml"]);
        with_pass(&mut cmd, "right");
        cmd
    });
    assert_eq!(code, 3);
    let keystore = home.path().join("keystore.json");
    let before = std::fs::read(&keystore).expect("keystore");
    let (code, _, err) = run({
        let mut cmd = home.dakiya();
        cmd.args(["keys", "status"]);
        with_pass(&mut cmd, "wrong");
        cmd
    });
    assert_eq!(code, 3);
    assert!(err.contains("wrong passphrase"), "{err}");
    assert_eq!(std::fs::read(&keystore).expect("keystore"), before, "untouched");
    // With vault rows present, a missing keystore is an error, never silently recreated.
    {
        let store = dakiya::store::Store::open(home.path()).expect("store");
        store
            .conn()
            .execute("INSERT INTO vault VALUES ('402-1', 'phone', 'e2026-12-01.g1', DATE '2026-12-01', TIMESTAMP '2026-12-01 00:00:00', '\\x00'::BLOB, '\\x00'::BLOB, TIMESTAMP '2026-11-30 00:00:00')", [])
            .expect("row");
    }
    std::fs::remove_file(&keystore).expect("remove");
    let (code, _, err) = run({
        let mut cmd = home.dakiya();
        cmd.args(["keys", "status"]);
        with_pass(&mut cmd, "right");
        cmd
    });
    assert_eq!(code, 3);
    assert!(err.contains("no keystore"), "{err}");
    assert!(!keystore.exists(), "never recreated over existing ciphertext");
}

#[test]
fn audit_and_purge_report_on_a_fresh_home() {
    let home = TestHome::new();
    let (code, out, err) = run({
        let mut cmd = home.dakiya();
        cmd.args(["audit", "--json"]);
        with_pass(&mut cmd, "p");
        cmd
    });
    assert_eq!(code, 0, "{err}");
    let audit: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(audit["vault_values"], 0);
    assert!(audit["database_encryption"].as_str().is_some_and(|s| s.starts_with("off")));
    let (code, out, err) = run({
        let mut cmd = home.dakiya();
        cmd.args(["purge", "--dry-run"]);
        with_pass(&mut cmd, "p");
        cmd
    });
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Would apply"), "{out}");
}

#[tokio::test]
async fn key_rotation_re_encrypts_every_value_and_destroys_old_keys() {
    let sb = crate::support::spapi::sandbox(SandboxOptions { rate_scale: 2000.0, ..SandboxOptions::default() }).await;
    sb.advance(chrono::Duration::hours(11));
    let home = tempfile::tempdir().expect("home");
    let pipeline = dakiya::demo::write_embedded(home.path()).expect("pipeline");
    let config = dakiya::demo::sandbox_config(&sb, 2000.0);
    let clock: std::sync::Arc<dyn Clock> = sb.clock();
    dakiya::demo::run_once(home.path(), &pipeline, &config, std::sync::Arc::clone(&clock)).await.expect("run");
    let before = {
        let store = dakiya::store::Store::open(home.path()).expect("store");
        dakiya::store::vault::all(store.conn()).expect("rows")
    };
    assert!(before.len() > 100);
    dakiya::admin::keys_rotate(home.path(), &config, clock.as_ref()).expect("rotate");
    let store = dakiya::store::Store::open(home.path()).expect("store");
    let after = dakiya::store::vault::all(store.conn()).expect("rows");
    assert_eq!(after.len(), before.len());
    let ks = dakiya::vault::keystore::Keystore::open(home.path(), Box::new(dakiya::vault::protect::TestKeyProtector)).expect("ks");
    let vault = dakiya::vault::Vault::new(ks);
    for (old, new) in before.iter().zip(&after) {
        assert_ne!(old.key_id, new.key_id, "re-encrypted under a new generation");
        assert!(vault.open_bytes(new).is_ok());
        assert!(vault.open_bytes(old).is_err(), "the old generation is destroyed");
    }
}

#[tokio::test]
async fn given_a_tampered_vault_value_when_it_is_read_then_a_clear_error_and_exit_3() {
    let sb = crate::support::spapi::sandbox(SandboxOptions { rate_scale: 2000.0, orders: 3, ..SandboxOptions::default() }).await;
    sb.advance(chrono::Duration::hours(11));
    let work = tempfile::tempdir().expect("work");
    let home = work.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let pipeline = dakiya::demo::write_embedded(&home).expect("pipeline");
    let app = dakiya::demo::sandbox_config(&sb, 2000.0);
    let clock: std::sync::Arc<dyn Clock> = sb.clock();
    dakiya::demo::run_once(&home, &pipeline, &app, clock).await.expect("run");
    {
        let store = dakiya::store::Store::open(&home).expect("store");
        // Flip one byte of one ciphertext.
        let rows = dakiya::store::vault::all(store.conn()).expect("rows");
        let mut row = rows.into_iter().find(|r| r.field == "phone").expect("a phone");
        row.ciphertext[0] ^= 0x01;
        dakiya::store::vault::put(store.conn(), &[row], chrono::Utc::now()).expect("tamper");
    }
    let config = work.path().join("sandbox.toml");
    std::fs::write(&config, sb.config_toml()).expect("config");
    let (code, _, err) = run({
        let mut cmd = crate::support::dakiya_bare();
        cmd.arg("--home").arg(&home).arg("--config").arg(&config).args(["keys", "rotate"]);
        cmd
    });
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("failed authentication") && err.contains("phone"), "{err}");
}
