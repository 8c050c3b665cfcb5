//! What must outlive the process about tokens, in the database (SQLite or PostgreSQL),
//! bounded per user as the library's stores are (see `jwt_auth::TokenStore`): one row per
//! refreshed login family (its highest refresh-token generation spent, whatever the number of
//! refreshes), revoked families and `jti`s, at most [`MAX_FAMILIES`] of them per user (more log
//! the least recently active session out through the user's cutoff), and one cutoff row per
//! user (log out everywhere).
//!
//! A write reads and changes one user's rows in a transaction that holds that user's lock
//! first, so a refresh's compare-and-set is atomic across connections, processes and
//! instances: in SQLite `BEGIN IMMEDIATE` (the database's write lock), in PostgreSQL a
//! transaction-scoped advisory lock on the user (writes for other users go on in parallel).
//! Rows past their `expires_at` are useless (every token they concern has expired): each write
//! deletes a few of them through the expiry index (in PostgreSQL in a statement of its own,
//! skipping rows another write holds, so that it never waits for one), and the rows of the
//! user it touches.
//!
//! With `REDIS_URL` the application uses `jwt_auth::RedisStore` instead (see `services.rs`).

use jwt_auth::session::{DEFAULT_MAX_FAMILIES, Revocation, Rotated, Rotation, Target, TokenRef};
use jwt_auth::{BoxError, TokenStore};
use sqlx::{Postgres, Sqlite, Transaction};

use crate::AppState;
use crate::database::{Driver, with_driver};

/// The most family and `jti` rows kept per user.
pub const MAX_FAMILIES: usize = DEFAULT_MAX_FAMILIES;

/// Expired rows deleted per write, at most: a write adds at most one row, so they go faster
/// than they come, and no write waits for more.
const SWEEP: i64 = 64;

/// The first key of the PostgreSQL advisory locks this store takes (the second is a hash of
/// the user's id), so that they share no key with other advisory locks of the database.
const LOCK_CLASS: i32 = 0x6a77_7461; // "jwta"

/// The token store, reading the database through the application state.
#[derive(Debug, Clone, Copy, Default)]
pub struct SqlTokens;

/// A write transaction, of either driver.
type Tx = Driver<Transaction<'static, Sqlite>, Transaction<'static, Postgres>>;

/// Unix seconds as the databases' signed integers.
fn seconds(unix: u64) -> i64 {
    i64::try_from(unix).unwrap_or(i64::MAX)
}

/// The tables whose expired rows each write sweeps.
const TABLES: [&str; 2] = ["token_records", "token_cutoffs"];

/// A write for `sub`: its transaction, holding the user's lock, with up to [`SWEEP`] expired
/// rows of each table deleted first.
async fn begin(state: &AppState, sub: &str, now: i64) -> Result<Tx, BoxError> {
    match &state.db {
        Driver::Sqlite(pool) => {
            // The write lock at once, so that two refreshes of one token queue rather than both
            // read the old row.
            let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
            for table in TABLES {
                sqlx::query(&format!(
                    "DELETE FROM {table} WHERE rowid IN \
                     (SELECT rowid FROM {table} WHERE expires_at <= $1 \
                      ORDER BY expires_at LIMIT $2)"
                ))
                .bind(now)
                .bind(SWEEP)
                .execute(&mut *tx)
                .await?;
            }
            Ok(Driver::Sqlite(tx))
        }
        Driver::Postgres(pool) => {
            // Outside the transaction, and past the rows others hold: the sweep never waits,
            // and holds nothing once done.
            for table in TABLES {
                sqlx::query(&format!(
                    "DELETE FROM {table} WHERE ctid IN \
                     (SELECT ctid FROM {table} WHERE expires_at <= $1 \
                      ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)"
                ))
                .bind(now)
                .bind(SWEEP)
                .execute(pool)
                .await?;
            }
            let mut tx = pool.begin().await?;
            sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
                .bind(LOCK_CLASS)
                .bind(sub)
                .execute(&mut *tx)
                .await?;
            Ok(Driver::Postgres(tx))
        }
    }
}

/// Commits the transaction.
async fn commit(tx: Tx) -> Result<(), BoxError> {
    with_driver!(tx, tx => tx.commit().await)?;
    Ok(())
}

/// The user's cutoff in force: tokens issued at or before it are refused.
async fn cutoff(tx: &mut Tx, sub: &str, now: i64) -> Result<Option<i64>, BoxError> {
    Ok(with_driver!(tx, tx => {
        sqlx::query_scalar("SELECT at FROM token_cutoffs WHERE sub = $1 AND expires_at > $2")
            .bind(sub)
            .bind(now)
            .fetch_optional(&mut **tx)
            .await
    })?)
}

/// Raises the user's cutoff to `at` (kept until `until`); the rows it covers go.
async fn raise_cutoff(tx: &mut Tx, sub: &str, at: i64, until: i64) -> Result<(), BoxError> {
    with_driver!(tx, tx => {
        sqlx::query(
            "INSERT INTO token_cutoffs (sub, at, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (sub) DO UPDATE SET \
             at = CASE WHEN excluded.at > token_cutoffs.at \
                  THEN excluded.at ELSE token_cutoffs.at END, \
             expires_at = CASE WHEN excluded.expires_at > token_cutoffs.expires_at \
                          THEN excluded.expires_at ELSE token_cutoffs.expires_at END",
        )
        .bind(sub)
        .bind(at)
        .bind(until)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "DELETE FROM token_records WHERE sub = $1 \
             AND at <= (SELECT at FROM token_cutoffs WHERE sub = $1)",
        )
        .bind(sub)
        .execute(&mut **tx)
        .await
        .map(drop)
    })?;
    Ok(())
}

/// Keeps at most [`MAX_FAMILIES`] rows for the user: past it, the least recently active go
/// under the cutoff, which keeps their tokens refused.
async fn enforce_cap(tx: &mut Tx, sub: &str, now: i64) -> Result<(), BoxError> {
    with_driver!(&mut *tx, tx => {
        sqlx::query("DELETE FROM token_records WHERE sub = $1 AND expires_at <= $2")
            .bind(sub)
            .bind(now)
            .execute(&mut **tx)
            .await
            .map(drop)
    })?;
    loop {
        let (count, oldest): (i64, Option<i64>) = with_driver!(&mut *tx, tx => {
            sqlx::query_as("SELECT count(*), min(at) FROM token_records WHERE sub = $1")
                .bind(sub)
                .fetch_one(&mut **tx)
                .await
        })?;
        let (Some(oldest), true) = (oldest, count > i64::try_from(MAX_FAMILIES)?) else {
            return Ok(());
        };
        let until: i64 = with_driver!(&mut *tx, tx => {
            sqlx::query_scalar(
                "SELECT max(expires_at) FROM token_records WHERE sub = $1 AND at <= $2",
            )
            .bind(sub)
            .bind(oldest)
            .fetch_one(&mut **tx)
            .await
        })?;
        raise_cutoff(tx, sub, oldest, until).await?;
    }
}

/// Records `spent` (a generation, or `NULL` for revoked) for a family or `jti`, or raises its
/// row to it.
async fn record(
    tx: &mut Tx,
    (sub, kind, id): (&str, &str, &str),
    spent: Option<i64>,
    at: i64,
    until: i64,
) -> Result<(), BoxError> {
    with_driver!(&mut *tx, tx => {
        sqlx::query(
            "INSERT INTO token_records (sub, kind, id, spent, at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (kind, id) DO UPDATE SET spent = excluded.spent, \
             at = CASE WHEN excluded.at > token_records.at \
                  THEN excluded.at ELSE token_records.at END, \
             expires_at = CASE WHEN excluded.expires_at > token_records.expires_at \
                          THEN excluded.expires_at ELSE token_records.expires_at END",
        )
        .bind(sub)
        .bind(kind)
        .bind(id)
        .bind(spent)
        .bind(at)
        .bind(until)
        .execute(&mut **tx)
        .await
        .map(drop)
    })?;
    enforce_cap(tx, sub, at).await
}

impl TokenStore<AppState> for SqlTokens {
    /// A refresh: the family's generation compared and set under the user's lock.
    async fn rotate(&self, state: &AppState, rotation: &Rotation<'_>) -> Result<Rotated, BoxError> {
        let (at, until) = (seconds(rotation.at), seconds(rotation.expires_at));
        let generation = seconds(rotation.generation);
        let sub = rotation.subject;
        let mut tx = begin(state, sub, at).await?;
        if let Some(cutoff) = cutoff(&mut tx, sub, at).await?
            && rotation.issued_at.is_none_or(|iat| seconds(iat) <= cutoff)
        {
            return Ok(Rotated::Revoked);
        }
        let row: Option<Option<i64>> = with_driver!(&mut tx, tx => {
            sqlx::query_scalar(
                "SELECT spent FROM token_records \
                 WHERE kind = 'f' AND id = $1 AND sub = $2 AND expires_at > $3",
            )
            .bind(rotation.family)
            .bind(sub)
            .bind(at)
            .fetch_optional(&mut **tx)
            .await
        })?;
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
        commit(tx).await?;
        Ok(outcome)
    }

    /// A logout (a family or a `jti`), or log out everywhere (the cutoff).
    async fn revoke(&self, state: &AppState, revocation: &Revocation<'_>) -> Result<(), BoxError> {
        let (at, until) = (seconds(revocation.at), seconds(revocation.expires_at));
        let sub = revocation.subject;
        let mut tx = begin(state, sub, at).await?;
        let (kind, id) = match revocation.target {
            Target::Family(family) => ("f", family),
            Target::Token(jti) => ("t", jti),
            _ => {
                raise_cutoff(&mut tx, sub, at, until).await?;
                return commit(tx).await;
            }
        };
        // Under the cutoff already: nothing to add.
        if cutoff(&mut tx, sub, at)
            .await?
            .is_none_or(|cutoff| at > cutoff)
        {
            record(&mut tx, (sub, kind, id), None, at, until).await?;
        }
        commit(tx).await
    }

    /// Whether the token's family or `jti` is revoked, or the user's cutoff covers it, in one
    /// query.
    async fn is_revoked(&self, state: &AppState, token: &TokenRef<'_>) -> Result<bool, BoxError> {
        let now = crate::database::now();
        let revoked = with_driver!(&state.db, db => {
            sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM token_cutoffs WHERE sub = $1 AND expires_at > $2 \
                                AND ($3 IS NULL OR $3 <= at)) \
                     OR EXISTS (SELECT 1 FROM token_records WHERE spent IS NULL AND expires_at > $2 \
                                AND ((kind = 'f' AND id = $4) OR (kind = 't' AND id = $5)))",
            )
            .bind(token.subject)
            .bind(now)
            .bind(token.issued_at.map(seconds))
            .bind(token.family)
            .bind(token.jti)
            .fetch_one(db)
            .await
        })?;
        Ok(revoked)
    }
}
