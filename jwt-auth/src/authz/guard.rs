//! The guard and the extractor that enforces it.

use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Response;

use crate::error::AuthError;
use crate::http::extract::{authenticate_on_demand, type_mismatch};
use crate::http::state::AuthState;
use crate::token::model::Token;

/// What a route requires of an authenticated request, beyond authentication: Litestar's
/// guards, `FastAPI`'s `Security(..., scopes=[...])`, Spring's `hasAuthority`.
///
/// `#[requires(...)]` implements it for a handler; implement it by hand for a guard of your
/// own and take [`Guarded<YourGuard>`] in the handler:
///
/// ```
/// use jwt_auth::{AuthError, Guard, Guarded, Token};
///
/// #[derive(Clone)]
/// struct User { admin: bool }
///
/// struct Admins;
///
/// impl Guard for Admins {
///     type User = User;
///     type Claims = jwt_auth::Extras;
///
///     async fn check(user: &User, token: &Token) -> Result<(), AuthError> {
///         if !token.has_scope("users:read") {
///             return Err(AuthError::InsufficientScope { scope: "users:read" });
///         }
///         if user.admin { Ok(()) } else { Err(AuthError::Forbidden) }
///     }
/// }
///
/// async fn list_users(_: Guarded<Admins>) -> &'static str { "..." }
/// ```
pub trait Guard: Send + Sync + 'static {
    /// The backend's user type, as its retrieval function returns it.
    type User: Send + Sync + 'static;
    /// The backend's claims type.
    type Claims: Send + Sync + 'static;

    /// Admits the request, or refuses it: [`AuthError::InsufficientScope`] for a missing scope,
    /// [`AuthError::Forbidden`] for anything else (both 403 through the backend's error
    /// handler). A guard that awaits nothing costs no allocation.
    fn check(
        user: &Self::User,
        token: &Token<Self::Claims>,
    ) -> impl Future<Output = Result<(), AuthError>> + Send;
}

/// The extractor that enforces a [`Guard`]: the first parameter of a guarded handler, so that
/// the guard runs before the other extractors (before the body is read). On a route the layer
/// excluded it authenticates on demand, as [`CurrentUser`](crate::CurrentUser) does; without a
/// valid token it answers the layer's 401, and a refusal the 403 of
/// [`Guard::check`], both through the backend's error handler.
pub struct Guarded<G>(PhantomData<fn() -> G>);

impl<G> std::fmt::Debug for Guarded<G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(std::any::type_name::<Self>())
    }
}

impl<G: Guard, S: Send + Sync> FromRequestParts<S> for Guarded<G> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        authenticate_on_demand(parts).await?;
        let Some(state) = parts.extensions.get::<AuthState>() else {
            // `authenticate_on_demand` answered the request that no layer saw.
            return Err(AuthError::NotInstalled.default_response());
        };
        // The innermost layer that authenticated a user and a token of the guard's types,
        // borrowed: a guard clones nothing.
        let found = state.layers().find_map(|layer| {
            let found = layer.found.as_deref()?;
            let user = found.user().downcast_ref::<G::User>()?;
            let token = found.token().downcast_ref::<Arc<Token<G::Claims>>>()?;
            Some((user, token, &layer.handle))
        });
        let Some((user, token, handle)) = found else {
            return Err(type_mismatch(
                std::any::type_name::<G::User>(),
                &*state.handle,
            ));
        };
        match G::check(user, token).await {
            Ok(()) => Ok(Self(PhantomData)),
            Err(error) => {
                tracing::debug!(%error, "jwt-auth: a guard refused the request");
                Err(handle.respond(&error))
            }
        }
    }
}
