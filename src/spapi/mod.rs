//! The SP-API client: the only module that talks HTTP to Amazon.
//!
//! - `client`: endpoint rules (https only; plain http only to loopback in sandbox mode, TLS ≥ 1.2
//!   via rustls), Login with Amazon token cache, Restricted Data Tokens per `(method, path)`,
//!   pacing, bounded retries, the call log.
//! - `ops`: one typed method per operation dakiya calls.
//! - [`limits`]: the operations and Amazon's published rate limits.
//! - [`model`]: hand-written DTOs, open enums.
//! - [`error`]: typed errors callers match on, including Easy Ship codes.

mod client;
pub mod error;
pub mod limits;
pub mod model;
pub mod observe;
mod ops;

pub use client::{check_url, CallRecord, ClientOptions, Credentials, SpApi};
pub use error::Error;
pub use ops::SearchOrdersQuery;
