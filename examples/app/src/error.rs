//! The application's errors, answered as the library's JSON error body
//! `{"status_code": ..., "detail": ...}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jwt_auth::{BoxError, ErrorBody};

/// Why a request failed.
#[derive(Debug)]
pub enum AppError {
    /// The body is well-formed but its values are refused (422): a weak password, say.
    Invalid(String),
    /// The resource exists already (409).
    Conflict(String),
    /// No such resource, or not the caller's (404).
    NotFound,
    /// The database or the password hasher failed (500; the cause goes to stderr only).
    Internal(BoxError),
}

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(error.into())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let detail = match self {
            Self::Invalid(detail) | Self::Conflict(detail) => detail,
            Self::NotFound => "Not Found".to_owned(),
            Self::Internal(error) => {
                eprintln!("internal error: {error}");
                "Internal Server Error".to_owned()
            }
        };
        let body = ErrorBody {
            status_code: status.as_u16(),
            detail,
        };
        (status, Json(body)).into_response()
    }
}
