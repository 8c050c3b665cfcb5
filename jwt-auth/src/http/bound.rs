//! The backend bound to the state its retrieval function reads: what the layer holds, asks
//! once per request, and leaves in the request for authentication on demand.

use std::any::Any;
use std::sync::Arc;

use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, Method, Uri};
use axum::response::Response;
use futures_util::future::{BoxFuture, Either};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument as _;

use crate::backend::JwtAuth;
use crate::backend::observe;
use crate::backend::pipeline::Step;
use crate::error::AuthError;
use crate::http::extract::{CurrentToken, CurrentUser};
use crate::http::state::{AuthState, Authenticated, Found, LazyAuth};

/// A backend bound to the state its retrieval function reads: what the layer holds.
pub(crate) struct Bound<U, S, C> {
    pub auth: JwtAuth<U, S, C>,
    pub state: S,
}

/// What authenticating a request comes to: the answer at once, or one future for the rest.
pub(crate) enum Outcome {
    /// What the request was authenticated as, or why it was refused.
    Ready(Result<Arc<dyn Authenticated>, AuthError>),
    /// The rest of the authentication, which awaits a hook or the remote JWKS.
    Pending(BoxFuture<'static, Result<Arc<dyn Authenticated>, AuthError>>),
}

impl<U, S, C> Bound<U, S, C>
where
    U: Clone + Send + Sync + 'static,
    S: Clone + Send + Sync + 'static,
    C: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    /// Authenticates a request that is not excluded, in one call: the layer's only question.
    pub(crate) fn authenticate(
        self: &Arc<Self>,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Outcome {
        let erased = |(user, token)| Found::erased(user, token);
        let span = self.auth.span();
        let step = self.auth.begin(method, uri, headers, &self.state, &span);
        let bound = Arc::clone(self);
        let rest = match step {
            Step::Done(outcome) => {
                observe::finish(&span, &self.auth.settings, &outcome);
                return Outcome::Ready(outcome.map(erased));
            }
            Step::Verified(token) => Either::Left(async move {
                let outcome = bound.auth.resolve(token, &bound.state).await;
                (bound, outcome)
            }),
            Step::Remote(jwt) => {
                let jwt = jwt.to_owned();
                Either::Right(Either::Left(async move {
                    let outcome = bound.auth.decode_remote(&jwt, &bound.state).await;
                    (bound, outcome)
                }))
            }
            Step::Ticket(token) => Either::Right(Either::Right(async move {
                let outcome = bound.auth.resolve_ticket(token, &bound.state).await;
                (bound, outcome)
            })),
        };
        Outcome::Pending(Box::pin(async move {
            let (bound, outcome) = rest.instrument(span.clone()).await;
            observe::finish(&span, &bound.auth.settings, &outcome);
            outcome.map(erased)
        }))
    }
}

impl<U, S, C> LazyAuth for Bound<U, S, C>
where
    U: Clone + Send + Sync + 'static,
    S: Clone + Send + Sync + 'static,
    C: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    fn authenticate<'a>(
        &'a self,
        parts: &'a Parts,
    ) -> BoxFuture<'a, Result<Arc<dyn Authenticated>, AuthError>> {
        Box::pin(async move {
            let (user, token) = self
                .auth
                .authenticate_request(&parts.method, &parts.uri, &parts.headers, &self.state)
                .await?;
            Ok(Found::erased(user, token))
        })
    }

    fn respond(&self, error: &AuthError) -> Response {
        self.auth.error_response(error)
    }

    fn user_type(&self) -> &'static str {
        std::any::type_name::<U>()
    }

    fn backend(&self) -> &(dyn Any + Send + Sync) {
        &self.auth
    }

    fn supersede(&self, extensions: &mut Extensions) {
        extensions.remove::<CurrentUser<U>>();
        extensions.remove::<CurrentToken<C>>();
    }

    fn admit(self: Arc<Self>, found: Option<Arc<dyn Authenticated>>, extensions: &mut Extensions) {
        extensions.remove::<JwtAuth<U, S, C>>();
        if found.is_some() {
            self.supersede(extensions);
        }
        let state = AuthState {
            handle: self,
            found,
            outer: None,
        };
        state.attach(extensions);
    }
}
