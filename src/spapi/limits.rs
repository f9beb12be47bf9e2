//! The operations dakiya calls and Amazon's published rate limits for each
//! (`reference/sp-api.md` §3.1, from the models' descriptions), and the client-side token
//! buckets that pace calls so Amazon never has to throttle us.
//!
//! Each operation has its own bucket, seeded with the published rate and burst and updated from
//! `x-amzn-RateLimit-Limit` when Amazon sends it. `scale` speeds every bucket up by a known factor
//! for tests and benchmarks against the sandbox (which scales its own buckets the same way).

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;

use parking_lot::Mutex;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

/// An Amazon operation (or a step of one, such as a document download).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Op {
    /// Login with Amazon token exchange.
    LwaToken,
    /// Orders 2026-01-01 `searchOrders`.
    SearchOrders,
    /// Orders 2026-01-01 `getOrder`.
    GetOrder,
    /// Orders v0 `confirmShipment`.
    ConfirmShipment,
    /// Easy Ship `listHandoverSlots`.
    ListHandoverSlots,
    /// Easy Ship `createScheduledPackage`.
    CreateScheduledPackage,
    /// Easy Ship `getScheduledPackage`.
    GetScheduledPackage,
    /// Easy Ship `updateScheduledPackages`.
    UpdateScheduledPackages,
    /// Feeds `createFeedDocument`.
    CreateFeedDocument,
    /// PUT of the feed content to the pre-signed URL.
    UploadFeedDocument,
    /// Feeds `createFeed`.
    CreateFeed,
    /// Feeds `getFeed`.
    GetFeed,
    /// Feeds `getFeeds` (reconciles a feed whose creation outcome was lost).
    GetFeeds,
    /// Feeds `getFeedDocument`.
    GetFeedDocument,
    /// Reports `getReport`.
    GetReport,
    /// Reports `getReportDocument`.
    GetReportDocument,
    /// GET of a document from its pre-signed URL.
    DownloadDocument,
    /// Tokens `createRestrictedDataToken`.
    CreateRestrictedDataToken,
    /// Finances v0 `listFinancialEvents` (refunds for the GST export's credit notes).
    ListFinancialEvents,
}

impl Op {
    /// Every operation.
    pub const ALL: [Op; 19] = [
        Op::LwaToken,
        Op::SearchOrders,
        Op::GetOrder,
        Op::ConfirmShipment,
        Op::ListHandoverSlots,
        Op::CreateScheduledPackage,
        Op::GetScheduledPackage,
        Op::UpdateScheduledPackages,
        Op::CreateFeedDocument,
        Op::UploadFeedDocument,
        Op::CreateFeed,
        Op::GetFeed,
        Op::GetFeeds,
        Op::GetFeedDocument,
        Op::GetReport,
        Op::GetReportDocument,
        Op::DownloadDocument,
        Op::CreateRestrictedDataToken,
        Op::ListFinancialEvents,
    ];

    /// The operation name as Amazon's models spell it (used in logs and the call log).
    pub fn name(self) -> &'static str {
        match self {
            Op::LwaToken => "lwaToken",
            Op::SearchOrders => "searchOrders",
            Op::GetOrder => "getOrder",
            Op::ConfirmShipment => "confirmShipment",
            Op::ListHandoverSlots => "listHandoverSlots",
            Op::CreateScheduledPackage => "createScheduledPackage",
            Op::GetScheduledPackage => "getScheduledPackage",
            Op::UpdateScheduledPackages => "updateScheduledPackages",
            Op::CreateFeedDocument => "createFeedDocument",
            Op::UploadFeedDocument => "uploadFeedDocument",
            Op::CreateFeed => "createFeed",
            Op::GetFeed => "getFeed",
            Op::GetFeeds => "getFeeds",
            Op::GetFeedDocument => "getFeedDocument",
            Op::GetReport => "getReport",
            Op::GetReportDocument => "getReportDocument",
            Op::DownloadDocument => "downloadDocument",
            Op::CreateRestrictedDataToken => "createRestrictedDataToken",
            Op::ListFinancialEvents => "listFinancialEvents",
        }
    }

    /// The SP-API role the app needs for this operation, as Seller Central names it
    /// (reference/sp-api.md §1 "Roles"; docs "Easy Ship API" roles table, "Easy Ship Reports").
    pub fn required_role(self) -> &'static str {
        match self {
            Op::SearchOrders | Op::GetOrder | Op::ConfirmShipment => {
                "Inventory and Order Tracking (and Direct-to-Consumer Shipping (Restricted) for the recipient's address)"
            }
            Op::ListHandoverSlots | Op::CreateScheduledPackage | Op::GetScheduledPackage | Op::UpdateScheduledPackages => {
                "Direct-to-Consumer Shipping (Restricted)"
            }
            Op::CreateFeedDocument
            | Op::UploadFeedDocument
            | Op::CreateFeed
            | Op::GetFeed
            | Op::GetFeeds
            | Op::GetFeedDocument
            | Op::GetReport
            | Op::GetReportDocument
            | Op::DownloadDocument
            | Op::CreateRestrictedDataToken => {
                "Direct-to-Consumer Shipping (Restricted) or Tax Invoicing (Restricted) for the Easy Ship documents"
            }
            Op::ListFinancialEvents => "Finance and Accounting",
            Op::LwaToken => "none (Login with Amazon)",
        }
    }

    /// The operation with this name.
    pub fn from_name(name: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.name() == name)
    }

    /// Published `(rate per second, burst)`; `None` for calls outside SP-API's usage plans
    /// (LWA, pre-signed URL transfers).
    pub fn published_limit(self) -> Option<(f64, u32)> {
        match self {
            Op::LwaToken | Op::UploadFeedDocument | Op::DownloadDocument => None,
            Op::SearchOrders => Some((0.0056, 20)),
            Op::GetOrder => Some((0.5, 30)),
            Op::ConfirmShipment => Some((2.0, 10)),
            Op::ListHandoverSlots | Op::CreateScheduledPackage | Op::GetScheduledPackage | Op::UpdateScheduledPackages => Some((1.0, 5)),
            Op::CreateFeedDocument => Some((0.5, 15)),
            Op::CreateFeed => Some((0.0083, 15)),
            Op::GetFeed => Some((2.0, 15)),
            Op::GetFeedDocument | Op::GetFeeds => Some((0.0222, 10)),
            Op::GetReport => Some((2.0, 15)),
            Op::GetReportDocument => Some((0.0167, 15)),
            Op::CreateRestrictedDataToken => Some((1.0, 10)),
            Op::ListFinancialEvents => Some((0.5, 30)),
        }
    }

    /// True for SP-API operations (what "Amazon calls per order" counts).
    pub fn is_sp_api(self) -> bool {
        self.published_limit().is_some()
    }
}

/// One client-side bucket.
struct Bucket {
    limiter: Arc<DefaultDirectRateLimiter>,
    rate: f64,
}

fn quota(rate_per_sec: f64, burst: u32) -> Option<Quota> {
    if !(rate_per_sec.is_finite() && rate_per_sec > 0.0) {
        return None;
    }
    let period = Duration::from_secs_f64(1.0 / rate_per_sec);
    Some(Quota::with_period(period)?.allow_burst(NonZeroU32::new(burst.max(1))?))
}

/// Per-operation token buckets.
pub struct Limits {
    scale: f64,
    /// Tokens of each bucket never used: the local bucket holds `burst - cushion`, so dakiya is
    /// always this many tokens behind Amazon's bucket and a request that arrives early by up to
    /// one refill period (network jitter) still finds a token. (A rate margin would build such a
    /// cushion only slowly, and cost its fraction of every run.)
    cushion: u32,
    buckets: Mutex<HashMap<Op, Bucket>>,
}

impl Limits {
    /// Buckets at the published rates × `scale` (1.0 for Amazon; larger for the sandbox).
    pub fn new(scale: f64) -> Self {
        let scale = if scale.is_finite() && scale > 0.0 { scale } else { 1.0 };
        let limits = Limits { scale, cushion: 1, buckets: Mutex::new(HashMap::new()) };
        for op in Op::ALL {
            if let Some((rate, burst)) = op.published_limit() {
                limits.install(op, rate, burst);
            }
        }
        limits
    }

    fn install(&self, op: Op, rate: f64, burst: u32) {
        if let Some(q) = quota(rate * self.scale, self.local_burst(burst)) {
            let bucket = Bucket { limiter: Arc::new(RateLimiter::direct(q)), rate };
            self.buckets.lock().insert(op, bucket);
        }
    }

    /// The local bucket's size: Amazon's burst less the cushion, at least one.
    fn local_burst(&self, burst: u32) -> u32 {
        burst.saturating_sub(self.cushion).max(1)
    }

    /// Wait until `op` may be called.
    pub async fn until_ready(&self, op: Op) {
        let limiter = self.buckets.lock().get(&op).map(|b| Arc::clone(&b.limiter));
        if let Some(limiter) = limiter {
            limiter.until_ready().await;
        }
    }

    /// Amazon told us the rate it applies (`x-amzn-RateLimit-Limit`, requests per second,
    /// unscaled). A changed rate replaces the bucket; the burst stays as published.
    pub fn observe_rate(&self, op: Op, rate: f64) {
        let Some((_, burst)) = op.published_limit() else { return };
        let current = self.buckets.lock().get(&op).map(|b| b.rate);
        if let Some(current) = current {
            if rate.is_finite() && rate > 0.0 && (rate - current).abs() > current * 0.01 {
                tracing::info!(
                    operation = op.name(),
                    published = current,
                    observed = rate,
                    "Amazon reports a different rate limit; pacing follows it."
                );
                self.install(op, rate, burst);
            }
        }
    }

    /// Start from where Amazon's buckets are rather than full: every process used to start with
    /// full buckets, so repeated runs during setup burst past Amazon's (one `searchOrders` token
    /// every 180 s). `history` is the calls of earlier runs `(operation, when)` (the store's API
    /// call log); Amazon's bucket of each operation is replayed over them at its rate and the
    /// local bucket starts at that level.
    pub fn carry_over(&self, history: &[(Op, chrono::DateTime<chrono::Utc>)], now: chrono::DateTime<chrono::Utc>) {
        for op in Op::ALL {
            let Some((_, burst)) = op.published_limit() else { continue };
            let buckets = self.buckets.lock();
            let Some(bucket) = buckets.get(&op) else { continue };
            let rate = bucket.rate * self.scale;
            let limiter = Arc::clone(&bucket.limiter);
            drop(buckets);
            let level = replay(history.iter().filter(|(o, _)| *o == op).map(|(_, t)| *t), now, rate, burst);
            // The local bucket (cushion tokens smaller) starts as far below full as Amazon's is.
            let used = (f64::from(burst) - level).ceil().max(0.0) as u32;
            if let Some(n) = NonZeroU32::new(used.min(self.local_burst(burst))) {
                // Drain the cells Amazon's bucket is missing; refills continue at the local rate.
                let _ = limiter.check_n(n);
            }
        }
    }

    /// How long a 429 on `op` is waited out at least: one refill period of its bucket.
    pub fn refill_period(&self, op: Op) -> Option<Duration> {
        let rate = self.buckets.lock().get(&op).map(|b| b.rate)? * self.scale;
        (rate.is_finite() && rate > 0.0).then(|| Duration::from_secs_f64(1.0 / rate))
    }

    /// The rate in use for `op` (unscaled), for the benchmark's floor computation.
    pub fn rate(&self, op: Op) -> Option<f64> {
        self.buckets.lock().get(&op).map(|b| b.rate)
    }

    /// The scale factor.
    pub fn scale(&self) -> f64 {
        self.scale
    }
}

/// The level of a token bucket (`burst` tokens, refilled at `rate` per second, starting full)
/// at `now` after one call at each of `calls` (in any order).
pub fn replay(
    calls: impl Iterator<Item = chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
    rate: f64,
    burst: u32,
) -> f64 {
    let mut times: Vec<_> = calls.filter(|t| *t <= now).collect();
    times.sort();
    let cap = f64::from(burst);
    let mut level = cap;
    let mut last: Option<chrono::DateTime<chrono::Utc>> = None;
    for t in times {
        if let Some(prev) = last {
            level = (level + (t - prev).as_seconds_f64() * rate).min(cap);
        }
        level = (level - 1.0).max(0.0);
        last = Some(t);
    }
    if let Some(prev) = last {
        level = (level + (now - prev).as_seconds_f64() * rate).min(cap);
    }
    level
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_is_replayed_over_earlier_calls() {
        use chrono::TimeZone as _;
        let t0 = chrono::Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).single().expect("t");
        let s = |secs: i64| t0 + chrono::Duration::seconds(secs);
        // searchOrders: 20 tokens, one every 180 s. Twenty calls in a minute empty it.
        let calls: Vec<_> = (0..20).map(|i| s(i * 3)).collect();
        let level = replay(calls.iter().copied(), s(60), 1.0 / 180.0, 20);
        assert!(level < 1.0, "{level}");
        let later = replay(calls.iter().copied(), s(57 + 180 * 5), 1.0 / 180.0, 20);
        assert!((5.2..5.4).contains(&later), "five refills later: {later}");
        assert_eq!(replay(std::iter::empty(), s(0), 1.0, 5), 5.0, "no history: full");
    }

    #[test]
    fn names_round_trip_and_limits_match_the_published_table() {
        for op in Op::ALL {
            assert_eq!(Op::from_name(op.name()), Some(op));
        }
        assert_eq!(Op::SearchOrders.published_limit(), Some((0.0056, 20)));
        assert_eq!(Op::CreateScheduledPackage.published_limit(), Some((1.0, 5)));
        assert!(!Op::DownloadDocument.is_sp_api());
    }
}
