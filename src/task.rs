//! Windows Task Scheduler: the hourly task's XML (Task Scheduler schema 1.2) and its
//! registration through `schtasks.exe`, behind a small trait so tests exercise everything but the
//! final process call.
//!
//! The task runs `dakiya run PIPELINE` every interval, indefinitely, as the user who installs it
//! with `InteractiveToken` logon: DPAPI user keys are available (S4U could not use them), no
//! password is stored, least privilege. A run still going when the next is due is not doubled
//! (`IgnoreNew`), and a run is stopped after the execution time limit (interval minus 10 minutes).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Timelike as _, Utc};
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

/// The task's name in Task Scheduler.
pub const TASK_NAME: &str = r"dakiya\hourly";

/// What the task runs.
#[derive(Debug, Clone)]
pub struct TaskSpec {
    /// Interval between runs.
    pub every: Duration,
    /// `dakiya.exe`.
    pub exe: PathBuf,
    /// Pipeline file.
    pub pipeline: PathBuf,
    /// Working directory (where `config/` is).
    pub working_dir: PathBuf,
    /// `DOMAIN\user`, when known.
    pub user: Option<String>,
    /// First start.
    pub start: DateTime<Utc>,
}

/// ISO 8601 duration (`PT1H`, `PT50M`, `PT1H30M`).
pub fn iso_duration(d: Duration) -> String {
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    let mut out = String::from("PT");
    if h > 0 {
        out.push_str(&format!("{h}H"));
    }
    if m > 0 {
        out.push_str(&format!("{m}M"));
    }
    if s > 0 || out == "PT" {
        out.push_str(&format!("{s}S"));
    }
    out
}

fn quote(path: &Path) -> String {
    format!("\"{}\"", path.display())
}

/// The task XML.
pub fn xml(spec: &TaskSpec) -> anyhow::Result<String> {
    if spec.every < Duration::from_secs(15 * 60) || spec.every > Duration::from_secs(24 * 3600) {
        anyhow::bail!("--every must be between 15 minutes and 24 hours");
    }
    let limit = spec.every.saturating_sub(Duration::from_secs(10 * 60)).max(Duration::from_secs(5 * 60));
    let start = spec.start.with_second(0).and_then(|t| t.with_nanosecond(0)).unwrap_or(spec.start);
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-16"), None)))?;
    let text = |w: &mut Writer<Vec<u8>>, name: &str, value: &str| -> std::io::Result<()> {
        w.create_element(name).write_text_content(BytesText::new(value))?;
        Ok(())
    };
    w.create_element("Task")
        .with_attribute(("version", "1.2"))
        .with_attribute(("xmlns", "http://schemas.microsoft.com/windows/2004/02/mit/task"))
        .write_inner_content(|w| {
            w.create_element("RegistrationInfo").write_inner_content(|w| {
                text(w, "Description", "dakiya hourly run: Amazon.in Easy Ship orders, pickups, labels and customer-data retention.")?;
                text(w, "URI", &format!("\\{TASK_NAME}"))
            })?;
            w.create_element("Triggers").write_inner_content(|w| {
                w.create_element("TimeTrigger").write_inner_content(|w| {
                    w.create_element("Repetition").write_inner_content(|w| {
                        text(w, "Interval", &iso_duration(spec.every))?;
                        text(w, "StopAtDurationEnd", "false")
                    })?;
                    text(w, "StartBoundary", &start.format("%Y-%m-%dT%H:%M:%SZ").to_string())?;
                    text(w, "Enabled", "true")
                })?;
                Ok(())
            })?;
            w.create_element("Principals").write_inner_content(|w| {
                w.create_element("Principal").with_attribute(("id", "Author")).write_inner_content(|w| {
                    if let Some(user) = &spec.user {
                        text(w, "UserId", user)?;
                    }
                    // InteractiveToken: the user's own logon session, so DPAPI user keys work.
                    text(w, "LogonType", "InteractiveToken")?;
                    text(w, "RunLevel", "LeastPrivilege")
                })?;
                Ok(())
            })?;
            w.create_element("Settings").write_inner_content(|w| {
                text(w, "MultipleInstancesPolicy", "IgnoreNew")?;
                text(w, "DisallowStartIfOnBatteries", "false")?;
                text(w, "StopIfGoingOnBatteries", "false")?;
                text(w, "AllowHardTerminate", "true")?;
                text(w, "StartWhenAvailable", "true")?;
                text(w, "RunOnlyIfNetworkAvailable", "false")?;
                w.create_element("IdleSettings").write_inner_content(|w| {
                    text(w, "StopOnIdleEnd", "false")?;
                    text(w, "RestartOnIdle", "false")
                })?;
                text(w, "AllowStartOnDemand", "true")?;
                text(w, "Enabled", "true")?;
                text(w, "Hidden", "false")?;
                text(w, "RunOnlyIfIdle", "false")?;
                text(w, "WakeToRun", "false")?;
                text(w, "ExecutionTimeLimit", &iso_duration(limit))?;
                text(w, "Priority", "7")
            })?;
            w.create_element("Actions").with_attribute(("Context", "Author")).write_inner_content(|w| {
                w.create_element("Exec").write_inner_content(|w| {
                    text(w, "Command", &spec.exe.display().to_string())?;
                    text(w, "Arguments", &format!("run {}", quote(&spec.pipeline)))?;
                    text(w, "WorkingDirectory", &spec.working_dir.display().to_string())
                })?;
                Ok(())
            })?;
            Ok(())
        })?;
    Ok(String::from_utf8(w.into_inner())?)
}

/// UTF-16LE with a byte-order mark, as `schtasks /XML` reads it.
pub fn utf16_file(xml: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for unit in xml.replace('\n', "\r\n").encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

/// Where tasks are registered. [`Schtasks`] calls Windows; tests use a recorder.
pub trait TaskRegistry {
    /// `schtasks /Create /TN name /XML file /F`.
    fn create(&self, name: &str, xml_file: &Path) -> anyhow::Result<()>;
    /// `schtasks /Delete /TN name /F`.
    fn delete(&self, name: &str) -> anyhow::Result<()>;
    /// `schtasks /Query /TN name /V /FO LIST`.
    fn query(&self, name: &str) -> anyhow::Result<String>;
}

/// The real registry: `schtasks.exe` (Windows only).
pub struct Schtasks;

/// The `schtasks` arguments for each action (tested on every platform).
pub fn schtasks_args(action: &str, name: &str, xml_file: Option<&Path>) -> Vec<String> {
    let mut args = vec![format!("/{action}"), "/TN".into(), name.into()];
    match action {
        "Create" => {
            args.push("/XML".into());
            args.push(xml_file.map(|p| p.display().to_string()).unwrap_or_default());
            args.push("/F".into());
        }
        "Delete" => args.push("/F".into()),
        _ => args.extend(["/V".into(), "/FO".into(), "LIST".into()]),
    }
    args
}

fn schtasks(args: &[String]) -> anyhow::Result<String> {
    if !cfg!(windows) {
        anyhow::bail!("Windows Task Scheduler is only on Windows; use `dakiya task install --print-xml` to see the task here");
    }
    let out = std::process::Command::new("schtasks.exe").args(args).output().context("cannot start schtasks.exe")?;
    if !out.status.success() {
        anyhow::bail!("schtasks failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

impl TaskRegistry for Schtasks {
    fn create(&self, name: &str, xml_file: &Path) -> anyhow::Result<()> {
        schtasks(&schtasks_args("Create", name, Some(xml_file))).map(|_| ())
    }

    fn delete(&self, name: &str) -> anyhow::Result<()> {
        schtasks(&schtasks_args("Delete", name, None)).map(|_| ())
    }

    fn query(&self, name: &str) -> anyhow::Result<String> {
        schtasks(&schtasks_args("Query", name, None))
    }
}

/// Write the XML into `home` and register it.
pub fn install(registry: &dyn TaskRegistry, home: &Path, spec: &TaskSpec) -> anyhow::Result<PathBuf> {
    let text = xml(spec)?;
    let file = home.join("task-hourly.xml");
    std::fs::write(&file, utf16_file(&text)).with_context(|| format!("cannot write {}", file.display()))?;
    registry.create(TASK_NAME, &file)?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_iso_8601() {
        assert_eq!(iso_duration(Duration::from_secs(3600)), "PT1H");
        assert_eq!(iso_duration(Duration::from_secs(3000)), "PT50M");
        assert_eq!(iso_duration(Duration::from_secs(5400)), "PT1H30M");
    }

    #[test]
    fn schtasks_arguments() {
        assert_eq!(
            schtasks_args("Create", TASK_NAME, Some(Path::new("C:\\x\\t.xml"))),
            vec!["/Create", "/TN", r"dakiya\hourly", "/XML", "C:\\x\\t.xml", "/F"]
        );
        assert_eq!(schtasks_args("Delete", TASK_NAME, None), vec!["/Delete", "/TN", r"dakiya\hourly", "/F"]);
    }

    #[test]
    fn utf16_has_a_bom_and_crlf() {
        let bytes = utf16_file("<a>\n</a>");
        assert_eq!(&bytes[..2], &[0xFF, 0xFE]);
        assert_eq!(bytes.len(), 2 + 2 * "<a>\r\n</a>".len());
    }
}
