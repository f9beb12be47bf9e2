//! Test instrumentation for the crash test: numbered checkpoints at every SP-API answer (before
//! it is recorded), every committed store transaction and every stage start. With
//! `testing.pause_at = N` (honoured only in sandbox mode) the process announces the N-th
//! checkpoint on stderr and stops there, so a test can SIGKILL it at an exact point.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

static TARGET: OnceLock<u64> = OnceLock::new();
static COUNT: AtomicU64 = AtomicU64::new(0);

/// Arm the pause (once per process).
pub fn arm(pause_at: u64) {
    let _ = TARGET.set(pause_at);
}

/// A checkpoint. Free when not armed.
pub fn checkpoint(label: &str) {
    let Some(target) = TARGET.get() else { return };
    let n = COUNT.fetch_add(1, Ordering::SeqCst) + 1;
    if n == *target {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("DAKIYA-PAUSED {n} {label}");
        }
        loop {
            std::thread::sleep(std::time::Duration::from_secs(60));
        }
    }
}
