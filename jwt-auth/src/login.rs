//! Minting tokens and the login and logout responses of each flow.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, PRAGMA, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cookie::Cookie;
use serde::{Deserialize, Serialize};

use crate::backend::Settings;
use crate::codec::{now, whole_seconds};
use crate::error::TokenError;
use crate::flow::{CookieSettings, Flow};
use crate::refresh::{jti_in, new_id};
use crate::token::{Audience, ClaimsToEncode, Extras, extras_to_map};

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
            .finish()
    }
}

/// Builds a token: expiration, issuer, audience, `jti`, `nbf` and extras. Get one from
/// [`JwtAuth::token`](crate::JwtAuth::token).
#[must_use]
pub struct TokenBuilder<C = Extras> {
    settings: Arc<Settings>,
    claims: ClaimsToEncode,
    expiration: Option<Duration>,
    /// The family of the `jti` minted when none is set; a new one when `None`.
    family: Option<String>,
    /// The issue time, instead of the clock when the token is signed.
    issued_at: Option<u64>,
    error: Option<TokenError>,
    _claims: PhantomData<fn() -> C>,
}

/// A signed access token and what the refresh token minted with it needs.
struct Minted {
    jwt: String,
    lifetime: u64,
    claims: ClaimsToEncode,
    /// The family of the `jti`, when this crate minted it.
    family: Option<String>,
}

impl<C> std::fmt::Debug for TokenBuilder<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenBuilder")
            .field("claims", &self.claims)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

impl<C: Serialize> TokenBuilder<C> {
    pub(crate) fn new(settings: Arc<Settings>, identifier: String) -> Self {
        Self {
            settings,
            claims: ClaimsToEncode {
                sub: identifier,
                ..ClaimsToEncode::default()
            },
            expiration: None,
            family: None,
            issued_at: None,
            error: None,
            _claims: PhantomData,
        }
    }

    /// Mints the `jti` in this family (a refresh keeps the family of the login).
    pub(crate) fn family(mut self, family: impl Into<String>) -> Self {
        self.family = Some(family.into());
        self
    }

    /// Issues the token as of `issued_at` (seconds since the Unix epoch) instead of now.
    pub(crate) fn issued_at(mut self, issued_at: u64) -> Self {
        self.issued_at = Some(issued_at);
        self
    }

    /// The lifetime of this token, instead of the backend's default.
    pub fn expiration(mut self, expiration: Duration) -> Self {
        self.expiration = Some(expiration);
        self
    }

    /// The `iss` claim.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.claims.iss = Some(issuer.into());
        self
    }

    /// The `aud` claim: one audience or several.
    pub fn audience(mut self, audience: impl Into<Audience>) -> Self {
        self.claims.aud = Some(audience.into());
        self
    }

    /// The `jti` claim (the handle for revocation). By default each token gets a random one,
    /// `<family>.<random>`, whose family is shared by the tokens of one login.
    pub fn jti(mut self, jti: impl Into<String>) -> Self {
        self.claims.jti = Some(jti.into());
        self
    }

    /// The `nbf` claim, seconds since the Unix epoch.
    pub fn not_before(mut self, nbf: u64) -> Self {
        self.claims.nbf = Some(nbf);
        self
    }

    /// One extra claim (Litestar's `token_extras`), written at the top level of the payload.
    pub fn extra(mut self, name: impl Into<String>, value: impl Serialize) -> Self {
        match serde_json::to_value(value) {
            Ok(value) => {
                self.claims.extras.insert(name.into(), value);
            }
            Err(error) => self.error = Some(TokenError::Encode(error.to_string())),
        }
        self
    }

    /// The extra claims from the backend's typed claims (or an [`Extras`] map).
    pub fn claims(mut self, claims: &C) -> Self {
        match extras_to_map(claims) {
            Ok(mut map) => self.claims.extras.append(&mut map),
            Err(error) => self.error = Some(error),
        }
        self
    }

    fn lifetime(&self) -> Result<Duration, TokenError> {
        let lifetime = self.expiration.unwrap_or(self.settings.expiration);
        if whole_seconds(lifetime) == 0 {
            return Err(TokenError::ZeroExpiration);
        }
        // A revoked family is remembered for the longest lifetime; a token that outlived that
        // record would work again after a logout.
        let longest = self.settings.longest_lifetime();
        if self.settings.revocable && lifetime > longest {
            return Err(TokenError::ExpirationTooLong {
                seconds: whole_seconds(lifetime),
                max: whole_seconds(longest),
            });
        }
        Ok(lifetime)
    }

    /// Signs the token: `exp` = now + the expiration, `iat` = now, and a random `jti` unless
    /// one was set.
    pub fn encode(self) -> Result<String, TokenError> {
        self.mint().map(|minted| minted.jwt)
    }

    fn mint(mut self) -> Result<Minted, TokenError> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        let lifetime = whole_seconds(self.lifetime()?);
        let issued = self.issued_at.unwrap_or_else(now);
        self.claims.iat = Some(issued);
        self.claims.exp = issued.saturating_add(lifetime);
        let family = if self.claims.jti.is_some() {
            None
        } else {
            let family = match self.family.take() {
                Some(family) => family,
                None => new_id()?,
            };
            self.claims.jti = Some(jti_in(&family)?);
            Some(family)
        };
        let jwt = self.settings.codec.encode(&self.claims)?;
        Ok(Minted {
            jwt,
            lifetime,
            claims: self.claims,
            family,
        })
    }
}

/// The refresh token minted with an access token: its claims (`nbf` too: a refresh cannot
/// shorten the wait), another `jti` of its family, and the refresh lifetime.
fn mint_refresh(
    settings: &Settings,
    minted: &Minted,
    lifetime: Duration,
) -> Result<String, TokenError> {
    // Logout revokes an access token's family; one whose `jti` the application set has none,
    // and its refresh token would survive the logout.
    let family = minted
        .family
        .as_ref()
        .ok_or(TokenError::JtiWithRefreshTokens)?;
    let issued = minted.claims.iat.unwrap_or_else(now);
    let claims = ClaimsToEncode {
        exp: issued.saturating_add(whole_seconds(lifetime)),
        jti: Some(jti_in(family)?),
        ..minted.claims.clone()
    };
    settings.codec.encode_refresh(&claims)
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
        let (jwt, lifetime) = (minted.jwt, minted.lifetime);
        let send_token = self
            .send_token_as_response_body
            .unwrap_or(settings.flow == Flow::OAuth2Password);
        let body = match self.body {
            LoginBody::Json(body) => body.map_err(TokenError::Encode)?,
            LoginBody::Default if send_token => {
                token_body(settings.flow, &jwt, lifetime, refresh_token)
            }
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

fn token_body(flow: Flow, jwt: &str, lifetime: u64, refresh_token: Option<String>) -> Vec<u8> {
    let body = if flow == Flow::OAuth2Password {
        serde_json::to_vec(&OAuth2Login {
            access_token: jwt.to_owned(),
            token_type: "bearer".to_owned(),
            refresh_token,
            expires_in: lifetime,
        })
    } else {
        serde_json::to_vec(&serde_json::json!({ "token": jwt }))
    };
    // Serializing strings and integers into JSON cannot fail.
    body.unwrap_or_default()
}

fn cookie<'a>(settings: &'a CookieSettings, value: &'a str) -> cookie::CookieBuilder<'a> {
    let mut cookie = Cookie::build((settings.name.as_str(), value))
        .http_only(true)
        .path(settings.path.as_str())
        .same_site(settings.same_site.to_cookie())
        .secure(settings.secure);
    if let Some(domain) = &settings.domain {
        cookie = cookie.domain(domain.as_str());
    }
    cookie
}

fn set_cookie(
    settings: &CookieSettings,
    jwt: &str,
    lifetime: u64,
) -> Result<HeaderValue, TokenError> {
    let max_age = cookie::time::Duration::seconds(i64::try_from(lifetime).unwrap_or(i64::MAX));
    let value = cookie(settings, jwt).max_age(max_age).build().to_string();
    HeaderValue::try_from(value).map_err(|e| TokenError::Encode(e.to_string()))
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
        if self.settings.flow.uses_cookie() {
            let removal = cookie(&self.settings.cookie, "")
                .removal()
                .build()
                .to_string();
            if let Ok(value) = HeaderValue::try_from(removal) {
                response.headers_mut().insert(SET_COOKIE, value);
            }
        }
        response
    }
}
