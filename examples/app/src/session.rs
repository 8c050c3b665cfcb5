//! The token endpoint (password grant, refresh grant) and logout.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jwt_auth::{CurrentToken, ErrorBody, GrantError, OAuth2Login, PasswordGrant, TokenGrant};
use utoipa::ToSchema;

use crate::error::AppError;
use crate::{AppState, RetrieveUser, password, users};

/// The answer to a wrong password and to an unknown username alike.
const WRONG_CREDENTIALS: &str = "wrong username or password";

/// The token request, as Swagger UI and every OAuth2 client send it: a form (JSON with the
/// same fields is accepted too).
#[derive(ToSchema)]
#[allow(dead_code)] // Documentation only: `TokenGrant` parses the request.
pub struct TokenRequest {
    /// `password` (log in with username and password) or `refresh_token`.
    #[schema(example = "password")]
    grant_type: String,
    /// For `password`.
    username: Option<String>,
    /// For `password`.
    #[schema(format = Password)]
    password: Option<String>,
    /// For `refresh_token`: the refresh token of the last answer.
    refresh_token: Option<String>,
}

/// An OAuth2 error (RFC 6749 section 5.2), for the documentation.
#[derive(ToSchema)]
#[allow(dead_code)] // Documentation only: `GrantError` and `too_many_failures` build it.
pub struct OAuth2Error {
    /// `invalid_request`, `invalid_grant`, `unsupported_grant_type`, or
    /// `temporarily_unavailable` (429: too many failed logins).
    error: String,
    /// What was wrong.
    error_description: String,
}

/// Exchanges a username and password, or a refresh token, for an access token and a new
/// refresh token.
#[utoipa::path(
    post,
    path = "/token",
    summary = "Log in, or refresh (OAuth2 token endpoint)",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The OAuth2 token body; `expires_in` is the access token's lifetime", body = OAuth2Login),
        (status = 400, description = "A malformed request, a wrong username or password (`invalid_grant`, the same answer for an unknown username), a used, revoked or expired refresh token", body = OAuth2Error),
        (status = 429, description = "Too many failed logins for this username", body = OAuth2Error,
            headers(("retry-after" = u64, description = "Seconds until the username may be tried again"))),
    ),
)]
pub async fn token(
    auth: RetrieveUser,
    State(state): State<AppState>,
    grant: TokenGrant,
) -> Response {
    match grant {
        TokenGrant::Password(grant) => log_in(&auth, &state, grant).await,
        TokenGrant::RefreshToken(grant) => match auth.refresh(&grant.refresh_token, &state).await {
            // 200, with `Cache-Control: no-store` as on every token response of the library.
            Ok(login) => login.into_response(),
            Err(error) => error.into_response(),
        },
    }
}

/// The password grant: the same answer, in the same time, for a wrong password and an unknown
/// username; at most [`MAX_FAILURES`](crate::throttle::MAX_FAILURES) failures per username in
/// a window.
async fn log_in(auth: &RetrieveUser, state: &AppState, grant: PasswordGrant) -> Response {
    let attempt = match state.throttle.begin(&grant.username) {
        Ok(attempt) => attempt,
        Err(wait) => return too_many_failures(wait),
    };
    let found = match users::credentials(&state.db, &grant.username).await {
        Ok(found) => found,
        Err(error) => return AppError::from(error).into_response(),
    };
    let (id, hash) = found.unzip();
    match password::verify(grant.password, hash).await {
        Ok(true) => {
            attempt.succeeded();
            // RFC 6749 section 5.1: 200, not the 201 of Litestar's login.
            auth.login(id.unwrap_or_default())
                .status(StatusCode::OK)
                .into_response()
        }
        Ok(false) => {
            attempt.failed();
            GrantError::invalid_grant(WRONG_CREDENTIALS).into_response()
        }
        Err(error) => AppError::Internal(error).into_response(),
    }
}

/// The 429 of a locked username, in the OAuth2 error shape.
fn too_many_failures(wait: Duration) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let seconds = seconds.max(1);
    let body = serde_json::json!({
        "error": "temporarily_unavailable",
        "error_description": format!(
            "too many failed logins for this username; try again in {seconds} s"
        ),
    });
    let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Logs out: revokes the access token (and its refresh family), for good.
#[utoipa::path(
    post,
    path = "/logout",
    summary = "Log out",
    responses(
        (status = 204, description = "Logged out: the access token and its refresh tokens no longer work"),
        (status = 401, description = "No valid access token", body = ErrorBody),
    ),
)]
pub async fn logout(
    auth: RetrieveUser,
    State(state): State<AppState>,
    CurrentToken(token): CurrentToken,
) -> Response {
    match auth.revoke(&token, &state).await {
        Ok(_) => auth.logout().into_response(),
        Err(error) => auth.error_response(&error),
    }
}
