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
    (status.code().unwrap_or(-1), String::from_utf8_lossy(&stdout).into_owned(), String::from_utf8_lossy(&stderr).into_owned())
}

/// A sandbox on a free loopback port with `options`, and an SP-API client pointed at it.
pub mod spapi {
    use std::sync::Arc;

    use dakiya::clock::Clock;
    use dakiya::config::MARKETPLACE_IN;
    use dakiya::sandbox::{Sandbox, SandboxOptions, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN};
    use dakiya::spapi::{ClientOptions, Credentials, SpApi};
    use secrecy::SecretString;

    /// Start a sandbox.
    pub async fn sandbox(options: SandboxOptions) -> Sandbox {
        Sandbox::start(options, "127.0.0.1:0".parse().expect("addr")).await.expect("sandbox starts")
    }

    /// Client options for a sandbox.
    pub fn client_options(sb: &Sandbox, rate_scale: f64) -> ClientOptions {
        ClientOptions {
            endpoint: sb.base_url(),
            lwa_endpoint: sb.lwa_url(),
            marketplace_id: MARKETPLACE_IN.into(),
            sandbox: true,
            timeout: std::time::Duration::from_millis(1500),
            max_attempts: 4,
            rate_scale,
            retry_base: std::time::Duration::from_millis(40),
            jitter_seed: Some(7),
            unit_spelling: Default::default(),
        }
    }

    /// The sandbox's test credentials.
    pub fn credentials() -> Credentials {
        Credentials {
            client_id: SecretString::from(CLIENT_ID),
            client_secret: SecretString::from(CLIENT_SECRET),
            refresh_token: SecretString::from(REFRESH_TOKEN),
        }
    }

    /// A client on the sandbox's own clock.
    pub fn client(sb: &Sandbox, rate_scale: f64) -> SpApi {
        let clock: Arc<dyn Clock> = sb.clock();
        SpApi::new(client_options(sb, rate_scale), credentials(), clock).expect("client")
    }
}
