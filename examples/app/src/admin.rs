//! The administrators' part: every user, for the users named in `ADMINS`. A role here is a
//! predicate on the user, as Litestar's guards are; the list lives in the environment rather
//! than in the database so that granting it takes no migration and no endpoint.

use std::collections::HashSet;
use std::sync::OnceLock;

use axum::Json;
use axum::extract::State;
use jwt_auth::{ErrorBody, Token, requires};

use crate::database::with_driver;
use crate::error::AppError;
use crate::users::User;
use crate::{AppState, RetrieveUser};

/// The administrators' usernames: `ADMINS`, separated by commas, compared ignoring case as
/// usernames are; read once.
fn admins() -> &'static HashSet<String> {
    static ADMINS: OnceLock<HashSet<String>> = OnceLock::new();
    ADMINS.get_or_init(|| {
        std::env::var("ADMINS")
            .unwrap_or_default()
            .split(',')
            .map(|name| name.trim().to_lowercase())
            .filter(|name| !name.is_empty())
            .collect()
    })
}

/// Whether the user is an administrator.
pub fn is_admin(user: &User, _token: &Token) -> bool {
    admins().contains(&user.username.to_lowercase())
}

/// Every user, oldest first.
#[requires(RetrieveUser, guard = is_admin)]
#[utoipa::path(
    get,
    path = "/admin/users",
    summary = "Every user (administrators)",
    responses(
        (status = 200, description = "Every user, oldest first", body = [User]),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "The user is not an administrator (not in `ADMINS`)", body = ErrorBody),
    ),
)]
pub async fn users(State(state): State<AppState>) -> Result<Json<Vec<User>>, AppError> {
    let rows: Vec<(String, String, i64)> = with_driver!(&state.db, db => {
        sqlx::query_as("SELECT id, username, created_at FROM users ORDER BY created_at, username")
            .fetch_all(db)
            .await
    })?;
    let users = rows
        .into_iter()
        .map(|(id, username, created_at)| User {
            id,
            username,
            created_at,
        })
        .collect();
    Ok(Json(users))
}
