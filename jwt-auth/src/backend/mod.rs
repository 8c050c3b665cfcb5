//! The backend: [`JwtAuth`], one immutable configuration built once by its builder
//! ([`builder`]), its settings and hooks, and the request pipeline that authenticates with it
//! ([`pipeline`]). Each other concern adds its own `impl JwtAuth` block in its own room: minting
//! and the session protocol in `session/`, login responses and the layer in `http/`, the OpenAPI
//! schemes in `openapi.rs`.

pub(crate) mod builder;
pub(crate) mod hooks;
pub(crate) mod observe;
pub(crate) mod pipeline;
pub(crate) mod settings;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderName, Method};
use axum::response::Response;
use jsonwebtoken::Algorithm;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::backend::hooks::Hooks;
use crate::backend::settings::{SchemeInfo, Settings};
use crate::codec::remote::Verdict;
use crate::error::{AuthError, InvalidToken};
use crate::http::cookie::CookieSettings;
use crate::http::flow::Flow;
use crate::token::model::{Extras, Token};

/// A JWT authentication backend: Litestar's `JWTAuth`, `JWTCookieAuth` or
/// `OAuth2PasswordBearerAuth`, by [`Flow`].
///
/// `U` is the user type the retrieval function returns, `S` the state it reads (a database
/// pool, say; `()` for none) and `C` the type of the extra claims. Cloning is cheap.
pub struct JwtAuth<U, S = (), C = Extras> {
    pub(crate) settings: Arc<Settings>,
    pub(crate) hooks: Arc<Hooks<U, S, C>>,
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

    /// Whether a request with this method to this route passes without authentication. `route`
    /// is the route template the router matched (`/reports/{name}`, axum's `MatchedPath`), as
    /// the layer passes it: an `exclude` path excludes its route and those under it, segment by
    /// segment, and an expression (`^...`) is matched from the template's start.
    #[must_use]
    pub fn is_excluded(&self, method: &Method, route: &str) -> bool {
        self.settings.exclusion.excludes(method, route)
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

    /// Verifies and validates a token (Litestar's `Token.decode`) with the keys at hand: an
    /// identity provider's or a remote JWKS's that must be fetched first is
    /// [`InvalidToken::KeysUnavailable`] (the layer fetches them). A token longer than
    /// [`max_token_size`](Self::max_token_size) is [`InvalidToken::TooLarge`], undecoded.
    pub fn decode(&self, jwt: &str) -> Result<Token<C>, InvalidToken> {
        if jwt.len() > self.settings.max_token_size {
            return Err(InvalidToken::TooLarge);
        }
        match self
            .settings
            .codec
            .verify_now(jwt, crate::token::clock::now())
        {
            Verdict::Known(result, _) => result,
            Verdict::Fetch => Err(InvalidToken::KeysUnavailable),
        }
    }

    /// Renders an authentication failure with the configured error handler.
    #[must_use]
    pub fn error_response(&self, error: &AuthError) -> Response {
        self.settings.error_response(error)
    }
}
