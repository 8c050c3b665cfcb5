//! Notes, each owned by one user: authorization by the access token's `sub`. Another user's
//! note is answered exactly like a missing one (404), so ids say nothing about other users.
//! Reading needs the scope `notes:read`, writing and deleting `notes:write` (403 without).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jwt_auth::{CurrentToken, ErrorBody, requires};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::common::AppJson;
use crate::database::{now, with_driver};
use crate::error::AppError;
use crate::{AppState, RetrieveUser};

/// The scopes a login may ask for; every user may have both, and a login that asks for none
/// gets both.
pub const SCOPES: [&str; 2] = ["notes:read", "notes:write"];

/// The most characters a note may have.
pub const MAX_CHARS: usize = 10_000;

/// A note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Note {
    /// The note's id.
    pub id: i64,
    /// What the note says.
    pub text: String,
    /// When the note was written, in seconds since the Unix epoch.
    pub created_at: i64,
}

/// The body of `POST /notes`.
#[derive(Deserialize, ToSchema)]
pub struct NewNote {
    /// 1 to 10000 characters, not only whitespace.
    #[schema(
        example = "buy milk",
        min_length = 1,
        max_length = 10000,
        pattern = r"\S"
    )]
    pub text: String,
}

/// Writes a note for the current user.
#[requires(RetrieveUser, scope = "notes:write")]
#[utoipa::path(
    post,
    path = "/notes",
    summary = "Write a note",
    request_body = NewNote,
    responses(
        (status = 201, description = "Written", body = Note),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "The access token lacks `notes:write`", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "No `text`, an empty one or one too long", body = ErrorBody),
    ),
)]
pub async fn create(
    CurrentToken(token): CurrentToken,
    State(state): State<AppState>,
    AppJson(note): AppJson<NewNote>,
) -> Result<(StatusCode, Json<Note>), AppError> {
    if note.text.trim().is_empty() {
        return Err(AppError::Invalid("the note is empty".to_owned()));
    }
    if note.text.chars().count() > MAX_CHARS {
        return Err(AppError::Invalid(format!(
            "the note is too long: at most {MAX_CHARS} characters"
        )));
    }
    let created_at = now();
    let id: i64 = with_driver!(&state.db, db => {
        sqlx::query_scalar(
            "INSERT INTO notes (user_id, text, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(&token.sub)
        .bind(&note.text)
        .bind(created_at)
        .fetch_one(db)
        .await
    })?;
    let note = Note {
        id,
        text: note.text,
        created_at,
    };
    Ok((StatusCode::CREATED, Json(note)))
}

/// The current user's notes, oldest first.
#[requires(RetrieveUser, scope = "notes:read")]
#[utoipa::path(
    get,
    path = "/notes",
    summary = "My notes",
    responses(
        (status = 200, description = "The current user's notes, oldest first", body = [Note]),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "The access token lacks `notes:read`", body = ErrorBody),
    ),
)]
pub async fn list(
    CurrentToken(token): CurrentToken,
    State(state): State<AppState>,
) -> Result<Json<Vec<Note>>, AppError> {
    let rows: Vec<(i64, String, i64)> = with_driver!(&state.db, db => {
        sqlx::query_as("SELECT id, text, created_at FROM notes WHERE user_id = $1 ORDER BY id")
            .bind(&token.sub)
            .fetch_all(db)
            .await
    })?;
    let notes = rows
        .into_iter()
        .map(|(id, text, created_at)| Note {
            id,
            text,
            created_at,
        })
        .collect();
    Ok(Json(notes))
}

/// One of the current user's notes.
#[requires(RetrieveUser, scope = "notes:read")]
#[utoipa::path(
    get,
    path = "/notes/{id}",
    summary = "One of my notes",
    params(("id" = i64, Path, description = "The note's id")),
    responses(
        (status = 200, description = "The note", body = Note),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "The access token lacks `notes:read`", body = ErrorBody),
        (status = 404, description = "No such note of the current user", body = ErrorBody),
    ),
)]
pub async fn get(
    CurrentToken(token): CurrentToken,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Note>, AppError> {
    let id = note_id(&id)?;
    let row: Option<(i64, String, i64)> = with_driver!(&state.db, db => {
        sqlx::query_as("SELECT id, text, created_at FROM notes WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(&token.sub)
            .fetch_optional(db)
            .await
    })?;
    let (id, text, created_at) = row.ok_or(AppError::NotFound)?;
    Ok(Json(Note {
        id,
        text,
        created_at,
    }))
}

/// Deletes one of the current user's notes.
#[requires(RetrieveUser, scope = "notes:write")]
#[utoipa::path(
    delete,
    path = "/notes/{id}",
    summary = "Delete one of my notes",
    params(("id" = i64, Path, description = "The note's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "The access token lacks `notes:write`", body = ErrorBody),
        (status = 404, description = "No such note of the current user", body = ErrorBody),
    ),
)]
pub async fn delete(
    CurrentToken(token): CurrentToken,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let id = note_id(&id)?;
    let deleted = with_driver!(&state.db, db => {
        sqlx::query("DELETE FROM notes WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(&token.sub)
            .execute(db)
            .await
            .map(|done| done.rows_affected())
    })?;
    if deleted == 0 {
        return Err(AppError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// A path segment that is not a note id names no note.
fn note_id(segment: &str) -> Result<i64, AppError> {
    segment.parse().map_err(|_| AppError::NotFound)
}
