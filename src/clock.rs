//! The injected clock: the only place that reads wall time.
//!
//! Production uses [`SystemClock`]; tests and the sandbox use [`FixedClock`], which only moves when
//! told to. Everything that needs "now" takes a `&dyn Clock`.

use parking_lot::Mutex;

use chrono::{DateTime, Duration, Utc};

/// India Standard Time (UTC+05:30, no daylight saving): the seller's calendar for pickups,
/// GST periods and financial years.
pub fn ist() -> chrono::FixedOffset {
    use chrono::Offset as _;
    chrono::FixedOffset::east_opt(5 * 3600 + 1800).unwrap_or_else(|| Utc.fix())
}

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// The current instant in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// Wall-clock time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Wall-clock time shifted by a fixed offset: the real binary started "31 days later" in tests
/// (`[testing] now`, honoured only in sandbox mode). Moves with wall time.
#[derive(Debug, Clone, Copy)]
pub struct OffsetClock {
    offset: Duration,
}

impl OffsetClock {
    /// A clock that reads `start` now and moves on with wall time.
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        Self { offset: start - SystemClock.now() }
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        SystemClock.now() + self.offset
    }
}

/// The clock of a command: wall time, or, in sandbox mode with `[testing] now`, wall time
/// shifted to start there.
pub fn for_process(testing_now: Option<DateTime<Utc>>, sandbox: bool) -> std::sync::Arc<dyn Clock> {
    match testing_now.filter(|_| sandbox) {
        Some(start) => std::sync::Arc::new(OffsetClock::starting_at(start)),
        None => std::sync::Arc::new(SystemClock),
    }
}

/// A clock that stands still until advanced; for tests, the sandbox and the demo.
#[derive(Debug)]
pub struct FixedClock {
    now: Mutex<DateTime<Utc>>,
}

impl FixedClock {
    /// A clock frozen at `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        Self { now: Mutex::new(at) }
    }

    /// Move the clock forward (or backward, with a negative duration).
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock();
        *now += by;
    }

    /// Set the clock to `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        let mut now = self.now.lock();
        *now = at;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let start = Utc.with_ymd_and_hms(2026, 11, 30, 4, 0, 0).single().expect("valid date");
        let clock = FixedClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::days(31));
        assert_eq!(clock.now(), start + Duration::days(31));
    }
}
