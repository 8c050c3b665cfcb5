//! Users: registration, and the current user.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use jwt_auth::{CurrentUser, ErrorBody};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::common::AppJson;
use crate::database::{Database, now, with_driver};
use crate::error::AppError;
use crate::password;

/// The fewest characters a username may have.
pub const USERNAME_MIN_CHARS: usize = 3;
/// The most characters a username may have.
pub const USERNAME_MAX_CHARS: usize = 32;

/// A user as the API shows it: never the password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct User {
    /// The user's id, the tokens' `sub`.
    #[schema(format = Uuid)]
    pub id: String,
    /// Unique, ignoring case.
    pub username: String,
    /// When the user registered, in seconds since the Unix epoch.
    pub created_at: i64,
}

/// The body of `POST /register`.
#[derive(Deserialize, ToSchema)]
pub struct Registration {
    /// 3 to 32 characters: ASCII letters, digits, `.`, `_` and `-`.
    #[schema(
        example = "ada",
        min_length = 3,
        max_length = 32,
        pattern = r"^[A-Za-z0-9._-]+$"
    )]
    pub username: String,
    /// 8 to 128 characters, not the username.
    #[schema(
        example = "correct horse battery staple",
        format = Password,
        min_length = 8,
        max_length = 128
    )]
    pub password: String,
}

/// Why a username is refused, or `None`.
pub fn username_problem(username: &str) -> Option<String> {
    let chars = username.chars().count();
    if !(USERNAME_MIN_CHARS..=USERNAME_MAX_CHARS).contains(&chars) {
        Some(format!(
            "the username must have {USERNAME_MIN_CHARS} to {USERNAME_MAX_CHARS} characters"
        ))
    } else if !username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        Some("the username may only hold ASCII letters, digits, `.`, `_` and `-`".to_owned())
    } else {
        None
    }
}

/// Registers a user; the password is stored as an argon2id hash.
#[utoipa::path(
    post,
    path = "/register",
    summary = "Register",
    request_body = Registration,
    responses(
        (status = 201, description = "Registered", body = User),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 409, description = "The username is taken (ignoring case)", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "A missing field, an invalid username, or a weak or empty password", body = ErrorBody),
        (status = 429, description = "Too many registrations from this client address", body = ErrorBody,
            headers(("retry-after" = u64, description = "Seconds until it may be tried again"))),
        (status = 503, description = "The password hashers are busy", body = ErrorBody,
            headers(("retry-after" = u64, description = "Seconds until it may be tried again"))),
    ),
)]
pub async fn register(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    AppJson(registration): AppJson<Registration>,
) -> Result<(StatusCode, Json<User>), AppError> {
    if let Err(wait) = state.limits.register(client.ip()) {
        return Err(AppError::TooManyRequests {
            detail: "too many registrations from this address",
            wait,
        });
    }
    let Registration { username, password } = registration;
    if let Some(problem) =
        username_problem(&username).or_else(|| password::weakness(&username, &password))
    {
        return Err(AppError::Invalid(problem));
    }
    let password_hash = password::hash(&state.hasher, password).await?;
    let user = User {
        id: Uuid::new_v4().to_string(),
        username,
        created_at: now(),
    };
    let inserted = with_driver!(&state.db, db => {
        sqlx::query(
            "INSERT INTO users (id, username, password_hash, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&user.id)
        .bind(&user.username)
        .bind(&password_hash)
        .bind(user.created_at)
        .execute(db)
        .await
        .map(drop)
    });
    match inserted {
        Ok(()) => Ok((StatusCode::CREATED, Json(user))),
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
            Err(AppError::Conflict("the username is taken".to_owned()))
        }
        Err(error) => Err(error.into()),
    }
}

/// The user the access token belongs to.
#[utoipa::path(
    get,
    path = "/me",
    summary = "The current user",
    responses(
        (status = 200, description = "The user the access token belongs to", body = User),
        (status = 401, description = "No valid access token (missing, expired, revoked)", body = ErrorBody,
            headers(("www-authenticate" = String, description = "`Bearer`, with `error=\"invalid_token\"` when a token was sent"))),
    ),
)]
pub async fn me(CurrentUser(user): CurrentUser<User>) -> Json<User> {
    Json(user)
}

/// The user with id `id`.
pub async fn find(db: &Database, id: &str) -> Result<Option<User>, sqlx::Error> {
    let row: Option<(String, String, i64)> = with_driver!(db, db => {
        sqlx::query_as("SELECT id, username, created_at FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(db)
            .await
    })?;
    Ok(row.map(|(id, username, created_at)| User {
        id,
        username,
        created_at,
    }))
}

/// The id and password hash of the user called `username` (ignoring case).
pub async fn credentials(
    db: &Database,
    username: &str,
) -> Result<Option<(String, String)>, sqlx::Error> {
    with_driver!(db, db => {
        sqlx::query_as("SELECT id, password_hash FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(db)
            .await
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_short_ascii_words() {
        assert_eq!(username_problem("ada"), None);
        assert_eq!(username_problem("Ada.Lovelace_1815-x"), None);
        assert!(username_problem("ab").is_some());
        assert!(username_problem(&"a".repeat(33)).is_some());
        assert!(username_problem("ada lovelace").is_some());
        assert!(username_problem("adä").is_some());
        assert!(username_problem("").is_some());
    }
}
