//! The login and logout responses of each flow.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, PRAGMA, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::backend::JwtAuth;
use crate::backend::settings::Settings;
use crate::error::TokenError;
use crate::http::cookie::{removal_cookie, set_cookie};
use crate::http::flow::Flow;
use crate::session::mint::{TokenBuilder, mint_refresh};
use crate::token::model::{Audience, Extras};

/// The OAuth2 token response (RFC 6749 section 5.1), Litestar's `OAuth2Login`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OAuth2Login {
    /// The access token.
    pub access_token: String,
    /// Always `"bearer"`.
    pub token_type: String,
    /// A refresh token, when refresh tokens are in use; `null` otherwise.
    pub refresh_token: Option<String>,
    /// The access token's lifetime in seconds.
    pub expires_in: u64,
    /// The scopes granted, space-separated (RFC 6749 section 5.1: the client learns what it
    /// got, which may be less than it asked for); absent when the token has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl std::fmt::Debug for OAuth2Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuth2Login")
            .field("access_token", &"<redacted>")
            .field("token_type", &self.token_type)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .finish()
    }
}

enum LoginBody {
    /// The flow's default: `null`, or the token body with `send_token_as_response_body`.
    Default,
    /// A body of the application's, serialized to JSON.
    Json(Result<Vec<u8>, String>),
}

/// A login response, Litestar's `login()`: build it with
/// [`JwtAuth::login`](crate::JwtAuth::login), return it from the handler.
#[must_use]
pub struct Login<C = Extras> {
    token: TokenBuilder<C>,
    status: StatusCode,
    body: LoginBody,
    send_token_as_response_body: Option<bool>,
    refresh_token: Option<String>,
}

impl<C> std::fmt::Debug for Login<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("token", &self.token)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl<C: Serialize> Login<C> {
    pub(crate) fn new(token: TokenBuilder<C>) -> Self {
        Self {
            token,
            status: StatusCode::CREATED,
            body: LoginBody::Default,
            send_token_as_response_body: None,
            refresh_token: None,
        }
    }

    /// The status code, default 201.
    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// The response body, serialized to JSON (Litestar's `response_body`).
    pub fn body(mut self, body: impl Serialize) -> Self {
        self.body = LoginBody::Json(serde_json::to_vec(&body).map_err(|e| e.to_string()));
        self
    }

    /// Whether the token goes in the body when no body is given: `{"token": ...}`, or the
    /// OAuth2 body for the OAuth2 flow. Default: on for the OAuth2 flow, off for the others.
    pub fn send_token_as_response_body(mut self, send: bool) -> Self {
        self.send_token_as_response_body = Some(send);
        self
    }

    /// The `refresh_token` of the OAuth2 body: `null` by default, or one minted here when the
    /// backend issues refresh tokens.
    pub fn refresh_token(mut self, refresh_token: impl Into<String>) -> Self {
        self.refresh_token = Some(refresh_token.into());
        self
    }

    /// The lifetime of this token, instead of the backend's default.
    pub fn expiration(mut self, expiration: Duration) -> Self {
        self.token = self.token.expiration(expiration);
        self
    }

    /// The `iss` claim.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.token = self.token.issuer(issuer);
        self
    }

    /// The `aud` claim.
    pub fn audience(mut self, audience: impl Into<Audience>) -> Self {
        self.token = self.token.audience(audience);
        self
    }

    /// The `jti` claim.
    pub fn jti(mut self, jti: impl Into<String>) -> Self {
        self.token = self.token.jti(jti);
        self
    }

    /// The `nbf` claim, seconds since the Unix epoch.
    pub fn not_before(mut self, nbf: u64) -> Self {
        self.token = self.token.not_before(nbf);
        self
    }

    /// The `scope` claim: the scopes granted, which guards check. See
    /// [`TokenBuilder::scopes`]; a refresh keeps them.
    pub fn scopes<I>(mut self, scopes: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.token = self.token.scopes(scopes);
        self
    }

    /// One extra claim (Litestar's `token_extras`).
    pub fn extra(mut self, name: impl Into<String>, value: impl Serialize) -> Self {
        self.token = self.token.extra(name, value);
        self
    }

    /// The extra claims from the backend's typed claims.
    pub fn claims(mut self, claims: &C) -> Self {
        self.token = self.token.claims(claims);
        self
    }

    /// Builds the response; the error says why the token could not be minted.
    pub fn try_into_response(self) -> Result<Response, TokenError> {
        let settings = Arc::clone(&self.token.settings);
        let minted = self.token.mint()?;
        let refresh_token = match (self.refresh_token, settings.refresh) {
            (Some(given), _) => Some(given),
            (None, Some(lifetime)) => Some(mint_refresh(&settings, &minted, lifetime)?),
            (None, None) => None,
        };
        let minted_scope = minted.scope().map(str::to_owned);
        let (jwt, lifetime) = (minted.jwt, minted.lifetime);
        let send_token = self
            .send_token_as_response_body
            .unwrap_or(settings.flow == Flow::OAuth2Password);
        let body = match self.body {
            LoginBody::Json(body) => body.map_err(TokenError::Encode)?,
            LoginBody::Default if send_token => token_body(
                settings.flow,
                minted_scope.as_deref(),
                &jwt,
                lifetime,
                refresh_token,
            ),
            LoginBody::Default => b"null".to_vec(),
        };
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(
            settings.auth_header.clone(),
            HeaderValue::try_from(format!("Bearer {jwt}"))
                .map_err(|e| TokenError::Encode(e.to_string()))?,
        );
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        // A response that carries a token is never cached (RFC 6749 section 5.1).
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
        if settings.flow.uses_cookie() {
            headers.insert(SET_COOKIE, set_cookie(&settings.cookie, &jwt, lifetime)?);
        }
        Ok(response)
    }
}

impl<C: Serialize> IntoResponse for Login<C> {
    fn into_response(self) -> Response {
        self.try_into_response().into_response()
    }
}

fn token_body(
    flow: Flow,
    scope: Option<&str>,
    jwt: &str,
    lifetime: u64,
    refresh_token: Option<String>,
) -> Vec<u8> {
    let body = if flow == Flow::OAuth2Password {
        serde_json::to_vec(&OAuth2Login {
            access_token: jwt.to_owned(),
            token_type: "bearer".to_owned(),
            refresh_token,
            expires_in: lifetime,
            scope: scope.map(str::to_owned),
        })
    } else {
        serde_json::to_vec(&serde_json::json!({ "token": jwt }))
    };
    // Serializing strings and integers into JSON cannot fail.
    body.unwrap_or_default()
}

/// A logout response: 204 and, for the cookie flows, a `Set-Cookie` that clears the cookie.
/// Revoking the token is the revocation check's business.
#[must_use]
pub struct Logout {
    settings: Arc<Settings>,
    status: StatusCode,
}

impl std::fmt::Debug for Logout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Logout")
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl Logout {
    pub(crate) fn new(settings: Arc<Settings>) -> Self {
        Self {
            settings,
            status: StatusCode::NO_CONTENT,
        }
    }

    /// The status code, default 204.
    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }
}

impl IntoResponse for Logout {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        if self.settings.flow.uses_cookie()
            && let Some(value) = removal_cookie(&self.settings.cookie)
        {
            response.headers_mut().insert(SET_COOKIE, value);
        }
        response
    }
}

impl<U, S, C> JwtAuth<U, S, C>
where
    U: Clone + Send + Sync + 'static,
    S: Clone + Send + Sync + 'static,
    C: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    /// A login response for `identifier`: status 201, `Authorization: Bearer <jwt>`, the cookie
    /// for the cookie flows, and the OAuth2 body for the OAuth2 flow (Litestar's `login`).
    pub fn login(&self, identifier: impl Into<String>) -> Login<C> {
        Login::new(self.token(identifier))
    }

    /// A logout response: 204, and for the cookie flows a `Set-Cookie` that clears the cookie.
    pub fn logout(&self) -> Logout {
        Logout::new(Arc::clone(&self.settings))
    }
}
