//! Typed outcomes and failure classes, mapped to exit codes only in `main`.
//!
//! Library code returns `anyhow::Result<Outcome>`. Errors that need a particular exit code carry
//! one of the marker types below somewhere in their chain; [`exit_code_for_error`] looks for them.
//! Everything else is a fatal runtime error (exit 3).

use std::fmt;

/// What a successful command reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything done (exit 0).
    Done,
    /// Finished, but some orders were held or failed; they are listed (exit 1).
    Partial,
}

impl Outcome {
    /// Combine two outcomes: partial wins.
    pub fn and(self, other: Outcome) -> Outcome {
        if self == Outcome::Partial || other == Outcome::Partial {
            Outcome::Partial
        } else {
            Outcome::Done
        }
    }
}

/// Invalid config, pipeline or usage (exit 2). The message has already been rendered.
#[derive(Debug)]
pub struct Invalid(pub String);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for Invalid {}

/// Another run holds the lock (exit 4).
#[derive(Debug)]
pub struct AlreadyRunning;

impl fmt::Display for AlreadyRunning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("another dakiya run holds the lock; this run was skipped and changed nothing")
    }
}
impl std::error::Error for AlreadyRunning {}

/// The installation is locked down after an incident (exit 5).
#[derive(Debug)]
pub struct LockedDown;

impl fmt::Display for LockedDown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("dakiya is locked down after an incident; run `dakiya unlock` once it is resolved")
    }
}
impl std::error::Error for LockedDown {}

/// The exit code for an error: 2 invalid, 4 locked by another run, 5 locked down, else 3.
pub fn exit_code_for_error(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if cause.is::<Invalid>() {
            return 2;
        }
        if cause.is::<AlreadyRunning>() {
            return 4;
        }
        if cause.is::<LockedDown>() {
            return 5;
        }
    }
    3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_marker_in_the_chain() {
        let invalid = anyhow::Error::new(Invalid("bad".into())).context("while validating");
        assert_eq!(exit_code_for_error(&invalid), 2);
        assert_eq!(exit_code_for_error(&anyhow::Error::new(AlreadyRunning)), 4);
        assert_eq!(exit_code_for_error(&anyhow::Error::new(LockedDown)), 5);
        assert_eq!(exit_code_for_error(&anyhow::anyhow!("disk on fire")), 3);
        assert_eq!(Outcome::Done.and(Outcome::Partial), Outcome::Partial);
        assert_eq!(Outcome::Done.and(Outcome::Done), Outcome::Done);
    }
}
