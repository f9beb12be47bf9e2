//! Login with Amazon: the refresh-token exchange for an access token.

#[allow(unused_imports)]
use super::*;

pub(super) async fn lwa_token(State(shared): S, body: String) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    if get("grant_type") != "refresh_token" {
        shared.log("lwaToken", None, 400, "unsupported grant");
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "unsupported_grant_type", "error_description": "grant_type must be refresh_token"})),
        )
            .into_response();
    }
    if get("client_id") != crate::sandbox::CLIENT_ID || get("client_secret") != crate::sandbox::CLIENT_SECRET {
        shared.log("lwaToken", None, 401, "invalid client");
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "invalid_client", "error_description": "Client authentication failed"})),
        )
            .into_response();
    }
    if get("refresh_token") != crate::sandbox::REFRESH_TOKEN {
        shared.log("lwaToken", None, 400, "invalid grant");
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(
                json!({"error": "invalid_grant", "error_description": "The request has an invalid grant parameter : refresh_token"}),
            ),
        )
            .into_response();
    }
    let token = format!("Atza|{}", shared.next_id("sbx-access-"));
    let expires_at = shared.clock.now() + Duration::seconds(shared.options.token_lifetime);
    shared.tokens.lock().insert(token.clone(), Token { expires_at, restricted: None });
    shared.log("lwaToken", None, 200, "issued access token");
    axum::Json(json!({ "access_token": token, "token_type": "bearer", "expires_in": shared.options.token_lifetime, "refresh_token": crate::sandbox::REFRESH_TOKEN })).into_response()
}
