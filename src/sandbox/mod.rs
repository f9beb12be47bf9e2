//! The local SP-API sandbox: an in-process, stateful fake of every Amazon endpoint dakiya calls,
//! for tests, `dakiya demo` and `dakiya sandbox serve`.
//!
//! Faithful to the official models in paths, methods, required fields, enums, status codes and
//! error bodies, and to Amazon's behaviour: access tokens expire, the restricted report document
//! needs a Restricted Data Token, recipient PII is withheld without the PII role, every operation
//! has a token bucket at the published rate (times `rate_scale`) and answers 429 without a pacing
//! header, and seeded faults (500, 503, timeouts, truncated JSON, connection resets) strike a
//! chosen fraction of calls. Every request lands in a journal tests can assert on. Time is a
//! [`FixedClock`] that tests and the demo move forward.
//!
//! - [`world`]: orders and packages and how they change over time.
//! - `routes`: the HTTP handlers.
//! - [`docs`]: label PDFs, tars, processing reports.

pub mod docs;
mod routes;
pub mod world;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use parking_lot::Mutex;

use chrono::{DateTime, Duration, Utc};
use rand::SeedableRng as _;
use rand_chacha::ChaCha8Rng;

use crate::clock::{Clock, FixedClock};
use crate::spapi::limits::Op;
use world::{World, WorldOptions};

/// Fixed credentials the sandbox accepts (they are test values, not secrets).
pub const CLIENT_ID: &str = "amzn1.application-oa2-client.sandbox";
/// Client secret the sandbox accepts.
pub const CLIENT_SECRET: &str = "sandbox-client-secret-CANARYSECRET";
/// Refresh token the sandbox accepts.
pub const REFRESH_TOKEN: &str = "Atzr|sandbox-refresh-CANARYREFRESH";
/// Merchant id of the sandbox seller.
pub const MERCHANT_ID: &str = "A1SANDBOXSELLER";

/// How the sandbox behaves.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Seed for orders and faults.
    pub seed: u64,
    /// Orders in the first day.
    pub orders: usize,
    /// Simulated start time.
    pub start: DateTime<Utc>,
    /// When the first generated order was placed (default: `start`).
    pub first_order_at: Option<DateTime<Utc>>,
    /// Orders are created over this long after the start.
    pub spread: Duration,
    /// Rate limits run this many times faster than Amazon's.
    pub rate_scale: f64,
    /// Fraction of calls that get a fault (0.0 to 1.0).
    pub fault_rate: f64,
    /// Whether the app holds the PII role.
    pub pii_role: bool,
    /// Polls of `getFeed` before a feed is done.
    pub feed_polls: u32,
    /// How long a "timeout" fault stalls before answering.
    pub stall: std::time::Duration,
    /// Access token lifetime in seconds.
    pub token_lifetime: i64,
    /// Keep every request and response body (contract tests validate them against the models).
    pub record_exchanges: bool,
    /// Which of Amazon's documented variants the sandbox speaks (docs/amazon-behaviour.md).
    pub dialect: Dialect,
    /// Operations the app has no role for: answered 403 `Unauthorized` whatever the token.
    pub denied_ops: Vec<Op>,
}

/// Variants of Amazon's answers, each documented in docs/amazon-behaviour.md with its source.
/// The default is what today's models and Amazon's real reports show; tests select the others
/// and [`Dialect::mix`] combines them.
#[derive(Debug, Clone, PartialEq)]
pub struct Dialect {
    /// The documents feed's processing report shape.
    pub report: docs::ReportShape,
    /// Every this-many-th order of a documents feed fails with 610013 ("retry after some time")
    /// the first time its documents are asked for (0: never).
    pub transient_documents_error_every: u32,
    /// The document bundle of the documents report.
    pub bundle: BundleShape,
    /// Enum and unit spellings of the models before October 2025 and the India guide's examples
    /// (`Pickup`, `Dropoff`, `Cm`, `G`) instead of today's (`PICKUP`, `DROPOFF`, `cm`, `grams`).
    pub legacy_spellings: bool,
    /// Times with an India offset (`2026-12-02T10:00:00+05:30`) and no fractions.
    pub offset_times: bool,
    /// Packages without the optional fields (`packageDimensions`, `packageWeight`, tracking,
    /// invoice date) Amazon may leave out.
    pub sparse_packages: bool,
    /// Error bodies with `"message": null` (amzn/selling-partner-api-docs#3113).
    pub null_error_messages: bool,
    /// Item proceeds whose `ITEM` amount already includes the tax (`proceedsTotal` = `ITEM`),
    /// instead of the model's own example, where tax is on top (`proceedsTotal` = `ITEM` +
    /// `SHIPPING` + `TAX`, orders_2026-01-01.json `getOrder` example). Which one amazon.in sends
    /// is undocumented: the GST export decides per order (docs/gst-rules.md).
    pub tax_inside_item: bool,
    /// Refunded items with `OrderItemId` as well as `OrderAdjustmentItemId` and `SellerSKU` (the
    /// model allows both; the public fixture has no `OrderItemId` on refunds).
    pub refund_order_item_ids: bool,
    /// `listFinancialEvents` refuses a window longer than a day with `InvalidInput`, as India
    /// accounts have been answered (amzn/selling-partner-api-models#2981).
    pub one_day_windows: bool,
    /// The first page of each `listFinancialEvents` window is empty with a `NextToken` (the model:
    /// "this operation can return empty pages").
    pub empty_finance_pages: bool,
}

/// The shape of the documents report's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleShape {
    /// A gzip'd tar with one folder per order id (label and invoice PDFs).
    TarPerOrder,
    /// A gzip'd tar with folders that are not order ids, as in Amazon's sample
    /// (`836817679/label.zpl`, `836817679/post-list.pdf`).
    TarNonOrderFolders,
    /// One combined PDF for the whole feed ("Report output type: PDF", Easy Ship reports page);
    /// the order of labels inside is not guaranteed.
    CombinedPdf,
    /// A ZIP with one folder per order id.
    ZipPerOrder,
}

impl Default for Dialect {
    fn default() -> Self {
        Dialect {
            report: docs::ReportShape::EasyShip,
            transient_documents_error_every: 0,
            bundle: BundleShape::TarPerOrder,
            legacy_spellings: false,
            offset_times: false,
            sparse_packages: false,
            null_error_messages: false,
            tax_inside_item: false,
            refund_order_item_ids: false,
            one_day_windows: false,
            empty_finance_pages: false,
        }
    }
}

impl Dialect {
    /// Every variant at once (the bundle a tar with non-order folders).
    pub fn mix() -> Dialect {
        Dialect {
            report: docs::ReportShape::EasyShip,
            transient_documents_error_every: 3,
            bundle: BundleShape::TarNonOrderFolders,
            legacy_spellings: true,
            offset_times: true,
            sparse_packages: true,
            null_error_messages: true,
            tax_inside_item: true,
            refund_order_item_ids: true,
            one_day_windows: true,
            empty_finance_pages: true,
        }
    }
}

impl Default for SandboxOptions {
    fn default() -> Self {
        Self {
            seed: 1,
            orders: 40,
            start: DateTime::<Utc>::from_timestamp(1_796_000_000, 0).unwrap_or_default(),
            first_order_at: None,
            spread: Duration::hours(10),
            rate_scale: 1.0,
            fault_rate: 0.0,
            pii_role: true,
            feed_polls: 1,
            stall: std::time::Duration::from_secs(3),
            token_lifetime: 3600,
            record_exchanges: false,
            dialect: Dialect::default(),
            denied_ops: Vec::new(),
        }
    }
}

/// One request as the sandbox saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    /// Simulated time.
    pub at: DateTime<Utc>,
    /// Operation name.
    pub op: &'static str,
    /// The order concerned, if any.
    pub order_id: Option<String>,
    /// Status sent.
    pub status: u16,
    /// What happened (`created package …`, `fault 503`, `throttled`, …).
    pub outcome: String,
}

/// A fault a test forces on the next call of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// 429 without a pacing header.
    Throttle,
    /// 500 before any effect.
    E500,
    /// 503 before any effect.
    E503,
    /// Answer only after `stall` (the effect happened; the caller times out).
    Stall,
    /// Half the body (the effect happened).
    Truncate,
    /// Connection reset mid-body (the effect happened).
    Reset,
}

/// One recorded HTTP exchange (with `record_exchanges`).
#[derive(Debug, Clone)]
pub struct Exchange {
    /// Method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Request body.
    pub request: Vec<u8>,
    /// Status.
    pub status: u16,
    /// Response body.
    pub response: Vec<u8>,
}

pub(crate) struct Token {
    pub expires_at: DateTime<Utc>,
    /// `None` for access tokens; `(method, path)` for an RDT.
    pub restricted: Option<(String, String)>,
}

pub(crate) struct Feed {
    pub feed_id: String,
    pub created: DateTime<Utc>,
    pub document_id: String,
    pub polls: u32,
    pub result_document_id: Option<String>,
}

pub(crate) struct Report {
    pub report_id: String,
    pub created: DateTime<Utc>,
    pub document_id: String,
}

/// Shared state behind the server.
pub(crate) struct Shared {
    pub options: SandboxOptions,
    pub clock: Arc<FixedClock>,
    pub world: Mutex<World>,
    pub journal: Mutex<Vec<JournalEntry>>,
    pub tokens: Mutex<HashMap<String, Token>>,
    /// Uploaded or generated documents by id: `(bytes, gzip?)`.
    pub documents: Mutex<HashMap<String, (Vec<u8>, bool)>>,
    pub feeds: Mutex<HashMap<String, Feed>>,
    pub reports: Mutex<HashMap<String, Report>>,
    pub limiters: HashMap<Op, governor::DefaultDirectRateLimiter>,
    pub faults: Mutex<ChaCha8Rng>,
    pub counter: Mutex<u64>,
    pub base_url: Mutex<String>,
    pub forced: Mutex<Vec<(Op, FaultKind)>>,
    pub exchanges: Mutex<Vec<Exchange>>,
    /// How often each order's documents were asked for.
    pub documents_asked: Mutex<HashMap<String, u32>>,
}

impl Shared {
    pub fn next_id(&self, prefix: &str) -> String {
        let mut n = self.counter.lock();
        *n += 1;
        format!("{prefix}{:06}", *n)
    }

    pub fn log(&self, op: &'static str, order_id: Option<&str>, status: u16, outcome: impl Into<String>) {
        let entry = JournalEntry { at: self.clock.now(), op, order_id: order_id.map(str::to_owned), status, outcome: outcome.into() };
        self.journal.lock().push(entry);
    }
}

/// A running sandbox.
pub struct Sandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Sandbox {
    /// Build the world and serve it on `addr` (port 0 picks a free port) on the current tokio
    /// runtime.
    pub async fn start(options: SandboxOptions, addr: SocketAddr) -> anyhow::Result<Sandbox> {
        let clock = Arc::new(FixedClock::new(options.start));
        let world = World::new(
            WorldOptions { seed: options.seed, orders: options.orders, spread: options.spread, pii_role: options.pii_role },
            options.first_order_at.unwrap_or(options.start),
        );
        let mut limiters = HashMap::new();
        for op in Op::ALL {
            if let Some((rate, burst)) = op.published_limit() {
                let period = std::time::Duration::from_secs_f64(1.0 / (rate * options.rate_scale.max(1e-9)));
                if let (Some(q), Some(b)) = (governor::Quota::with_period(period), std::num::NonZeroU32::new(burst)) {
                    limiters.insert(op, governor::RateLimiter::direct(q.allow_burst(b)));
                }
            }
        }
        let shared = Arc::new(Shared {
            faults: Mutex::new(ChaCha8Rng::seed_from_u64(options.seed ^ 0x5eed_fa17)),
            options,
            clock,
            world: Mutex::new(world),
            journal: Mutex::new(Vec::new()),
            tokens: Mutex::new(HashMap::new()),
            documents: Mutex::new(HashMap::new()),
            feeds: Mutex::new(HashMap::new()),
            reports: Mutex::new(HashMap::new()),
            limiters,
            counter: Mutex::new(0),
            base_url: Mutex::new(String::new()),
            forced: Mutex::new(Vec::new()),
            exchanges: Mutex::new(Vec::new()),
            documents_asked: Mutex::new(HashMap::new()),
        });
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        *shared.base_url.lock() = format!("http://{addr}");
        let app = routes::router(Arc::clone(&shared));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = rx.await;
            });
            if let Err(err) = serve.await {
                tracing::error!(error = %err, "Sandbox server stopped.");
            }
        });
        Ok(Sandbox { shared, addr, shutdown: Some(tx) })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Base URL (`http://127.0.0.1:PORT`), for `spapi.endpoint`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The LWA token URL.
    pub fn lwa_url(&self) -> String {
        format!("http://{}/auth/o2/token", self.addr)
    }

    /// The simulated clock.
    pub fn clock(&self) -> Arc<FixedClock> {
        Arc::clone(&self.shared.clock)
    }

    /// Move simulated time forward and apply what happened meanwhile.
    pub fn advance(&self, by: Duration) {
        self.shared.clock.advance(by);
        let now = self.shared.clock.now();
        self.shared.world.lock().advance(now);
    }

    /// Everything requested so far.
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.shared.journal.lock().clone()
    }

    /// Force `kind` on the next call of `op` (in addition to any seeded faults).
    pub fn inject(&self, op: Op, kind: FaultKind) {
        self.shared.forced.lock().push((op, kind));
    }

    /// Recorded exchanges (with `record_exchanges`).
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.shared.exchanges.lock().clone()
    }

    /// Read the world.
    pub fn with_world<R>(&self, f: impl FnOnce(&World) -> R) -> R {
        f(&self.shared.world.lock())
    }

    /// Change the world (tests: add orders, change fates).
    pub fn with_world_mut<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        f(&mut self.shared.world.lock())
    }

    /// A dakiya config file that points `dakiya run` at this sandbox, unchanged otherwise.
    pub fn config_toml(&self) -> String {
        format!(
            "# Written by `dakiya sandbox serve`: points dakiya at the local sandbox.\n\
             [seller]\nmerchant_id = \"{MERCHANT_ID}\"\n\n\
             [spapi]\nendpoint = \"{}\"\nlwa_endpoint = \"{}\"\nsandbox = true\nrate_scale = {}\ntimeout = \"5s\"\n\n\
             [keys]\nprotection = \"insecure-test-key\"\n",
            self.base_url(),
            self.lwa_url(),
            self.shared.options.rate_scale,
        )
    }

    /// Environment variables with the sandbox's test credentials.
    pub fn credential_env() -> [(&'static str, &'static str); 3] {
        [
            ("DAKIYA_SPAPI__CLIENT_ID", CLIENT_ID),
            ("DAKIYA_SPAPI__CLIENT_SECRET", CLIENT_SECRET),
            ("DAKIYA_SPAPI__REFRESH_TOKEN", REFRESH_TOKEN),
        ]
    }

    /// How often each order's documents were asked for in a documents feed.
    pub fn documents_asked(&self) -> HashMap<String, u32> {
        self.shared.documents_asked.lock().clone()
    }

    /// Stop serving.
    pub fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop();
    }
}
