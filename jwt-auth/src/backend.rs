//! The backend: one immutable configuration built once, and its builder.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, HeaderName, Method, Uri};
use axum::response::Response;
use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use jsonwebtoken::Algorithm;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::cache::TokenCache;
use crate::codec::{Codec, Key, KeyMaterial, KeySource, Rules, Secret};
use crate::csrf::CsrfSettings;
use crate::error::{AuthError, ConfigError, InvalidToken, TokenError};
use crate::exclude::Exclusion;
use crate::flow::{
    CookieSettings, Extraction, Flow, SameSite, TokenSource, find_token, token_text,
};
use crate::jwks::RemoteJwksConfig;
use crate::login::{Login, Logout, TokenBuilder};
use crate::middleware::JwtAuthLayer;
use crate::refresh::{RefreshError, family_of};
use crate::store::{DynStore, MemoryStore, TokenStore};
use crate::token::{Extras, Token};

/// The error type a retrieval function or revocation check may return.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

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
enum Retrieve<U, S, C> {
    Sync(Arc<SyncRetrieveFn<U, S, C>>),
    Async(Arc<RetrieveFn<U, S, C>>),
}

/// A revocation check in its most general shape.
pub type RevokedFn<S, C> =
    dyn for<'a> Fn(&'a Arc<Token<C>>, &'a S) -> BoxFuture<'a, Result<bool, BoxError>> + Send + Sync;

/// A function that renders authentication failures.
pub type ErrorHandler = dyn Fn(&AuthError) -> Response + Send + Sync;

/// The OpenAPI description of the security scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemeInfo {
    /// The scheme's name, default `BearerToken`.
    pub name: String,
    /// The scheme's description; each flow has Litestar's default.
    pub description: String,
    /// OAuth2 scopes, name and description.
    pub oauth_scopes: Vec<(String, String)>,
}

/// The part of the configuration that does not depend on the user, state or claims types.
pub(crate) struct Settings {
    pub codec: Codec,
    pub flow: Flow,
    pub token_url: Option<String>,
    pub auth_header: HeaderName,
    pub cookie: CookieSettings,
    pub expiration: Duration,
    pub exclusion: Exclusion,
    pub scheme: SchemeInfo,
    pub error_handler: Option<Arc<ErrorHandler>>,
    pub max_token_size: usize,
    pub csrf: CsrfSettings,
    /// The refresh tokens' lifetime, when refresh tokens are on.
    pub refresh: Option<Duration>,
    /// Whether a token store is configured (tokens are revocable).
    pub revocable: bool,
}

impl Settings {
    pub(crate) fn extraction(&self) -> Extraction<'_> {
        Extraction {
            flow: self.flow,
            header: &self.auth_header,
            cookie: &self.cookie.name,
            max_size: self.max_token_size,
        }
    }

    /// With a token store, the longest lifetime a token may be minted with: the longer of the
    /// default expiration and the refresh tokens', so that a family's revocation outlives them.
    pub(crate) fn longest_lifetime(&self) -> Duration {
        self.refresh
            .map_or(self.expiration, |refresh| refresh.max(self.expiration))
    }

    pub(crate) fn error_response(&self, error: &AuthError) -> Response {
        match &self.error_handler {
            Some(handler) => handler(error),
            None => error.default_response(),
        }
    }
}

struct Hooks<U, S, C> {
    retrieve: Retrieve<U, S, C>,
    revoked: Option<Arc<RevokedFn<S, C>>>,
    /// Verified tokens, for backends whose keys are fixed (no remote JWKS).
    cache: Option<TokenCache<C>>,
    /// Used refresh tokens and revoked ids.
    store: Option<Arc<dyn DynStore<S>>>,
}

/// A JWT authentication backend: Litestar's `JWTAuth`, `JWTCookieAuth` or
/// `OAuth2PasswordBearerAuth`, by [`Flow`].
///
/// `U` is the user type the retrieval function returns, `S` the state it reads (a database
/// pool, say; `()` for none) and `C` the type of the extra claims. Cloning is cheap.
pub struct JwtAuth<U, S = (), C = Extras> {
    pub(crate) settings: Arc<Settings>,
    hooks: Arc<Hooks<U, S, C>>,
}

impl<U, S, C> Clone for JwtAuth<U, S, C> {
    fn clone(&self) -> Self {
        Self {
            settings: Arc::clone(&self.settings),
            hooks: Arc::clone(&self.hooks),
        }
    }
}

impl<U, S, C> fmt::Debug for JwtAuth<U, S, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtAuth")
            .field("flow", &self.settings.flow)
            .field("codec", &self.settings.codec)
            .field("auth_header", &self.settings.auth_header)
            .field("cookie", &self.settings.cookie)
            .field("expiration", &self.settings.expiration)
            .finish_non_exhaustive()
    }
}

impl<U, S, C> JwtAuth<U, S, C>
where
    U: Clone + Send + Sync + 'static,
    S: Clone + Send + Sync + 'static,
    C: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    /// A builder with Litestar's defaults.
    pub fn builder() -> JwtAuthBuilder<U, S, C> {
        JwtAuthBuilder::new()
    }

    /// The flow.
    #[must_use]
    pub fn flow(&self) -> Flow {
        self.settings.flow
    }

    /// The algorithm.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.settings.codec.algorithm()
    }

    /// The OAuth2 token URL (OAuth2 flow only).
    #[must_use]
    pub fn token_url(&self) -> Option<&str> {
        self.settings.token_url.as_deref()
    }

    /// The header the token is read from and sent in.
    #[must_use]
    pub fn auth_header(&self) -> &HeaderName {
        &self.settings.auth_header
    }

    /// The cookie settings (used by the cookie flows).
    #[must_use]
    pub fn cookie(&self) -> &CookieSettings {
        &self.settings.cookie
    }

    /// The default token lifetime.
    #[must_use]
    pub fn expiration(&self) -> Duration {
        self.settings.expiration
    }

    /// The OpenAPI security scheme's name, description and scopes.
    #[must_use]
    pub fn scheme(&self) -> &SchemeInfo {
        &self.settings.scheme
    }

    /// Whether a request with this method and path passes without authentication.
    #[must_use]
    pub fn is_excluded(&self, method: &Method, path: &str) -> bool {
        self.settings.exclusion.excludes(method, path)
    }

    /// The public verification keys as a JWK Set document, to serve at
    /// `GET /.well-known/jwks.json` so that other services can verify this backend's tokens.
    /// Empty (`{"keys":[]}`) for an HMAC backend: a secret is never published.
    #[must_use]
    pub fn jwks(&self) -> serde_json::Value {
        serde_json::to_value(self.settings.codec.jwks())
            .unwrap_or_else(|_| serde_json::json!({"keys": []}))
    }

    /// The largest header or cookie value accepted, in bytes.
    #[must_use]
    pub fn max_token_size(&self) -> usize {
        self.settings.max_token_size
    }

    /// Verifies and validates a token (Litestar's `Token.decode`). A token longer than
    /// [`max_token_size`](Self::max_token_size) is [`InvalidToken::TooLarge`], undecoded.
    pub fn decode(&self, jwt: &str) -> Result<Token<C>, InvalidToken> {
        if jwt.len() > self.settings.max_token_size {
            return Err(InvalidToken::TooLarge);
        }
        self.settings.codec.decode(jwt)
    }

    /// Mints a token for `identifier` with the default expiration (Litestar's `create_token`).
    pub fn create_token(&self, identifier: impl Into<String>) -> Result<String, TokenError> {
        self.token(identifier).encode()
    }

    /// A token builder, for an expiration, issuer, audience, `jti` or extras of its own.
    pub fn token(&self, identifier: impl Into<String>) -> TokenBuilder<C> {
        TokenBuilder::new(Arc::clone(&self.settings), identifier.into())
    }

    /// A login response for `identifier`: status 201, `Authorization: Bearer <jwt>`, the cookie
    /// for the cookie flows, and the OAuth2 body for the OAuth2 flow (Litestar's `login`).
    pub fn login(&self, identifier: impl Into<String>) -> Login<C> {
        Login::new(self.token(identifier))
    }

    /// A logout response: 204, and for the cookie flows a `Set-Cookie` that clears the cookie.
    pub fn logout(&self) -> Logout {
        Logout::new(Arc::clone(&self.settings))
    }

    /// Renders an authentication failure with the configured error handler.
    #[must_use]
    pub fn error_response(&self, error: &AuthError) -> Response {
        self.settings.error_response(error)
    }

    /// The middleware layer, bound to the state the retrieval function reads.
    #[must_use]
    pub fn layer(&self, state: S) -> JwtAuthLayer<U, S, C> {
        JwtAuthLayer::new(self.clone(), state)
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
    /// method, the CSRF check of [`CsrfSettings`] (a 403 before the token is decoded).
    pub async fn authenticate_request(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        state: &S,
    ) -> Result<(U, Arc<Token<C>>), AuthError> {
        let progress = self.authenticate_now(method, uri, headers, state);
        self.finish(progress, headers, state).await
    }

    /// The rest of [`authenticate_request`](Self::authenticate_request) after
    /// [`authenticate_now`](Self::authenticate_now), for the same headers.
    pub(crate) async fn finish(
        &self,
        progress: Progress<U, C>,
        headers: &HeaderMap,
        state: &S,
    ) -> Result<(U, Arc<Token<C>>), AuthError> {
        match progress {
            Progress::Done(outcome) => outcome,
            Progress::Verified(token) => self.resolve(token, state).await,
            Progress::Remote => {
                // `authenticate_now` found the token and passed the CSRF check already; finding
                // it again cannot fail.
                let (jwt, _) = find_token(self.settings.extraction(), headers)?;
                let jwt = token_text(jwt).map_err(AuthError::InvalidToken)?;
                // Boxed, so that the remote JWKS client's future does not enlarge every
                // request's.
                let token = Box::pin(self.settings.codec.decode_async(jwt))
                    .await
                    .map_err(AuthError::InvalidToken)?;
                self.resolve(Arc::new(token), state).await
            }
        }
    }

    /// As much of [`authenticate_request`](Self::authenticate_request) as needs no `.await`:
    /// all of it for a backend without a remote JWKS, a token store or a revocation check, and
    /// with a synchronous retrieval function (the middleware then calls the route without a
    /// future of its own).
    pub(crate) fn authenticate_now(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        state: &S,
    ) -> Progress<U, C> {
        let settings = &*self.settings;
        let (jwt, source) = match find_token(settings.extraction(), headers) {
            Ok(found) => found,
            Err(error) => return Progress::Done(Err(error)),
        };
        if source == TokenSource::Cookie && !settings.csrf.allows(method, uri, headers) {
            return Progress::Done(Err(AuthError::CrossSite));
        }
        // Only a backend with a remote JWKS has no cache.
        let Some(cache) = &self.hooks.cache else {
            return Progress::Remote;
        };
        let hash = cache.hash(jwt);
        let now = crate::codec::now();
        let known = cache.get(hash, jwt, now).unwrap_or_else(|| {
            // A backend with a cache has no remote JWKS: `decode_at` is all `decode_async` does.
            let known = token_text(jwt)
                .and_then(|jwt| settings.codec.decode_at(jwt, now))
                .map(Arc::new);
            cache.remember(hash, jwt, &known, now);
            known
        });
        let token = match known {
            Ok(token) => token,
            Err(invalid) => return Progress::Done(Err(AuthError::InvalidToken(invalid))),
        };
        let stored = self.hooks.store.is_some() && token.jti.is_some();
        match &self.hooks.retrieve {
            Retrieve::Sync(retrieve) if !stored && self.hooks.revoked.is_none() => Progress::Done(
                guarded_sync("user retrieval", || retrieve(&token, state))
                    .and_then(|user| user_or_refusal(user, token)),
            ),
            _ => Progress::Verified(token),
        }
    }

    /// The token store's check (the `jti` and its family), then [`Self::retrieve`].
    async fn resolve(
        &self,
        token: Arc<Token<C>>,
        state: &S,
    ) -> Result<(U, Arc<Token<C>>), AuthError> {
        if let (Some(store), Some(jti)) = (&self.hooks.store, token.jti.as_deref()) {
            let (both, one);
            let ids: &[&str] = if let Some(family) = family_of(jti) {
                both = [jti, family];
                &both
            } else {
                one = [jti];
                &one
            };
            if guarded("token store", || store.is_revoked(state, ids)).await? {
                return Err(AuthError::Unauthorized);
            }
        }
        self.retrieve(token, state).await
    }

    /// The revocation check, then user retrieval; a panic or error in either is a 500.
    async fn retrieve(
        &self,
        token: Arc<Token<C>>,
        state: &S,
    ) -> Result<(U, Arc<Token<C>>), AuthError> {
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

/// How far [`JwtAuth::authenticate_now`] got.
pub(crate) enum Progress<U, C> {
    /// All the way: the user and the token, or the refusal.
    Done(Result<(U, Arc<Token<C>>), AuthError>),
    /// The token is verified; a hook that returns a future remains (the token store, the
    /// revocation check or an async retrieval function): [`JwtAuth::resolve`].
    Verified(Arc<Token<C>>),
    /// The token is to be verified with the remote JWKS's keys, which may need fetching.
    Remote,
}

/// The retrieval function's answer: no user is a 401.
fn user_or_refusal<U, C>(
    user: Option<U>,
    token: Arc<Token<C>>,
) -> Result<(U, Arc<Token<C>>), AuthError> {
    match user {
        Some(user) => Ok((user, token)),
        None => Err(AuthError::Unauthorized),
    }
}

impl<U, S, C> JwtAuth<U, S, C>
where
    U: Clone + Send + Sync + 'static,
    S: Clone + Send + Sync + 'static,
    C: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    /// The refresh tokens' lifetime; `None` when this backend issues no refresh tokens.
    #[must_use]
    pub fn refresh_expiration(&self) -> Option<Duration> {
        self.settings.refresh
    }

    /// Until when a family must stay revoked: past the expiry of every token it may hold.
    fn family_horizon(&self, now: u64) -> u64 {
        let settings = &*self.settings;
        let longest = settings.refresh.map_or(settings.expiration, |refresh| {
            refresh.max(settings.expiration)
        });
        now.saturating_add(longest.as_secs())
            .saturating_add(settings.codec.rules.leeway)
    }

    /// Exchanges a refresh token for a new access token and refresh token of the same family
    /// (the OAuth2 `refresh_token` grant, RFC 6749 section 6): the login response of the
    /// OAuth2 flow, with the claims of the first login (`iss`, `aud`, extras). The token is
    /// single-use; presenting it a second time revokes its family ([`RefreshError::Reused`]).
    /// The revocation check and the retrieval function run as for a request, so a user who no
    /// longer exists gets no new token.
    pub async fn refresh(&self, refresh_token: &str, state: &S) -> Result<Login<C>, RefreshError> {
        let settings = &*self.settings;
        let (Some(_), Some(store)) = (settings.refresh, &self.hooks.store) else {
            return Err(RefreshError::Disabled);
        };
        if refresh_token.len() > settings.max_token_size {
            return Err(RefreshError::Invalid(InvalidToken::TooLarge));
        }
        let now = crate::codec::now();
        let token: Token<C> = settings
            .codec
            .decode_refresh_at(refresh_token, now)
            .map_err(RefreshError::Invalid)?;
        // Refresh tokens always expire, whatever `verify_expiry` says of access tokens.
        let until = token.exp.saturating_add(settings.codec.rules.leeway);
        if until <= now {
            return Err(RefreshError::Invalid(InvalidToken::Expired));
        }
        let token = Arc::new(token);
        let jti = token.jti.as_deref().unwrap_or_default();
        let family = family_of(jti).ok_or(RefreshError::Invalid(InvalidToken::Claims))?;
        // A failure was logged by `guarded`.
        let failed = |_: AuthError| RefreshError::Internal;
        let ids = [jti, family];
        if guarded("token store", || store.is_revoked(state, &ids))
            .await
            .map_err(failed)?
        {
            return Err(RefreshError::Revoked);
        }
        // The user first: when the retrieval fails (a 500 the client may retry), the token is
        // not spent yet, so the retry is not mistaken for a reuse.
        self.retrieve(Arc::clone(&token), state)
            .await
            .map_err(|error| match error {
                AuthError::Internal => RefreshError::Internal,
                _ => RefreshError::Unauthorized,
            })?;
        let first_use = guarded("token store", || store.consume(state, jti, until))
            .await
            .map_err(failed)?;
        if !first_use {
            tracing::warn!(
                sub = %token.sub,
                "jwt-auth: a used refresh token was presented again; its family is revoked"
            );
            let horizon = self.family_horizon(now);
            guarded("token store", || store.revoke(state, family, horizon))
                .await
                .map_err(failed)?;
            return Err(RefreshError::Reused);
        }
        // A store may forget a used token once it has expired: one that expired while it was
        // being consumed is refused here, so that it is never spent twice.
        if crate::codec::now() >= until {
            return Err(RefreshError::Invalid(InvalidToken::Expired));
        }
        // The new pair is issued as of `now`, so that it expires no later than a revocation of
        // the family made after the check above.
        let mut builder = self
            .token(token.sub.clone())
            .family(family.to_owned())
            .issued_at(now);
        if let Some(iss) = &token.iss {
            builder = builder.issuer(iss.clone());
        }
        if let Some(aud) = &token.aud {
            builder = builder.audience(aud.clone());
        }
        if let Some(nbf) = token.nbf {
            builder = builder.not_before(nbf);
        }
        Ok(Login::new(builder.claims(&token.extras)).status(axum::http::StatusCode::OK))
    }

    /// How long a revocation must last for a token that expires at `exp`: until then (plus the
    /// leeway), or for ever when the backend does not check `exp`.
    fn revoked_until(&self, exp: u64) -> u64 {
        let rules = &self.settings.codec.rules;
        if rules.verify_expiry {
            exp.saturating_add(rules.leeway)
        } else {
            u64::MAX
        }
    }

    /// Revokes a token (logout): its `jti` until it expires, and its family, so that the refresh
    /// token and the other access tokens of the same login stop working too. Needs a token
    /// store (`refresh_expiration` or `token_store`). Returns `false` when the token has no
    /// `jti` and so cannot be revoked (a token minted elsewhere); every token minted here has
    /// one.
    pub async fn revoke(&self, token: &Token<C>, state: &S) -> Result<bool, AuthError> {
        let Some(store) = &self.hooks.store else {
            return Err(internal(
                "revoke() needs a token store",
                &"set `token_store` or `refresh_expiration` (builder: `token_store`, `refresh_tokens`)",
            ));
        };
        let Some(jti) = token.jti.as_deref() else {
            return Ok(false);
        };
        let now = crate::codec::now();
        let until = self.revoked_until(token.exp);
        let mut revocations = vec![(jti, until.max(now))];
        if let Some(family) = family_of(jti) {
            revocations.push((family, self.family_horizon(now).max(until)));
        }
        for (id, until) in revocations {
            guarded("token store", || store.revoke(state, id, until)).await?;
        }
        Ok(true)
    }
}

/// Calls a hook (`what`: the retrieval function, the revocation check, the token store) and
/// awaits its future, catching a panic in either step: a synchronous revocation check
/// (`revoked_sync`) runs while its future is created, not when it is polled.
/// An error or a panic is logged and becomes [`AuthError::Internal`] (a 500).
async fn guarded<'a, T>(
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
fn guarded_sync<T>(what: &str, call: impl FnOnce() -> Result<T, BoxError>) -> Result<T, AuthError> {
    settle(what, std::panic::catch_unwind(AssertUnwindSafe(call)))
}

/// A hook's outcome: its value, or its error or panic logged as a 500.
fn settle<T>(
    what: &str,
    outcome: Result<Result<T, BoxError>, Box<dyn std::any::Any + Send>>,
) -> Result<T, AuthError> {
    match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(internal(&format!("{what} failed"), &*error)),
        Err(_) => Err(internal(&format!("{what} panicked"), &"panic")),
    }
}

async fn method_not_allowed() -> axum::http::StatusCode {
    axum::http::StatusCode::METHOD_NOT_ALLOWED
}

fn internal(what: &str, error: &dyn fmt::Display) -> AuthError {
    tracing::error!(error = %error, "jwt-auth: {what}");
    AuthError::Internal
}

/// Builds a [`JwtAuth`]; every option has Litestar's default, and [`build`](Self::build)
/// refuses a configuration that cannot work.
#[must_use]
pub struct JwtAuthBuilder<U, S = (), C = Extras> {
    keys: KeySource,
    algorithm: Algorithm,
    flow: Flow,
    token_url: Option<String>,
    auth_header: String,
    cookie: CookieSettings,
    expiration: Duration,
    exclude: Vec<String>,
    exclude_methods: Vec<Method>,
    rules: Rules,
    scheme_name: String,
    description: Option<String>,
    oauth_scopes: Vec<(String, String)>,
    retrieve: Option<Retrieve<U, S, C>>,
    revoked: Option<Arc<RevokedFn<S, C>>>,
    error_handler: Option<Arc<ErrorHandler>>,
    max_token_size: usize,
    key_id: Option<String>,
    remote_jwks: Option<RemoteJwksConfig>,
    csrf: CsrfSettings,
    refresh: Option<Duration>,
    store: Option<Arc<dyn DynStore<S>>>,
    #[allow(
        clippy::type_complexity,
        reason = "the usual marker for a builder that owns no U, S or C"
    )]
    _types: PhantomData<fn() -> (U, S, C)>,
}

impl<U, S, C> fmt::Debug for JwtAuthBuilder<U, S, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtAuthBuilder")
            .field("keys", &self.keys)
            .field("algorithm", &self.algorithm)
            .field("flow", &self.flow)
            .finish_non_exhaustive()
    }
}

const ONE_DAY: Duration = Duration::from_hours(24);

/// The default [`JwtAuthBuilder::max_token_size`]: 8 KiB, the usual per-header limit of proxies.
pub const DEFAULT_MAX_TOKEN_SIZE: usize = 8192;

impl<U, S, C> JwtAuthBuilder<U, S, C>
where
    U: Clone + Send + Sync + 'static,
    S: Clone + Send + Sync + 'static,
    C: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    fn new() -> Self {
        Self {
            keys: KeySource::None,
            algorithm: Algorithm::HS256,
            flow: Flow::Header,
            token_url: None,
            auth_header: "Authorization".to_owned(),
            cookie: CookieSettings::default(),
            expiration: ONE_DAY,
            exclude: Vec::new(),
            exclude_methods: vec![Method::OPTIONS],
            rules: Rules::default(),
            scheme_name: "BearerToken".to_owned(),
            description: None,
            oauth_scopes: Vec::new(),
            retrieve: None,
            revoked: None,
            error_handler: None,
            max_token_size: DEFAULT_MAX_TOKEN_SIZE,
            key_id: None,
            remote_jwks: None,
            csrf: CsrfSettings::default(),
            refresh: None,
            store: None,
            _types: PhantomData,
        }
    }

    /// The HMAC secret. Prefer [`secret_from_env`](Self::secret_from_env): a secret written in
    /// the source ends up in the binary and the repository.
    pub fn secret(mut self, secret: impl AsRef<[u8]>) -> Self {
        self.keys = KeySource::Secret(Secret::new(secret.as_ref()));
        self
    }

    /// Reads the HMAC secret from the environment variable `var` when the backend is built.
    pub fn secret_from_env(mut self, var: impl Into<String>) -> Self {
        self.keys = KeySource::Env {
            var: var.into(),
            dev_fallback: false,
        };
        self
    }

    /// With [`secret_from_env`](Self::secret_from_env): when the variable is unset, use a random
    /// development secret and say so on stderr instead of refusing to build. Pass
    /// `cfg!(debug_assertions)` so that a release build never does.
    pub fn dev_secret_fallback(mut self, enabled: bool) -> Self {
        if let KeySource::Env { dev_fallback, .. } = &mut self.keys {
            *dev_fallback = enabled;
        }
        self
    }

    /// PEM keys for an asymmetric algorithm: the private key signs (omit it for a backend that
    /// only verifies), the public key verifies.
    pub fn pem_keys(mut self, signing: Option<&[u8]>, verifying: &[u8]) -> Self {
        self.keys = KeySource::Pem {
            signing: signing.map(Secret::new),
            verifying: Secret::new(verifying),
        };
        self
    }

    /// The private key that signs tokens (RS/PS/ES/EdDSA), as PEM, DER, or from a file or an
    /// environment variable; its `kid`, if any, is written into each token's header. Without a
    /// verification key of the same `kid`, its public half is derived and used to verify.
    pub fn signing_key(mut self, key: Key) -> Self {
        let (_, verifying) = self.key_set();
        self.keys = KeySource::Keys {
            signing: Some(key),
            verifying,
        };
        self
    }

    /// Adds a public verification key (PEM, DER, JWK or JWK Set; from bytes, a file or an
    /// environment variable). A token's `kid` selects among them; see [`Key`].
    pub fn verification_key(mut self, key: Key) -> Self {
        let (signing, mut verifying) = self.key_set();
        verifying.push(key);
        self.keys = KeySource::Keys { signing, verifying };
        self
    }

    /// Adds public verification keys; see [`verification_key`](Self::verification_key).
    pub fn verification_keys<I: IntoIterator<Item = Key>>(self, keys: I) -> Self {
        keys.into_iter()
            .fold(self, JwtAuthBuilder::verification_key)
    }

    /// The `kid` written into each token's header, for a signing key (or HMAC secret) that has
    /// none of its own.
    pub fn key_id(mut self, kid: impl Into<String>) -> Self {
        self.key_id = Some(kid.into());
        self
    }

    /// Verifies tokens against a remote JWKS as well (fetched over plain `http://`, cached,
    /// refetched on an unknown `kid` at most once per `refetch_interval`); see
    /// [`RemoteJwksConfig`].
    pub fn remote_jwks(mut self, config: RemoteJwksConfig) -> Self {
        self.remote_jwks = Some(config);
        self
    }

    /// The keys so far as a key set (a secret is dropped: keys replace it).
    fn key_set(&mut self) -> (Option<Key>, Vec<Key>) {
        match std::mem::take(&mut self.keys) {
            KeySource::Keys { signing, verifying } => (signing, verifying),
            KeySource::Pem { signing, verifying } => (
                signing.map(|s| Key::from(KeyMaterial::Pem(s))),
                vec![Key::from(KeyMaterial::Pem(verifying))],
            ),
            KeySource::None | KeySource::Secret(_) | KeySource::Env { .. } => (None, Vec::new()),
        }
    }

    /// Where the keys come from.
    pub fn keys(mut self, keys: KeySource) -> Self {
        self.keys = keys;
        self
    }

    /// The signing algorithm, default HS256. Only this algorithm is accepted when verifying.
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// The flow, default [`Flow::Header`].
    pub fn flow(mut self, flow: Flow) -> Self {
        self.flow = flow;
        self
    }

    /// The OAuth2 token URL; required by, and only allowed with, [`Flow::OAuth2Password`].
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// The header that carries the token, default `Authorization`.
    pub fn auth_header(mut self, name: impl Into<String>) -> Self {
        self.auth_header = name.into();
        self
    }

    /// The cookie's name, default `token`.
    pub fn cookie_name(mut self, name: impl Into<String>) -> Self {
        self.cookie.name = name.into();
        self
    }

    /// The cookie's `Path`, default `/`.
    pub fn cookie_path(mut self, path: impl Into<String>) -> Self {
        self.cookie.path = path.into();
        self
    }

    /// The cookie's `Domain`, default none.
    pub fn cookie_domain(mut self, domain: impl Into<String>) -> Self {
        self.cookie.domain = Some(domain.into());
        self
    }

    /// The cookie's `Secure` attribute, default on.
    pub fn cookie_secure(mut self, secure: bool) -> Self {
        self.cookie.secure = secure;
        self
    }

    /// The cookie's `SameSite` attribute, default `Lax`.
    pub fn cookie_same_site(mut self, same_site: SameSite) -> Self {
        self.cookie.same_site = same_site;
        self
    }

    /// The default token lifetime, default one day.
    pub fn expiration(mut self, expiration: Duration) -> Self {
        self.expiration = expiration;
        self
    }

    /// Path patterns that skip authentication: regular expressions searched anywhere in the
    /// path, as in Litestar (anchor them: `^/login$`).
    pub fn exclude<I: IntoIterator<Item = P>, P: Into<String>>(mut self, patterns: I) -> Self {
        self.exclude = patterns.into_iter().map(Into::into).collect();
        self
    }

    /// Methods that skip authentication, default `OPTIONS` (CORS preflights).
    pub fn exclude_methods<I: IntoIterator<Item = Method>>(mut self, methods: I) -> Self {
        self.exclude_methods = methods.into_iter().collect();
        self
    }

    /// Accepted issuers; when set, a token's `iss` must be one of them.
    pub fn accepted_issuers<I: IntoIterator<Item = P>, P: Into<String>>(
        mut self,
        issuers: I,
    ) -> Self {
        self.rules.issuers = issuers.into_iter().map(Into::into).collect();
        self
    }

    /// Accepted audiences; when set, a token's `aud` must contain one of them.
    pub fn accepted_audiences<I: IntoIterator<Item = P>, P: Into<String>>(
        mut self,
        audiences: I,
    ) -> Self {
        self.rules.audiences = audiences.into_iter().map(Into::into).collect();
        self
    }

    /// With exactly one accepted audience: the token's `aud` must be that single string.
    pub fn strict_audience(mut self, strict: bool) -> Self {
        self.rules.strict_audience = strict;
        self
    }

    /// Claims that must be present (any name, registered or extra).
    pub fn require_claims<I: IntoIterator<Item = P>, P: Into<String>>(mut self, claims: I) -> Self {
        self.rules.require_claims = claims.into_iter().map(Into::into).collect();
        self
    }

    /// Whether `exp` is checked, default on (`exp` must be present either way).
    pub fn verify_expiry(mut self, verify: bool) -> Self {
        self.rules.verify_expiry = verify;
        self
    }

    /// Whether `nbf` is checked, default on.
    pub fn verify_not_before(mut self, verify: bool) -> Self {
        self.rules.verify_not_before = verify;
        self
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat`, default zero (whole seconds).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.rules.leeway = leeway.as_secs();
        self
    }

    /// The OpenAPI security scheme's name, default `BearerToken`.
    pub fn scheme_name(mut self, name: impl Into<String>) -> Self {
        self.scheme_name = name.into();
        self
    }

    /// The OpenAPI security scheme's description; each flow has Litestar's default.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// OAuth2 scopes for the OpenAPI scheme: name and description.
    pub fn oauth_scopes<I, K, V>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.oauth_scopes = scopes
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self
    }

    /// The user-retrieval function, async, taking the token and a clone of the state:
    /// `|token, state| async move { state.users.get(&token.sub).await }`. It returns
    /// `Option<User>` or `Result<Option<User>, E>`; `None` is a 401 and an error a 500.
    pub fn retrieve_user<F, Fut, R>(mut self, retrieve: F) -> Self
    where
        F: Fn(Arc<Token<C>>, S) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: IntoRetrieved<U>,
    {
        self.retrieve = Some(Retrieve::Async(Arc::new(
            move |token: &Arc<Token<C>>, state: &S| {
                let future = retrieve(Arc::clone(token), state.clone());
                Box::pin(async move { future.await.into_retrieved() }) as BoxFuture<'_, _>
            },
        )));
        self
    }

    /// The user-retrieval function, synchronous: `|token: &Token, state: &AppState| ...`.
    pub fn retrieve_user_sync<F, R>(mut self, retrieve: F) -> Self
    where
        F: Fn(&Token<C>, &S) -> R + Send + Sync + 'static,
        R: IntoRetrieved<U>,
    {
        self.retrieve = Some(Retrieve::Sync(Arc::new(
            move |token: &Arc<Token<C>>, state: &S| {
                retrieve(token.as_ref(), state).into_retrieved()
            },
        )));
        self
    }

    /// The user-retrieval function in its general shape, borrowing token and state; this is
    /// what `#[jwt_auth]` generates.
    pub fn retrieve_user_with(mut self, retrieve: Arc<RetrieveFn<U, S, C>>) -> Self {
        self.retrieve = Some(Retrieve::Async(retrieve));
        self
    }

    /// The synchronous user-retrieval function in the same shape; this is what `#[jwt_auth]`
    /// generates for a function that is not `async`.
    pub fn retrieve_user_sync_with(mut self, retrieve: Arc<SyncRetrieveFn<U, S, C>>) -> Self {
        self.retrieve = Some(Retrieve::Sync(retrieve));
        self
    }

    /// A revocation check, async, taking the token and a clone of the state; `true` means
    /// revoked (401). Runs before the user is retrieved.
    pub fn revoked<F, Fut, R>(mut self, revoked: F) -> Self
    where
        F: Fn(Arc<Token<C>>, S) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: IntoRevoked,
    {
        self.revoked = Some(Arc::new(move |token: &Arc<Token<C>>, state: &S| {
            let future = revoked(Arc::clone(token), state.clone());
            Box::pin(async move { future.await.into_revoked() }) as BoxFuture<'_, _>
        }));
        self
    }

    /// A synchronous revocation check (Litestar crashes on these; here they work).
    pub fn revoked_sync<F, R>(mut self, revoked: F) -> Self
    where
        F: Fn(&Token<C>, &S) -> R + Send + Sync + 'static,
        R: IntoRevoked,
    {
        self.revoked = Some(Arc::new(move |token: &Arc<Token<C>>, state: &S| {
            let result = revoked(token.as_ref(), state).into_revoked();
            Box::pin(std::future::ready(result)) as BoxFuture<'_, _>
        }));
        self
    }

    /// The revocation check in its general shape; this is what `#[jwt_auth]` generates.
    pub fn revoked_with(mut self, revoked: Arc<RevokedFn<S, C>>) -> Self {
        self.revoked = Some(revoked);
        self
    }

    /// Renders authentication failures instead of Litestar's JSON body.
    pub fn error_response<F>(mut self, handler: F) -> Self
    where
        F: Fn(&AuthError) -> Response + Send + Sync + 'static,
    {
        self.error_handler = Some(Arc::new(handler));
        self
    }

    /// The largest `Authorization` header value (or cookie value, for the cookie flows) that is
    /// looked at, in bytes, default 8192. A larger one is refused with a 431 before any
    /// decoding work. Zero is refused at build.
    pub fn max_token_size(mut self, bytes: usize) -> Self {
        self.max_token_size = bytes;
        self
    }

    /// The CSRF check for cookie-borne tokens on unsafe methods, default on; see
    /// [`CsrfSettings`]. Turn it off only when another defence (a double-submit token, say)
    /// is in place.
    pub fn csrf_protection(mut self, enabled: bool) -> Self {
        self.csrf.enabled = enabled;
        self
    }

    /// Other origins (`https://front.example`) that may send unsafe requests with the cookie.
    pub fn csrf_trusted_origins<I: IntoIterator<Item = P>, P: Into<String>>(
        mut self,
        origins: I,
    ) -> Self {
        self.csrf.trusted_origins = origins.into_iter().map(Into::into).collect();
        self
    }

    /// Issues refresh tokens of this lifetime with every login (OAuth2 flow only): single-use,
    /// rotated by [`JwtAuth::refresh`], a reused one revoking its family; see [`crate::refresh`].
    /// They need a [`TokenStore`]; without [`token_store`](Self::token_store), a
    /// [`MemoryStore`](crate::MemoryStore).
    pub fn refresh_tokens(mut self, expiration: Duration) -> Self {
        self.refresh = Some(expiration);
        self
    }

    /// Where used refresh tokens and revoked ids are kept (see [`TokenStore`]). With a store,
    /// each authenticated request is also checked against it, and [`JwtAuth::revoke`] works.
    pub fn token_store(mut self, store: impl TokenStore<S>) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// Checks the configuration, reads the secret and parses the keys.
    pub fn build(self) -> Result<JwtAuth<U, S, C>, ConfigError> {
        let retrieve = self.retrieve.ok_or(ConfigError::MissingRetrieveUser)?;
        match (self.flow, &self.token_url) {
            (Flow::OAuth2Password, None) => return Err(ConfigError::TokenUrlMissing),
            (Flow::Header | Flow::Cookie, Some(_)) => return Err(ConfigError::TokenUrlNotOAuth2),
            _ => {}
        }
        if self.expiration.as_secs() == 0 {
            return Err(ConfigError::ZeroExpiration);
        }
        if self.max_token_size == 0 {
            return Err(ConfigError::ZeroMaxTokenSize);
        }
        match self.refresh {
            Some(_) if self.flow != Flow::OAuth2Password => {
                return Err(ConfigError::RefreshNotOAuth2);
            }
            Some(refresh) if refresh.as_secs() == 0 => return Err(ConfigError::ZeroExpiration),
            _ => {}
        }
        let auth_header = HeaderName::from_bytes(self.auth_header.as_bytes()).map_err(|_| {
            ConfigError::InvalidName {
                option: "auth_header",
                value: self.auth_header.clone(),
            }
        })?;
        check_cookie(&self.cookie)?;
        let exclusion = Exclusion::new(&self.exclude, self.exclude_methods)?;
        let remote = self
            .remote_jwks
            .map(|config| crate::jwks::RemoteJwks::new(config, self.algorithm))
            .transpose()?;
        let codec = Codec::new(
            self.algorithm,
            &self.keys,
            self.key_id.as_deref(),
            remote,
            self.rules,
        )?;
        let description = self.description.unwrap_or_else(|| {
            match self.flow {
                Flow::Header => "JWT api-key authentication and authorization.",
                Flow::Cookie => "JWT cookie-based authentication and authorization.",
                Flow::OAuth2Password => "OAUTH2 password bearer authentication and authorization.",
            }
            .to_owned()
        });
        if self.refresh.is_some() && !codec.can_sign() {
            return Err(ConfigError::RefreshWithoutSigningKey);
        }
        let cache = codec.remote.is_none().then(TokenCache::new);
        let store = match (self.store, self.refresh) {
            (Some(store), _) => Some(store),
            (None, Some(_)) => Some(Arc::new(MemoryStore::new()) as Arc<dyn DynStore<S>>),
            (None, None) => None,
        };
        let settings = Settings {
            codec,
            flow: self.flow,
            token_url: self.token_url,
            auth_header,
            cookie: self.cookie,
            expiration: self.expiration,
            exclusion,
            scheme: SchemeInfo {
                name: self.scheme_name,
                description,
                oauth_scopes: self.oauth_scopes,
            },
            error_handler: self.error_handler,
            max_token_size: self.max_token_size,
            csrf: self.csrf,
            refresh: self.refresh,
            revocable: store.is_some(),
        };
        Ok(JwtAuth {
            settings: Arc::new(settings),
            hooks: Arc::new(Hooks {
                retrieve,
                revoked: self.revoked,
                cache,
                store,
            }),
        })
    }
}

/// Whether `name` is a valid cookie name (an RFC 6265 token).
#[must_use]
pub fn is_valid_cookie_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b))
}

fn is_valid_attribute(value: &str) -> bool {
    value.bytes().all(|b| b.is_ascii_graphic() || b == b' ') && !value.contains(';')
}

fn check_cookie(cookie: &CookieSettings) -> Result<(), ConfigError> {
    if !is_valid_cookie_name(&cookie.name) {
        return Err(ConfigError::InvalidName {
            option: "cookie name",
            value: cookie.name.clone(),
        });
    }
    if !is_valid_attribute(&cookie.path) {
        return Err(ConfigError::InvalidName {
            option: "cookie path",
            value: cookie.path.clone(),
        });
    }
    if let Some(domain) = &cookie.domain
        && (domain.is_empty() || !is_valid_attribute(domain))
    {
        return Err(ConfigError::InvalidName {
            option: "cookie domain",
            value: domain.clone(),
        });
    }
    if cookie.same_site == SameSite::None && !cookie.secure {
        return Err(ConfigError::SameSiteNoneWithoutSecure);
    }
    Ok(())
}
