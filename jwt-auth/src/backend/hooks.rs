//! The application's hooks (the retrieval function, the revocation check, the token store) and
//! how they are called: a panic or an error in one is logged and becomes a 500.

use std::fmt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;

use crate::error::{AuthError, BoxError};
use crate::http::cache::TokenCache;
use crate::session::store::{DynStore, is_unavailable};
use crate::token::model::Token;

/// What a user-retrieval function may return: `Option<User>` or `Result<Option<User>, E>`.
#[diagnostic::on_unimplemented(
    message = "a user-retrieval function must return `Option<{U}>` or `Result<Option<{U}>, E>`",
    label = "returns `{Self}`"
)]
pub trait IntoRetrieved<U> {
    /// Converts into the common shape.
    fn into_retrieved(self) -> Result<Option<U>, BoxError>;
}

impl<U> IntoRetrieved<U> for Option<U> {
    fn into_retrieved(self) -> Result<Option<U>, BoxError> {
        Ok(self)
    }
}

impl<U, E: Into<BoxError>> IntoRetrieved<U> for Result<Option<U>, E> {
    fn into_retrieved(self) -> Result<Option<U>, BoxError> {
        self.map_err(Into::into)
    }
}

/// What a revocation check may return: `bool` (true = revoked) or `Result<bool, E>`.
#[diagnostic::on_unimplemented(
    message = "a revocation check must return `bool` or `Result<bool, E>`",
    label = "returns `{Self}`"
)]
pub trait IntoRevoked {
    /// Converts into the common shape.
    fn into_revoked(self) -> Result<bool, BoxError>;
}

impl IntoRevoked for bool {
    fn into_revoked(self) -> Result<bool, BoxError> {
        Ok(self)
    }
}

impl<E: Into<BoxError>> IntoRevoked for Result<bool, E> {
    fn into_revoked(self) -> Result<bool, BoxError> {
        self.map_err(Into::into)
    }
}

/// A user-retrieval function in its most general shape: borrowed token and state.
pub type RetrieveFn<U, S, C> = dyn for<'a> Fn(&'a Arc<Token<C>>, &'a S) -> BoxFuture<'a, Result<Option<U>, BoxError>>
    + Send
    + Sync;

/// A synchronous user-retrieval function in the same shape: it answers at once, so the backend
/// calls it without a future (no allocation per request).
pub type SyncRetrieveFn<U, S, C> =
    dyn for<'a> Fn(&'a Arc<Token<C>>, &'a S) -> Result<Option<U>, BoxError> + Send + Sync;

/// The retrieval function, synchronous or not.
pub(crate) enum Retrieve<U, S, C> {
    Sync(Arc<SyncRetrieveFn<U, S, C>>),
    Async(Arc<RetrieveFn<U, S, C>>),
}

/// A revocation check in its most general shape.
pub type RevokedFn<S, C> =
    dyn for<'a> Fn(&'a Arc<Token<C>>, &'a S) -> BoxFuture<'a, Result<bool, BoxError>> + Send + Sync;

/// The hooks of a backend, and the caches that depend on its types.
pub(crate) struct Hooks<U, S, C> {
    pub retrieve: Retrieve<U, S, C>,
    pub revoked: Option<Arc<RevokedFn<S, C>>>,
    /// Verified tokens, and tokens with a bad signature.
    pub cache: TokenCache<C>,
    /// Used refresh tokens and revoked ids.
    pub store: Option<Arc<dyn DynStore<S>>>,
}

/// Calls a hook (`what`: the retrieval function, the revocation check, the token store) and
/// awaits its future, catching a panic in either step: a synchronous revocation check
/// (`revoked_sync`) runs while its future is created, not when it is polled.
/// An error or a panic is logged and becomes [`AuthError::Internal`] (a 500), but a token
/// store's [`StoreUnavailable`](crate::session::StoreUnavailable), which is
/// [`AuthError::Unavailable`] (a 503).
pub(crate) async fn guarded<'a, T>(
    what: &str,
    call: impl FnOnce() -> BoxFuture<'a, Result<T, BoxError>>,
) -> Result<T, AuthError> {
    let outcome = match std::panic::catch_unwind(AssertUnwindSafe(call)) {
        Ok(future) => AssertUnwindSafe(future).catch_unwind().await,
        Err(panic) => Err(panic),
    };
    settle(what, outcome)
}

/// [`guarded`] for a hook that answers at once, without a future.
pub(crate) fn guarded_sync<T>(
    what: &str,
    call: impl FnOnce() -> Result<T, BoxError>,
) -> Result<T, AuthError> {
    settle(what, std::panic::catch_unwind(AssertUnwindSafe(call)))
}

/// A hook's outcome: its value, or its error or panic logged as a 500.
fn settle<T>(
    what: &str,
    outcome: Result<Result<T, BoxError>, Box<dyn std::any::Any + Send>>,
) -> Result<T, AuthError> {
    match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) if is_unavailable(&error) => {
            tracing::warn!(error = %error, "jwt-auth: {what} unavailable, request refused");
            Err(AuthError::Unavailable)
        }
        Ok(Err(error)) => Err(internal(&format!("{what} failed"), &*error)),
        Err(_) => Err(internal(&format!("{what} panicked"), &"panic")),
    }
}

pub(crate) fn internal(what: &str, error: &dyn fmt::Display) -> AuthError {
    tracing::error!(error = %error, "jwt-auth: {what}");
    AuthError::Internal
}
