//! The client's typed errors, which callers `match` on (cargo's `crates-io` client style).
//! Messages carry operation, status and Amazon's error codes, never request or response bodies.

use super::limits::Op;
use super::model::easy_ship::EasyShipCode;
use super::model::ApiError;

/// A failed SP-API call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The endpoint is not `https://` (plain `http://` only to loopback in sandbox mode).
    #[error("refusing insecure endpoint {url}: only https:// is allowed, and with spapi.sandbox = true only a loopback address")]
    Insecure {
        /// The URL.
        url: String,
    },
    /// No credentials configured.
    #[error(
        "no SP-API credentials: run `dakiya credentials set` (or set DAKIYA_SPAPI__CLIENT_ID, __CLIENT_SECRET, __REFRESH_TOKEN for CI)"
    )]
    NoCredentials,
    /// Login with Amazon refused the credentials.
    #[error("Login with Amazon refused the credentials (HTTP {status}{}): check them with `dakiya credentials check`; a client secret must be rotated every 180 days", code.as_ref().map(|c| format!(", {c}")).unwrap_or_default())]
    Auth {
        /// HTTP status.
        status: u16,
        /// LWA error code (`invalid_grant`, `invalid_client`, …).
        code: Option<String>,
    },
    /// 401/403 again with a freshly refreshed token: the app lacks the operation's role.
    #[error("{op}: Amazon refused access (HTTP {status}) although the access token was just refreshed: the app lacks the role {role}. Add the role to the app in Seller Central (Partner Network > Develop Apps), authorise the app again to get a new refresh token, then run `dakiya credentials set`", op = op.name(), role = op.required_role())]
    MissingRole {
        /// Operation.
        op: Op,
        /// HTTP status (401 or 403).
        status: u16,
    },
    /// Still throttled after the allowed attempts.
    #[error("{op}: throttled by Amazon (HTTP 429) on all {attempts} attempts", op = op.name())]
    Throttled {
        /// Operation.
        op: Op,
        /// Attempts made.
        attempts: u32,
    },
    /// Amazon refused the request with an error body.
    #[error("{}: HTTP {status}: {}", op.name(), summary(errors))]
    Api {
        /// Operation.
        op: Op,
        /// HTTP status.
        status: u16,
        /// Amazon's errors.
        errors: Vec<ApiError>,
    },
    /// HTTP error without a usable error body.
    #[error("{op}: HTTP {status} without an error body", op = op.name())]
    Status {
        /// Operation.
        op: Op,
        /// HTTP status.
        status: u16,
    },
    /// Timeouts or connection errors on every attempt.
    #[error("{op}: network failure after {attempts} attempts: {detail}", op = op.name())]
    Transport {
        /// Operation.
        op: Op,
        /// Attempts made.
        attempts: u32,
        /// What failed (no body).
        detail: String,
    },
    /// A response that does not match the model.
    #[error("{op}: response does not match Amazon's model: {detail}", op = op.name())]
    Decode {
        /// Operation.
        op: Op,
        /// Which part (no values).
        detail: String,
    },
}

fn summary(errors: &[ApiError]) -> String {
    if errors.is_empty() {
        return "no details".into();
    }
    errors
        .iter()
        .map(|e| {
            let mut message = e.message.clone();
            if message.chars().count() > 160 {
                message = message.chars().take(160).collect::<String>() + "…";
            }
            format!("{}: {}", e.code, message)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    /// The Easy Ship error code of an API error, if any.
    pub fn easy_ship_code(&self) -> Option<EasyShipCode> {
        match self {
            Error::Api { errors, .. } => errors.first().map(|e| EasyShipCode::from(e.code.as_str())),
            _ => None,
        }
    }

    /// HTTP status, if the call got one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::Status { status, .. } | Error::Auth { status, .. } | Error::MissingRole { status, .. } => {
                Some(*status)
            }
            Error::Throttled { .. } => Some(429),
            _ => None,
        }
    }

    /// A short class for logs and the call log.
    pub fn class(&self) -> &'static str {
        match self {
            Error::Insecure { .. } => "insecure_endpoint",
            Error::NoCredentials => "no_credentials",
            Error::Auth { .. } => "auth",
            Error::MissingRole { .. } => "missing_role",
            Error::Throttled { .. } => "throttled",
            Error::Api { .. } => "api",
            Error::Status { .. } => "http_status",
            Error::Transport { .. } => "transport",
            Error::Decode { .. } => "decode",
        }
    }

    /// Fatal for the whole run (no point trying other orders).
    pub fn is_fatal(&self) -> bool {
        matches!(self, Error::Insecure { .. } | Error::NoCredentials | Error::Auth { .. } | Error::MissingRole { .. })
    }
}
