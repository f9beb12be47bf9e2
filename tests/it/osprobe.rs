//! The Windows probes of `dakiya audit` on recorded real outputs (`tests/fixtures/windows`, each
//! file's source in its SOURCES.md), with Windows line endings too, and the whole set driven
//! through the portable [`Recorded`] probe.

use std::collections::HashMap;
use std::path::Path;

use dakiya::osprobe::{acl, bitlocker, checks, firewall, remote_desktop, screen_lock, Finding, Recorded};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/windows").join(name)).expect("fixture")
}

/// Every output as recorded, and with the CRLF Windows writes.
fn both(name: &str) -> [String; 2] {
    let text = fixture(name);
    let crlf = text.replace('\n', "\r\n");
    [text, crlf]
}

fn ok(f: &Finding) -> bool {
    matches!(f, Finding::Ok(_))
}

fn problem(f: &Finding) -> bool {
    matches!(f, Finding::Problem(_))
}

#[test]
fn bitlocker_is_fine_only_when_protection_is_on_with_aes_256() {
    for t in both("manage-bde-status-on.txt") {
        assert!(ok(&bitlocker(&t)), "{:?}", bitlocker(&t));
    }
    // Microsoft's own example: on, but XTS-AES 128 where the policy says AES-256.
    let msdocs = bitlocker(&fixture("manage-bde-status-on-msdocs.txt"));
    assert!(matches!(&msdocs, Finding::Problem(p) if p.contains("128")), "{msdocs:?}");
    for name in ["manage-bde-status-off.txt", "manage-bde-status-off-single.txt", "manage-bde-status-encrypted-protection-off.txt"] {
        for t in both(name) {
            assert!(problem(&bitlocker(&t)), "{name}: 100 % encrypted is not protected: {:?}", bitlocker(&t));
        }
    }
    assert!(matches!(bitlocker("ERROR: An attempt to access a required resource was denied."), Finding::Unknown(_)));
}

#[test]
fn the_firewall_must_be_on_for_every_profile() {
    for t in both("netsh-advfirewall-allprofiles-state-on.txt") {
        assert!(ok(&firewall(&t)), "{:?}", firewall(&t));
    }
    let off = firewall(&fixture("netsh-advfirewall-allprofiles-state-off.txt"));
    assert!(matches!(&off, Finding::Problem(p) if p.contains("Domain, Private, Public")), "{off:?}");
    assert!(matches!(firewall("something else"), Finding::Unknown(_)));
}

#[test]
fn remote_desktop_must_be_denied() {
    for t in both("reg-query-fdenytsconnections-0x1.txt") {
        assert!(ok(&remote_desktop(&t)));
    }
    assert!(problem(&remote_desktop(&fixture("reg-query-fdenytsconnections-0x0.txt"))));
    assert!(problem(&remote_desktop(&fixture("reg-query-terminal-server-fullkey-0x0.txt"))), "the right value among many");
    assert!(matches!(remote_desktop(&fixture("reg-query-screensaverissecure-missing.txt")), Finding::Unknown(_)));
}

#[test]
fn auto_lock_must_come_within_five_minutes() {
    let missing = fixture("reg-query-screensaverissecure-missing.txt");
    // Machine policy: 300 s is fine, 600 s is not.
    assert!(ok(&screen_lock(&fixture("reg-query-inactivitytimeoutsecs-0x12c.txt"), &missing, &missing)));
    assert!(problem(&screen_lock(&fixture("reg-query-inactivitytimeoutsecs-0x258.txt"), &missing, &missing)));
    // Screen saver: 300 s but not secure on resume → no lock; secure → fine.
    let t300 = fixture("reg-query-screensavetimeout-300.txt");
    assert!(problem(&screen_lock(&missing, &t300, &fixture("reg-query-screensaverissecure-0.txt"))));
    let secure = fixture("reg-query-screensaverissecure-0.txt").replace("REG_SZ    0", "REG_SZ    1");
    for t in [t300.clone(), t300.replace('\n', "\r\n")] {
        assert!(ok(&screen_lock(&missing, &t, &secure)), "{:?}", screen_lock(&missing, &t, &secure));
    }
    assert!(problem(&screen_lock(&missing, &fixture("reg-query-screensavetimeout-0.txt"), &secure)), "0 = never");
    assert!(problem(&screen_lock(&missing, &fixture("reg-query-screensavetimeout-missing.txt"), &missing)));
}

#[test]
fn the_data_directory_is_open_to_the_user_system_and_administrators_only() {
    // c:\users is open to Everyone and Users: a problem naming them.
    let users = acl(&fixture("icacls-users-folder.txt"), "c:\\users", "bob.smith");
    assert!(
        matches!(&users, Finding::Problem(p) if p.contains("Everyone") && p.contains("BUILTIN\\Users") && !p.split(": remove").next().unwrap_or("").contains("bob.smith")),
        "{users:?}"
    );
    let writable = acl(&fixture("icacls-inherited-users-writable-bad.txt"), "unifi-video", "someone");
    assert!(matches!(&writable, Finding::Problem(p) if p.contains("BUILTIN\\Users")), "{writable:?}");
    // The same listing without the other principals is fine.
    let mine: String = fixture("icacls-users-folder.txt")
        .lines()
        .filter(|l| !l.contains("Everyone") && !l.contains("BUILTIN\\Users"))
        .map(|l| format!("{l}\r\n"))
        .collect();
    let mine = format!("c:\\users NT AUTHORITY\\SYSTEM:(OI)(CI)(F)\r\n{}", mine.lines().skip(1).collect::<Vec<_>>().join("\r\n"));
    assert!(ok(&acl(&mine, "c:\\users", "bob.smith")), "{:?}", acl(&mine, "c:\\users", "bob.smith"));
    assert!(matches!(acl(&fixture("icacls-access-denied.txt"), "C:\\Windows\\System32\\config\\SAM", "x"), Finding::Unknown(_)));
}

#[test]
fn the_whole_set_runs_through_the_portable_probe_and_says_what_it_cannot_tell() {
    let home = Path::new("C:\\Users\\bob\\AppData\\Local\\dakiya");
    let mut map = HashMap::new();
    map.insert("manage-bde -status C:".to_owned(), (fixture("manage-bde-status-on.txt"), 0));
    map.insert("netsh advfirewall show allprofiles state".to_owned(), (fixture("netsh-advfirewall-allprofiles-state-off.txt"), 0));
    map.insert(
        "reg query HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server /v fDenyTSConnections".to_owned(),
        (fixture("reg-query-fdenytsconnections-0x1.txt"), 0),
    );
    map.insert(
        "reg query HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System /v InactivityTimeoutSecs".to_owned(),
        (fixture("reg-query-inactivitytimeoutsecs-0x12c.txt"), 0),
    );
    let found = checks(&Recorded(map), home, "bob");
    let names: Vec<(&str, &str)> = found
        .iter()
        .map(|c| {
            (
                c.name,
                match c.finding {
                    Finding::Ok(_) => "ok",
                    Finding::Problem(_) => "problem",
                    Finding::Unknown(_) => "unknown",
                },
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("disk encryption (BitLocker)", "ok"),
            ("firewall", "problem"),
            ("Remote Desktop", "ok"),
            ("auto-lock", "ok"),
            ("data directory ACL", "unknown"),
        ]
    );
}
