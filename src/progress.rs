//! Progress bars for long interactive work (a multi-year GST export, a restore): indicatif bars
//! on stderr, hidden when stderr is not a terminal (Task Scheduler, a pipe, a log file) and when
//! the caller asks for machine output (`--json`), so captured output never holds them.

use std::io::IsTerminal as _;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar of `total` steps named `what`; hidden unless `visible` and stderr is a terminal.
pub fn bar(total: u64, what: &str, visible: bool) -> ProgressBar {
    if !visible || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{msg:>14} [{bar:30}] {pos}/{len} {elapsed}") {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_message(what.to_owned());
    pb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_output_never_shows_a_bar() {
        let pb = bar(10, "export", false);
        assert!(pb.is_hidden());
        pb.inc(3);
        assert_eq!(pb.position(), 3, "a hidden bar still counts");
    }
}
