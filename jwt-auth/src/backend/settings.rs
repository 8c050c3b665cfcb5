//! The part of the configuration that does not depend on the user, state or claims types.

use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderName;
use axum::response::Response;

use crate::codec::Codec;
use crate::error::AuthError;
use crate::http::cookie::CookieSettings;
use crate::http::csrf::CsrfSettings;
use crate::http::exclude::Exclusion;
use crate::http::flow::{Extraction, Flow};
use crate::http::query::WebSocketSettings;

/// A function that renders authentication failures.
pub(crate) type ErrorHandler = dyn Fn(&AuthError) -> Response + Send + Sync;

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
    /// Whether the authentication span may carry the token's subject.
    pub trace_subject: bool,
    /// Tokens in the query string of WebSocket handshakes, when on.
    pub websocket: Option<WebSocketSettings>,
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
