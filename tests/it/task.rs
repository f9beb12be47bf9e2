//! The Windows Task Scheduler task: XML snapshot, well-formed, the schema elements it relies on,
//! and registration through a recording registry (the real one is `schtasks.exe`).

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::TimeZone as _;
use dakiya::task::{install, xml, TaskRegistry, TaskSpec, TASK_NAME};

fn spec() -> TaskSpec {
    TaskSpec {
        every: Duration::from_secs(3600),
        exe: PathBuf::from(r"C:\Program Files\dakiya\dakiya.exe"),
        pipeline: PathBuf::from(r"C:\Users\Seller\dakiya\pipelines\hourly.toml"),
        working_dir: PathBuf::from(r"C:\Users\Seller\dakiya"),
        user: Some(r"HESTHETIC-PC\Seller".into()),
        start: chrono::Utc.with_ymd_and_hms(2026, 12, 1, 4, 30, 12).single().expect("time"),
    }
}

/// Element paths in document order.
fn paths(text: &str) -> Vec<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<String> = Vec::new();
    let mut out = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                stack.push(String::from_utf8_lossy(e.name().as_ref()).into_owned());
                out.push(stack.join("/"));
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(stack.is_empty());
    out
}

#[test]
fn the_task_xml_is_well_formed_and_uses_the_right_schema_elements() {
    let text = xml(&spec()).expect("xml");
    insta::assert_snapshot!("task_xml", text);
    let p = paths(&text);
    for must in [
        "Task/Triggers/TimeTrigger/Repetition/Interval",
        "Task/Triggers/TimeTrigger/StartBoundary",
        "Task/Principals/Principal/UserId",
        "Task/Principals/Principal/LogonType",
        "Task/Principals/Principal/RunLevel",
        "Task/Settings/MultipleInstancesPolicy",
        "Task/Settings/ExecutionTimeLimit",
        "Task/Actions/Exec/Command",
        "Task/Actions/Exec/Arguments",
        "Task/Actions/Exec/WorkingDirectory",
    ] {
        assert!(p.iter().any(|x| x == must), "{must} missing");
    }
    assert!(text.contains("<LogonType>InteractiveToken</LogonType>"), "a logon type that has the user's DPAPI keys (not S4U)");
    assert!(text.contains("<MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>"));
    assert!(text.contains("<ExecutionTimeLimit>PT50M</ExecutionTimeLimit>"), "below the interval");
    assert!(text.contains("<WakeToRun>false</WakeToRun>"));
    assert!(text.contains("<RunLevel>LeastPrivilege</RunLevel>"));
    assert!(xml(&TaskSpec { every: Duration::from_secs(60), ..spec() }).is_err());
}

struct Recorder(RefCell<Vec<(String, PathBuf)>>);

impl TaskRegistry for Recorder {
    fn create(&self, name: &str, xml_file: &Path) -> anyhow::Result<()> {
        self.0.borrow_mut().push((name.to_owned(), xml_file.to_path_buf()));
        Ok(())
    }
    fn delete(&self, _name: &str) -> anyhow::Result<()> {
        Ok(())
    }
    fn query(&self, _name: &str) -> anyhow::Result<String> {
        Ok(String::new())
    }
}

#[test]
fn install_writes_utf16_xml_and_registers_it_under_dakiya_hourly() {
    let home = tempfile::tempdir().expect("home");
    let rec = Recorder(RefCell::new(Vec::new()));
    let file = install(&rec, home.path(), &spec()).expect("install");
    let calls = rec.0.borrow();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].0, TASK_NAME);
    assert_eq!(calls[0].1, file);
    let bytes = std::fs::read(&file).expect("file");
    assert_eq!(&bytes[..2], &[0xFF, 0xFE], "UTF-16LE with BOM");
    let units: Vec<u16> = bytes[2..].chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    let text = String::from_utf16(&units).expect("utf16");
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-16\"?>\r\n"));
}

#[test]
fn print_xml_works_on_every_os() {
    let (code, out, err) = crate::support::run({
        let mut cmd = crate::support::dakiya_bare();
        cmd.args(["task", "install", "--print-xml", "--every", "2h"]);
        cmd
    });
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("<Interval>PT2H</Interval>") && out.contains("<ExecutionTimeLimit>PT1H50M</ExecutionTimeLimit>"), "{out}");
}

#[test]
fn default_options_snapshot_and_paths_with_spaces() {
    let spec = TaskSpec {
        every: Duration::from_secs(7200),
        exe: PathBuf::from(r"C:\Program Files\dakiya\dakiya.exe"),
        pipeline: PathBuf::from(r"C:\Users\Asha Patel\My Shop\pipelines\hourly.toml"),
        working_dir: PathBuf::from(r"C:\Users\Asha Patel\My Shop"),
        user: None,
        start: chrono::Utc.with_ymd_and_hms(2026, 12, 1, 5, 0, 0).single().expect("time"),
    };
    let text = xml(&spec).expect("xml");
    insta::assert_snapshot!("task_xml_two_hours_no_user", text);
    // The pipeline path with spaces is quoted inside <Arguments>; the command has its own element.
    assert!(text.contains(r"<Arguments>run &quot;C:\Users\Asha Patel\My Shop\pipelines\hourly.toml&quot;</Arguments>"), "{text}");
    assert!(text.contains(r"<Command>C:\Program Files\dakiya\dakiya.exe</Command>"));
    assert!(!text.contains("<UserId>"), "without a known user Task Scheduler uses the registering user");
    // schtasks is started without a shell: a path with spaces stays one argument.
    let args =
        dakiya::task::schtasks_args("Create", TASK_NAME, Some(Path::new(r"C:\Users\Asha Patel\AppData\Local\dakiya\task-hourly.xml")));
    assert_eq!(args[4], r"C:\Users\Asha Patel\AppData\Local\dakiya\task-hourly.xml");
    assert_eq!(args.len(), 6);
}

#[test]
fn data_directory_rules() {
    let mut config = dakiya::config::AppConfig::default();
    let default = dakiya::config::resolve_home(None, &config).expect("default");
    assert!(default.ends_with("dakiya"), "{}", default.display());
    config.home = Some(PathBuf::from("/srv/from-config"));
    assert_eq!(dakiya::config::resolve_home(None, &config).expect("config"), PathBuf::from("/srv/from-config"));
    assert_eq!(dakiya::config::resolve_home(Some(Path::new("/srv/cli wins")), &config).expect("cli"), PathBuf::from("/srv/cli wins"));
    let tmp = tempfile::tempdir().expect("tmp");
    let home = tmp.path().join("with space").join("dakiya");
    dakiya::home::ensure(&home).expect("created");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&home).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "owner-only");
    }
}
