//! What refresh tokens and logout must remember: used refresh tokens and revoked ids.
//!
//! A [`TokenStore`] keeps two kinds of records, each until a Unix time after which the token it
//! concerns is refused for its `exp` anyway and the record may be forgotten:
//!
//! - **used refresh tokens**, by `jti`: a refresh token is single-use, and presenting one that
//!   was used already is the sign of a stolen token;
//! - **revoked ids**: an access token's `jti` (logout), or a session's *family* id, which every
//!   access and refresh token of one login shares (logout, and a reused refresh token).
//!
//! [`MemoryStore`](crate::MemoryStore) keeps them in the process; an application that runs several processes or must
//! remember across restarts implements the trait over its database, reading it through the state
//! `S` its retrieval function gets.

use std::future::Future;

use futures_util::future::BoxFuture;

use crate::error::BoxError;

/// Storage for what refresh tokens and logout must remember, each record until a Unix time
/// after which the token it concerns is refused for its `exp` anyway:
///
/// - **used refresh tokens**, by `jti` ([`consume`](Self::consume)): a refresh token is
///   single-use, and presenting one that was used already is the sign of a stolen token;
/// - **revoked ids** ([`revoke`](Self::revoke), [`is_revoked`](Self::is_revoked)): an access
///   token's `jti` (logout), or a session's *family* id, which every access and refresh token
///   of one login shares (logout, and a reused refresh token).
///
/// [`MemoryStore`](crate::MemoryStore) keeps them in the process; an application that runs several processes or
/// must remember across restarts implements the trait over its database.
///
/// `S` is the backend's state, handed to every call, so that a store can read the database
/// pool the application keeps there. Implement the methods as `async fn`:
///
/// ```
/// use jwt_auth::{BoxError, TokenStore};
///
/// #[derive(Clone)]
/// struct AppState { /* a database pool */ }
///
/// struct SqlTokens;
///
/// impl TokenStore<AppState> for SqlTokens {
///     async fn consume(&self, state: &AppState, jti: &str, expires_at: u64) -> Result<bool, BoxError> {
///         // INSERT INTO used_tokens (jti, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING;
///         // true when a row was inserted
///         Ok(true)
///     }
///     async fn revoke(&self, state: &AppState, id: &str, expires_at: u64) -> Result<(), BoxError> {
///         Ok(())
///     }
///     async fn is_revoked(&self, state: &AppState, ids: &[&str]) -> Result<bool, BoxError> {
///         Ok(false)
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a token store for the state `{S}`",
    label = "implement `jwt_auth::TokenStore<{S}>` for `{Self}`, or use `jwt_auth::MemoryStore`"
)]
pub trait TokenStore<S = ()>: Send + Sync + 'static {
    /// Records that the refresh token `jti` was used. Returns `true` when this call is its
    /// first use, `false` when it had been used before. Must be atomic: of concurrent calls with
    /// the same `jti`, exactly one returns `true` (an `INSERT` that ignores conflicts and counts
    /// the rows it inserted, say).
    fn consume(
        &self,
        state: &S,
        jti: &str,
        expires_at: u64,
    ) -> impl Future<Output = Result<bool, BoxError>> + Send;

    /// Revokes `id` (an access token's `jti`, or a family) until `expires_at`.
    fn revoke(
        &self,
        state: &S,
        id: &str,
        expires_at: u64,
    ) -> impl Future<Output = Result<(), BoxError>> + Send;

    /// Whether any of `ids` (a token's `jti` and its family) is revoked.
    fn is_revoked(
        &self,
        state: &S,
        ids: &[&str],
    ) -> impl Future<Output = Result<bool, BoxError>> + Send;
}

/// [`TokenStore`] behind a pointer: the backend holds `Arc<dyn DynStore<S>>`.
pub(crate) trait DynStore<S>: Send + Sync {
    fn consume<'a>(
        &'a self,
        state: &'a S,
        jti: &'a str,
        expires_at: u64,
    ) -> BoxFuture<'a, Result<bool, BoxError>>;
    fn revoke<'a>(
        &'a self,
        state: &'a S,
        id: &'a str,
        expires_at: u64,
    ) -> BoxFuture<'a, Result<(), BoxError>>;
    fn is_revoked<'a>(
        &'a self,
        state: &'a S,
        ids: &'a [&'a str],
    ) -> BoxFuture<'a, Result<bool, BoxError>>;
}

impl<S: Sync, T: TokenStore<S>> DynStore<S> for T {
    fn consume<'a>(
        &'a self,
        state: &'a S,
        jti: &'a str,
        expires_at: u64,
    ) -> BoxFuture<'a, Result<bool, BoxError>> {
        Box::pin(TokenStore::consume(self, state, jti, expires_at))
    }

    fn revoke<'a>(
        &'a self,
        state: &'a S,
        id: &'a str,
        expires_at: u64,
    ) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(TokenStore::revoke(self, state, id, expires_at))
    }

    fn is_revoked<'a>(
        &'a self,
        state: &'a S,
        ids: &'a [&'a str],
    ) -> BoxFuture<'a, Result<bool, BoxError>> {
        Box::pin(TokenStore::is_revoked(self, state, ids))
    }
}
