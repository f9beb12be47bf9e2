//! `[notify]`: the nudge after a run that needs the seller. dakiya runs unattended; a held
//! order, a label not printed for a close pickup, a failed stage, a missed purge deadline or an
//! audit problem would otherwise wait for someone to run `dakiya status`.
//!
//! [`Facts`] gathers what the run left (PII-free by construction: order ids, dakiya's own
//! reasons, counts, error summaries that carry no bodies); [`lines`] turns it into a summary,
//! empty after a clean run; [`send`] runs the command with the title and a one-line summary as
//! arguments and every line on stdin, without dakiya's secrets in its environment, and stops it
//! after the timeout. A notifier that fails or hangs never fails the run: the caller logs it.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::config::NotifyConfig;

/// What a run left that may need the seller.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Orders held by this run that were not held before: `(order id, reason)`.
    pub new_held: Vec<(String, String)>,
    /// Booked pickups within `label_hours` whose label is not printed: `(order id, reason)`.
    pub labels_due: Vec<(String, String)>,
    /// The run's failure, summarised (no bodies, no PII).
    pub failure: Option<String>,
    /// Vault values past their purge deadline after retention ran.
    pub overdue_values: i64,
    /// Orders this run purged after their deadline (no run came in time).
    pub purged_late: i64,
    /// `dakiya audit` problems (other than the sandbox's own setup notices).
    pub audit_problems: Vec<String>,
}

/// The summary lines; empty when nothing needs the seller.
pub fn lines(f: &Facts) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(failure) = &f.failure {
        out.push(format!("the run failed: {failure}"));
    }
    if !f.new_held.is_empty() {
        out.push(format!("{} new held orders", f.new_held.len()));
        out.extend(f.new_held.iter().map(|(id, why)| format!("  held {id}: {why}")));
    }
    if !f.labels_due.is_empty() {
        out.push(format!("{} labels not printed for pickups soon", f.labels_due.len()));
        out.extend(f.labels_due.iter().map(|(id, why)| format!("  {id}: {why}")));
    }
    if f.overdue_values > 0 {
        out.push(format!("{} customer data values are past their purge deadline: run `dakiya purge`", f.overdue_values));
    }
    if f.purged_late > 0 {
        out.push(format!(
            "{} orders' customer data was purged after its deadline: dakiya did not run in time (is the computer on and the task enabled? `dakiya task show`)",
            f.purged_late
        ));
    }
    out.extend(f.audit_problems.iter().map(|p| format!("audit: {p}")));
    out
}

/// The title passed as the first argument.
pub fn title(lines: &[String]) -> String {
    format!("dakiya needs you ({} things)", lines.iter().filter(|l| !l.starts_with("  ")).count())
}

/// Run the notify command with `lines`. Errors say what went wrong; the caller logs them and
/// carries on.
pub fn send(config: &NotifyConfig, lines: &[String]) -> anyhow::Result<()> {
    let Some(template) = config.command.as_deref() else { return Ok(()) };
    let argv = shell_words::split(template).context("[notify] command is not a valid command line (check its quotes)")?;
    let Some((program, args)) = argv.split_first() else { anyhow::bail!("[notify] command is empty") };
    let one_line: String = lines.iter().filter(|l| !l.starts_with("  ")).cloned().collect::<Vec<_>>().join("; ");
    let mut cmd = Command::new(program);
    for name in crate::config::secret_env_names() {
        cmd.env_remove(name);
    }
    let mut child = cmd
        .args(args)
        .arg(title(lines))
        .arg(one_line)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start the notify command {program:?}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A notifier that does not read its input is fine.
        let _ = stdin.write_all((lines.join("\n") + "\n").as_bytes());
    }
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            if !status.success() {
                anyhow::bail!("the notify command failed ({status})");
            }
            return Ok(());
        }
        if started.elapsed() >= config.timeout {
            let _ = child.kill();
            let _ = child.wait();
            anyhow::bail!("the notify command did not finish within {:?}; stopped", config.timeout);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clean_run_says_nothing_and_each_condition_says_one_thing() {
        assert!(lines(&Facts::default()).is_empty());
        let f = Facts {
            new_held: vec![("402-1".into(), "unknown SKU HST-X".into())],
            labels_due: vec![("402-2".into(), "pickup soon; label waiting to be printed".into())],
            failure: Some("stage `refunds` failed: listFinancialEvents: HTTP 403".into()),
            overdue_values: 3,
            purged_late: 2,
            audit_problems: vec!["2 plaintext label files".into()],
        };
        let l = lines(&f);
        assert_eq!(title(&l), "dakiya needs you (6 things)");
        assert_eq!(l.len(), 8, "{l:?}");
    }
}
