//! The app config: where data lives, which Amazon endpoint, keys, logging and retention periods.
//!
//! Layers, later wins: built-in defaults < the config file (`--config FILE`, else
//! `config/dakiya.toml` when present) < `DAKIYA_*` environment variables, nested with `__`
//! (`DAKIYA_SPAPI__ENDPOINT`). Unknown keys anywhere are errors. This is the only module that
//! reads the environment. The three SP-API secrets may come from the environment (CI, tests) but
//! never from a config file: a file that holds one is rejected.
//!
//! Pipeline files (what a run does) are a separate format, see [`crate::pipeline`].

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize, Serializer};

use crate::outcome::Invalid;

/// The India marketplace id.
pub const MARKETPLACE_IN: &str = "A21TJRUUN4KGV";

/// The whole app config, after all layers are merged.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AppConfig {
    /// Data directory (database, keystore, logs, labels). `--home` and `DAKIYA_HOME` override it.
    pub home: Option<PathBuf>,
    /// The seller's own business facts (not PII).
    pub seller: SellerConfig,
    /// The GST export.
    pub gst: GstConfig,
    /// Where and how to reach the Selling Partner API.
    pub spapi: SpApiConfig,
    /// How the keystore and credentials are protected.
    pub keys: KeysConfig,
    /// Logging.
    pub log: LogConfig,
    /// Retention periods (spec section 5).
    pub retention: RetentionConfig,
    /// Encrypted backups.
    pub backup: BackupConfig,
    /// Label printing on this computer.
    pub labels: LabelsConfig,
    /// A nudge to the seller when a run ends with something that needs them.
    pub notify: NotifyConfig,
    /// Test instrumentation; honoured only with `spapi.sandbox = true`.
    pub testing: TestingConfig,
}

/// Backup settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BackupConfig {
    /// Folder for backups (default `<home>/backups`; better: another disk).
    pub dir: Option<PathBuf>,
    /// Backups to keep; older ones are deleted.
    pub keep: usize,
}

impl Default for BackupConfig {
    fn default() -> Self {
        Self { dir: None, keep: 14 }
    }
}

/// Label printing: a setting of this computer (its printer), not of a pipeline.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LabelsConfig {
    /// Print command template; `{file}` is replaced by the path of a private temporary PDF that
    /// is deleted right after the command ends, e.g. `lp {file}`. Unset: labels wait encrypted
    /// for `dakiya labels print --command …`.
    pub print_command: Option<String>,
}

/// `[notify]`: a command run after any run that ends with something for the seller (new held
/// orders, a label not printed for a pickup within `label_hours`, a failed stage, a missed purge
/// deadline, an audit problem), with a short PII-free summary as arguments and on stdin.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotifyConfig {
    /// The command line (quoted like a shell's), e.g. a PowerShell toast script or a mail
    /// command; the title and a one-line summary are appended as two arguments. Unset: no nudge.
    pub command: Option<String>,
    /// A booked pickup starting within this many hours whose label is not printed is worth a nudge.
    pub label_hours: u32,
    /// The command is stopped after this long; a failing or hanging notifier never fails a run.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        Self { command: None, label_hours: 12, timeout: Duration::from_secs(30) }
    }
}

/// Test instrumentation (crash tests).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TestingConfig {
    /// Stop at the N-th checkpoint so a test can kill the process there.
    pub pause_at: Option<u64>,
    /// Start the process's clock at this instant (it then moves with wall time), so a test can
    /// run the real binary 31 days after a delivery. Honoured only with `spapi.sandbox = true`.
    pub now: Option<chrono::DateTime<chrono::Utc>>,
}

/// The seller's business facts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SellerConfig {
    /// Two-digit GST state code of the seller's place of business (Gujarat = "24").
    pub state_code: String,
    /// Merchant (seller) id, used in the documents feed header.
    pub merchant_id: String,
}

impl Default for SellerConfig {
    fn default() -> Self {
        Self { state_code: "24".into(), merchant_id: String::new() }
    }
}

/// The GST export's facts (none of them PII: GSTINs of the seller and of Amazon are public).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GstConfig {
    /// The seller's own GSTIN (for the GSTR-1 JSON; checked with its check character).
    pub gstin: Option<String>,
    /// Amazon's TCS GSTIN in the seller's state, for Table 14 (`eco.csv`): find it on the GST
    /// portal under "TCS/TDS credit received". Missing: a loud warning in every export.
    pub eco_gstin: Option<String>,
    /// The e-commerce operator's name in Table 14.
    pub eco_name: String,
    /// HSN digits Table 12 needs: 4 with an aggregate annual turnover up to ₹5 crore, 6 above
    /// (Notification 78/2020-CT).
    pub hsn_digits: u8,
}

impl Default for GstConfig {
    fn default() -> Self {
        Self { gstin: None, eco_gstin: None, eco_name: "Amazon Seller Services Private Limited".into(), hsn_digits: 4 }
    }
}

/// Selling Partner API endpoint settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SpApiConfig {
    /// SP-API base URL (India is served by the EU endpoint).
    pub endpoint: String,
    /// Login with Amazon token URL.
    pub lwa_endpoint: String,
    /// Marketplace country code; only "IN" is supported.
    pub marketplace: String,
    /// True only against the local sandbox: allows plain `http://` to a loopback address and
    /// the insecure test key.
    pub sandbox: bool,
    /// Per-request timeout.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    /// Attempts per call for retryable failures (429, 5xx, timeouts, connection errors).
    pub max_attempts: u32,
    /// Speed factor for rate limits and backoff; honoured only with `sandbox = true` (tests and
    /// benchmarks run the sandbox's buckets this much faster).
    pub rate_scale: f64,
    /// LWA client id; from the environment only (CI, tests), else the credential store.
    pub client_id: Option<EnvSecret>,
    /// LWA client secret; from the environment only (CI, tests), else the credential store.
    pub client_secret: Option<EnvSecret>,
    /// Refresh token; from the environment only (CI, tests), else the credential store.
    pub refresh_token: Option<EnvSecret>,
    /// How Easy Ship requests spell units: `"model"` (`cm`, `grams`: today's model) or
    /// `"legacy"` (`Cm`, `G`: older models and the India guide's examples).
    pub unit_spelling: UnitSpelling,
}

impl Default for SpApiConfig {
    fn default() -> Self {
        Self {
            endpoint: "https://sellingpartnerapi-eu.amazon.com".into(),
            lwa_endpoint: "https://api.amazon.com/auth/o2/token".into(),
            marketplace: "IN".into(),
            sandbox: false,
            timeout: Duration::from_secs(30),
            max_attempts: 5,
            rate_scale: 1.0,
            client_id: None,
            client_secret: None,
            refresh_token: None,
            unit_spelling: Default::default(),
        }
    }
}

impl SpApiConfig {
    /// The marketplace id for the configured country.
    pub fn marketplace_id(&self) -> anyhow::Result<&'static str> {
        match self.marketplace.as_str() {
            "IN" => Ok(MARKETPLACE_IN),
            other => Err(anyhow::Error::new(Invalid(format!(
                "config key `spapi.marketplace` = {other:?} is not supported; dakiya serves Amazon.in (\"IN\")"
            )))),
        }
    }
}

/// How units are spelled in requests: today's model (`cm`, `grams`, since upstream 061a3cd,
/// 2025-10-01) or the legacy form of the older models and the India guide's examples (`Cm`, `G`).
/// The config key `spapi.unit_spelling` chooses; the first real order tells which IN accepts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnitSpelling {
    /// `cm`, `grams`.
    #[default]
    Model,
    /// `Cm`, `G`.
    Legacy,
}

/// How secrets at rest are protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Protection {
    /// Windows DPAPI, user scope, with app entropy (Windows only).
    Dpapi,
    /// A key derived from a passphrase with Argon2id (`DAKIYA_PASSPHRASE` or a prompt).
    Passphrase,
    /// A fixed, publicly known key. Accepted only with `spapi.sandbox = true` (tests, demo).
    InsecureTestKey,
}

/// Keystore settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeysConfig {
    /// Protection of the keystore and credential store.
    pub protection: Protection,
}

impl Default for KeysConfig {
    fn default() -> Self {
        let protection = if cfg!(windows) { Protection::Dpapi } else { Protection::Passphrase };
        Self { protection }
    }
}

/// Format of log lines on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// JSON lines.
    Json,
}

/// Logging settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// Level filter for stderr and the log files (e.g. "info", "debug", "dakiya=debug").
    pub level: String,
    /// Format on stderr; the daily files under `<home>/logs/` are always JSON lines.
    pub stderr_format: LogFormat,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self { level: "info".into(), stderr_format: LogFormat::Pretty }
    }
}

/// Retention periods; defaults follow spec section 5.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    /// Customer PII is purged this long after delivery.
    #[serde(with = "humantime_serde")]
    pub pii_after_delivery: Duration,
    /// PII of orders that end without delivery (cancelled, returned, lost) is purged this long
    /// after that end.
    #[serde(with = "humantime_serde")]
    pub pii_after_end: Duration,
    /// Hard cap after purchase for PII of orders no longer in transit.
    #[serde(with = "humantime_serde")]
    pub pii_hard_cap: Duration,
    /// Application log files are deleted after this.
    #[serde(with = "humantime_serde")]
    pub logs: Duration,
    /// Run history and the API call log are deleted after this.
    #[serde(with = "humantime_serde")]
    pub run_history: Duration,
    /// Order records are kept this many months after the due date of the annual GST return of
    /// their financial year (31 December after the year ends).
    pub gst_record_months: u32,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        const DAY: u64 = 24 * 60 * 60;
        Self {
            pii_after_delivery: Duration::from_secs(30 * DAY),
            pii_after_end: Duration::from_secs(30 * DAY),
            pii_hard_cap: Duration::from_secs(60 * DAY),
            logs: Duration::from_secs(90 * DAY),
            run_history: Duration::from_secs(90 * DAY),
            gst_record_months: 72,
        }
    }
}

/// A secret taken from the environment. Redacted in `Debug`, `Display` and serialization.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct EnvSecret(SecretString);

impl EnvSecret {
    /// Wrap a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    /// The secret value; use only to send it where it belongs.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for EnvSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for EnvSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Serialize for EnvSecret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("[redacted]")
    }
}

/// The secrets that must never be read from a config file.
const SECRET_KEYS: [&str; 3] = ["spapi.client_id", "spapi.client_secret", "spapi.refresh_token"];

/// The default config file, relative to the working directory.
pub const DEFAULT_CONFIG_FILE: &str = "config/dakiya.toml";

/// Where the config came from, for `config show` and audit.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The merged config.
    pub config: AppConfig,
    /// The config file used, if any.
    pub file: Option<PathBuf>,
}

/// Load the config: defaults < file < `DAKIYA_*` environment.
///
/// `file` is the `--config` argument; without it `config/dakiya.toml` is used when it exists.
/// A named file that does not exist is an error.
pub fn load(file: Option<&Path>) -> anyhow::Result<Loaded> {
    let file = match file {
        Some(path) => {
            if !path.is_file() {
                return Err(anyhow::Error::new(Invalid(format!("{}: config file not found", path.display()))));
            }
            Some(path.to_path_buf())
        }
        None => Some(PathBuf::from(DEFAULT_CONFIG_FILE)).filter(|p| p.is_file()),
    };
    let mut figment = Figment::from(Serialized::defaults(AppConfig::default()));
    if let Some(path) = &file {
        let from_file = Figment::from(Toml::file(path));
        for key in SECRET_KEYS {
            if from_file.find_value(key).is_ok() {
                let parts: Vec<String> = key.split('.').map(str::to_owned).collect();
                let (line, col) = locate_key(path, &parts).unwrap_or((1, 1));
                return Err(anyhow::Error::new(Invalid(format!(
                    "{}:{line}:{col}: error: config key `{key}` must not be in a config file: secrets are never stored in plain text\n  \
                     help: remove it and run `dakiya credentials set` (or set it in the environment for CI)",
                    path.display()
                ))));
            }
        }
        figment = figment.merge(Toml::file(path));
    }
    // `DAKIYA_PASSPHRASE` unlocks the keystore and is read by the keystore, not the config.
    figment = figment.merge(Env::prefixed("DAKIYA_").ignore(&["passphrase", "recovery_passphrase"]).split("__"));
    let config: AppConfig = figment.extract().map_err(|err| {
        let lines: Vec<String> = err.into_iter().map(|e| render_error(&e)).collect();
        anyhow::Error::new(Invalid(lines.join("\n")))
    })?;
    if let Err(err) = config.spapi.marketplace_id() {
        let from_file =
            figment.find_metadata("spapi.marketplace").and_then(|m| m.source.as_ref()).and_then(|s| s.file_path()).map(Path::to_path_buf);
        return Err(match from_file {
            Some(file) => {
                let (line, col) = locate_key(&file, &["spapi".to_owned(), "marketplace".to_owned()]).unwrap_or((1, 1));
                anyhow::Error::new(Invalid(format!("{}:{line}:{col}: error: {err}", relative(&file).display())))
            }
            None => err,
        });
    }
    check_sandbox(&config)?;
    if let Some(cmd) = config.labels.print_command.as_deref().filter(|c| !c.contains("{file}")) {
        return Err(anyhow::Error::new(Invalid(format!(
            "config: labels.print_command = {cmd:?} has no `{{file}}` placeholder\n  help: e.g. \"lp {{file}}\" or SumatraPDF's \"-print-to-default -silent {{file}}\""
        ))));
    }
    if config.seller.state_code.len() != 2 || !config.seller.state_code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(anyhow::Error::new(Invalid(format!(
            "config: seller.state_code = {:?} must be a two-digit GST state code such as \"24\" (Gujarat)",
            config.seller.state_code
        ))));
    }
    for (key, value) in [("gst.gstin", &config.gst.gstin), ("gst.eco_gstin", &config.gst.eco_gstin)] {
        if let Some(g) = value.as_deref() {
            if let Err(err) = crate::gstin::validate(g) {
                return Err(anyhow::Error::new(Invalid(format!("config: {key} = {g:?}: {err}"))));
            }
        }
    }
    if ![4, 6, 8].contains(&config.gst.hsn_digits) {
        return Err(anyhow::Error::new(Invalid(format!(
            "config: gst.hsn_digits = {} must be 4 (turnover up to ₹5 crore) or 6 (above)",
            config.gst.hsn_digits
        ))));
    }
    Ok(Loaded { config, file })
}

/// Whether `url` points at this machine (`localhost`, 127.0.0.0/8, `[::1]`).
pub fn is_loopback_url(url: &str) -> bool {
    let Ok(parsed) = url::Url::parse(url) else { return false };
    match parsed.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Sandbox mode (plain http, the public test key, scaled rate limits, test hooks) only against
/// this machine, and the public test key only in sandbox mode: real customer data can never be
/// sealed under a key everybody knows.
pub fn check_sandbox(config: &AppConfig) -> anyhow::Result<()> {
    let s = &config.spapi;
    if s.sandbox && !(is_loopback_url(&s.endpoint) && is_loopback_url(&s.lwa_endpoint)) {
        return Err(anyhow::Error::new(Invalid(format!(
            "config: spapi.sandbox = true is accepted only when spapi.endpoint and spapi.lwa_endpoint are both on this machine \
             (loopback), not {} and {}\n  help: remove `sandbox = true` (and the test key) to talk to Amazon",
            s.endpoint, s.lwa_endpoint
        ))));
    }
    if config.keys.protection == Protection::InsecureTestKey && !s.sandbox {
        return Err(anyhow::Error::new(Invalid(
            "config: keys.protection = \"insecure-test-key\" is accepted only with spapi.sandbox = true against a loopback sandbox (tests and the demo)".into(),
        )));
    }
    Ok(())
}

/// Render a figment error as `file:line:col: error: config key `a.b`: …` when it came from a
/// file (the position is looked up in the file), else `DAKIYA_* environment: …`.
fn render_error(err: &figment::Error) -> String {
    use figment::error::Kind;
    let key = err.path.join(".");
    let what = match &err.kind {
        Kind::UnknownField(field, expected) => {
            format!("unknown key `{field}`; known keys here: {}", expected.join(", "))
        }
        other => other.to_string(),
    };
    let file = err.metadata.as_ref().and_then(|m| m.source.as_ref()).and_then(|s| s.file_path()).map(Path::to_path_buf);
    match file {
        Some(file) => {
            let (line, col) = locate_key(&file, &err.path).unwrap_or((1, 1));
            format!("{}:{line}:{col}: error: config key `{key}`: {what}", relative(&file).display())
        }
        None => {
            let name = err.metadata.as_ref().map_or_else(|| "built-in defaults".to_owned(), |m| m.name.to_string());
            format!("config ({name}): key `{key}`: {what}")
        }
    }
}

/// A path relative to the working directory when it is inside it (figment makes paths absolute).
fn relative(path: &Path) -> PathBuf {
    std::env::current_dir().ok().and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf)).unwrap_or_else(|| path.to_path_buf())
}

/// Line and column of a dotted key in a TOML file.
fn locate_key(file: &Path, path: &[String]) -> Option<(usize, usize)> {
    let text = std::fs::read_to_string(file).ok()?;
    let root = toml::de::DeTable::parse(&text).ok()?;
    let mut table = root.get_ref();
    let mut span = None;
    for (idx, part) in path.iter().enumerate() {
        let (key, value) = table.iter().find(|(k, _)| k.get_ref() == part)?;
        span = Some(key.span());
        if idx + 1 < path.len() {
            table = value.get_ref().as_table()?;
        }
    }
    span.map(|s| crate::diagnostic::line_col(&text, s.start))
}

/// The keystore passphrase from `DAKIYA_PASSPHRASE`, if set (unattended runs on non-Windows
/// machines; Windows uses DPAPI instead).
#[allow(clippy::disallowed_methods)]
pub fn passphrase_from_env() -> Option<SecretString> {
    std::env::var("DAKIYA_PASSPHRASE").ok().filter(|p| !p.is_empty()).map(SecretString::from)
}

/// The recovery-kit passphrase from `DAKIYA_RECOVERY_PASSPHRASE`, if set (tests, scripts).
#[allow(clippy::disallowed_methods)]
pub fn recovery_passphrase_from_env() -> Option<SecretString> {
    std::env::var("DAKIYA_RECOVERY_PASSPHRASE").ok().filter(|p| !p.is_empty()).map(SecretString::from)
}

/// The working directory (relative pipeline paths in `task install` start here).
#[allow(clippy::disallowed_methods)]
pub fn current_dir() -> std::io::Result<PathBuf> {
    std::env::current_dir()
}

/// This executable's path (what the scheduled task starts).
#[allow(clippy::disallowed_methods)]
pub fn current_exe() -> std::io::Result<PathBuf> {
    std::env::current_exe()
}

/// A program's path: as given when it has a directory part and exists, else looked up in `PATH`
/// (with the Windows executable extensions).
#[allow(clippy::disallowed_methods)]
pub fn find_program(program: &str) -> Option<PathBuf> {
    let given = Path::new(program);
    if given.components().count() > 1 {
        return given.is_file().then(|| given.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    let extensions: &[&str] = if cfg!(windows) { &["", ".exe", ".cmd", ".bat"] } else { &[""] };
    std::env::split_paths(&path).find_map(|dir| extensions.iter().map(|ext| dir.join(format!("{program}{ext}"))).find(|p| p.is_file()))
}

/// Names of environment variables a child process (the print command) must not inherit: every
/// `DAKIYA_*` variable (passphrases, SP-API secrets in CI) and anything else that looks like a
/// secret (`*SECRET*`, `*TOKEN*`, `*PASSWORD*`, `*PASSPHRASE*`, `*CREDENTIAL*`, `*API_KEY*`,
/// `*PRIVATE_KEY*`, `AWS_*`).
#[allow(clippy::disallowed_methods)]
pub fn secret_env_names() -> Vec<std::ffi::OsString> {
    std::env::vars_os().map(|(k, _)| k).filter(|k| is_secret_env_name(&k.to_string_lossy())).collect()
}

/// The Windows user name (`USERNAME`; `USER` elsewhere), for the data directory's ACL check.
#[allow(clippy::disallowed_methods)]
pub fn os_user() -> Option<String> {
    std::env::var("USERNAME").or_else(|_| std::env::var("USER")).ok().filter(|u| !u.is_empty())
}

/// Whether an environment variable name is one [`secret_env_names`] strips.
pub fn is_secret_env_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper.starts_with("DAKIYA_")
        || upper.starts_with("AWS_")
        || ["SECRET", "TOKEN", "PASSWORD", "PASSPHRASE", "CREDENTIAL", "API_KEY", "APIKEY", "PRIVATE_KEY"].iter().any(|w| upper.contains(w))
}

/// `DOMAIN\user` of the current Windows user (for the Task Scheduler principal), if known.
#[allow(clippy::disallowed_methods)]
pub fn windows_user() -> Option<String> {
    let user = std::env::var("USERNAME").ok()?;
    Some(match std::env::var("USERDOMAIN").ok() {
        Some(domain) => format!("{domain}\\{user}"),
        None => user,
    })
}

/// Resolve the data directory: `--home` / `DAKIYA_HOME` (already merged by the caller),
/// else the config's `home`, else the platform default (`%LOCALAPPDATA%\dakiya` on Windows).
pub fn resolve_home(cli_home: Option<&Path>, config: &AppConfig) -> anyhow::Result<PathBuf> {
    if let Some(home) = cli_home.or(config.home.as_deref()) {
        return Ok(home.to_path_buf());
    }
    // %LOCALAPPDATA%\dakiya on Windows, ~/.local/share/dakiya on Linux, ~/Library/Application
    // Support/dakiya on macOS.
    let dirs = directories::BaseDirs::new()
        .ok_or_else(|| anyhow::Error::new(Invalid("no home directory could be determined; pass --home DIR or set DAKIYA_HOME".into())))?;
    Ok(dirs.data_local_dir().join("dakiya"))
}

/// Render the effective config as TOML with secrets redacted (`dakiya config show`).
pub fn show(loaded: &Loaded) -> anyhow::Result<String> {
    let mut out = String::new();
    match &loaded.file {
        Some(path) => out.push_str(&format!("# config file: {}\n", path.display())),
        None => out.push_str("# config file: none (built-in defaults and DAKIYA_* environment)\n"),
    }
    out.push_str(&toml::to_string_pretty(&loaded.config)?);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_in_debug_display_and_show() {
        let mut config = AppConfig::default();
        config.spapi.client_secret = Some(EnvSecret::new("canary-secret-5c1f"));
        config.spapi.refresh_token = Some(EnvSecret::new("Atzr|canary-refresh"));
        let debug = format!("{config:?}");
        assert!(!debug.contains("canary"), "{debug}");
        let shown = show(&Loaded { config, file: None }).expect("renders");
        assert!(!shown.contains("canary"), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }

    #[test]
    fn only_india_is_supported() {
        let mut spapi = SpApiConfig::default();
        assert_eq!(spapi.marketplace_id().expect("IN"), MARKETPLACE_IN);
        spapi.marketplace = "US".into();
        assert!(spapi.marketplace_id().is_err());
    }
}
