//! [`JwtAuthBuilder`]: every option with Litestar's default, and a configuration that cannot
//! work refused when it is built, never per request. The rules are the configuration's
//! (`jwt_auth_config`), which the macro applies at compile time; here they become
//! [`ConfigError`]s.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderName, Method};
use axum::response::Response;
use futures_util::future::BoxFuture;
use jsonwebtoken::Algorithm;
use jwt_auth_config::{Draft, ExcludeError, Family, Key as ConfigKey, KeySet, Scope, Violation};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::backend::JwtAuth;
use crate::backend::hooks::{
    Hooks, IntoRetrieved, IntoRevoked, Retrieve, RetrieveFn, RevokedFn, SyncRetrieveFn,
};
use crate::backend::settings::{ErrorHandler, SchemeInfo, Settings};
use crate::codec::{Codec, KeyConfig};
use crate::error::{AuthError, ConfigError};
use crate::http::cache::TokenCache;
use crate::http::cookie::{CookieSettings, SameSite};
use crate::http::csrf::CsrfSettings;
use crate::http::exclude::Exclusion;
use crate::http::flow::Flow;
use crate::http::query::{DEFAULT_TICKET_LIFETIME, UsedTickets, WebSocketSettings};
use crate::keys::algorithm::algorithm_name;
use crate::keys::issuer::Issuer;
use crate::keys::load::{KEYS_WITH_HMAC, SECRET_WITH_ASYMMETRIC};
use crate::keys::material::KeySource;
use crate::keys::remote::{RemoteJwksConfig, TlsRoots};
use crate::keys::secrets::PreviousSecrets;
use crate::session::memory::MemoryStore;
use crate::session::store::{DynStore, TokenStore};
use crate::token::model::{Extras, Token};
use crate::token::rules::Rules;

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
    previous_secrets: Vec<PreviousSecrets>,
    issuers: Vec<Issuer>,
    /// The roots of `https://` key sets; `None`: the system's.
    tls_roots: Option<TlsRoots>,
    csrf: CsrfSettings,
    trace_subject: bool,
    websocket_query: Option<String>,
    ticket_lifetime: Duration,
    refresh: Option<Duration>,
    store: Option<Arc<dyn DynStore<S>>>,
    /// The options set that apply to some flows only and have a default of their own: the
    /// cookie's settings and the OAuth2 scopes, for the rule that they fit the flow.
    given: KeySet,
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
            previous_secrets: Vec::new(),
            issuers: Vec::new(),
            tls_roots: None,
            csrf: CsrfSettings::default(),
            refresh: None,
            store: None,
            trace_subject: false,
            websocket_query: None,
            ticket_lifetime: DEFAULT_TICKET_LIFETIME,
            given: KeySet::new(),
            _types: PhantomData,
        }
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
        self.given.insert(ConfigKey::CookieName);
        self
    }

    /// The cookie's `Path`, default `/`.
    pub fn cookie_path(mut self, path: impl Into<String>) -> Self {
        self.cookie.path = path.into();
        self.given.insert(ConfigKey::CookiePath);
        self
    }

    /// The cookie's `Domain`, default none.
    pub fn cookie_domain(mut self, domain: impl Into<String>) -> Self {
        self.cookie.domain = Some(domain.into());
        self.given.insert(ConfigKey::CookieDomain);
        self
    }

    /// The cookie's `Secure` attribute, default on.
    pub fn cookie_secure(mut self, secure: bool) -> Self {
        self.cookie.secure = secure;
        self.given.insert(ConfigKey::Secure);
        self
    }

    /// The cookie's `SameSite` attribute, default `Lax`.
    pub fn cookie_same_site(mut self, same_site: SameSite) -> Self {
        self.cookie.same_site = same_site;
        self.given.insert(ConfigKey::SameSite);
        self
    }

    /// The default token lifetime, default one day.
    pub fn expiration(mut self, expiration: Duration) -> Self {
        self.expiration = expiration;
        self
    }

    /// Routes that skip authentication, matched against the route template the router matched:
    /// a path (`"/login"`: that route and the routes under it, segment by segment) or a regular
    /// expression starting with `^` (`"^/api/v[0-9]+/health$"`). Unlike Litestar, nothing is
    /// searched in the concrete path; see `docs/litestar.md`.
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
        self.given.insert(ConfigKey::OAuthScopes);
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
    #[doc(hidden)]
    pub fn retrieve_user_with(mut self, retrieve: Arc<RetrieveFn<U, S, C>>) -> Self {
        self.retrieve = Some(Retrieve::Async(retrieve));
        self
    }

    /// The synchronous user-retrieval function in the same shape; this is what `#[jwt_auth]`
    /// generates for a function that is not `async`.
    #[doc(hidden)]
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
    #[doc(hidden)]
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

    /// Reads the token from this query parameter of WebSocket handshakes (`Upgrade:
    /// websocket`) that carry none in the header or the cookie, and never from any other
    /// request's query: `websocket_query("access_token")`. Off by default; see
    /// [`JwtAuth::websocket_ticket`] for what to put there.
    pub fn websocket_query(mut self, parameter: impl Into<String>) -> Self {
        self.websocket_query = Some(parameter.into());
        self
    }

    /// How long a WebSocket ticket lives, default 30 seconds.
    pub fn websocket_ticket_lifetime(mut self, lifetime: Duration) -> Self {
        self.ticket_lifetime = lifetime;
        self
    }

    /// Whether the authentication's `tracing` span may carry the token's subject (`sub`), default
    /// off: a user id in the logs is personal data. The other fields never name a user.
    pub fn trace_subject(mut self, allowed: bool) -> Self {
        self.trace_subject = allowed;
        self
    }

    /// Issues refresh tokens of this lifetime with every login (OAuth2 flow only): single-use,
    /// rotated by [`JwtAuth::refresh`], a reused one revoking its family; see [`crate::session`].
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
    pub fn build(mut self) -> Result<JwtAuth<U, S, C>, ConfigError> {
        let retrieve = self
            .retrieve
            .take()
            .ok_or(ConfigError::MissingRetrieveUser)?;
        self.check_values()?;
        if let Some(violation) = self.draft().check().into_iter().next() {
            return Err(refusal(violation, &self.issuers));
        }
        let auth_header = HeaderName::from_bytes(self.auth_header.as_bytes())
            .map_err(|_| invalid_name("auth_header", &self.auth_header))?;
        let exclusion = Exclusion::new(&self.exclude, self.exclude_methods)?;
        let codec = Codec::with_keys(KeyConfig {
            algorithm: self.algorithm,
            source: &self.keys,
            key_id: self.key_id.as_deref(),
            previous: &self.previous_secrets,
            remote: self.remote_jwks,
            issuers: self.issuers,
            tls_roots: &self.tls_roots.unwrap_or_default(),
            rules: self.rules,
        })?;
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
        let cache = TokenCache::new();
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
            trace_subject: self.trace_subject,
            websocket: self.websocket_query.map(|query| WebSocketSettings {
                query,
                ticket_lifetime: self.ticket_lifetime,
                used: UsedTickets::default(),
            }),
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

impl<U, S, C> JwtAuthBuilder<U, S, C> {
    /// The rules on one value: each option on its own.
    fn check_values(&self) -> Result<(), ConfigError> {
        if !jwt_auth_config::is_valid_lifetime(self.expiration.as_secs()) {
            return Err(ConfigError::ZeroExpiration);
        }
        if let Some(refresh) = self.refresh
            && !jwt_auth_config::is_valid_lifetime(refresh.as_secs())
        {
            return Err(ConfigError::ZeroExpiration);
        }
        if self.max_token_size == 0 {
            return Err(ConfigError::ZeroMaxTokenSize);
        }
        if !jwt_auth_config::is_valid_header_name(&self.auth_header) {
            return Err(invalid_name("auth_header", &self.auth_header));
        }
        let cookie = &self.cookie;
        if !jwt_auth_config::is_valid_cookie_name(&cookie.name) {
            return Err(invalid_name("cookie name", &cookie.name));
        }
        if !jwt_auth_config::is_valid_cookie_attribute(&cookie.path) {
            return Err(invalid_name("cookie path", &cookie.path));
        }
        if let Some(domain) = &cookie.domain
            && !jwt_auth_config::is_valid_cookie_attribute(domain)
        {
            return Err(invalid_name("cookie domain", domain));
        }
        match jwt_auth_config::check_exclude(&self.exclude)
            .into_iter()
            .next()
        {
            Some(ExcludeError::NotAPattern { index }) => Err(ConfigError::InvalidExclude {
                pattern: self.exclude[index].clone(),
                reason: format!(
                    "a pattern is a path (`/login`: that route and those under it) or a regular \
                     expression starting with `^`; write `{}`",
                    jwt_auth_config::suggestion(&self.exclude[index])
                ),
            }),
            Some(ExcludeError::Invalid { index, error }) => Err(ConfigError::InvalidExclude {
                pattern: self.exclude[index].clone(),
                reason: error.to_string(),
            }),
            Some(ExcludeError::MatchesEveryPath { index }) => {
                Err(ConfigError::ExcludeMatchesEveryPath {
                    pattern: index.map_or_else(
                        || self.exclude.join("|"),
                        |index| self.exclude[index].clone(),
                    ),
                })
            }
            None => Ok(()),
        }
    }

    /// What the rules across options read: the values, and which options were set.
    fn draft(&self) -> Draft {
        let mut given = self.given;
        let mut set = |key, is_set: bool| {
            if is_set {
                given.insert(key);
            }
        };
        set(ConfigKey::TokenUrl, self.token_url.is_some());
        set(ConfigKey::RefreshExpiration, self.refresh.is_some());
        set(ConfigKey::Issuers, !self.issuers.is_empty());
        // A remote JWKS is fetched with the roots too.
        set(
            ConfigKey::TlsRoots,
            self.tls_roots.is_some() && self.remote_jwks.is_none(),
        );
        set(
            ConfigKey::PreviousSecrets,
            !self.previous_secrets.is_empty(),
        );
        match &self.keys {
            KeySource::None => {}
            KeySource::Secret(_) | KeySource::Env { .. } => set(ConfigKey::Secret, true),
            KeySource::Pem { signing, .. } => {
                set(ConfigKey::PrivateKey, signing.is_some());
                set(ConfigKey::PublicKeys, true);
            }
            KeySource::Keys { signing, verifying } => {
                set(ConfigKey::PrivateKey, signing.is_some());
                set(ConfigKey::PublicKeys, !verifying.is_empty());
            }
        }
        let defaults = Draft::default();
        let mut refused = KeySet::new();
        // jsonwebtoken's algorithms are all the configuration's; one that is not skips the key
        // rules, and the keys are refused when they are parsed.
        let algorithm =
            jwt_auth_config::algorithm(algorithm_name(self.algorithm)).unwrap_or_else(|| {
                refused.insert(ConfigKey::Algorithm);
                defaults.algorithm
            });
        // A remote JWKS stands for `public_keys` with an asymmetric algorithm; with HMAC it
        // comes on top of the secret.
        let remote_keys = self.remote_jwks.is_some() && algorithm.family == Family::Asymmetric;
        set(ConfigKey::PublicKeys, remote_keys);
        Draft {
            given,
            refused,
            flow: self.flow.to_config(),
            algorithm,
            secure: self.cookie.secure,
            same_site: self.cookie.same_site,
            audiences: self.rules.audiences.len(),
            issuer_audiences: self.issuers.iter().map(|i| i.audiences.len()).collect(),
            strict_audience: self.rules.strict_audience,
        }
    }
}

fn invalid_name(option: &'static str, value: &str) -> ConfigError {
    ConfigError::InvalidName {
        option,
        value: value.to_owned(),
    }
}

/// A rule across options that the configuration breaks, as the builder says it.
fn refusal(violation: Violation, issuers: &[Issuer]) -> ConfigError {
    match violation {
        // An asymmetric algorithm without keys: no key material at all, as with HMAC.
        Violation::MissingSecret | Violation::MissingKeys { .. } => ConfigError::MissingSecret,
        Violation::SecretWithAsymmetric { algorithm } => ConfigError::InvalidKey {
            algorithm,
            reason: SECRET_WITH_ASYMMETRIC.to_owned(),
        },
        Violation::KeyWithHmac { algorithm, .. } => ConfigError::InvalidKey {
            algorithm,
            reason: KEYS_WITH_HMAC.to_owned(),
        },
        Violation::TokenUrlMissing => ConfigError::TokenUrlMissing,
        Violation::NotForFlow {
            key: ConfigKey::TokenUrl,
            ..
        } => ConfigError::TokenUrlNotOAuth2,
        Violation::NotForFlow {
            key: ConfigKey::RefreshExpiration,
            ..
        } => ConfigError::RefreshNotOAuth2,
        Violation::NotForFlow { key, .. } => ConfigError::NotForFlow {
            option: key.spec().builder.unwrap_or(key.name()),
            applies_to: match key.spec().scope {
                Scope::CookieFlows => "the cookie flows (`Flow::Cookie`, `Flow::OAuth2Password`)",
                Scope::OAuth2Password | Scope::AllFlows => "`Flow::OAuth2Password`",
            },
        },
        Violation::SameSiteNoneWithoutSecure => ConfigError::SameSiteNoneWithoutSecure,
        Violation::StrictAudience { count } => ConfigError::StrictAudience { count },
        Violation::IssuerWithoutAudience { index } => ConfigError::IssuerWithoutAudience {
            issuer: issuers
                .get(index)
                .map(|i| i.iss.clone())
                .unwrap_or_default(),
        },
        Violation::PreviousSecretsWithoutSecret => ConfigError::PreviousSecretsWithoutSecret,
        Violation::TlsRootsWithoutIssuers => ConfigError::TlsRootsWithoutIssuers,
    }
}

mod keys;
#[cfg(test)]
mod tests;
