//! Test support: a temporary data directory and a way to run the real `dakiya` binary in it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary home for one test.
pub struct TestHome {
    dir: tempfile::TempDir,
}

impl TestHome {
    /// A fresh, empty data directory.
    pub fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("create temp home") }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A `dakiya` command with `--home` set, run from the crate root, with no `DAKIYA_*`
    /// variables inherited from the outer environment.
    pub fn dakiya(&self) -> Command {
        let mut cmd = dakiya_bare();
        cmd.arg("--home").arg(self.path());
        cmd
    }
}

/// A `dakiya` command without a home, run from the crate root with a clean `DAKIYA_*` environment.
pub fn dakiya_bare() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dakiya"));
    cmd.current_dir(crate_root());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("DAKIYA_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// The crate root (where `pipelines/` and `config/` are).
pub fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run and capture; return (exit code, stdout, stderr).
pub fn run(mut cmd: Command) -> (i32, String, String) {
    let Output { status, stdout, stderr } = cmd.output().expect("run dakiya");
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}
