//! The single-instance run lock: an OS file lock on `<home>/dakiya.lock`.
//!
//! Task Scheduler may start a run while the previous one is still going. The second run must exit
//! at once (exit code 4) and touch nothing, so the lock is taken before the database or the log
//! files are opened. The OS releases the lock when the process dies, even on SIGKILL or a power
//! cut, so a crashed run never blocks the next one.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::outcome::AlreadyRunning;

/// File name of the lock inside the data directory.
pub const LOCK_FILE: &str = "dakiya.lock";

/// A held run lock; released on drop or process exit.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
    path: PathBuf,
}

impl RunLock {
    /// Path of the lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Take the lock without waiting. Fails with [`AlreadyRunning`] when another process holds it.
pub fn try_acquire(home: &Path) -> anyhow::Result<RunLock> {
    let path = home.join(LOCK_FILE);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open the run lock {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(RunLock { _file: file, path }),
        Err(TryLockError::WouldBlock) => Err(anyhow::Error::new(AlreadyRunning)),
        Err(TryLockError::Error(err)) => Err(err).with_context(|| format!("cannot lock {}", path.display())),
    }
}

/// Take the lock, waiting up to `timeout` for another run to finish (backup, key rotation).
pub fn acquire_waiting(home: &Path, timeout: std::time::Duration) -> anyhow::Result<RunLock> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        match try_acquire(home) {
            Err(err) if err.is::<AlreadyRunning>() && std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let home = tempfile::tempdir().expect("tempdir");
        let first = try_acquire(home.path()).expect("first lock");
        let second = try_acquire(home.path()).expect_err("second must fail");
        assert!(second.is::<AlreadyRunning>());
        drop(first);
        try_acquire(home.path()).expect("free again");
    }
}
