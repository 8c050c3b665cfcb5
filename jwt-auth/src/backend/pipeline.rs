//! Authenticating a request: find the token for the flow, check CSRF for a cookie, verify it
//! (through the verified-token cache, with the keys at hand or once a key set is fetched), ask
//! the token store and the revocation check, retrieve the user.
//!
//! [`JwtAuth::begin`] does all of it that needs no `.await`, with the token found once: for a
//! backend whose key sets (if any) are at hand, without a revocation check, whose token store
//! (if any) keeps a local view ([`TokenStore::check_locally`](crate::TokenStore::check_locally):
//! the memory and Redis stores do), and with a synchronous retrieval function, that is
//! everything, and the layer calls the route without a future of its own. What remains is one
//! `async` step ([`JwtAuth::complete`]).

use std::sync::Arc;

use axum::http::{HeaderMap, Method, Uri};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::{Instrument as _, Span};

use crate::backend::JwtAuth;
use crate::backend::hooks::{Retrieve, guarded, guarded_sync};
use crate::backend::observe;
use crate::codec::remote::Verdict;
use crate::error::AuthError;
use crate::http::flow::{TokenSource, find_token, token_text};
use crate::http::query::is_ticket;
use crate::session::store::TokenRef;
use crate::token::clock::now;
use crate::token::model::Token;

/// An authenticated request's user and token, or why it was refused.
pub(crate) type Authenticated<U, C> = Result<(U, Arc<Token<C>>), AuthError>;

/// How far [`JwtAuth::begin`] got.
pub(crate) enum Step<'r, U, C> {
    /// All the way: the user and the token, or the refusal.
    Done(Authenticated<U, C>),
    /// The token is verified; a hook that returns a future remains (a token store without a
    /// local view, the revocation check or an async retrieval function).
    Verified(Arc<Token<C>>),
    /// The token, found in the request, is to be verified once a key set is fetched.
    Remote(&'r str),
    /// A WebSocket ticket, verified and spent in this process, still to spend in the token
    /// store that the application's instances share; then as [`Step::Verified`].
    Ticket(Arc<Token<C>>),
}

impl<U, S, C> JwtAuth<U, S, C>
where
    U: Clone + Send + Sync + 'static,
    S: Clone + Send + Sync + 'static,
    C: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    /// Authenticates a request from its headers: finds the token for the flow, verifies it,
    /// checks revocation and retrieves the user. Without the method, it cannot run the CSRF
    /// check; the middleware uses [`authenticate_request`](Self::authenticate_request).
    pub async fn authenticate(
        &self,
        headers: &HeaderMap,
        state: &S,
    ) -> Result<(U, Arc<Token<C>>), AuthError> {
        self.authenticate_request(&Method::GET, &Uri::default(), headers, state)
            .await
    }

    /// What the middleware does for each request that is not excluded: as
    /// [`authenticate`](Self::authenticate), and for a token from the cookie on an unsafe
    /// method, the CSRF check of [`CsrfSettings`](crate::CsrfSettings) (a 403 before the token
    /// is decoded).
    pub async fn authenticate_request(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        state: &S,
    ) -> Result<(U, Arc<Token<C>>), AuthError> {
        let span = self.span();
        let step = self.begin(method, uri, headers, state, &span);
        let outcome = self.complete(step, state).instrument(span.clone()).await;
        observe::finish(&span, &self.settings, &outcome);
        outcome
    }

    /// As much of the authentication as needs no `.await`; see the module's documentation.
    pub(crate) fn begin<'r>(
        &self,
        method: &Method,
        uri: &'r Uri,
        headers: &'r HeaderMap,
        state: &S,
        span: &Span,
    ) -> Step<'r, U, C> {
        let settings = &*self.settings;
        let (jwt, source) = match find_token(settings.extraction(), headers) {
            Ok(found) => found,
            Err(missing @ AuthError::MissingToken { .. }) => match self.query_token(uri, headers) {
                Ok(Some(jwt)) => (jwt.as_bytes(), TokenSource::Query),
                Ok(None) => return Step::Done(Err(missing)),
                Err(invalid) => return Step::Done(Err(AuthError::InvalidToken(invalid))),
            },
            Err(error) => return Step::Done(Err(error)),
        };
        if source != TokenSource::Header && !settings.csrf.allows(method, uri, headers) {
            return Step::Done(Err(AuthError::CrossSite));
        }
        if source == TokenSource::Query
            && let Ok(jwt) = token_text(jwt)
            && is_ticket(jwt)
        {
            return match self.spend_ticket(jwt) {
                Ok(token) if self.hooks.store.is_some() => Step::Ticket(token),
                Ok(token) => self.after_decoding(token, state),
                Err(error) => Step::Done(Err(error)),
            };
        }
        let cache = &self.hooks.cache;
        let hash = cache.hash(jwt);
        let now = now();
        let epoch = settings.codec.epoch();
        let cached = cache.get(hash, jwt, now, epoch);
        if !span.is_disabled() {
            span.record("cached", cached.is_some());
        }
        let known = if let Some(known) = cached {
            known
        } else {
            let text = match token_text(jwt) {
                Ok(text) => text,
                Err(invalid) => return Step::Done(Err(AuthError::InvalidToken(invalid))),
            };
            if !span.is_disabled()
                && let Some(kid) = settings.codec.checked_kid(text).ok().and_then(|h| h.kid)
            {
                span.record("kid", kid.as_str());
            }
            match settings.codec.verify_now(text, now) {
                Verdict::Known(result, until) => {
                    let known = result.map(Arc::new);
                    cache.remember(hash, jwt, &known, now, (epoch, until));
                    known
                }
                Verdict::Fetch => return Step::Remote(text),
            }
        };
        match known {
            Ok(token) => self.after_decoding(token, state),
            Err(invalid) => Step::Done(Err(AuthError::InvalidToken(invalid))),
        }
    }

    /// The token store's local answer and a synchronous retrieval function, when there are
    /// both, for a decoded token; else what remains, as [`Step::Verified`].
    fn after_decoding<'r>(&self, token: Arc<Token<C>>, state: &S) -> Step<'r, U, C> {
        let checked = match self.refused_locally(&token_ref(&token)) {
            Some(Ok(true)) => return Step::Done(Err(AuthError::Unauthorized)),
            Some(Err(error)) => return Step::Done(Err(error)),
            Some(Ok(false)) => true,
            None => false,
        };
        match &self.hooks.retrieve {
            Retrieve::Sync(retrieve) if checked && self.hooks.revoked.is_none() => Step::Done(
                guarded_sync("user retrieval", || retrieve(&token, state))
                    .and_then(|user| user_or_refusal(user, token)),
            ),
            _ => Step::Verified(token),
        }
    }

    /// The rest of the authentication after [`begin`](Self::begin).
    pub(crate) async fn complete(&self, step: Step<'_, U, C>, state: &S) -> Authenticated<U, C> {
        match step {
            Step::Done(outcome) => outcome,
            Step::Verified(token) => self.resolve(token, state).await,
            Step::Remote(jwt) => self.decode_remote(jwt, state).await,
            Step::Ticket(token) => self.resolve_ticket(token, state).await,
        }
    }

    /// Spends a ticket in the token store, so that another instance sharing it refuses the
    /// ticket too, then [`Self::resolve`]. A store that leaves tickets to each process answers
    /// `None`: this process has spent it already.
    pub(crate) async fn resolve_ticket(
        &self,
        token: Arc<Token<C>>,
        state: &S,
    ) -> Authenticated<U, C> {
        if let (Some(store), Some(jti)) = (&self.hooks.store, token.jti.as_deref()) {
            let spent =
                guarded("token store", || store.spend_ticket(state, jti, token.exp)).await?;
            if spent == Some(false) {
                return Err(AuthError::Unauthorized);
            }
        }
        self.resolve(token, state).await
    }

    /// Verifies a token once the key set it needs is fetched, remembers it in the cache, then
    /// [`Self::resolve`].
    pub(crate) async fn decode_remote(&self, jwt: &str, state: &S) -> Authenticated<U, C> {
        let codec = &self.settings.codec;
        // Read before the fetch: a set it changes makes this entry one of an older epoch.
        let epoch = codec.epoch();
        // Boxed, so that the key set client's future does not enlarge every caller's.
        let (result, until) = Box::pin(codec.decode_fetching(jwt)).await;
        let known = result.map(Arc::new);
        let cache = &self.hooks.cache;
        let bytes = jwt.as_bytes();
        cache.remember(cache.hash(bytes), bytes, &known, now(), (epoch, until));
        self.resolve(known.map_err(AuthError::InvalidToken)?, state)
            .await
    }

    /// The token store's check (the `jti`, its family, the subject's cutoff), then
    /// [`Self::retrieve`].
    pub(crate) async fn resolve(&self, token: Arc<Token<C>>, state: &S) -> Authenticated<U, C> {
        if self.refused_by_store(&token_ref(&token), state).await? {
            return Err(AuthError::Unauthorized);
        }
        self.retrieve(token, state).await
    }

    /// Whether the token store refuses `token`, from its local view: `Some(Ok(false))` without
    /// a store, `None` when the store must be asked asynchronously. A failure (or a panic) is
    /// logged; a [`StoreUnavailable`](crate::session::StoreUnavailable) is a 503, anything
    /// else a 500.
    pub(crate) fn refused_locally(&self, token: &TokenRef<'_>) -> Option<Result<bool, AuthError>> {
        let Some(store) = &self.hooks.store else {
            return Some(Ok(false));
        };
        let mut answered = true;
        let outcome = guarded_sync("token store", || {
            store.check_locally(token).unwrap_or_else(|| {
                answered = false;
                Ok(false)
            })
        });
        answered.then_some(outcome)
    }

    /// Whether the token store refuses `token`: from its local view, or asked.
    pub(crate) async fn refused_by_store(
        &self,
        token: &TokenRef<'_>,
        state: &S,
    ) -> Result<bool, AuthError> {
        match (self.refused_locally(token), &self.hooks.store) {
            (Some(answer), _) => answer,
            (None, Some(store)) => guarded("token store", || store.is_revoked(state, token)).await,
            (None, None) => Ok(false),
        }
    }

    /// The revocation check, then user retrieval; a panic or error in either is a 500.
    pub(crate) async fn retrieve(&self, token: Arc<Token<C>>, state: &S) -> Authenticated<U, C> {
        if let Some(revoked) = &self.hooks.revoked
            && guarded("revocation check", || revoked(&token, state)).await?
        {
            return Err(AuthError::Unauthorized);
        }
        let user = match &self.hooks.retrieve {
            Retrieve::Sync(retrieve) => guarded_sync("user retrieval", || retrieve(&token, state))?,
            Retrieve::Async(retrieve) => {
                guarded("user retrieval", || retrieve(&token, state)).await?
            }
        };
        user_or_refusal(user, token)
    }
}

/// What the token store needs of a token.
fn token_ref<C>(token: &Token<C>) -> TokenRef<'_> {
    TokenRef::new(&token.sub, token.jti.as_deref(), token.iat)
}

/// The retrieval function's answer: no user is a 401.
fn user_or_refusal<U, C>(user: Option<U>, token: Arc<Token<C>>) -> Authenticated<U, C> {
    match user {
        Some(user) => Ok((user, token)),
        None => Err(AuthError::Unauthorized),
    }
}
