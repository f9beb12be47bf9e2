//! Progress bars for long interactive work (a multi-year GST export, a backup, a restore,
//! `keys rotate`, the benchmark, a first run with many orders): indicatif bars on stderr, hidden
//! when stderr is not a terminal (Task Scheduler, a pipe, a log file) and when the caller asks
//! for machine output (`--json`), so captured output never holds them.
//!
//! Every visible bar belongs to one process-wide [`MultiProgress`]; log lines on stderr go through
//! [`LogWriter`], which hides the bars while a line is written and redraws them after, so a log
//! line never lands in the middle of a bar.

use std::io::{IsTerminal as _, Write as _};
use std::sync::OnceLock;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

fn multi() -> &'static MultiProgress {
    static MULTI: OnceLock<MultiProgress> = OnceLock::new();
    MULTI.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
}

fn shown(visible: bool) -> bool {
    visible && std::io::stderr().is_terminal()
}

/// A bar of `total` steps named `what`; hidden unless `visible` and stderr is a terminal.
pub fn bar(total: u64, what: &str, visible: bool) -> ProgressBar {
    styled(ProgressBar::new(total), "{msg:>14} [{bar:30}] {pos}/{len} {elapsed}", what, visible)
}

/// A bar over `total` bytes (a backup's database, compressed and sealed).
pub fn bytes(total: u64, what: &str, visible: bool) -> ProgressBar {
    styled(ProgressBar::new(total), "{msg:>14} [{bar:30}] {bytes}/{total_bytes} {elapsed}", what, visible)
}

/// A counter without a known end (orders fetched on a first run): `what` and the count so far.
pub fn counter(what: &str, visible: bool) -> ProgressBar {
    styled(ProgressBar::no_length(), "{spinner} {msg}: {pos} {elapsed}", what, visible)
}

fn styled(pb: ProgressBar, template: &str, what: &str, visible: bool) -> ProgressBar {
    if !shown(visible) {
        return ProgressBar::hidden();
    }
    if let Ok(style) = ProgressStyle::with_template(template) {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_message(what.to_owned());
    multi().add(pb)
}

/// Print a line on stdout without tearing a bar (the benchmark's rows while its bar runs).
pub fn println(line: &str) {
    multi().suspend(|| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    });
}

/// stderr for log lines: each line is written while the bars are hidden (a `MakeWriter` for
/// `tracing_subscriber`).
#[derive(Debug, Default)]
pub struct LogWriter {
    buf: Vec<u8>,
}

impl std::io::Write for LogWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let buf = std::mem::take(&mut self.buf);
        multi().suspend(|| {
            let mut err = std::io::stderr().lock();
            err.write_all(&buf).and_then(|()| err.flush())
        })
    }
}

impl Drop for LogWriter {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// Makes a [`LogWriter`] per log line.
pub fn log_writer() -> LogWriter {
    LogWriter::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_output_never_shows_a_bar() {
        for pb in [bar(10, "export", false), bytes(10, "backup", false), counter("orders", false)] {
            assert!(pb.is_hidden());
            pb.inc(3);
            assert_eq!(pb.position(), 3, "a hidden bar still counts");
        }
    }

    #[test]
    fn a_log_line_is_written_whole() {
        let mut w = log_writer();
        let _ = w.write(b"half ");
        assert_eq!(w.buf, b"half ");
        let _ = w.write(b"line\n");
        assert_eq!(w.buf, b"half line\n", "buffered until the line ends");
        assert!(w.flush().is_ok());
        assert!(w.buf.is_empty());
    }
}
