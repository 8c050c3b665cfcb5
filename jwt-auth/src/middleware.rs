//! The tower middleware: authenticates each request that is not excluded and stores the user
//! and the token in the request extensions.
//!
//! Add it with [`JwtAuth::install`] so that routing comes first, as in Litestar: an unknown path
//! stays 404 and a wrong method 405. With [`Router::route_layer`](axum::Router::route_layer)
//! alone an unknown path stays 404 but a wrong method becomes a 401 (axum wraps each route's
//! 405 fallback too); with [`Router::layer`](axum::Router::layer) the fallback is protected too.

use std::any::Any;
use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::{OriginalUri, Request};
use axum::http::Extensions;
use axum::http::request::Parts;
use axum::response::Response;
use futures_util::future::BoxFuture;
use pin_project_lite::pin_project;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tower::{Layer, Service};

use crate::backend::{JwtAuth, Progress};
use crate::error::AuthError;
use crate::extract::{CurrentToken, CurrentUser};
use crate::token::Token;

/// A backend bound to the state its retrieval function reads.
pub(crate) struct Bound<U, S, C> {
    pub auth: JwtAuth<U, S, C>,
    pub state: S,
}

/// Authentication on demand, for extractors on excluded routes; type-erased so that an
/// extractor that knows only the user type (or only the claims type) can use it.
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
    /// what this backend authenticated replaces (as its own insertion of them did, before
    /// they had one extension together).
    fn supersede(&self, extensions: &mut Extensions);
}

impl<U, S, C> Bound<U, S, C>
where
    U: Clone + Send + Sync + 'static,
    S: Clone + Send + Sync + 'static,
    C: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    /// The rest of the authentication, which awaits a hook or the remote JWKS, then the route:
    /// one boxed future.
    fn later<I>(
        self: Arc<Self>,
        progress: Progress<U, C>,
        mut request: Request,
        mut inner: I,
    ) -> BoxFuture<'static, Result<Response, Infallible>>
    where
        I: Service<Request, Response = Response, Error = Infallible> + Send + 'static,
        I::Future: Send + 'static,
    {
        Box::pin(async move {
            let finished = self
                .auth
                .finish(progress, request.headers(), &self.state)
                .await;
            match finished {
                Ok((user, token)) => {
                    let found = Some(Found::erased(user, token));
                    self.admit(found, request.extensions_mut());
                    inner.call(request).await
                }
                Err(error) => Ok(self.refuse(&error)),
            }
        })
    }

    /// A refusal, rendered by the backend's error handler.
    fn refuse(&self, error: &AuthError) -> Response {
        tracing::debug!(%error, "jwt-auth: request refused");
        self.auth.error_response(error)
    }

    /// Lets a request through the layer: what the layer found replaces what came with the
    /// request, as the last insertion of a type did when each had its own extension; the
    /// application's own values inserted behind the layer still win (the extractors look at
    /// them first).
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

    fn supersede(&self, extensions: &mut Extensions) {
        extensions.remove::<CurrentUser<U>>();
        extensions.remove::<CurrentToken<C>>();
    }

    fn backend(&self) -> &(dyn Any + Send + Sync) {
        &self.auth
    }
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
struct Found<U, C> {
    user: U,
    token: Arc<Token<C>>,
}

impl<U, C> Found<U, C>
where
    U: Send + Sync + 'static,
    C: Send + Sync + 'static,
{
    fn erased(user: U, token: Arc<Token<C>>) -> Arc<dyn Authenticated> {
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
/// the per-request cost to one insertion (issue 8).
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
    fn attach(self, extensions: &mut Extensions) {
        if let Some(outer) = extensions.insert(self)
            && let Some(state) = extensions.get_mut::<Self>()
        {
            state.outer = Some(Box::new(outer));
        }
    }
}

/// The layer; see [`JwtAuth::layer`].
pub struct JwtAuthLayer<U, S, C> {
    bound: Arc<Bound<U, S, C>>,
}

impl<U, S, C> JwtAuthLayer<U, S, C> {
    pub(crate) fn new(auth: JwtAuth<U, S, C>, state: S) -> Self {
        Self {
            bound: Arc::new(Bound { auth, state }),
        }
    }
}

impl<U, S, C> Clone for JwtAuthLayer<U, S, C> {
    fn clone(&self) -> Self {
        Self {
            bound: Arc::clone(&self.bound),
        }
    }
}

impl<U, S, C> fmt::Debug for JwtAuthLayer<U, S, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtAuthLayer")
            .field("auth", &self.bound.auth)
            .finish_non_exhaustive()
    }
}

impl<I, U, S, C> Layer<I> for JwtAuthLayer<U, S, C> {
    type Service = JwtAuthService<I, U, S, C>;

    fn layer(&self, inner: I) -> Self::Service {
        JwtAuthService {
            inner,
            bound: Arc::clone(&self.bound),
        }
    }
}

/// The middleware service; see [`JwtAuthLayer`].
pub struct JwtAuthService<I, U, S, C> {
    inner: I,
    bound: Arc<Bound<U, S, C>>,
}

impl<I: Clone, U, S, C> Clone for JwtAuthService<I, U, S, C> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            bound: Arc::clone(&self.bound),
        }
    }
}

impl<I, U, S, C> fmt::Debug for JwtAuthService<I, U, S, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtAuthService").finish_non_exhaustive()
    }
}

impl<I, U, S, C> Service<Request> for JwtAuthService<I, U, S, C>
where
    I: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    I::Future: Send + 'static,
    U: Clone + Send + Sync + 'static,
    S: Clone + Send + Sync + 'static,
    C: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture<I::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let bound = &self.bound;
        let excluded = {
            let path = request
                .extensions()
                .get::<OriginalUri>()
                .map_or_else(|| request.uri().path(), |original| original.0.path());
            bound.auth.is_excluded(request.method(), path)
        };
        let found = if excluded {
            None
        } else {
            let progress = bound.auth.authenticate_now(
                request.method(),
                request.uri(),
                request.headers(),
                &bound.state,
            );
            match progress {
                Progress::Done(Ok((user, token))) => Some(Found::erased(user, token)),
                Progress::Done(Err(error)) => {
                    return ResponseFuture::refused(bound.refuse(&error));
                }
                progress => {
                    // The clone is ready only if it is the one that was polled: swap them
                    // (tower's rule).
                    let clone = self.inner.clone();
                    let inner = std::mem::replace(&mut self.inner, clone);
                    let future = Arc::clone(bound).later(progress, request, inner);
                    return ResponseFuture {
                        kind: Kind::Later { future },
                    };
                }
            }
        };
        Arc::clone(bound).admit(found, request.extensions_mut());
        // Authentication needed no `.await`: the route's own future, unboxed (issue 8).
        ResponseFuture {
            kind: Kind::Route {
                future: self.inner.call(request),
            },
        }
    }
}

pin_project! {
    /// The future of [`JwtAuthService`]: the route's own future when authentication finished
    /// without awaiting anything (no remote JWKS, token store or revocation check, a
    /// synchronous retrieval function), the refusal, or a boxed future for the rest. In the
    /// first two cases authentication, user retrieval included, ran in `call`, before the
    /// future is first polled. It is `Unpin` when the inner service's future is.
    pub struct ResponseFuture<F> {
        #[pin]
        kind: Kind<F>,
    }
}

pin_project! {
    #[project = KindProjection]
    enum Kind<F> {
        Route { #[pin] future: F },
        Refused { response: Option<Response> },
        Later { future: BoxFuture<'static, Result<Response, Infallible>> },
    }
}

impl<F> ResponseFuture<F> {
    fn refused(response: Response) -> Self {
        Self {
            kind: Kind::Refused {
                response: Some(response),
            },
        }
    }
}

impl<F> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<F> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProjection::Route { future } => future.poll(cx),
            // A future is not polled after it completed (the `Future` contract); a caller that
            // does is told so rather than handed a response that was never decided.
            KindProjection::Refused { response } => Poll::Ready(Ok(response
                .take()
                .expect("jwt-auth: ResponseFuture polled after it completed"))),
            KindProjection::Later { future } => future.as_mut().poll(cx),
        }
    }
}
