//! What the layer leaves in a request for the extractors: the backend, for authentication on
//! demand, and, once the request is authenticated, its user and token, type-erased so that an
//! extractor that knows only the user type (or only the claims type) finds its part.

use std::any::Any;
use std::sync::Arc;

use axum::http::Extensions;
use axum::http::request::Parts;
use axum::response::Response;
use futures_util::future::BoxFuture;

use crate::error::AuthError;
use crate::token::model::Token;

/// Authentication on demand, for extractors on excluded routes, and what the layer does with
/// its answer; type-erased so that an extractor that knows only the user type (or only the
/// claims type) can use it, and the layer's future need not name the backend's types.
pub(crate) trait LazyAuth: Send + Sync {
    /// Authenticates from the request's method, URI and headers.
    fn authenticate<'a>(
        &'a self,
        parts: &'a Parts,
    ) -> BoxFuture<'a, Result<Arc<dyn Authenticated>, AuthError>>;
    /// Renders a failure with the backend's error handler.
    fn respond(&self, error: &AuthError) -> Response;
    /// The user type's name, for the message of a mismatched extractor.
    fn user_type(&self) -> &'static str;
    /// The backend (a `JwtAuth<U, S, C>`), for its extractor.
    fn backend(&self) -> &(dyn Any + Send + Sync);
    /// Drops the application's own `CurrentUser<U>` and `CurrentToken<C>` extensions, which
    /// what this backend authenticated replaces.
    fn supersede(&self, extensions: &mut Extensions);
    /// Lets a request through the layer: what the layer found replaces what came with the
    /// request (an enclosing layer's of the same types included); the application's own values
    /// inserted behind the layer still win (the extractors look at them first).
    fn admit(self: Arc<Self>, found: Option<Arc<dyn Authenticated>>, extensions: &mut Extensions);
}

/// What authentication found, type-erased: `CurrentUser<U>` downcasts the user and
/// `CurrentToken<C>` the token, each knowing only its own type.
pub(crate) trait Authenticated: Send + Sync {
    /// The user, a `U`.
    fn user(&self) -> &(dyn Any + Send + Sync);
    /// The token, an `Arc<Token<C>>`.
    fn token(&self) -> &(dyn Any + Send + Sync);
}

/// The user and the token of an authenticated request.
pub(crate) struct Found<U, C> {
    user: U,
    token: Arc<Token<C>>,
}

impl<U, C> Found<U, C>
where
    U: Send + Sync + 'static,
    C: Send + Sync + 'static,
{
    pub(crate) fn erased(user: U, token: Arc<Token<C>>) -> Arc<dyn Authenticated> {
        Arc::new(Self { user, token })
    }
}

impl<U, C> Authenticated for Found<U, C>
where
    U: Send + Sync + 'static,
    C: Send + Sync + 'static,
{
    fn user(&self) -> &(dyn Any + Send + Sync) {
        &self.user
    }

    fn token(&self) -> &(dyn Any + Send + Sync) {
        &self.token
    }
}

/// The one request extension the layer adds to every request it lets through, excluded or
/// not: the backend (for on-demand authentication and the backend extractor) and, once a
/// request is authenticated, its user and token. One extension instead of one per type keeps
/// the per-request cost to one insertion.
#[derive(Clone)]
pub(crate) struct AuthState {
    pub handle: Arc<dyn LazyAuth>,
    pub found: Option<Arc<dyn Authenticated>>,
    /// The state of an enclosing `jwt-auth` layer, when layers are nested: the extractors look
    /// from the innermost layer outwards, as they found the innermost layer's values (which
    /// replaced an outer layer's of the same types) when each type had its own extension.
    pub outer: Option<Box<AuthState>>,
}

impl AuthState {
    /// This layer's state, then the enclosing layers'.
    pub fn layers(&self) -> impl Iterator<Item = &Self> {
        std::iter::successors(Some(self), |state| state.outer.as_deref())
    }

    /// Adds the state to a request, keeping an enclosing layer's as [`Self::outer`].
    pub(crate) fn attach(self, extensions: &mut Extensions) {
        if let Some(outer) = extensions.insert(self)
            && let Some(state) = extensions.get_mut::<Self>()
        {
            state.outer = Some(Box::new(outer));
        }
    }
}
