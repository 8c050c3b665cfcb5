//! Extractors: the user and the token (Litestar's `request.user` and `request.auth`), their
//! optional forms for routes open to anonymous callers, and the backend itself.
//!
//! On an excluded route the layer has not authenticated anything; these extractors then
//! authenticate on demand, so a handler that needs a user still gets one (or a 401). On a route
//! no `jwt-auth` layer saw (one added after `install`) they refuse with 401 and log the fix:
//! such a route is never open by accident.
//!
//! The layer keeps the user and the token in one request extension of its own (one insertion
//! per request, not one per type), so they are read through these extractors, or with
//! [`CurrentUser::from_extensions`] and [`CurrentToken::from_extensions`], not with
//! `request.extensions().get::<CurrentUser<U>>()`. A middleware of the application's behind the
//! layer takes them as arguments of [`axum::middleware::from_fn`], as a handler does. A
//! `CurrentUser` or `CurrentToken` that the application inserts behind the layer replaces the
//! layer's, for the extractors too.

use std::ops::Deref;
use std::sync::Arc;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::Extensions;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use crate::backend::JwtAuth;
use crate::error::{AuthError, ErrorBody};
use crate::http::state::{AuthState, Authenticated, LazyAuth};
use crate::token::model::{Extras, Token};

/// A type some backend's retrieval function returns: what [`CurrentUser`] may ask for, so that
/// `CurrentUser<Other>` of a type no backend returns is a compile error rather than a 500 at
/// run time.
///
/// `#[jwt_auth]` implements it for its function's user type (for `User` when the function
/// returns `Arc<User>` or `Box<User>`; `String` has it already). With two attributes over one
/// user type, write `user_impl = false` on the second: one impl per type. With the builder,
/// implement it yourself: `impl jwt_auth::AuthUser for User {}`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the user type of any `#[jwt_auth]` backend",
    label = "`CurrentUser<{Self}>` asks for a user type that no retrieval function returns",
    note = "write `CurrentUser<U>` with the `U` of the retrieval function's `Option<U>`; with \
            the builder, `impl jwt_auth::AuthUser for {Self} {{}}`"
)]
pub trait AuthUser {}

impl<U: AuthUser + ?Sized> AuthUser for std::sync::Arc<U> {}

impl<U: AuthUser + ?Sized> AuthUser for Box<U> {}

impl AuthUser for String {}

/// The authenticated user, as the retrieval function returned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentUser<U>(pub U);

impl<U: AuthUser + Clone + Send + Sync + 'static> CurrentUser<U> {
    /// The user of a request the layer authenticated, from its extensions, for code that has
    /// the request rather than extractors (a `tower::Service` behind the layer, say). Never
    /// authenticates on demand: `None` on an excluded route, where the extractor would.
    #[must_use]
    pub fn from_extensions(extensions: &Extensions) -> Option<Self> {
        found(extensions)
    }
}

impl<U> Deref for CurrentUser<U> {
    type Target = U;

    fn deref(&self) -> &U {
        &self.0
    }
}

/// The decoded token of the authenticated request.
#[derive(Debug, PartialEq, Eq)]
pub struct CurrentToken<C = Extras>(pub Arc<Token<C>>);

impl<C> Clone for CurrentToken<C> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<C: Send + Sync + 'static> CurrentToken<C> {
    /// The token of a request the layer authenticated, from its extensions; see
    /// [`CurrentUser::from_extensions`].
    #[must_use]
    pub fn from_extensions(extensions: &Extensions) -> Option<Self> {
        found(extensions)
    }
}

impl<C> Deref for CurrentToken<C> {
    type Target = Token<C>;

    fn deref(&self) -> &Token<C> {
        &self.0
    }
}

/// What authentication on demand found.
enum Lookup<T> {
    Found(T),
    /// No token was sent (the optional extractors answer `None`).
    Anonymous(Response),
    Failed(Response),
}

/// The refusal of a request that no `jwt-auth` layer saw: a 401, never a pass, and the fix in
/// the log.
fn not_installed() -> Response {
    tracing::error!(
        "jwt-auth: a handler asks for the user, the token or the backend on a route without \
         the authentication layer (added after `auth.install(router, state)`, or merged in \
         unprotected); the request is refused with 401. Add the route before `install`, or \
         wrap it with `route_layer(auth.layer(state))`"
    );
    AuthError::NotInstalled.default_response()
}

pub(crate) fn type_mismatch(asked: &str, handle: &dyn LazyAuth) -> Response {
    let detail = format!(
        "jwt-auth: the handler asks for `{asked}`, but the layer's user type is `{}` \
         (and its claims type is set by `claims = ...`)",
        handle.user_type()
    );
    tracing::error!("{detail}");
    ErrorBody::response(axum::http::StatusCode::INTERNAL_SERVER_ERROR, &detail)
}

/// An extractor's value: what it takes from an authenticated request.
trait Projected: Clone + Send + Sync + 'static {
    /// The value, when the request was authenticated with this type.
    fn project(found: &dyn Authenticated) -> Option<Self>;
}

impl<U: AuthUser + Clone + Send + Sync + 'static> Projected for CurrentUser<U> {
    fn project(found: &dyn Authenticated) -> Option<Self> {
        found.user().downcast_ref::<U>().cloned().map(CurrentUser)
    }
}

impl<C: Send + Sync + 'static> Projected for CurrentToken<C> {
    fn project(found: &dyn Authenticated) -> Option<Self> {
        found
            .token()
            .downcast_ref::<Arc<Token<C>>>()
            .map(|token| CurrentToken(Arc::clone(token)))
    }
}

/// `T` from the extensions, without authenticating: one the application inserted itself (the
/// layer removes those that came before it, so this one came after), else what the layers
/// authenticated, innermost first.
fn found<T: Projected>(extensions: &Extensions) -> Option<T> {
    if let Some(found) = extensions.get::<T>() {
        return Some(found.clone());
    }
    extensions.get::<AuthState>().and_then(|state| {
        state
            .layers()
            .find_map(|layer| layer.found.as_deref().and_then(T::project))
    })
}

/// Finds `T` as [`found`] does, authenticating on demand when the layer skipped the request.
async fn lookup<T: Projected>(parts: &mut Parts) -> Lookup<T> {
    if let Some(found) = found::<T>(&parts.extensions) {
        return Lookup::Found(found);
    }
    let Some(state) = parts.extensions.get::<AuthState>() else {
        return Lookup::Failed(not_installed());
    };
    let handle = Arc::clone(&state.handle);
    match handle.authenticate(parts).await {
        Ok(found) => {
            let projected = T::project(&*found);
            handle.supersede(&mut parts.extensions);
            if let Some(state) = parts.extensions.get_mut::<AuthState>() {
                state.found = Some(found);
            }
            match projected {
                Some(projected) => Lookup::Found(projected),
                None => Lookup::Failed(type_mismatch(std::any::type_name::<T>(), &*handle)),
            }
        }
        Err(error @ AuthError::MissingToken { .. }) => Lookup::Anonymous(handle.respond(&error)),
        Err(error) => Lookup::Failed(handle.respond(&error)),
    }
}

/// Makes sure the request is authenticated, for a guard: by the layer, else on demand (on an
/// excluded route), the answer kept for the extractors after it. Without a valid token, the
/// layer's refusal (a 401).
pub(crate) async fn authenticate_on_demand(parts: &mut Parts) -> Result<(), Response> {
    let Some(state) = parts.extensions.get::<AuthState>() else {
        return Err(not_installed());
    };
    if state.layers().any(|layer| layer.found.is_some()) {
        return Ok(());
    }
    let handle = Arc::clone(&state.handle);
    let found = handle
        .authenticate(parts)
        .await
        .map_err(|error| handle.respond(&error))?;
    handle.supersede(&mut parts.extensions);
    if let Some(state) = parts.extensions.get_mut::<AuthState>() {
        state.found = Some(found);
    }
    Ok(())
}

async fn required<T: Projected>(parts: &mut Parts) -> Result<T, Response> {
    match lookup::<T>(parts).await {
        Lookup::Found(found) => Ok(found),
        Lookup::Anonymous(response) | Lookup::Failed(response) => Err(response),
    }
}

async fn optional<T: Projected>(parts: &mut Parts) -> Result<Option<T>, Response> {
    match lookup::<T>(parts).await {
        Lookup::Found(found) => Ok(Some(found)),
        Lookup::Anonymous(_) => Ok(None),
        Lookup::Failed(response) => Err(response),
    }
}

impl<U, S> FromRequestParts<S> for CurrentUser<U>
where
    U: AuthUser + Clone + Send + Sync + 'static,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        required(parts).await
    }
}

/// `Option<CurrentUser<U>>`: `None` when no token was sent; an invalid token is still a 401.
impl<U, S> OptionalFromRequestParts<S> for CurrentUser<U>
where
    U: AuthUser + Clone + Send + Sync + 'static,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Response> {
        optional(parts).await
    }
}

impl<C, S> FromRequestParts<S> for CurrentToken<C>
where
    C: Send + Sync + 'static,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        required(parts).await
    }
}

/// `Option<CurrentToken<C>>`: `None` when no token was sent; an invalid token is still a 401.
impl<C, S> OptionalFromRequestParts<S> for CurrentToken<C>
where
    C: Send + Sync + 'static,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Response> {
        optional(parts).await
    }
}

/// The backend itself, for login handlers: the layer puts it in every request it sees,
/// excluded ones included. In the cookie flows, a cross-site unsafe request is refused here
/// with 403 (see [`CsrfSettings`](crate::CsrfSettings)): a handler that takes the backend sets
/// or clears the cookie, and a cross-site form must not log the victim in as the attacker.
impl<U, SS, C, S> FromRequestParts<S> for JwtAuth<U, SS, C>
where
    U: Send + Sync + 'static,
    SS: Send + Sync + 'static,
    C: Send + Sync + 'static,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        // One the application added behind the layer (the layer removes those that came
        // before it), else the backend of the innermost layer of this type.
        let backend = parts
            .extensions
            .get::<Self>()
            .or_else(|| {
                parts.extensions.get::<AuthState>().and_then(|state| {
                    state
                        .layers()
                        .find_map(|layer| layer.handle.backend().downcast_ref::<Self>())
                })
            })
            .cloned()
            .ok_or_else(|| not_installed().into_response())?;
        let settings = &backend.settings;
        if settings.flow.uses_cookie()
            && !settings
                .csrf
                .allows(&parts.method, &parts.uri, &parts.headers)
        {
            let error = AuthError::CrossSite;
            tracing::debug!(%error, "jwt-auth: cross-site request to a login handler refused");
            return Err(settings.error_response(&error));
        }
        Ok(backend)
    }
}
