//! Encrypted backup and restore: a new machine with only the backup and the recovery kit gets
//! every non-PII row back bit for bit; shredded PII stays unreadable; damaged backups are refused;
//! a live database is never overwritten by default; no canary in the backup file.

use std::path::Path;
use std::sync::Arc;

use chrono::Duration;
use dakiya::clock::Clock;
use dakiya::sandbox::SandboxOptions;
use dakiya::store::{Store, DB_FILE};

use crate::support::{dakiya_bare, run, spapi::sandbox};

fn tables(home: &Path) -> Vec<(String, Vec<String>)> {
    let store = Store::open_read_only(&home.join(DB_FILE)).expect("db");
    let names: Vec<String> = {
        let mut stmt = store
            .conn()
            .prepare("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_name <> 'vault' ORDER BY 1")
            .expect("sql");
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).expect("rows");
        rows.collect::<Result<_, _>>().expect("names")
    };
    names
        .into_iter()
        .map(|t| {
            let mut stmt = store.conn().prepare(&format!("SELECT CAST(COLUMNS(*) AS VARCHAR) FROM \"{t}\" ORDER BY ALL")).expect("sql");
            let n = stmt.column_count();
            let _ = n;
            let mut rows: Vec<String> = Vec::new();
            let mut q = stmt.query([]).expect("query");
            while let Some(row) = q.next().expect("row") {
                let cols = row.as_ref().column_count();
                let vals: Vec<String> =
                    (0..cols).map(|i| row.get::<_, Option<String>>(i).expect("value").unwrap_or_else(|| "NULL".into())).collect();
                rows.push(vals.join("|"));
            }
            (t, rows)
        })
        .collect()
}

fn cmd(home: &Path, config: &Path) -> std::process::Command {
    let mut c = dakiya_bare();
    c.arg("--home")
        .arg(home)
        .arg("--config")
        .arg(config)
        .env("DAKIYA_RECOVERY_PASSPHRASE", "correct horse battery staple 42")
        .stdin(std::process::Stdio::null());
    c
}

#[tokio::test]
async fn backup_restore_on_a_new_machine_keeps_records_and_not_shredded_pii() {
    let sb = sandbox(SandboxOptions { seed: 4, orders: 12, rate_scale: 2000.0, ..SandboxOptions::default() }).await;
    sb.advance(Duration::hours(11));
    let work = tempfile::tempdir().expect("work");
    let home = work.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let pipeline = dakiya::demo::write_embedded(&home).expect("pipeline");
    let app = dakiya::demo::sandbox_config(&sb, 2000.0);
    let config = work.path().join("sandbox.toml");
    std::fs::write(&config, sb.config_toml()).expect("config");
    let clock: Arc<dyn Clock> = sb.clock();
    dakiya::demo::run_once(&home, &pipeline, &app, Arc::clone(&clock)).await.expect("run");
    let kit = work.path().join("recovery-kit.json");
    let (code, _, err) = run({
        let mut c = cmd(&home, &config);
        c.args(["keys", "export-recovery", "--out"]).arg(&kit);
        c
    });
    assert_eq!(code, 0, "{err}");
    let backups = work.path().join("backups");
    let (code, _, err) = run({
        let mut c = cmd(&home, &config);
        c.args(["backup", "--to"]).arg(&backups);
        c
    });
    assert_eq!(code, 0, "{err}");
    let file = std::fs::read_dir(&backups).expect("backups").next().expect("one backup").expect("entry").path();
    let before = tables(&home);
    let vault_before = dakiya::store::vault::count(Store::open_read_only(&home.join(DB_FILE)).expect("db").conn()).expect("count");
    assert!(vault_before > 0);
    assert!(dakiya::demo::canary_hits(&backups, b"CANARY").expect("search").is_empty(), "no PII or secret in plain text in the backup");

    // Verify, then damage it.
    let (code, out, err) = run({
        let mut c = cmd(&home, &config);
        c.args(["backup", "verify"]).arg(&file);
        c
    });
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("OK"), "{out}");
    let bytes = std::fs::read(&file).expect("bytes");
    let flipped = work.path().join("flipped.backup");
    let mut f = bytes.clone();
    let mid = f.len() / 2;
    f[mid] ^= 0x01;
    std::fs::write(&flipped, &f).expect("write");
    let truncated = work.path().join("truncated.backup");
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).expect("write");
    for bad in [&flipped, &truncated] {
        let (code, _, err) = run({
            let mut c = cmd(&home, &config);
            c.args(["backup", "verify"]).arg(bad);
            c
        });
        assert_eq!(code, 3);
        assert!(err.contains("corrupted or truncated"), "{err}");
    }

    // Restore never overwrites the live database by default.
    let live = std::fs::read(home.join(DB_FILE)).expect("db");
    let (code, _, err) = run({
        let mut c = cmd(&home, &config);
        c.arg("restore").arg(&file);
        c
    });
    assert_eq!(code, 3);
    assert!(err.contains("already holds a database"), "{err}");
    assert_eq!(std::fs::read(home.join(DB_FILE)).expect("db"), live);

    // Time passes: the purge destroys the PII epochs the backup's PII was under.
    sb.advance(Duration::days(40));
    dakiya::demo::run_once(&home, &pipeline, &app, Arc::clone(&clock)).await.expect("run");

    // Same machine, fresh home, today's keystore: shredded PII stays unreadable.
    let same = work.path().join("same-machine");
    std::fs::create_dir_all(&same).expect("dir");
    std::fs::copy(home.join("keystore.json"), same.join("keystore.json")).expect("keystore");
    let (code, out, err) = run({
        let mut c = cmd(&home, &config);
        c.arg("restore").arg(&file).arg("--into").arg(&same);
        c
    });
    assert_eq!(code, 0, "{err}");
    // Every key the backup's ciphertext used has ended its lease since: nothing in the backup can
    // be read any more, even the PII that is still live (it lives on under newer keys).
    assert!(
        out.contains(&format!(
            "customer data still readable: 0 values; shredded (keys destroyed or not on this machine), removed: {vault_before}"
        )),
        "{out}"
    );
    let restored_vault = dakiya::store::vault::count(Store::open_read_only(&same.join(DB_FILE)).expect("db").conn()).expect("count");
    assert_eq!(restored_vault, 0);

    // A new machine: no keystore, only the backup and the recovery kit.
    std::fs::remove_dir_all(&home).expect("the old disk died");
    let fresh = work.path().join("new-machine");
    let (code, out, err) = run({
        let mut c = cmd(&fresh, &config);
        c.arg("restore").arg(&file).arg("--recovery-kit").arg(&kit);
        c
    });
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("removed: {vault_before}")), "{out}");
    assert_eq!(tables(&fresh), before, "every non-PII row back, bit for bit");
    assert!(fresh.join("keystore.json").exists(), "a new keystore for new customer data");
}
