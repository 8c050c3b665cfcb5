//! A test kit for the applications built on this crate (feature `testing`): tokens for a user
//! in one call, expired, not yet valid or wrongly signed ones for negative tests, and requests
//! made authenticated the way the backend's flow reads them, for `tower::ServiceExt::oneshot`
//! or any HTTP client on a real socket.
//!
//! ```
//! # #[derive(Clone)] struct User;
//! # impl jwt_auth::AuthUser for User {}
//! use axum::http::Request;
//! use jwt_auth::testing::{RequestBuilderExt as _, TokenBuilderExt as _};
//!
//! let auth = jwt_auth::JwtAuth::<User>::builder()
//!     .secret("a secret of at least thirty-two bytes!")
//!     .retrieve_user_sync(|_token, _state: &()| Some(User))
//!     .build()
//!     .unwrap();
//! let jwt = auth.token("alice").extra("role", "admin").encode().unwrap();
//! let request = Request::get("/me").with_token(&auth, &jwt).body(()).unwrap();
//! assert_eq!(request.headers()["authorization"], format!("Bearer {jwt}"));
//! let expired = auth.token("alice").expired().encode().unwrap();
//! assert!(auth.decode(&expired).is_err());
//! ```

use std::time::Duration;

use axum::http::header::{COOKIE, HeaderName};
use axum::http::request::Builder;
use axum::http::{HeaderMap, HeaderValue, Request};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

use crate::backend::JwtAuth;
use crate::error::TokenError;
use crate::http::csrf::FETCH_SITE;
use crate::session::mint::TokenBuilder;
use crate::token::clock::now;

/// How long before now an [`expired`](TokenBuilderExt::expired) token expired, and how far
/// ahead a [`not_yet_valid`](TokenBuilderExt::not_yet_valid) one starts: an hour, past any
/// sensible leeway.
const SKEW: u64 = 3600;

/// Negative-test tokens, on [`TokenBuilder`] (from [`JwtAuth::token`]).
pub trait TokenBuilderExt: Sized {
    /// A token that expired an hour ago (issued two hours ago, for an hour).
    #[must_use]
    fn expired(self) -> Self;
    /// A token whose `nbf` is an hour ahead.
    #[must_use]
    fn not_yet_valid(self) -> Self;
    /// Signs the token, then spoils its signature: well formed, refused as `Signature`.
    fn encode_wrongly_signed(self) -> Result<String, TokenError>;
}

impl<C: Serialize> TokenBuilderExt for TokenBuilder<C> {
    fn expired(self) -> Self {
        self.expiration(Duration::from_secs(SKEW))
            .issued_at(now().saturating_sub(2 * SKEW))
    }

    fn not_yet_valid(self) -> Self {
        self.not_before(now().saturating_add(SKEW))
    }

    fn encode_wrongly_signed(self) -> Result<String, TokenError> {
        let jwt = self.encode()?;
        let (message, signature) = jwt.rsplit_once('.').unwrap_or((&jwt, ""));
        let mut bytes = URL_SAFE_NO_PAD.decode(signature).unwrap_or_default();
        match bytes.first_mut() {
            Some(first) => *first ^= 1,
            None => bytes.push(0),
        }
        Ok(format!("{message}.{}", URL_SAFE_NO_PAD.encode(bytes)))
    }
}

impl<U, S, C> JwtAuth<U, S, C> {
    /// The headers that carry `jwt` the way this backend's flow reads it: `Authorization:
    /// Bearer <jwt>` (or the configured header) for the header flow; the token cookie and
    /// `Sec-Fetch-Site: same-origin` (what a browser sends from the application's own pages, so
    /// that the CSRF check passes on unsafe methods too) for the cookie flows. For any HTTP
    /// client, on a real socket.
    #[must_use]
    pub fn test_headers(&self, jwt: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if self.settings.flow.uses_cookie() {
            let cookie = format!("{}={jwt}", self.settings.cookie.name);
            if let Ok(value) = HeaderValue::try_from(cookie) {
                headers.insert(COOKIE, value);
            }
            headers.insert(FETCH_SITE, HeaderValue::from_static("same-origin"));
        } else if let Ok(value) = HeaderValue::try_from(format!("Bearer {jwt}")) {
            headers.insert(self.settings.auth_header.clone(), value);
        }
        headers
    }
}

/// Authenticated requests, on `axum::http::request::Builder` (`Request::get("/me")`).
pub trait RequestBuilderExt: Sized {
    /// Carries `jwt` as `auth`'s flow reads it ([`JwtAuth::test_headers`]).
    #[must_use]
    fn with_token<U, S, C>(self, auth: &JwtAuth<U, S, C>, jwt: &str) -> Self;
    /// `Authorization: Bearer <jwt>` (every flow reads the header).
    #[must_use]
    fn with_bearer(self, jwt: &str) -> Self;
}

impl RequestBuilderExt for Builder {
    fn with_token<U, S, C>(mut self, auth: &JwtAuth<U, S, C>, jwt: &str) -> Self {
        for (name, value) in &auth.test_headers(jwt) {
            self = self.header(name, value);
        }
        self
    }

    fn with_bearer(self, jwt: &str) -> Self {
        self.header(axum::http::header::AUTHORIZATION, format!("Bearer {jwt}"))
    }
}

/// The same on a request already built.
pub trait RequestExt {
    /// Carries `jwt` as `auth`'s flow reads it ([`JwtAuth::test_headers`]).
    fn authenticate<U, S, C>(&mut self, auth: &JwtAuth<U, S, C>, jwt: &str);
}

impl<B> RequestExt for Request<B> {
    fn authenticate<U, S, C>(&mut self, auth: &JwtAuth<U, S, C>, jwt: &str) {
        let headers: HeaderMap = auth.test_headers(jwt);
        for (name, value) in &headers {
            self.headers_mut()
                .insert(HeaderName::clone(name), value.clone());
        }
    }
}
