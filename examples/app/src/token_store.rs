//! What must outlive the process about tokens, in SQLite: the refresh tokens already used
//! (rotation) and the revoked ids (access tokens' `jti`s, refresh families). Rows past their
//! `expires_at` are useless (the token they name no longer verifies): expired used tokens are
//! deleted on each refresh, expired revocations on each revocation (both through an index).

use jwt_auth::{BoxError, TokenStore};

use crate::AppState;
use crate::database::now;

/// The token store, reading the database through the application state.
#[derive(Debug, Clone, Copy, Default)]
pub struct SqliteTokens;

impl TokenStore<AppState> for SqliteTokens {
    /// Whether this call is the first use of refresh token `jti`. Atomic: of concurrent calls
    /// with one `jti`, exactly one inserts the row and gets `true`.
    async fn consume(
        &self,
        state: &AppState,
        jti: &str,
        expires_at: u64,
    ) -> Result<bool, BoxError> {
        let inserted = sqlx::query(
            "INSERT INTO used_refresh_tokens (jti, expires_at) VALUES (?, ?) \
             ON CONFLICT (jti) DO NOTHING",
        )
        .bind(jti)
        .bind(seconds(expires_at))
        .execute(&state.db)
        .await?;
        // The library refuses a token that expired while it was consumed, so a row may go as
        // soon as its token has expired.
        sqlx::query("DELETE FROM used_refresh_tokens WHERE expires_at < ?")
            .bind(now())
            .execute(&state.db)
            .await?;
        Ok(inserted.rows_affected() == 1)
    }

    /// Revokes `id` (an access token's `jti` or a family) until `expires_at`, and deletes the
    /// rows that expired.
    async fn revoke(&self, state: &AppState, id: &str, expires_at: u64) -> Result<(), BoxError> {
        sqlx::query(
            "INSERT INTO revoked_tokens (id, expires_at) VALUES (?, ?) \
             ON CONFLICT (id) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)",
        )
        .bind(id)
        .bind(seconds(expires_at))
        .execute(&state.db)
        .await?;
        let now = now();
        sqlx::query("DELETE FROM revoked_tokens WHERE expires_at < ?")
            .bind(now)
            .execute(&state.db)
            .await?;
        sqlx::query("DELETE FROM used_refresh_tokens WHERE expires_at < ?")
            .bind(now)
            .execute(&state.db)
            .await?;
        Ok(())
    }

    /// Whether any of `ids` is revoked, in one query.
    async fn is_revoked(&self, state: &AppState, ids: &[&str]) -> Result<bool, BoxError> {
        if ids.is_empty() {
            return Ok(false);
        }
        let placeholders = vec!["?"; ids.len()].join(", ");
        let sql =
            format!("SELECT EXISTS (SELECT 1 FROM revoked_tokens WHERE id IN ({placeholders}))");
        let mut query = sqlx::query_scalar::<_, bool>(&sql);
        for id in ids {
            query = query.bind(*id);
        }
        Ok(query.fetch_one(&state.db).await?)
    }
}

/// Unix seconds as SQLite's integer (which is signed).
fn seconds(unix: u64) -> i64 {
    i64::try_from(unix).unwrap_or(i64::MAX)
}
