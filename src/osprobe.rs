//! The operating system behind the policy promises, checked by `dakiya audit` on Windows: disk
//! encryption of the data directory's volume (BitLocker, AES-256: policy 5.2), the firewall on
//! (policy 7), auto-lock within 5 minutes (policy 7), Remote Desktop off (policy 7), and the data
//! directory's ACL limited to the user (policy 6).
//!
//! Each probe is a command and a parser of its output. Commands run through [`Probe`]: the
//! Windows twin ([`SystemProbe`]) starts them; tests drive the same parsers with recorded real
//! outputs (`tests/fixtures/windows`, sources in its SOURCES.md) through [`Recorded`]. A probe
//! that cannot tell (no rights, unknown output) says so as unknown, never as fine.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

/// What a probe found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "detail", rename_all = "lowercase")]
pub enum Finding {
    /// The promise holds.
    Ok(String),
    /// It does not: the seller must act.
    Problem(String),
    /// The probe could not tell (no rights, output not understood).
    Unknown(String),
}

/// One OS check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What is checked.
    pub name: &'static str,
    /// The finding.
    pub finding: Finding,
}

/// Runs a command and returns its standard output (lossy UTF-8) and exit code.
pub trait Probe {
    /// Run `program` with `args`.
    fn run(&self, program: &str, args: &[&str]) -> Result<(String, i32), String>;
}

/// The real commands (used on Windows only).
pub struct SystemProbe;

impl Probe for SystemProbe {
    fn run(&self, program: &str, args: &[&str]) -> Result<(String, i32), String> {
        let out = std::process::Command::new(program)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output()
            .map_err(|e| format!("cannot start {program}: {e}"))?;
        Ok((String::from_utf8_lossy(&out.stdout).into_owned(), out.status.code().unwrap_or(-1)))
    }
}

/// Recorded outputs by command line (`program arg arg…`), for tests.
#[derive(Debug, Default)]
pub struct Recorded(pub HashMap<String, (String, i32)>);

impl Probe for Recorded {
    fn run(&self, program: &str, args: &[&str]) -> Result<(String, i32), String> {
        let line = std::iter::once(program).chain(args.iter().copied()).collect::<Vec<_>>().join(" ");
        self.0.get(&line).cloned().ok_or_else(|| format!("no recorded output for {line}"))
    }
}

/// `manage-bde -status X:`: protection on and an AES-256 method.
pub fn bitlocker(out: &str) -> Finding {
    let field = |name: &str| out.lines().find_map(|l| l.trim().strip_prefix(name).map(|v| v.trim_start_matches(':').trim().to_owned()));
    match (field("Protection Status"), field("Encryption Method"), field("Percentage Encrypted")) {
        (Some(p), method, _) if p.eq_ignore_ascii_case("Protection On") => match method {
            Some(m) if m.contains("256") => Finding::Ok(format!("BitLocker on ({m})")),
            Some(m) => Finding::Problem(format!("BitLocker is on with {m}; the policy says AES-256 (re-encrypt with XTS-AES 256)")),
            None => Finding::Unknown("BitLocker is on; its encryption method was not shown".into()),
        },
        (Some(p), _, pct) => Finding::Problem(format!(
            "BitLocker protection is off on the data directory's volume ({p}; {} encrypted): turn BitLocker on",
            pct.unwrap_or_else(|| "?".into())
        )),
        (None, _, _) if out.contains("denied") || out.contains("administrator") => {
            Finding::Unknown("manage-bde needs administrator rights: run `dakiya audit` as administrator once a month".into())
        }
        (None, _, _) => Finding::Unknown("manage-bde's output was not understood".into()),
    }
}

/// `netsh advfirewall show allprofiles state`: every profile ON.
pub fn firewall(out: &str) -> Finding {
    let mut profile = String::new();
    let (mut on, mut off) = (Vec::new(), Vec::new());
    for line in out.lines().map(str::trim) {
        if let Some(name) = line.strip_suffix("Profile Settings:") {
            profile = name.trim().to_owned();
        } else if let Some(state) = line.strip_prefix("State") {
            match state.trim() {
                s if s.eq_ignore_ascii_case("ON") => on.push(profile.clone()),
                _ => off.push(profile.clone()),
            }
        }
    }
    match (on.len(), off.is_empty()) {
        (0, true) => Finding::Unknown("netsh's output was not understood".into()),
        (_, true) => Finding::Ok(format!("Windows Defender Firewall on ({})", on.join(", "))),
        _ => Finding::Problem(format!("Windows Defender Firewall is off for the {} profile(s): turn it on", off.join(", "))),
    }
}

/// A `reg query … /v NAME` value: its type and text.
fn reg_value(out: &str, name: &str) -> Option<(String, String)> {
    out.lines().find_map(|l| {
        let mut parts = l.split_whitespace();
        let n = parts.next()?;
        if !n.eq_ignore_ascii_case(name) {
            return None;
        }
        let kind = parts.next()?.to_owned();
        Some((kind, parts.collect::<Vec<_>>().join(" ")))
    })
}

fn reg_number(out: &str, name: &str) -> Option<u64> {
    let (_, v) = reg_value(out, name)?;
    match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

/// `reg query "HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server" /v fDenyTSConnections`.
pub fn remote_desktop(out: &str) -> Finding {
    match reg_number(out, "fDenyTSConnections") {
        Some(1) => Finding::Ok("Remote Desktop off".into()),
        Some(_) => {
            Finding::Problem("Remote Desktop is on (fDenyTSConnections = 0): turn it off in Settings > System > Remote Desktop".into())
        }
        None => Finding::Unknown("the Remote Desktop setting was not found".into()),
    }
}

/// The policy's auto-lock: at most this many seconds.
pub const LOCK_AFTER_SECS: u64 = 300;

/// Auto-lock from the machine policy `InactivityTimeoutSecs`, else the screen saver's timeout
/// with "on resume, display logon screen" (`ScreenSaverIsSecure` = 1).
pub fn screen_lock(inactivity: &str, saver_timeout: &str, saver_secure: &str) -> Finding {
    if let Some(secs) = reg_number(inactivity, "InactivityTimeoutSecs").filter(|s| *s > 0) {
        return if secs <= LOCK_AFTER_SECS {
            Finding::Ok(format!("locks after {secs} s of inactivity (machine policy)"))
        } else {
            Finding::Problem(format!("locks only after {secs} s of inactivity; the policy says {LOCK_AFTER_SECS} s"))
        };
    }
    match (reg_number(saver_timeout, "ScreenSaveTimeOut"), reg_number(saver_secure, "ScreenSaverIsSecure")) {
        (Some(secs), Some(1)) if secs > 0 && secs <= LOCK_AFTER_SECS => Finding::Ok(format!("the screen saver locks after {secs} s")),
        (Some(secs), Some(1)) if secs > 0 => {
            Finding::Problem(format!("the screen saver locks only after {secs} s; the policy says {LOCK_AFTER_SECS} s"))
        }
        _ => Finding::Problem(format!(
            "no auto-lock within {LOCK_AFTER_SECS} s: set the screen saver to 5 minutes with \"On resume, display logon screen\" (or the InactivityTimeoutSecs policy)"
        )),
    }
}

/// `icacls DIR`: only SYSTEM, Administrators, CREATOR OWNER and `user` (`DOMAIN\user` or
/// `user`) may have access.
pub fn acl(out: &str, dir: &str, user: &str) -> Finding {
    if let Some(failed) = out.lines().find_map(|l| l.split("Failed processing ").nth(1)) {
        if !failed.trim_start().starts_with('0') {
            return Finding::Unknown("icacls could not read the data directory's ACL".into());
        }
    }
    let mut others = Vec::new();
    let mut seen = 0;
    for (idx, line) in out.lines().enumerate() {
        let mut text = line.trim();
        // The first line starts with the directory itself.
        if idx == 0 && text.get(..dir.len()).is_some_and(|head| head.eq_ignore_ascii_case(dir)) {
            text = text.get(dir.len()..).unwrap_or_default().trim();
        }
        let Some((principal, _rights)) = text.split_once(":(") else { continue };
        seen += 1;
        let p = principal.trim();
        let own = p.eq_ignore_ascii_case(user) || p.rsplit('\\').next().is_some_and(|n| n.eq_ignore_ascii_case(user));
        let allowed = own || ["NT AUTHORITY\\SYSTEM", "BUILTIN\\Administrators", "CREATOR OWNER"].iter().any(|a| p.eq_ignore_ascii_case(a));
        if !allowed && !others.iter().any(|o: &String| o == p) {
            others.push(p.to_owned());
        }
    }
    match (seen, others.is_empty()) {
        (0, _) => Finding::Unknown("icacls's output was not understood".into()),
        (_, true) => Finding::Ok("the data directory is open to you, SYSTEM and Administrators only".into()),
        _ => Finding::Problem(format!(
            "the data directory is also open to {}: remove them (icacls \"{dir}\" /inheritance:r /grant:r \"{user}:(OI)(CI)F\" /grant:r SYSTEM:(OI)(CI)F)",
            others.join(", ")
        )),
    }
}

/// Every check for the data directory `home` of `user`.
pub fn checks(probe: &dyn Probe, home: &Path, user: &str) -> Vec<Check> {
    let dir = home.display().to_string();
    let drive: String = dir.chars().take(2).collect();
    let out = |program: &str, args: &[&str]| probe.run(program, args).map(|(o, _)| o);
    let finding = |r: Result<String, String>, parse: &dyn Fn(&str) -> Finding| match r {
        Ok(text) => parse(&text),
        Err(e) => Finding::Unknown(e),
    };
    let q = |key: &str, value: &str| out("reg", &["query", key, "/v", value]).unwrap_or_default();
    vec![
        Check { name: "disk encryption (BitLocker)", finding: finding(out("manage-bde", &["-status", &drive]), &bitlocker) },
        Check { name: "firewall", finding: finding(out("netsh", &["advfirewall", "show", "allprofiles", "state"]), &firewall) },
        Check {
            name: "Remote Desktop",
            finding: finding(
                out("reg", &["query", "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server", "/v", "fDenyTSConnections"]),
                &remote_desktop,
            ),
        },
        Check {
            name: "auto-lock",
            finding: screen_lock(
                &q("HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System", "InactivityTimeoutSecs"),
                &q("HKCU\\Control Panel\\Desktop", "ScreenSaveTimeOut"),
                &q("HKCU\\Control Panel\\Desktop", "ScreenSaverIsSecure"),
            ),
        },
        Check { name: "data directory ACL", finding: finding(out("icacls", &[&dir]), &|t| acl(t, &dir, user)) },
    ]
}
