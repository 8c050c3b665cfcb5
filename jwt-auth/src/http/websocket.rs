//! Tokens in the query string of WebSocket handshakes, an opt-in for browsers, whose WebSocket
//! API cannot set an `Authorization` header: with `websocket_query = "access_token"`, a
//! handshake (`Upgrade: websocket`) that carries no header token (nor, in the cookie flows, the
//! cookie) may carry it as `?access_token=<jwt>`. Any other request's query is never read.
//!
//! A query string ends up in access logs, proxies' logs and browser history, so a long-lived
//! access token is better not put there: [`JwtAuth::websocket_ticket`] mints a **ticket** for
//! it, a token of its own type (signed with a key derived for tickets, refused everywhere else)
//! that lives seconds (30 by default) and is accepted once: once per process, and once for all
//! the instances that share a token store that spends tickets
//! ([`TokenStore::spend_ticket`](crate::TokenStore::spend_ticket): `RedisStore` does). The
//! cross-site check applies to query tokens as to the cookie, and this crate's traces never
//! carry the query ([`JwtAuth::redacted_uri`] writes a URI for the application's own logs
//! without it).

use std::sync::Arc;

use axum::http::{HeaderMap, Uri};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::backend::JwtAuth;
use crate::error::{AuthError, InvalidToken, TokenError};
use crate::http::csrf::is_websocket_upgrade;
use crate::http::query::query_token;
use crate::session::ids::{family_of, jti_in, new_id};
use crate::token::clock::{now, whole_seconds};
use crate::token::encode::{ClaimsToEncode, extras_to_map};
use crate::token::model::Token;

impl<U, S, C> JwtAuth<U, S, C>
where
    U: Clone + Send + Sync + 'static,
    S: Clone + Send + Sync + 'static,
    C: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    /// A one-use ticket for the WebSocket handshake of the user of `token` (the current
    /// request's, from [`CurrentToken`](crate::CurrentToken)): to put in the query string set by
    /// `websocket_query`. It carries the token's subject, issuer, audience, scopes and extras,
    /// expires after `websocket_ticket_lifetime` (30 s by default), belongs to the token's login
    /// family (a logout revokes it with the rest), and is accepted once (see the module's
    /// documentation for several instances).
    pub fn websocket_ticket(&self, token: &Token<C>) -> Result<String, TokenError> {
        let Some(websocket) = &self.settings.websocket else {
            return Err(TokenError::Encode(
                "websocket_ticket() needs `websocket_query` (builder: `websocket_query`)"
                    .to_owned(),
            ));
        };
        let issued = now();
        let jti = match token.jti.as_deref().and_then(family_of) {
            Some(family) => jti_in(family)?,
            None => new_id()?,
        };
        let claims = ClaimsToEncode {
            exp: issued.saturating_add(whole_seconds(websocket.ticket_lifetime)),
            sub: token.sub.clone(),
            iat: Some(issued),
            nbf: None,
            iss: token.iss.clone(),
            aud: token.aud.clone(),
            jti: Some(jti),
            // The handshake gets the scopes of the token it was asked with, no more.
            scope: token.scope.to_claim(),
            extras: extras_to_map(&token.extras)?,
        };
        self.settings.codec.encode_ticket(&claims)
    }

    /// The query token of a WebSocket handshake, when `websocket_query` is on.
    pub(crate) fn query_token<'u>(
        &self,
        uri: &'u Uri,
        headers: &HeaderMap,
    ) -> Result<Option<&'u str>, InvalidToken> {
        match &self.settings.websocket {
            Some(websocket) if is_websocket_upgrade(headers) => {
                query_token(uri, &websocket.query, self.settings.max_token_size)
            }
            _ => Ok(None),
        }
    }

    /// Verifies a ticket and spends it: its token, or why it is refused (a used one is
    /// [`AuthError::Unauthorized`]). Tickets are never cached: each is seen once.
    pub(crate) fn spend_ticket(&self, jwt: &str) -> Result<Arc<Token<C>>, AuthError> {
        let now = now();
        let token: Token<C> = self
            .settings
            .codec
            .decode_ticket_at(jwt, now)
            .map_err(AuthError::InvalidToken)?;
        let used = self
            .settings
            .websocket
            .as_ref()
            .map(|websocket| &websocket.used);
        match (used, token.jti.as_deref()) {
            (Some(used), Some(jti)) if used.spend(jti, token.exp, now) => Ok(Arc::new(token)),
            _ => Err(AuthError::Unauthorized),
        }
    }

    /// `uri` as text for the application's own logs, with the value of the `websocket_query`
    /// parameter replaced by `[redacted]` (the URI as it is without that key).
    #[must_use]
    pub fn redacted_uri(&self, uri: &Uri) -> String {
        let (Some(websocket), Some(query)) = (&self.settings.websocket, uri.query()) else {
            return uri.to_string();
        };
        let query: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key == websocket.query => format!("{key}=[redacted]"),
                _ => pair.to_owned(),
            })
            .collect();
        format!("{}?{}", uri.path(), query.join("&"))
    }
}
