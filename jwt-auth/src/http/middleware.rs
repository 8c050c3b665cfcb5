//! The tower middleware: authenticates each request that is not excluded and stores the user
//! and the token in the request extensions.
//!
//! Add it with [`JwtAuth::install`] so that routing comes first, as in Litestar: an unknown path
//! stays 404 and a wrong method 405. With [`Router::route_layer`](axum::Router::route_layer)
//! alone an unknown path stays 404 but a wrong method becomes a 401 (axum wraps each route's
//! 405 fallback too); with [`Router::layer`](axum::Router::layer) the fallback is protected too.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use axum::Router;
use axum::extract::{MatchedPath, OriginalUri, Request};
use axum::http::StatusCode;
use axum::response::Response;
use futures_util::future::BoxFuture;
use pin_project_lite::pin_project;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tower::{Layer, Service};

use crate::backend::JwtAuth;
use crate::error::AuthError;
use crate::http::bound::{Bound, Outcome};
use crate::http::state::{Authenticated, LazyAuth};

impl<U, S, C> JwtAuth<U, S, C>
where
    U: Clone + Send + Sync + 'static,
    S: Clone + Send + Sync + 'static,
    C: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    /// The middleware layer, bound to the state the retrieval function reads.
    #[must_use]
    pub fn layer(&self, state: S) -> JwtAuthLayer<U, S, C> {
        JwtAuthLayer {
            bound: Arc::new(Bound {
                auth: self.clone(),
                state,
            }),
        }
    }

    /// Litestar's `on_app_init`: protects every route of `router` added so far with
    /// [`Router::route_layer`], so that an unknown path is still 404 and a wrong method 405.
    /// Routes added after this call are public (Litestar's `exclude_from_auth`).
    pub fn install<RS>(&self, router: Router<RS>, state: S) -> Router<RS>
    where
        RS: Clone + Send + Sync + 'static,
    {
        // `route_layer` also wraps each route's default "405 Method Not Allowed" fallback, which
        // would answer a wrong method with a 401; put an unwrapped 405 back (axum still adds
        // the `Allow` header). A method fallback of the application's stays protected.
        router
            .route_layer(self.layer(state))
            .method_not_allowed_fallback(method_not_allowed)
    }
}

async fn method_not_allowed() -> StatusCode {
    StatusCode::METHOD_NOT_ALLOWED
}

/// A refusal, rendered by the backend's error handler (the authentication's span logged it).
fn refuse(handle: &dyn LazyAuth, error: &AuthError) -> Response {
    handle.respond(error)
}

/// The layer; see [`JwtAuth::layer`].
pub struct JwtAuthLayer<U, S, C> {
    bound: Arc<Bound<U, S, C>>,
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
    type Future = ResponseFuture<I>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let bound = &self.bound;
        let excluded = {
            // The route template the router matched; a request no route matched (the fallback,
            // behind `Router::layer`) has only its path, whole from a nested router's prefix on.
            let extensions = request.extensions();
            let route = match extensions.get::<MatchedPath>() {
                Some(matched) => matched.as_str(),
                None => extensions
                    .get::<OriginalUri>()
                    .map_or_else(|| request.uri().path(), |original| original.0.path()),
            };
            bound.auth.is_excluded(request.method(), route)
        };
        let found = if excluded {
            None
        } else {
            match bound.authenticate(request.method(), request.uri(), request.headers()) {
                Outcome::Ready(Ok(found)) => Some(found),
                Outcome::Ready(Err(error)) => {
                    return ResponseFuture::refused(refuse(&**bound, &error));
                }
                Outcome::Pending(authenticating) => {
                    // The clone is ready only if it is the one that was polled: swap them
                    // (tower's rule).
                    let clone = self.inner.clone();
                    let inner = std::mem::replace(&mut self.inner, clone);
                    return ResponseFuture {
                        kind: Kind::Authenticating {
                            authenticating,
                            then: Some(Then {
                                request,
                                inner,
                                handle: Arc::clone(bound) as Arc<dyn LazyAuth>,
                            }),
                        },
                    };
                }
            }
        };
        Arc::clone(bound).admit(found, request.extensions_mut());
        // Authentication needed no `.await`: the route's own future, unboxed.
        ResponseFuture {
            kind: Kind::Route {
                future: self.inner.call(request),
            },
        }
    }
}

/// What the layer does once a pending authentication is over: the request, the route's
/// service, and the backend that admits or refuses it.
struct Then<I> {
    request: Request,
    inner: I,
    handle: Arc<dyn LazyAuth>,
}

pin_project! {
    /// The future of [`JwtAuthService`]: the route's own future when authentication finished
    /// without awaiting anything (no remote JWKS, token store or revocation check, a
    /// synchronous retrieval function), the refusal, or the authentication's one boxed future
    /// followed by the route's own. It is `Unpin` when the inner service's future is.
    pub struct ResponseFuture<I>
    where
        I: Service<Request>,
    {
        #[pin]
        kind: Kind<I>,
    }
}

pin_project! {
    #[project = KindProjection]
    enum Kind<I>
    where
        I: Service<Request>,
    {
        Route { #[pin] future: I::Future },
        Refused { response: Option<Response> },
        Authenticating {
            authenticating: BoxFuture<'static, Result<Arc<dyn Authenticated>, AuthError>>,
            then: Option<Then<I>>,
        },
    }
}

impl<I: Service<Request>> ResponseFuture<I> {
    fn refused(response: Response) -> Self {
        Self {
            kind: Kind::Refused {
                response: Some(response),
            },
        }
    }
}

impl<I: Service<Request>> fmt::Debug for ResponseFuture<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<I> Future for ResponseFuture<I>
where
    I: Service<Request, Response = Response, Error = Infallible>,
{
    type Output = Result<Response, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            let next = match self.as_mut().project().kind.project() {
                KindProjection::Route { future } => return future.poll(cx),
                // A future is not polled after it completed (the `Future` contract); a caller
                // that does is told so rather than handed a response that was never decided.
                KindProjection::Refused { response } => {
                    return Poll::Ready(Ok(response
                        .take()
                        .expect("jwt-auth: ResponseFuture polled after it completed")));
                }
                KindProjection::Authenticating {
                    authenticating,
                    then,
                } => {
                    let outcome = ready!(authenticating.as_mut().poll(cx));
                    let Then {
                        mut request,
                        mut inner,
                        handle,
                    } = then
                        .take()
                        .expect("jwt-auth: ResponseFuture polled after it completed");
                    match outcome {
                        Ok(found) => {
                            handle.admit(Some(found), request.extensions_mut());
                            Kind::Route {
                                future: inner.call(request),
                            }
                        }
                        Err(error) => Kind::Refused {
                            response: Some(refuse(&*handle, &error)),
                        },
                    }
                }
            };
            self.as_mut().project().kind.set(next);
        }
    }
}
