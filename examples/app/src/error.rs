//! The application's errors, answered as the library's JSON error body
//! `{"status_code": ..., "detail": ...}`.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jwt_auth::{BoxError, ErrorBody};

use crate::password::HashError;

/// How long a client told that the password hashers are busy should wait.
pub const BUSY_RETRY_AFTER: Duration = Duration::from_secs(1);

/// Why a request failed.
#[derive(Debug)]
pub enum AppError {
    /// The body is well-formed but its values are refused (422): a weak password, say.
    Invalid(String),
    /// The resource exists already (409).
    Conflict(String),
    /// No such resource, or not the caller's (404).
    NotFound,
    /// Too many requests from this client (429 with `Retry-After`).
    TooManyRequests {
        /// What was refused.
        detail: &'static str,
        /// How long until the client may try again.
        wait: Duration,
    },
    /// The password hashers and their queue are full (503 with `Retry-After`).
    Busy,
    /// The database or the password hasher failed (500; the cause goes to stderr only).
    Internal(BoxError),
}

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// PostgreSQL's error code for a byte its encoding refuses: in UTF-8 text, only NUL.
const POSTGRES_INVALID_BYTE: &str = "22021";

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        // PostgreSQL's text cannot hold a NUL character (SQLite's can): a value with one is
        // refused as invalid, not taken for a failure of the database.
        let code = error
            .as_database_error()
            .and_then(sqlx::error::DatabaseError::code);
        if code.as_deref() == Some(POSTGRES_INVALID_BYTE) {
            return Self::Invalid("the text may not hold a NUL character".to_owned());
        }
        Self::Internal(error.into())
    }
}

impl From<HashError> for AppError {
    fn from(error: HashError) -> Self {
        match error {
            HashError::Busy => Self::Busy,
            HashError::Failed(error) => Self::Internal(error),
        }
    }
}

/// Whole seconds, rounded up, at least 1: the value of a `Retry-After` header.
pub fn retry_after_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut retry_after = None;
        let detail = match self {
            Self::Invalid(detail) | Self::Conflict(detail) => detail,
            Self::NotFound => "Not Found".to_owned(),
            Self::TooManyRequests { detail, wait } => {
                let seconds = retry_after_seconds(wait);
                retry_after = Some(seconds);
                format!("{detail}; try again in {seconds} s")
            }
            Self::Busy => {
                let seconds = retry_after_seconds(BUSY_RETRY_AFTER);
                retry_after = Some(seconds);
                format!("the server is busy; try again in {seconds} s")
            }
            Self::Internal(error) => {
                eprintln!("internal error: {error}");
                "Internal Server Error".to_owned()
            }
        };
        let body = ErrorBody {
            status_code: status.as_u16(),
            detail,
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
