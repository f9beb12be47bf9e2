//! Logging: human-readable (or JSON) lines on stderr, coloured only on a terminal, and JSON
//! lines in daily files under `<home>/logs/`.
//!
//! Invariant: nothing logged here may contain PII or secrets. Call sites log order ids, operation
//! names, HTTP statuses, counts, durations and error classes only; PII and secret types redact
//! themselves in `Debug`/`Display`, so an accidental `?value` prints a redaction marker.

use std::path::Path;

use anyhow::Context as _;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer as _};

use crate::config::{LogConfig, LogFormat};

/// Keeps the file writer alive; dropping it flushes the log file.
#[must_use = "dropping the guard stops file logging"]
pub struct Guard {
    _file: Option<WorkerGuard>,
}

/// Name prefix of the daily log files (`dakiya.YYYY-MM-DD.jsonl`).
pub const LOG_FILE_PREFIX: &str = "dakiya";

/// Install the global subscriber. With `log_dir`, JSON lines also go to a daily file there.
///
/// Call once per process, after the run lock is held when the command writes to the data
/// directory (a run that finds the lock taken must not touch the logs either).
pub fn init(config: &LogConfig, log_dir: Option<&Path>) -> anyhow::Result<Guard> {
    let filter =
        || EnvFilter::try_new(&config.level).with_context(|| format!("config: log.level = {:?} is not a valid filter", config.level));
    let stderr = match config.stderr_format {
        // Colour codes only on a terminal: stderr captured by Task Scheduler or redirected to a
        // file stays plain text.
        LogFormat::Pretty => tracing_subscriber::fmt::layer()
            .with_writer(crate::progress::log_writer)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_target(false)
            .compact()
            .with_filter(filter()?)
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer().with_writer(crate::progress::log_writer).json().with_filter(filter()?).boxed(),
    };
    let (file_layer, guard) = match log_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create log directory {}", dir.display()))?;
            let appender = RollingFileAppender::builder()
                .rotation(Rotation::DAILY)
                .filename_prefix(LOG_FILE_PREFIX)
                .filename_suffix("jsonl")
                .build(dir)
                .with_context(|| format!("cannot open a log file in {}", dir.display()))?;
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let layer = tracing_subscriber::fmt::layer()
                .with_writer(writer)
                .json()
                .with_current_span(true)
                .with_span_list(false)
                .with_filter(filter()?)
                .boxed();
            (Some(layer), Some(guard))
        }
        None => (None, None),
    };
    // A second init in one process (tests) keeps the first subscriber; that is fine.
    let _ = tracing_subscriber::registry().with(stderr).with(file_layer).try_init();
    Ok(Guard { _file: guard })
}
