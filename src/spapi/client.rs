//! The HTTP machinery of the SP-API client: endpoint rules, Login with Amazon and Restricted
//! Data Token caches, per-operation pacing, bounded retries with jittered backoff, and the call
//! log. Typed operations live in `ops.rs`.
//!
//! Retries happen only on 429, 5xx, timeouts and connection errors (and a truncated JSON body),
//! never on other 4xx. A non-idempotent call whose outcome is unknown (5xx, timeout) is retried
//! only where a repeat is harmless (`createScheduledPackage` answers a repeat with
//! `ScheduledPackageAlreadyExists`, which the schedule stage adopts).

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use std::time::{Duration, Instant};

use backon::BackoffBuilder as _;
use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, CONTENT_TYPE};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};

use super::error::Error;
use super::limits::{Limits, Op};
use super::model::tokens::{CreateRestrictedDataTokenRequest, CreateRestrictedDataTokenResponse, LwaTokenResponse, RestrictedResource};
use super::model::ErrorList;
use crate::clock::Clock;
use crate::config::SpApiConfig;

/// The three LWA secrets. `Debug` is redacted (secrecy).
#[derive(Debug, Clone)]
pub struct Credentials {
    /// LWA client id.
    pub client_id: SecretString,
    /// LWA client secret.
    pub client_secret: SecretString,
    /// Seller's refresh token.
    pub refresh_token: SecretString,
}

/// Client settings, resolved from the config.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// SP-API base URL, without trailing slash.
    pub endpoint: String,
    /// LWA token URL.
    pub lwa_endpoint: String,
    /// Marketplace id.
    pub marketplace_id: String,
    /// Sandbox mode: plain http to loopback allowed.
    pub sandbox: bool,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Attempts per call for retryable failures.
    pub max_attempts: u32,
    /// Rate-limit speed factor (1 for Amazon).
    pub rate_scale: f64,
    /// First backoff delay after a 429 or 5xx (scaled down with `rate_scale`).
    pub retry_base: Duration,
    /// Seed for backoff jitter (tests); `None` uses the OS.
    pub jitter_seed: Option<u64>,
    /// How Easy Ship requests spell units.
    pub unit_spelling: super::model::easy_ship::UnitSpelling,
}

impl ClientOptions {
    /// Options from the config.
    pub fn from_config(config: &SpApiConfig) -> anyhow::Result<Self> {
        let marketplace_id = config.marketplace_id()?.to_owned();
        let scale = if config.sandbox { config.rate_scale } else { 1.0 };
        Ok(Self {
            endpoint: config.endpoint.trim_end_matches('/').to_owned(),
            lwa_endpoint: config.lwa_endpoint.clone(),
            marketplace_id,
            sandbox: config.sandbox,
            timeout: config.timeout,
            max_attempts: config.max_attempts.max(1),
            rate_scale: scale,
            retry_base: Duration::from_millis(500),
            jitter_seed: None,
            unit_spelling: config.unit_spelling,
        })
    }
}

/// One HTTP call, for the API call log (no bodies, no tokens).
#[derive(Debug, Clone)]
pub struct CallRecord {
    /// When it was sent.
    pub at: DateTime<Utc>,
    /// Operation.
    pub op: Op,
    /// HTTP status, if one came back.
    pub status: Option<u16>,
    /// `x-amzn-RequestId`.
    pub request_id: Option<String>,
    /// Duration.
    pub duration_ms: u64,
    /// Attempt number (1-based).
    pub attempt: u32,
    /// Error class when it failed.
    pub error_class: Option<&'static str>,
}

struct CachedToken {
    token: SecretString,
    expires_at: DateTime<Utc>,
}

/// How a request authenticates.
pub(crate) enum Auth {
    /// LWA access token.
    Lwa,
    /// Restricted Data Token for `(method, path)`.
    Rdt,
    /// None: a pre-signed URL.
    Presigned,
}

/// What to send.
pub(crate) struct Request {
    pub op: Op,
    pub method: Method,
    /// Full URL for presigned requests, else a path under the endpoint.
    pub target: String,
    pub query: Vec<(String, String)>,
    pub body: Option<(Vec<u8>, &'static str)>,
    pub auth: Auth,
    /// Retry when the outcome is unknown (5xx, timeout): true for reads and harmless repeats.
    pub retry_unknown: bool,
}

/// A successful response.
pub(crate) struct Reply {
    pub body: Vec<u8>,
}

/// The SP-API client.
pub struct SpApi {
    http: reqwest::Client,
    opts: ClientOptions,
    creds: Credentials,
    clock: Arc<dyn Clock>,
    access: Mutex<Option<CachedToken>>,
    rdt: Mutex<HashMap<(String, String), CachedToken>>,
    limits: Limits,
    calls: Mutex<Vec<CallRecord>>,
    observations: super::observe::Observations,
}

impl std::fmt::Debug for SpApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpApi").field("endpoint", &self.opts.endpoint).field("sandbox", &self.opts.sandbox).finish_non_exhaustive()
    }
}

/// Check the endpoint rule: https (outside sandbox mode), or a loopback address in sandbox mode
/// (plain http allowed there; nothing else, so the sandbox's test key and hooks never reach a
/// real host).
pub fn check_url(url: &str, sandbox: bool) -> Result<(), Error> {
    let insecure = || Error::Insecure { url: url.to_owned() };
    let parsed = reqwest::Url::parse(url).map_err(|_| insecure())?;
    match parsed.scheme() {
        "https" if !sandbox => Ok(()),
        "http" | "https" if sandbox => {
            if crate::config::is_loopback_url(url) {
                Ok(())
            } else {
                Err(insecure())
            }
        }
        _ => Err(insecure()),
    }
}

impl SpApi {
    /// A client. Fails if an endpoint breaks the https rule.
    pub fn new(opts: ClientOptions, creds: Credentials, clock: Arc<dyn Clock>) -> Result<SpApi, Error> {
        check_url(&opts.endpoint, opts.sandbox)?;
        check_url(&opts.lwa_endpoint, opts.sandbox)?;
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .min_tls_version(reqwest::tls::Version::TLS_1_2)
            .https_only(!opts.sandbox)
            .timeout(opts.timeout)
            .connect_timeout(opts.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("dakiya/", env!("CARGO_PKG_VERSION"), " (Language=Rust)"))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|err| Error::Transport { op: Op::LwaToken, attempts: 0, detail: err.to_string() })?;
        let limits = Limits::new(opts.rate_scale);
        Ok(SpApi {
            http,
            opts,
            creds,
            clock,
            access: Mutex::new(None),
            rdt: Mutex::new(HashMap::new()),
            limits,
            calls: Mutex::new(Vec::new()),
            observations: super::observe::Observations::default(),
        })
    }

    /// The marketplace id.
    pub fn marketplace_id(&self) -> &str {
        &self.opts.marketplace_id
    }

    /// What Amazon's answers showed (PII-free), for `<home>/amazon-observations.json`.
    pub fn observations(&self) -> &super::observe::Observations {
        &self.observations
    }

    /// How Easy Ship requests spell units (config `spapi.unit_spelling`).
    pub fn units(&self) -> super::model::easy_ship::UnitSpelling {
        self.opts.unit_spelling
    }

    /// The pacing buckets.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Take the calls made since the last drain (the runner stores them in `api_calls`).
    pub fn drain_calls(&self) -> Vec<CallRecord> {
        std::mem::take(&mut *self.calls.lock())
    }

    fn record(&self, rec: CallRecord) {
        tracing::info!(
            operation = rec.op.name(),
            status = rec.status,
            request_id = rec.request_id.as_deref().unwrap_or("-"),
            duration_ms = rec.duration_ms,
            attempt = rec.attempt,
            error_class = rec.error_class.unwrap_or("-"),
            "SP-API call."
        );
        self.calls.lock().push(rec);
    }

    fn backoff(&self) -> backon::ExponentialBackoff {
        let base = self.opts.retry_base.div_f64(self.opts.rate_scale.max(1.0));
        let builder = backon::ExponentialBuilder::default()
            .with_min_delay(base)
            .with_max_delay(base * 32)
            .with_max_times(self.opts.max_attempts as usize);
        match self.opts.jitter_seed {
            Some(seed) => builder.with_jitter_seed(seed).build(),
            None => builder.with_jitter().build(),
        }
    }

    /// The one retry rule: sleep the next backoff delay and return `true` while attempts are
    /// left, else `false` (the caller gives up with its error).
    async fn wait_to_retry(&self, backoff: &mut backon::ExponentialBackoff, attempt: u32) -> bool {
        match backoff.next().filter(|_| attempt < self.opts.max_attempts) {
            Some(delay) => {
                tokio::time::sleep(delay).await;
                true
            }
            None => false,
        }
    }

    /// A valid LWA access token, from cache or a fresh exchange.
    async fn access_token(&self) -> Result<SecretString, Error> {
        let now = self.clock.now();
        if let Some(cached) = self.access.lock().as_ref() {
            if cached.expires_at > now + chrono::Duration::seconds(60) {
                return Ok(cached.token.clone());
            }
        }
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", self.creds.refresh_token.expose_secret()),
            ("client_id", self.creds.client_id.expose_secret()),
            ("client_secret", self.creds.client_secret.expose_secret()),
        ];
        let mut backoff = self.backoff();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let started = Instant::now();
            let at = self.clock.now();
            let (status, body) = match send(self.http.post(&self.opts.lwa_endpoint).form(&form)).await {
                Ok((status, headers, body)) => {
                    let class = if (200..300).contains(&status) { None } else { Some("auth") };
                    let request_id = request_id(&headers);
                    self.record(CallRecord {
                        at,
                        op: Op::LwaToken,
                        status: Some(status),
                        request_id,
                        duration_ms: ms(started),
                        attempt,
                        error_class: class,
                    });
                    (status, body)
                }
                Err(err) => {
                    self.record(CallRecord {
                        at,
                        op: Op::LwaToken,
                        status: None,
                        request_id: None,
                        duration_ms: ms(started),
                        attempt,
                        error_class: Some("transport"),
                    });
                    if self.wait_to_retry(&mut backoff, attempt).await {
                        continue;
                    }
                    return Err(Error::Transport { op: Op::LwaToken, attempts: attempt, detail: transport_detail(&err) });
                }
            };
            if status == 429 || status >= 500 {
                if self.wait_to_retry(&mut backoff, attempt).await {
                    continue;
                }
                return Err(Error::Status { op: Op::LwaToken, status });
            }
            if !(200..300).contains(&status) {
                let code = serde_json::from_slice::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned));
                return Err(Error::Auth { status, code });
            }
            let parsed: LwaTokenResponse = match serde_json::from_slice(&body) {
                Ok(parsed) => parsed,
                Err(err) if err.is_eof() || err.is_syntax() => {
                    if self.wait_to_retry(&mut backoff, attempt).await {
                        continue;
                    }
                    return Err(Error::Transport { op: Op::LwaToken, attempts: attempt, detail: "truncated response".into() });
                }
                Err(_) => return Err(Error::Decode { op: Op::LwaToken, detail: "token response without access_token/expires_in".into() }),
            };
            let token = SecretString::from(parsed.access_token);
            let expires_at = self.clock.now() + chrono::Duration::seconds(parsed.expires_in.min(86_400) as i64);
            *self.access.lock() = Some(CachedToken { token: token.clone(), expires_at });
            return Ok(token);
        }
    }

    /// One Login with Amazon exchange, ignoring the cache (`dakiya credentials check`).
    pub async fn check_login(&self) -> Result<(), Error> {
        self.forget_access_token();
        self.access_token().await.map(|_| ())
    }

    fn forget_access_token(&self) {
        *self.access.lock() = None;
    }

    /// A Restricted Data Token for `(method, path)`, cached until shortly before it expires.
    async fn restricted_token(&self, method: &Method, path: &str) -> Result<SecretString, Error> {
        let key = (method.as_str().to_owned(), path.to_owned());
        let now = self.clock.now();
        if let Some(cached) = self.rdt.lock().get(&key) {
            if cached.expires_at > now + chrono::Duration::seconds(30) {
                return Ok(cached.token.clone());
            }
        }
        let body = CreateRestrictedDataTokenRequest {
            restricted_resources: vec![RestrictedResource { method: key.0.clone(), path: key.1.clone(), data_elements: Vec::new() }],
        };
        let reply = Box::pin(self.execute(Request {
            op: Op::CreateRestrictedDataToken,
            method: Method::POST,
            target: "/tokens/2021-03-01/restrictedDataToken".into(),
            query: Vec::new(),
            body: Some((json_body(&body)?, "application/json")),
            auth: Auth::Lwa,
            retry_unknown: true,
        }))
        .await?;
        let parsed: CreateRestrictedDataTokenResponse = decode(Op::CreateRestrictedDataToken, &reply.body)?;
        let token = parsed
            .restricted_data_token
            .ok_or_else(|| Error::Decode { op: Op::CreateRestrictedDataToken, detail: "no restrictedDataToken".into() })?;
        let token = SecretString::from(token);
        let expires_at = self.clock.now() + chrono::Duration::seconds(parsed.expires_in.unwrap_or(3600).min(86_400) as i64);
        self.rdt.lock().insert(key, CachedToken { token: token.clone(), expires_at });
        Ok(token)
    }

    /// Send a request with pacing, auth, retries and logging.
    pub(crate) async fn execute(&self, req: Request) -> Result<Reply, Error> {
        let url = match req.auth {
            Auth::Presigned => req.target.clone(),
            Auth::Lwa | Auth::Rdt => format!("{}{}", self.opts.endpoint, req.target),
        };
        check_url(&url, self.opts.sandbox)?;
        let mut backoff = self.backoff();
        let mut attempt = 0u32;
        let mut refreshed = false;
        loop {
            attempt += 1;
            if req.op.is_sp_api() {
                self.limits.until_ready(req.op).await;
            }
            let token = match req.auth {
                Auth::Lwa => Some(self.access_token().await?),
                Auth::Rdt => Some(self.restricted_token(&req.method, &req.target).await?),
                Auth::Presigned => None,
            };
            let mut builder = self.http.request(req.method.clone(), &url);
            if !req.query.is_empty() {
                builder = builder.query(&req.query);
            }
            if let Some(token) = &token {
                builder = builder.header("x-amz-access-token", token.expose_secret());
            }
            if let Some((body, content_type)) = &req.body {
                builder = builder.header(CONTENT_TYPE, *content_type).body(body.clone());
            }
            let started = Instant::now();
            let at = self.clock.now();
            let (status, headers, body) = match send(builder).await {
                Ok(parts) => parts,
                Err(err) => {
                    self.record(CallRecord {
                        at,
                        op: req.op,
                        status: None,
                        request_id: None,
                        duration_ms: ms(started),
                        attempt,
                        error_class: Some("transport"),
                    });
                    // A connection that never got through is always safe to repeat.
                    let safe = req.retry_unknown || err.is_connect();
                    if safe && self.wait_to_retry(&mut backoff, attempt).await {
                        continue;
                    }
                    return Err(Error::Transport { op: req.op, attempts: attempt, detail: transport_detail(&err) });
                }
            };
            // Between Amazon's answer and anything dakiya records about it.
            crate::testing::checkpoint(req.op.name());
            let rid = request_id(&headers);
            let is_json = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("json"));
            let truncated = (200..300).contains(&status)
                && is_json
                && !body.is_empty()
                && serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_err();
            let class = if truncated {
                Some("truncated")
            } else {
                match status {
                    200..=299 => None,
                    429 => Some("throttled"),
                    500..=599 => Some("server"),
                    _ => Some("api"),
                }
            };
            self.record(CallRecord {
                at,
                op: req.op,
                status: Some(status),
                request_id: rid,
                duration_ms: ms(started),
                attempt,
                error_class: class,
            });
            if let Some(rate) = headers.get("x-amzn-RateLimit-Limit").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<f64>().ok()) {
                self.limits.observe_rate(req.op, rate);
            }
            if (200..300).contains(&status) && !truncated {
                self.observations.answer(req.op, &body);
                return Ok(Reply { body });
            }
            if !(200..300).contains(&status) {
                self.observations.errors(req.op, status, &body);
            }
            if truncated {
                if req.retry_unknown && self.wait_to_retry(&mut backoff, attempt).await {
                    continue;
                }
                return Err(Error::Transport { op: req.op, attempts: attempt, detail: "truncated JSON response".into() });
            }
            if (status == 401 || status == 403) && !refreshed && !matches!(req.auth, Auth::Presigned) {
                // An expired or revoked token: get a fresh one once, then give up.
                refreshed = true;
                self.forget_access_token();
                if matches!(req.auth, Auth::Rdt) {
                    self.rdt.lock().remove(&(req.method.as_str().to_owned(), req.target.clone()));
                }
                attempt -= 1;
                continue;
            }
            if (status == 401 || status == 403) && refreshed && !matches!(req.auth, Auth::Presigned) {
                // A fresh token refused again: not an expiry but a missing role. Stop the stage with
                // the role to add, instead of holding order after order.
                return Err(Error::MissingRole { op: req.op, status });
            }
            if status == 429 {
                // At least one refill period of the operation's bucket (180 s for searchOrders):
                // a shorter wait only meets another 429.
                if let Some(period) = self.limits.refill_period(req.op).filter(|p| *p <= MAX_THROTTLE_WAIT) {
                    if attempt < self.opts.max_attempts {
                        tokio::time::sleep(period).await;
                    }
                }
                if self.wait_to_retry(&mut backoff, attempt).await {
                    continue;
                }
                return Err(Error::Throttled { op: req.op, attempts: attempt });
            }
            if status >= 500 && req.retry_unknown && self.wait_to_retry(&mut backoff, attempt).await {
                continue;
            }
            let errors = serde_json::from_slice::<ErrorList>(&body).map(|l| l.errors).unwrap_or_default();
            if errors.is_empty() {
                return Err(Error::Status { op: req.op, status });
            }
            return Err(Error::Api { op: req.op, status, errors });
        }
    }
}

/// The longest a single 429 is waited out (a run's budget is under an hour).
const MAX_THROTTLE_WAIT: Duration = Duration::from_secs(5 * 60);

/// Send a request and read its whole body: `(status, headers, body)`, or the transport failure
/// (no connection, a timeout, a connection broken while reading).
async fn send(builder: reqwest::RequestBuilder) -> Result<(u16, HeaderMap, Vec<u8>), reqwest::Error> {
    let resp = builder.send().await?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.bytes().await?;
    Ok((status, headers, body.to_vec()))
}

fn ms(started: Instant) -> u64 {
    started.elapsed().as_millis() as u64
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    headers.get("x-amzn-RequestId").and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn transport_detail(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        "timed out".into()
    } else if err.is_connect() {
        "could not connect".into()
    } else if err.is_body() || err.is_decode() {
        "connection broke while reading the response".into()
    } else {
        "request failed".into()
    }
}

/// Serialize a request body.
pub(crate) fn json_body<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value).map_err(|err| Error::Decode { op: Op::LwaToken, detail: err.to_string() })
}

/// Decode a response body; the error names the mismatch, never the content.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(op: Op, body: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|err| {
        let text = err.to_string();
        let detail = match text.strip_prefix("missing field ") {
            Some(rest) => format!("missing field {}", rest.split(" at line").next().unwrap_or(rest)),
            None => format!("unexpected shape at line {} column {}", err.line(), err.column()),
        };
        Error::Decode { op, detail }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_sandbox_loopback() {
        assert!(check_url("https://sellingpartnerapi-eu.amazon.com", false).is_ok());
        assert!(check_url("http://sellingpartnerapi-eu.amazon.com", false).is_err());
        assert!(check_url("http://127.0.0.1:8080", false).is_err());
        assert!(check_url("http://127.0.0.1:8080", true).is_ok());
        assert!(check_url("http://localhost:8080/x", true).is_ok());
        assert!(check_url("http://[::1]:8080/x", true).is_ok());
        assert!(check_url("http://10.0.0.5:8080", true).is_err());
        assert!(check_url("ftp://127.0.0.1", true).is_err());
        assert!(check_url("https://sellingpartnerapi-eu.amazon.com", true).is_err(), "sandbox mode never reaches a real host");
    }
}
