//! What must outlive the process about tokens, in SQLite, bounded per user as the library's
//! stores are (see `jwt_auth::TokenStore`): one row per refreshed login family (its highest
//! refresh-token generation spent, whatever the number of refreshes), revoked families and
//! `jti`s, at most [`MAX_FAMILIES`] of them per user (more log the least recently active session
//! out through the user's cutoff), and one cutoff row per user (log out everywhere).
//!
//! Writes run in a `BEGIN IMMEDIATE` transaction, so a refresh's compare-and-set is atomic
//! across connections and processes. Rows past their `expires_at` are useless (every token they
//! concern has expired): each write deletes a few of them through the expiry index, and
//! the rows of the user it touches.

use jwt_auth::session::{DEFAULT_MAX_FAMILIES, Revocation, Rotated, Rotation, Target, TokenRef};
use jwt_auth::{BoxError, TokenStore};
use sqlx::{Sqlite, Transaction};

use crate::AppState;

/// The most family and `jti` rows kept per user.
pub const MAX_FAMILIES: usize = DEFAULT_MAX_FAMILIES;

/// Expired rows deleted per write, at most: a write adds at most one row, so they go faster
/// than they come, and no write waits for more.
const SWEEP: i64 = 64;

/// The token store, reading the database through the application state.
#[derive(Debug, Clone, Copy, Default)]
pub struct SqliteTokens;

/// Unix seconds as SQLite's integer (which is signed).
fn seconds(unix: u64) -> i64 {
    i64::try_from(unix).unwrap_or(i64::MAX)
}

/// A write: an immediate transaction (the write lock at once, so that two refreshes of one
/// token queue rather than both read the old row), with expired rows swept first.
async fn begin(state: &AppState, now: i64) -> Result<Transaction<'static, Sqlite>, BoxError> {
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    for table in ["token_records", "token_cutoffs"] {
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE rowid IN \
             (SELECT rowid FROM {table} WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)"
        ))
        .bind(now)
        .bind(SWEEP)
        .execute(&mut *tx)
        .await?;
    }
    Ok(tx)
}

/// The user's cutoff in force: tokens issued at or before it are refused.
async fn cutoff(
    tx: &mut Transaction<'static, Sqlite>,
    sub: &str,
    now: i64,
) -> Result<Option<i64>, BoxError> {
    Ok(
        sqlx::query_scalar("SELECT at FROM token_cutoffs WHERE sub = ? AND expires_at > ?")
            .bind(sub)
            .bind(now)
            .fetch_optional(&mut **tx)
            .await?,
    )
}

/// Raises the user's cutoff to `at` (kept until `until`); the rows it covers go.
async fn raise_cutoff(
    tx: &mut Transaction<'static, Sqlite>,
    sub: &str,
    at: i64,
    until: i64,
) -> Result<(), BoxError> {
    sqlx::query(
        "INSERT INTO token_cutoffs (sub, at, expires_at) VALUES (?, ?, ?) \
         ON CONFLICT (sub) DO UPDATE SET at = max(at, excluded.at), \
         expires_at = max(expires_at, excluded.expires_at)",
    )
    .bind(sub)
    .bind(at)
    .bind(until)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "DELETE FROM token_records WHERE sub = ? \
         AND at <= (SELECT at FROM token_cutoffs WHERE sub = ?)",
    )
    .bind(sub)
    .bind(sub)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Keeps at most [`MAX_FAMILIES`] rows for the user: past it, the least recently active go
/// under the cutoff, which keeps their tokens refused.
async fn enforce_cap(
    tx: &mut Transaction<'static, Sqlite>,
    sub: &str,
    now: i64,
) -> Result<(), BoxError> {
    sqlx::query("DELETE FROM token_records WHERE sub = ? AND expires_at <= ?")
        .bind(sub)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    loop {
        let (count, oldest): (i64, Option<i64>) =
            sqlx::query_as("SELECT count(*), min(at) FROM token_records WHERE sub = ?")
                .bind(sub)
                .fetch_one(&mut **tx)
                .await?;
        let (Some(oldest), true) = (oldest, count > i64::try_from(MAX_FAMILIES)?) else {
            return Ok(());
        };
        let until: i64 = sqlx::query_scalar(
            "SELECT max(expires_at) FROM token_records WHERE sub = ? AND at <= ?",
        )
        .bind(sub)
        .bind(oldest)
        .fetch_one(&mut **tx)
        .await?;
        raise_cutoff(tx, sub, oldest, until).await?;
    }
}

/// Records `spent` (a generation, or `NULL` for revoked) for a family or `jti`, or raises its
/// row to it.
async fn record(
    tx: &mut Transaction<'static, Sqlite>,
    (sub, kind, id): (&str, &str, &str),
    spent: Option<i64>,
    at: i64,
    until: i64,
) -> Result<(), BoxError> {
    sqlx::query(
        "INSERT INTO token_records (sub, kind, id, spent, at, expires_at) \
         VALUES (?, ?, ?, ?, ?, ?) \
         ON CONFLICT (kind, id) DO UPDATE SET spent = excluded.spent, \
         at = max(at, excluded.at), expires_at = max(expires_at, excluded.expires_at)",
    )
    .bind(sub)
    .bind(kind)
    .bind(id)
    .bind(spent)
    .bind(at)
    .bind(until)
    .execute(&mut **tx)
    .await?;
    enforce_cap(tx, sub, at).await
}

impl TokenStore<AppState> for SqliteTokens {
    /// A refresh: the family's generation compared and set in one immediate transaction.
    async fn rotate(&self, state: &AppState, rotation: &Rotation<'_>) -> Result<Rotated, BoxError> {
        let (at, until) = (seconds(rotation.at), seconds(rotation.expires_at));
        let generation = seconds(rotation.generation);
        let mut tx = begin(state, at).await?;
        let sub = rotation.subject;
        if let Some(cutoff) = cutoff(&mut tx, sub, at).await?
            && rotation.issued_at.is_none_or(|iat| seconds(iat) <= cutoff)
        {
            return Ok(Rotated::Revoked);
        }
        let row: Option<Option<i64>> = sqlx::query_scalar(
            "SELECT spent FROM token_records \
             WHERE kind = 'f' AND id = ? AND sub = ? AND expires_at > ?",
        )
        .bind(rotation.family)
        .bind(sub)
        .bind(at)
        .fetch_optional(&mut *tx)
        .await?;
        let key = (sub, "f", rotation.family);
        let outcome = match row {
            Some(None) => return Ok(Rotated::Revoked),
            Some(Some(spent)) if generation <= spent => {
                record(&mut tx, key, None, at, until).await?;
                Rotated::Reused
            }
            _ => {
                record(&mut tx, key, Some(generation), at, until).await?;
                Rotated::First
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    /// A logout (a family or a `jti`), or log out everywhere (the cutoff).
    async fn revoke(&self, state: &AppState, revocation: &Revocation<'_>) -> Result<(), BoxError> {
        let (at, until) = (seconds(revocation.at), seconds(revocation.expires_at));
        let sub = revocation.subject;
        let mut tx = begin(state, at).await?;
        let (kind, id) = match revocation.target {
            Target::Family(family) => ("f", family),
            Target::Token(jti) => ("t", jti),
            _ => {
                raise_cutoff(&mut tx, sub, at, until).await?;
                tx.commit().await?;
                return Ok(());
            }
        };
        // Under the cutoff already: nothing to add.
        if cutoff(&mut tx, sub, at)
            .await?
            .is_none_or(|cutoff| at > cutoff)
        {
            record(&mut tx, (sub, kind, id), None, at, until).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Whether the token's family or `jti` is revoked, or the user's cutoff covers it, in one
    /// query.
    async fn is_revoked(&self, state: &AppState, token: &TokenRef<'_>) -> Result<bool, BoxError> {
        let now = crate::database::now();
        let revoked = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM token_cutoffs WHERE sub = ?1 AND expires_at > ?2 \
                            AND (?3 IS NULL OR ?3 <= at)) \
                 OR EXISTS (SELECT 1 FROM token_records WHERE spent IS NULL AND expires_at > ?2 \
                            AND ((kind = 'f' AND id = ?4) OR (kind = 't' AND id = ?5)))",
        )
        .bind(token.subject)
        .bind(now)
        .bind(token.issued_at.map(seconds))
        .bind(token.family)
        .bind(token.jti)
        .fetch_one(&state.db)
        .await?;
        Ok(revoked)
    }
}
