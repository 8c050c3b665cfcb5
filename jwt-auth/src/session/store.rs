//! The [`TokenStore`] trait: what refresh tokens and logout must remember, bounded per
//! subject, and the values its methods take.
//!
//! [`MemoryStore`](crate::MemoryStore) keeps it in the process; `RedisStore` (feature `redis`)
//! in Redis, shared by every instance of an application; an application can implement the
//! trait over its database, reading it through the state `S` its retrieval function gets.

use std::fmt;
use std::future::Future;

use futures_util::future::BoxFuture;

use crate::error::BoxError;
use crate::session::ids::family_of;

/// How many family and `jti` records a store keeps per subject unless told otherwise: 32
/// sessions (devices, browsers) at once; a 33rd logs the least recently active one out.
pub const DEFAULT_MAX_FAMILIES: usize = 32;

/// A presented access or refresh token, as a store sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenRef<'a> {
    /// The `sub` claim.
    pub subject: &'a str,
    /// The `jti` claim.
    pub jti: Option<&'a str>,
    /// The login family of the `jti`, for a token minted here.
    pub family: Option<&'a str>,
    /// The `iat` claim.
    pub issued_at: Option<u64>,
}

impl<'a> TokenRef<'a> {
    /// A token of `subject` with this `jti` (its family read from it) and `iat`.
    #[must_use]
    pub fn new(subject: &'a str, jti: Option<&'a str>, issued_at: Option<u64>) -> Self {
        Self {
            subject,
            jti,
            family: jti.and_then(family_of),
            issued_at,
        }
    }
}

/// A refresh: spending the refresh token of generation [`generation`](Self::generation) of a
/// family. See [`TokenStore::rotate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rotation<'a> {
    /// The subject of the family.
    pub subject: &'a str,
    /// The family.
    pub family: &'a str,
    /// The presented refresh token's generation: 0 for the one of the login, one more at each
    /// refresh.
    pub generation: u64,
    /// The presented refresh token's `iat` (compared with the subject's cutoff).
    pub issued_at: Option<u64>,
    /// Now: the `iat` of the pair the refresh issues.
    pub at: u64,
    /// Until when the family's record must last: past the expiry of every token the family
    /// may hold.
    pub expires_at: u64,
}

/// What a [`TokenStore::rotate`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rotated {
    /// The first use of this generation: recorded, the refresh goes on.
    First,
    /// This generation, or a later one, was spent already: a stolen token or a replay. The
    /// store has revoked the family in the same step.
    Reused,
    /// The family was revoked before, or the token was issued at or before the subject's
    /// cutoff.
    Revoked,
}

/// What a [`Revocation`] revokes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Target<'a> {
    /// One token, by `jti` (a token without a family: its `jti` was set by the application).
    Token(&'a str),
    /// Every token of a login family.
    Family(&'a str),
    /// Every token of the subject issued at or before [`Revocation::at`] (log out everywhere).
    Subject,
}

/// A revocation: logout, log out everywhere, or a reused refresh token's family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Revocation<'a> {
    /// The subject whose token, family or tokens are revoked.
    pub subject: &'a str,
    /// What is revoked.
    pub target: Target<'a>,
    /// Now: every token concerned was issued at or before it.
    pub at: u64,
    /// Until when the record must last: past the expiry of every token it concerns.
    pub expires_at: u64,
}

impl<'a> Revocation<'a> {
    /// A revocation of `target` of `subject` at `at`, kept until `expires_at`.
    #[must_use]
    pub fn new(subject: &'a str, target: Target<'a>, at: u64, expires_at: u64) -> Self {
        Self {
            subject,
            target,
            at,
            expires_at,
        }
    }
}

/// The error of a store that cannot answer for now and refuses rather than guess: the link to
/// its shared state has been down longer than its staleness bound. Authenticated requests get a
/// 503 ([`AuthError::Unavailable`](crate::AuthError::Unavailable)), a refresh
/// [`RefreshError::Unavailable`](crate::RefreshError::Unavailable); any other store error is a
/// 500.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreUnavailable {
    reason: String,
}

impl StoreUnavailable {
    /// An unavailability, with what the logs should say.
    #[must_use]
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }
}

impl fmt::Display for StoreUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the token store is unavailable: {}", self.reason)
    }
}

impl std::error::Error for StoreUnavailable {}

/// Whether a store's error is a [`StoreUnavailable`].
pub(crate) fn is_unavailable(error: &BoxError) -> bool {
    error.is::<StoreUnavailable>()
}

/// Storage for what refresh tokens and logout must remember, per subject (`sub`), each record
/// until a Unix time after which every token it concerns is refused for its `exp` anyway:
///
/// - one record per **login family** that was refreshed: the highest refresh-token
///   *generation* spent. Each refresh token carries its generation (0 at login, one more at
///   each refresh); a refresh with generation `g` is the first use iff `g` is above the
///   recorded one, so a family holds one record whatever the number of refreshes, and a login
///   writes nothing;
/// - **revoked families** (logout, a reused refresh token) and revoked `jti`s of tokens without
///   a family;
/// - a **cutoff** (log out everywhere): every token of the subject issued at or before it is
///   refused, and a token without `iat` too.
///
/// Per subject, a store keeps at most a fixed number of family and `jti` records
/// ([`DEFAULT_MAX_FAMILIES`] by default). A record beyond it evicts the least recently active
/// one by raising the cutoff to that record's time: its tokens stay refused, as do the
/// subject's tokens issued no later (the oldest sessions), and every record the cutoff covers
/// goes. So an account that refreshes, logs in or logs out in a loop holds a bounded number of
/// records.
///
/// `S` is the backend's state, handed to every call, so that a store can read the database
/// pool the application keeps there. Implement the methods as `async fn`:
///
/// ```
/// use jwt_auth::session::{Revocation, Rotated, Rotation, TokenRef};
/// use jwt_auth::{BoxError, TokenStore};
///
/// #[derive(Clone)]
/// struct AppState { /* a database pool */ }
///
/// struct SqlTokens;
///
/// impl TokenStore<AppState> for SqlTokens {
///     async fn rotate(&self, state: &AppState, r: &Rotation<'_>) -> Result<Rotated, BoxError> {
///         // Revoked when the subject's cutoff covers r.issued_at or the family is revoked;
///         // then, in one statement, the compare-and-set:
///         // INSERT INTO families (family, sub, spent, at, expires_at) VALUES (?, ?, ?, ?, ?)
///         //   ON CONFLICT (family) DO UPDATE SET spent = excluded.spent, ...
///         //   WHERE families.spent < excluded.spent;
///         // one row changed: First (then keep the subject's families under the cap);
///         // none: mark the family revoked, Reused.
///         Ok(Rotated::First)
///     }
///     async fn revoke(&self, state: &AppState, revocation: &Revocation<'_>) -> Result<(), BoxError> {
///         Ok(())
///     }
///     async fn is_revoked(&self, state: &AppState, token: &TokenRef<'_>) -> Result<bool, BoxError> {
///         Ok(false)
///     }
/// }
/// ```
///
/// Every authenticated request asks [`check_locally`](Self::check_locally) first: a store that
/// keeps a local view of what is revoked ([`MemoryStore`](crate::MemoryStore), `RedisStore`)
/// answers there, and the request never waits; only a store that answers `None` is asked
/// [`is_revoked`](Self::is_revoked).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a token store for the state `{S}`",
    label = "implement `jwt_auth::TokenStore<{S}>` for `{Self}`, or use `jwt_auth::MemoryStore`"
)]
pub trait TokenStore<S = ()>: Send + Sync + 'static {
    /// Spends a refresh token, atomically: of concurrent calls with one family and generation,
    /// exactly one gets [`Rotated::First`].
    ///
    /// - [`Rotated::Revoked`] when the family is revoked, or the subject has a cutoff and the
    ///   token was issued at or before it (or has no `iat`);
    /// - [`Rotated::Reused`] when the family's recorded generation is at or above
    ///   `rotation.generation`: the family is then revoked, in the same step;
    /// - [`Rotated::First`] otherwise: the family's record now holds `rotation.generation`, its
    ///   activity time `rotation.at`, and lasts until `rotation.expires_at`. A family recorded
    ///   for the first time counts against the subject's cap.
    fn rotate(
        &self,
        state: &S,
        rotation: &Rotation<'_>,
    ) -> impl Future<Output = Result<Rotated, BoxError>> + Send;

    /// Records a revocation until `revocation.expires_at` (a later revocation of the same target
    /// extends it; a cutoff only rises). A cutoff removes the records it covers (activity at or
    /// before it).
    fn revoke(
        &self,
        state: &S,
        revocation: &Revocation<'_>,
    ) -> impl Future<Output = Result<(), BoxError>> + Send;

    /// Whether the token is revoked: its `jti` or its family revoked, or the subject's cutoff
    /// at or after its `iat` (or the token has no `iat`).
    fn is_revoked(
        &self,
        state: &S,
        token: &TokenRef<'_>,
    ) -> impl Future<Output = Result<bool, BoxError>> + Send;

    /// [`is_revoked`](Self::is_revoked) from a local view, without waiting: `Some` answer, or
    /// `None` to be asked asynchronously (the default). A store whose view may be stale
    /// answers `Some(Err(StoreUnavailable))` past its bound rather than guess.
    fn check_locally(&self, token: &TokenRef<'_>) -> Option<Result<bool, BoxError>> {
        let _ = token;
        None
    }

    /// Spends a one-use WebSocket ticket ([`JwtAuth::websocket_ticket`]) for every instance
    /// that shares the store: `Some(true)` the first time `jti` is spent, `Some(false)` after,
    /// until `expires_at` (the ticket's `exp`, Unix seconds). The default, `None`, leaves it to
    /// each process, which remembers the tickets it accepted: with several instances and such
    /// a store, a ticket is accepted once per instance.
    ///
    /// [`JwtAuth::websocket_ticket`]: crate::JwtAuth::websocket_ticket
    fn spend_ticket(
        &self,
        state: &S,
        jti: &str,
        expires_at: u64,
    ) -> impl Future<Output = Result<Option<bool>, BoxError>> + Send {
        let _ = (state, jti, expires_at);
        std::future::ready(Ok(None))
    }
}

/// [`TokenStore`] behind a pointer: the backend holds `Arc<dyn DynStore<S>>`.
pub(crate) trait DynStore<S>: Send + Sync {
    fn rotate<'a>(
        &'a self,
        state: &'a S,
        rotation: &'a Rotation<'a>,
    ) -> BoxFuture<'a, Result<Rotated, BoxError>>;
    fn revoke<'a>(
        &'a self,
        state: &'a S,
        revocation: &'a Revocation<'a>,
    ) -> BoxFuture<'a, Result<(), BoxError>>;
    fn is_revoked<'a>(
        &'a self,
        state: &'a S,
        token: &'a TokenRef<'a>,
    ) -> BoxFuture<'a, Result<bool, BoxError>>;
    fn check_locally(&self, token: &TokenRef<'_>) -> Option<Result<bool, BoxError>>;
    fn spend_ticket<'a>(
        &'a self,
        state: &'a S,
        jti: &'a str,
        expires_at: u64,
    ) -> BoxFuture<'a, Result<Option<bool>, BoxError>>;
}

impl<S: Sync, T: TokenStore<S>> DynStore<S> for T {
    fn rotate<'a>(
        &'a self,
        state: &'a S,
        rotation: &'a Rotation<'a>,
    ) -> BoxFuture<'a, Result<Rotated, BoxError>> {
        Box::pin(TokenStore::rotate(self, state, rotation))
    }

    fn revoke<'a>(
        &'a self,
        state: &'a S,
        revocation: &'a Revocation<'a>,
    ) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(TokenStore::revoke(self, state, revocation))
    }

    fn is_revoked<'a>(
        &'a self,
        state: &'a S,
        token: &'a TokenRef<'a>,
    ) -> BoxFuture<'a, Result<bool, BoxError>> {
        Box::pin(TokenStore::is_revoked(self, state, token))
    }

    fn check_locally(&self, token: &TokenRef<'_>) -> Option<Result<bool, BoxError>> {
        TokenStore::check_locally(self, token)
    }

    fn spend_ticket<'a>(
        &'a self,
        state: &'a S,
        jti: &'a str,
        expires_at: u64,
    ) -> BoxFuture<'a, Result<Option<bool>, BoxError>> {
        Box::pin(TokenStore::spend_ticket(self, state, jti, expires_at))
    }
}
