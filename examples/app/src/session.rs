//! The token endpoint (password grant, refresh grant), logout and log out everywhere.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jwt_auth::{CurrentToken, ErrorBody, GrantError, OAuth2Login, PasswordGrant, TokenGrant};
use utoipa::ToSchema;

use crate::error::{AppError, BUSY_RETRY_AFTER, retry_after_seconds};
use crate::password::HashError;
use crate::throttle::Refused;
use crate::{AppState, RetrieveUser, notes, password, users};

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
    /// The scopes wanted, separated by spaces: for `password`, among `notes:read` and
    /// `notes:write` (none: both); for `refresh_token`, among the refresh token's (none: all).
    #[schema(example = "notes:read")]
    scope: Option<String>,
}

/// An OAuth2 error (RFC 6749 section 5.2), for the documentation.
#[derive(ToSchema)]
#[allow(dead_code)] // Documentation only: `GrantError` and `temporarily_unavailable` build it.
pub struct OAuth2Error {
    /// `invalid_request`, `invalid_grant`, `invalid_scope`, `unsupported_grant_type`, or
    /// `temporarily_unavailable` (429: too many failed logins for the username, or too many
    /// logins from the client; 503: the password hashers are busy, or the failed-login counts
    /// cannot be reached).
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
        (status = 403, description = "A cross-site request from a browser (login CSRF)", body = ErrorBody),
        (status = 429, description = "Too many failed logins for this username, or too many password logins from this client address", body = OAuth2Error,
            headers(("retry-after" = u64, description = "Seconds until it may be tried again"))),
        (status = 503, description = "The password hashers are busy; or, with several instances, the failed-login counts or the token store (Redis) cannot be reached", body = OAuth2Error,
            headers(("retry-after" = u64, description = "Seconds until it may be tried again"))),
    ),
)]
pub async fn token(
    auth: RetrieveUser,
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    grant: TokenGrant,
) -> Response {
    match grant {
        TokenGrant::Password(grant) => match state.limits.login(client.ip()) {
            Ok(()) => log_in(&auth, &state, grant).await,
            Err(wait) => temporarily_unavailable(
                StatusCode::TOO_MANY_REQUESTS,
                wait,
                "too many logins from this address",
            ),
        },
        // A `scope` narrows the new access token to some of the refresh token's scopes.
        TokenGrant::RefreshToken(grant) => match auth
            .refresh_with_scopes(&grant.refresh_token, &grant.scopes, &state)
            .await
        {
            // 200, with `Cache-Control: no-store` as on every token response of the library.
            Ok(login) => login.into_response(),
            Err(error) => error.into_response(),
        },
    }
}

/// The password grant: the same answer, in the same time, for a wrong password and an unknown
/// username; at most [`MAX_FAILURES`](crate::throttle::MAX_FAILURES) failures per username in
/// a window. A password longer than any stored one can be is a wrong one, found without hashing.
async fn log_in(auth: &RetrieveUser, state: &AppState, grant: PasswordGrant) -> Response {
    // Checked first, without a hash: every user may have every scope, so it says nothing.
    let scopes = match grant.granted_scopes(notes::SCOPES) {
        Ok(scopes) => scopes,
        Err(error) => return error.into_response(),
    };
    let attempt = match state.throttle.begin(&grant.username).await {
        Ok(attempt) => attempt,
        Err(Refused::Locked(wait)) => {
            return temporarily_unavailable(
                StatusCode::TOO_MANY_REQUESTS,
                wait,
                "too many failed logins for this username",
            );
        }
        Err(Refused::Unavailable(error)) => {
            eprintln!("the failed-login counts cannot be reached: {error}");
            return temporarily_unavailable(
                StatusCode::SERVICE_UNAVAILABLE,
                BUSY_RETRY_AFTER,
                "the server cannot count failed logins now",
            );
        }
    };
    if grant.password.chars().count() > password::MAX_CHARS {
        attempt.failed().await;
        return GrantError::invalid_grant(WRONG_CREDENTIALS).into_response();
    }
    // A name that registration would refuse is unknown, answered as every unknown one is,
    // without asking the database: PostgreSQL's text cannot hold a NUL, and its case-blind
    // collation ignores what registration never lets in (a soft hyphen, fullwidth letters),
    // so such a variant would find the account while the failed-login limit counted it apart.
    let found = if users::username_problem(&grant.username).is_some() {
        Ok(None)
    } else {
        users::credentials(&state.db, &grant.username).await
    };
    let found = match found {
        Ok(found) => found,
        Err(error) => return AppError::from(error).into_response(),
    };
    let (id, hash) = found.unzip();
    match password::verify(&state.hasher, grant.password, hash).await {
        Ok(true) => {
            attempt.succeeded().await;
            // RFC 6749 section 5.1: 200, not the 201 of Litestar's login.
            auth.login(id.unwrap_or_default())
                .scopes(scopes)
                .status(StatusCode::OK)
                .into_response()
        }
        Ok(false) => {
            attempt.failed().await;
            GrantError::invalid_grant(WRONG_CREDENTIALS).into_response()
        }
        // Not counted as a failure: the password was not checked.
        Err(HashError::Busy) => temporarily_unavailable(
            StatusCode::SERVICE_UNAVAILABLE,
            BUSY_RETRY_AFTER,
            "the server is busy",
        ),
        Err(HashError::Failed(error)) => AppError::Internal(error).into_response(),
    }
}

/// A 429 or 503 in the OAuth2 error shape, with `Retry-After`.
fn temporarily_unavailable(status: StatusCode, wait: Duration, why: &str) -> Response {
    let seconds = retry_after_seconds(wait);
    let body = serde_json::json!({
        "error": "temporarily_unavailable",
        "error_description": format!("{why}; try again in {seconds} s"),
    });
    let mut response = (status, Json(body)).into_response();
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

/// Logs out everywhere: every token of the current user issued until now, on every device and
/// every instance, is revoked for good.
#[utoipa::path(
    post,
    path = "/logout/everywhere",
    summary = "Log out everywhere",
    responses(
        (status = 204, description = "Logged out everywhere: every access and refresh token of the user issued until now (this second included) no longer works; logging in again works from the next second"),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 503, description = "With several instances: the token store (Redis) cannot be reached", body = ErrorBody),
    ),
)]
pub async fn logout_everywhere(
    auth: RetrieveUser,
    State(state): State<AppState>,
    CurrentToken(token): CurrentToken,
) -> Response {
    match auth.revoke_subject(&token.sub, &state).await {
        Ok(()) => auth.logout().into_response(),
        Err(error) => auth.error_response(&error),
    }
}
