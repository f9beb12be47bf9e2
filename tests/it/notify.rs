//! `[notify]` with the real binary: the nudge fires on each condition (new held orders, labels
//! not printed for a close pickup, a failed stage), never after a clean run, carries no PII, and
//! a failing notifier never changes the run's outcome. Also: stderr captured by another program
//! (as Task Scheduler does) carries no colour codes.

use std::path::{Path, PathBuf};

use dakiya::clock::{Clock, SystemClock};
use dakiya::demo::write_embedded;
use dakiya::sandbox::{Sandbox, SandboxOptions};

use crate::support::{dakiya_bare, run};

struct Setup {
    _rt: tokio::runtime::Runtime,
    sb: Sandbox,
    home: tempfile::TempDir,
    pipeline: PathBuf,
}

fn setup(options: SandboxOptions) -> Setup {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let now = SystemClock.now();
    let sb = rt
        .block_on(Sandbox::start(
            SandboxOptions {
                orders: 8,
                start: now,
                first_order_at: Some(now - chrono::Duration::hours(3)),
                spread: chrono::Duration::hours(2),
                rate_scale: 2000.0,
                ..options
            },
            "127.0.0.1:0".parse().expect("addr"),
        ))
        .expect("sandbox");
    sb.with_world_mut(|w| w.without_cancellations());
    let home = tempfile::tempdir().expect("home");
    let pipeline = write_embedded(home.path()).expect("pipeline");
    Setup { _rt: rt, sb, home, pipeline }
}

/// A notifier that records its arguments and stdin next to `out`, and exits with `code`.
fn notifier(out: &Path, code: i32) -> String {
    format!("sh -c 'printf \"%s\\n\" \"$@\" >> \"$0.args\"; cat >> \"$0.stdin\"; exit {code}' {}", out.display())
}

impl Setup {
    fn run(&self, extra_config: &str) -> (i32, String, String) {
        let config = self.home.path().join("sandbox.toml");
        std::fs::write(&config, format!("{}\n{extra_config}\n", self.sb.config_toml())).expect("config");
        let mut cmd = dakiya_bare();
        cmd.arg("--home").arg(self.home.path()).arg("--config").arg(&config).arg("run").arg(&self.pipeline);
        for (k, v) in Sandbox::credential_env() {
            cmd.env(k, v);
        }
        run(cmd)
    }
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn the_nudge_fires_on_new_held_orders_and_late_labels_but_never_after_a_clean_run() {
    let s = setup(SandboxOptions { seed: 31, ..SandboxOptions::default() });
    let out = s.home.path().join("nudge");
    let printed = "[labels]\nprint_command = \"true {file}\"\n";
    // First run: the unknown SKU's order is held: one nudge, PII-free.
    let (code, _, err) = s.run(&format!("{printed}[notify]\ncommand = '''{}'''\n", notifier(&out, 0)));
    assert_eq!(code, 1, "{err}");
    let args = read(out.with_extension("args"));
    let stdin = read(out.with_extension("stdin"));
    assert!(args.starts_with("dakiya needs you (1 things)\n1 new held orders"), "{args}");
    assert!(stdin.contains("  held ") && stdin.contains("HST-LAMP-XL"), "{stdin}");
    assert!(!args.contains("CANARY") && !stdin.contains("CANARY"), "no PII in a nudge");
    // Second run, nothing new (the held order is not new; labels printed): no nudge.
    let (code, _, err) = s.run(&format!("{printed}[notify]\ncommand = '''{}'''\n", notifier(&out, 0)));
    assert_eq!(code, 1, "still held: {err}");
    assert_eq!(read(out.with_extension("args")), args, "a clean run says nothing");
}

#[test]
fn labels_not_printed_for_close_pickups_are_a_nudge() {
    let s = setup(SandboxOptions { seed: 33, ..SandboxOptions::default() });
    let out = s.home.path().join("nudge");
    // No print command: labels wait encrypted; the pickups are within two days.
    let (_, _, err) = s.run(&format!("[notify]\ncommand = '''{}'''\nlabel_hours = 48\n", notifier(&out, 0)));
    let stdin = read(out.with_extension("stdin"));
    assert!(stdin.contains("labels not printed for pickups soon") && stdin.contains("label waiting to be printed"), "{stdin}\n{err}");
    assert!(!stdin.contains("CANARY"));
    // `dakiya status` shows the next pickups with their label state and the labels waiting.
    let mut cmd = dakiya_bare();
    cmd.arg("--home").arg(s.home.path()).arg("--config").arg(s.home.path().join("sandbox.toml")).arg("status");
    let (code, out, err) = run(cmd);
    assert_eq!(code, 0, "{err}");
    let section =
        |name: &str| out.split(name).nth(1).map(|rest| rest.split("\n").skip(1).take_while(|l| l.starts_with("  ")).count()).unwrap_or(0);
    assert!(section("Next pickups:") >= 3 && out.contains("label waiting to be printed"), "{out}");
    let waiting: usize = out
        .split("Labels waiting to be printed: ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(waiting >= 3, "{out}");
    assert!(out.contains("Next purges of customer data:"), "{out}");
}

#[test]
fn a_failed_stage_is_a_nudge_and_a_failing_notifier_changes_nothing() {
    let s =
        setup(SandboxOptions { seed: 32, denied_ops: vec![dakiya::spapi::limits::Op::ListFinancialEvents], ..SandboxOptions::default() });
    let out = s.home.path().join("nudge");
    let printed = "[labels]\nprint_command = \"true {file}\"\n";
    let (code, _, err) = s.run(&format!("{printed}[notify]\ncommand = '''{}'''\n", notifier(&out, 7)));
    assert_eq!(code, 3, "the refunds stage lacks its role: {err}");
    let args = read(out.with_extension("args"));
    assert!(args.contains("the run failed: stage `refunds` failed"), "{args}");
    assert!(err.contains("The notify command failed; the run is not affected."), "{err}");
    // A notifier that does not exist: the same exit code as without one.
    let (again, _, err) = s.run(&format!("{printed}[notify]\ncommand = '/nonexistent/notifier'\n"));
    assert_eq!(again, 3, "{err}");
    assert!(!err.contains('\u{1b}'), "stderr captured by another program has no colour codes: {err:?}");
}
