//! Tokens 2021-03-01 `createRestrictedDataToken` and the Login with Amazon token exchange.

use serde::{Deserialize, Serialize};

/// A restricted resource.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RestrictedResource {
    /// `GET`, `PUT`, `POST` or `DELETE`.
    pub method: String,
    /// Path.
    pub path: String,
    /// Data elements (Orders only).
    #[serde(default, rename = "dataElements", skip_serializing_if = "Vec::is_empty")]
    pub data_elements: Vec<String>,
}

/// `createRestrictedDataToken` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRestrictedDataTokenRequest {
    /// Resources (at most 50).
    pub restricted_resources: Vec<RestrictedResource>,
}

/// `createRestrictedDataToken` 200 body. The token is a secret: never logged.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRestrictedDataTokenResponse {
    /// The token.
    #[serde(default)]
    pub restricted_data_token: Option<String>,
    /// Lifetime in seconds.
    #[serde(default)]
    pub expires_in: Option<u64>,
}

impl std::fmt::Debug for CreateRestrictedDataTokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateRestrictedDataTokenResponse").field("expires_in", &self.expires_in).finish_non_exhaustive()
    }
}

/// LWA token response. The tokens are secrets: never logged.
#[derive(Clone, Deserialize)]
pub struct LwaTokenResponse {
    /// Access token (`Atza|…`).
    pub access_token: String,
    /// Lifetime in seconds.
    pub expires_in: u64,
}

impl std::fmt::Debug for LwaTokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LwaTokenResponse").field("expires_in", &self.expires_in).finish_non_exhaustive()
    }
}
