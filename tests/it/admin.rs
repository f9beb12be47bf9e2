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
    let sb = rt
        .block_on(Sandbox::start(
            SandboxOptions { start: SystemClock.now(), ..SandboxOptions::default() },
            "127.0.0.1:0".parse().expect("addr"),
        ))
        .expect("sandbox");
    let home = TestHome::new();
    let sandbox_config = home.path().join("sandbox.toml");
    std::fs::write(&sandbox_config, sb.config_toml()).expect("config");
    let set = |config: Option<&std::path::Path>| {
        let mut set = home.dakiya();
        if let Some(config) = config {
            set.arg("--config").arg(config);
        }
        set.args(["credentials", "set"])
            .env("DAKIYA_PASSPHRASE", "pass phrase 12")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = set.spawn().expect("spawn");
        // A refused `set` may exit before reading: a broken pipe here is fine.
        let _ = child.stdin.take().expect("stdin").write_all(format!("{CLIENT_ID}\n{CLIENT_SECRET}\n{REFRESH_TOKEN}\n").as_bytes());
        child.wait_with_output().expect("wait")
    };
    // Real secrets never go under sandbox settings (the public test key, loopback endpoints).
    let out = set(Some(&sandbox_config));
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("sandbox mode"));
    assert!(!home.path().join("credentials.json").exists());
    // The production setup (Amazon's endpoints, passphrase protection here) stores them protected.
    let out = set(None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stored = std::fs::read(home.path().join("credentials.json")).expect("stored");
    for secret in [CLIENT_SECRET, REFRESH_TOKEN, CLIENT_ID] {
        assert!(!stored.windows(secret.len()).any(|w| w == secret.as_bytes()), "a secret is in plain text");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(home.path().join("credentials.json")).expect("meta").permissions().mode();
        assert_eq!(mode & 0o077, 0, "owner-only: {mode:o}");
    }
    // Stored credentials are refused in sandbox mode.
    let (code, _, err) = run({
        let mut cmd = home.dakiya();
        cmd.arg("--config").arg(&sandbox_config).args(["credentials", "check"]);
        with_pass(&mut cmd, "pass phrase 12");
        cmd
    });
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("refused in sandbox mode"), "{err}");
    // A wrong passphrase is a clear error before any network call.
    let (code, _, err) = run({
        let mut cmd = home.dakiya();
        cmd.args(["credentials", "check"]);
        with_pass(&mut cmd, "the wrong passphrase");
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
    // Login with Amazon accepts the sandbox's test credentials from the environment.
    let (code, outp, err) = run({
        let mut cmd = home.dakiya();
        cmd.arg("--config").arg(&sandbox_config).args(["credentials", "check"]);
        for (k, v) in Sandbox::credential_env() {
            cmd.env(k, v);
        }
        cmd
    });
    assert_eq!(code, 0, "{err}");
    assert!(outp.contains("accepted"), "{outp}");
}

#[test]
fn lockdown_blocks_runs_with_exit_5_until_unlock() {
    let home = TestHome::new();
    let (code, out, err) = run({
        let mut cmd = home.dakiya();
        cmd.args(["lockdown"]);
        with_pass(&mut cmd, "lockdown pass phrase");
        cmd
    });
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("within 24 hours"), "{out}");
    let (code, _, err) = run({
        let mut cmd = home.dakiya();
        cmd.args(["run", "tests/fixtures/pipelines/good/hourly.toml"]);
        with_pass(&mut cmd, "lockdown pass phrase");
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
        with_pass(&mut cmd, "lockdown pass phrase");
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
        with_pass(&mut cmd, "the right passphrase");
        cmd
    });
    assert_eq!(code, 3);
    let keystore = home.path().join("keystore.json");
    let before = std::fs::read(&keystore).expect("keystore");
    let (code, _, err) = run({
        let mut cmd = home.dakiya();
        cmd.args(["keys", "status"]);
        with_pass(&mut cmd, "the wrong passphrase");
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
        with_pass(&mut cmd, "the right passphrase");
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
        with_pass(&mut cmd, "lockdown pass phrase");
        cmd
    });
    assert_eq!(code, 0, "{err}");
    let audit: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(audit["vault_values"], 0);
    assert!(audit["database_encryption"].as_str().is_some_and(|s| s.starts_with("off")));
    let (code, out, err) = run({
        let mut cmd = home.dakiya();
        cmd.args(["purge", "--dry-run"]);
        with_pass(&mut cmd, "lockdown pass phrase");
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
    {
        let store = dakiya::store::Store::open(home.path()).expect("store");
        let session = dakiya::session::Session::new(home.path(), config.clone(), std::sync::Arc::clone(&clock));
        let mut vault = session.open_vault(&store).expect("vault");
        dakiya::store::vault::rotate_all(&store, &mut vault, clock.now()).expect("rotate");
    }
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
        dakiya::store::vault::put(store.conn(), &[row], dakiya::clock::Clock::now(&dakiya::clock::SystemClock)).expect("tamper");
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

#[test]
fn given_a_lockdown_then_commands_that_decrypt_are_refused_and_deletion_still_works() {
    let home = TestHome::new();
    let (code, _, err) = run({
        let mut cmd = home.dakiya();
        cmd.arg("lockdown");
        with_pass(&mut cmd, "lockdown pass phrase");
        cmd
    });
    assert_eq!(code, 0, "{err}");
    let kit = home.path().join("kit.json");
    let refused: [&[&str]; 5] = [
        &["labels", "print", "--command", "true {file}"],
        &["backup"],
        &["keys", "export-recovery", "--out", kit.to_str().expect("path")],
        &["credentials", "set"],
        &["restore", "some.backup"],
    ];
    for args in refused {
        let (code, _, err) = run({
            let mut cmd = home.dakiya();
            cmd.args(args).env("DAKIYA_RECOVERY_PASSPHRASE", "recovery pass phrase");
            with_pass(&mut cmd, "lockdown pass phrase");
            cmd
        });
        assert_eq!(code, 5, "{args:?} must be refused while locked down: {err}");
    }
    assert!(!kit.exists());
    for args in [&["purge"][..], &["audit"], &["status"], &["unlock"]] {
        let (code, _, err) = run({
            let mut cmd = home.dakiya();
            cmd.args(args);
            with_pass(&mut cmd, "lockdown pass phrase");
            cmd
        });
        assert!(code == 0 || code == 1, "{args:?} works while locked down: {code} {err}");
    }
}

#[test]
fn given_sandbox_mode_with_a_real_endpoint_then_every_command_refuses_the_config() {
    let home = TestHome::new();
    let config = home.path().join("copied.toml");
    // `sandbox serve --write-config` output with the endpoints changed to Amazon's.
    std::fs::write(
        &config,
        "[spapi]\nendpoint = \"https://sellingpartnerapi-eu.amazon.com\"\nlwa_endpoint = \"https://api.amazon.com/auth/o2/token\"\nsandbox = true\n\n[keys]\nprotection = \"insecure-test-key\"\n",
    )
    .expect("config");
    for args in [&["run"][..], &["status"], &["audit"]] {
        let (code, _, err) = run({
            let mut cmd = home.dakiya();
            cmd.arg("--config").arg(&config).args(args);
            cmd
        });
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("loopback"), "{err}");
    }
    std::fs::write(&config, "[keys]\nprotection = \"insecure-test-key\"\n").expect("config");
    let (code, _, err) = run({
        let mut cmd = home.dakiya();
        cmd.arg("--config").arg(&config).arg("audit");
        cmd
    });
    assert_eq!(code, 2, "the test key without sandbox mode: {err}");
    assert!(!home.path().join("keystore.json").exists(), "nothing was sealed under the public key");
}

#[test]
fn audit_flags_the_test_key_and_leftover_key_files_and_purge_sweeps_them() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
    let sb = rt.block_on(Sandbox::start(SandboxOptions::default(), "127.0.0.1:0".parse().expect("addr"))).expect("sandbox");
    let home = TestHome::new();
    let config = home.path().join("sandbox.toml");
    std::fs::write(&config, sb.config_toml()).expect("config");
    let audit = || {
        let (code, out, err) = run({
            let mut cmd = home.dakiya();
            cmd.arg("--config").arg(&config).args(["audit", "--json"]);
            cmd
        });
        assert!(code == 0 || code == 1, "{err}");
        (code, serde_json::from_str::<serde_json::Value>(&out).expect("json"))
    };
    let (code, report) = audit();
    assert_eq!(code, 1, "a test-key setup is never clean: {report}");
    let problems = report["problems"].to_string();
    assert!(problems.contains("public test key") && problems.contains("sandbox"), "{problems}");
    // A write killed between its temporary file and the rename leaves a copy of the keys.
    std::fs::create_dir_all(home.path().join(".atomicwriteXyZ")).expect("leftover");
    std::fs::write(home.path().join(".atomicwriteXyZ/tmpfile.tmp"), b"old keystore").expect("leftover");
    let (_, report) = audit();
    assert_eq!(report["stale_key_files"].as_array().map(Vec::len), Some(1), "{report}");
    let (code, out, err) = run({
        let mut cmd = home.dakiya();
        cmd.arg("--config").arg(&config).arg("purge");
        cmd
    });
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("interrupted write: 1"), "{out}");
    assert!(!home.path().join(".atomicwriteXyZ").exists());
    let (_, report) = audit();
    assert_eq!(report["stale_key_files"].as_array().map(Vec::len), Some(0));
}

#[test]
fn passphrases_from_the_environment_need_12_characters_too() {
    let home = TestHome::new();
    let (code, _, err) = run({
        let mut cmd = home.dakiya();
        cmd.args(["keys", "status"]);
        with_pass(&mut cmd, "short");
        cmd
    });
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("at least 12 characters"), "{err}");
    assert!(!home.path().join("keystore.json").exists(), "nothing was created under a weak passphrase");
    let kit = home.path().join("kit.json");
    let (code, _, err) = run({
        let mut cmd = home.dakiya();
        cmd.args(["keys", "export-recovery", "--out"]).arg(&kit).env("DAKIYA_RECOVERY_PASSPHRASE", "tiny");
        with_pass(&mut cmd, "a long enough pass phrase");
        cmd
    });
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("at least 12 characters"), "{err}");
    assert!(!kit.exists());
}
