//! Refresh tokens: single-use, rotated on every refresh, grouped in families.
//!
//! Turned on by [`JwtAuthBuilder::refresh_tokens`](crate::JwtAuthBuilder::refresh_tokens) (the
//! macro's `refresh_expiration`), for the OAuth2 flow. Then:
//!
//! - every login starts a **family** (a random id); the access token's `jti` is
//!   `<family>.<random>`, and the OAuth2 body's `refresh_token` is a second JWT of the same
//!   family, with its own longer expiry and the JOSE `typ` [`REFRESH_TYP`](crate::REFRESH_TYP),
//!   so that it is never accepted as an access token (nor an access token as a refresh token);
//! - [`JwtAuth::refresh`](crate::JwtAuth::refresh) exchanges a refresh token for a new pair of
//!   the same family, and records the old one as used in the [`TokenStore`](crate::TokenStore);
//! - presenting a used refresh token again revokes the whole family: the thief's and the
//!   owner's tokens stop working alike, and the owner logs in again (RFC 9700 section 4.14.2);
//! - [`JwtAuth::revoke`](crate::JwtAuth::revoke) (logout) revokes an access token's `jti` and
//!   its family, so the refresh token of that login dies with it.
//!
//! The store is consulted on every authenticated request (one `is_revoked` call with the
//! token's `jti` and family) and on every refresh (`is_revoked`, then `consume`).
//! [`JwtAuth::decode`](crate::JwtAuth::decode) alone does not ask it: it checks a token, not a
//! session.
//!
//! Refresh tokens are signed with HS256 and a key derived from the signing key (see
//! `RefreshKey` in the codec), whatever the backend's algorithm: only the backend that issued
//! them can verify them, so a service that verifies access tokens with the published JWKS or a
//! shared secret can never take one for an access token. Replacing the signing key invalidates
//! the refresh tokens it issued.
//!
//! With refresh tokens, a login's `jti` is always minted here (a `jti` set with
//! [`Login::jti`](crate::Login::jti) is a [`TokenError::JtiWithRefreshTokens`]), and with a token
//! store no token may live longer than the longer of `expiration` and `refresh_expiration`
//! (a revocation is remembered that long; [`TokenError::ExpirationTooLong`]).
//!
//! A refresh carries the login's `iss`, `aud`, `nbf` and extra claims into the new tokens. With
//! a typed claims type `C`, only what `C` deserializes survives; a handler can add claims to the
//! returned [`Login`](crate::Login) with `.extra(...)`.
//!
//! Two requests racing with the same refresh token (two tabs, a retry after a lost response)
//! count as a reuse and revoke the family: the user logs in again. That is the safe reading of
//! RFC 9700; there is no grace period.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{ErrorBody, InvalidToken, TokenError};
use crate::grant::GrantError;

/// Random bytes in a family id and in the unique part of a `jti`.
const ID_BYTES: usize = 16;
/// The length of such an id in base64url.
const ID_LEN: usize = 22;

/// A random 128-bit id in base64url.
pub(crate) fn new_id() -> Result<String, TokenError> {
    let mut bytes = [0_u8; ID_BYTES];
    getrandom::fill(&mut bytes)
        .map_err(|e| TokenError::Encode(format!("no randomness for the `jti`: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// A `jti` in `family`: `<family>.<random>`.
pub(crate) fn jti_in(family: &str) -> Result<String, TokenError> {
    Ok(format!("{family}.{}", new_id()?))
}

fn is_id(part: &str) -> bool {
    part.len() == ID_LEN
        && part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The family of a `jti` minted here (`<family>.<random>`, two ids); `None` for any other `jti`
/// (one set by the application, or minted elsewhere).
#[must_use]
pub fn family_of(jti: &str) -> Option<&str> {
    let (family, unique) = jti.split_once('.')?;
    (is_id(family) && is_id(unique)).then_some(family)
}

/// Why a refresh token was not exchanged. Every variant but [`RefreshError::Internal`] and
/// [`RefreshError::Token`] (500) is answered as RFC 6749 section 5.2 says: 400
/// `invalid_grant` (`unsupported_grant_type` for [`RefreshError::Disabled`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefreshError {
    /// This backend issues no refresh tokens.
    Disabled,
    /// Not a valid refresh token: bad signature, expired, an access token, ...
    Invalid(InvalidToken),
    /// The token, or its family, is revoked (logout, or an earlier reuse).
    Revoked,
    /// The token had been used already: its whole family is now revoked.
    Reused,
    /// The revocation check or the retrieval function refused it (no such user any more).
    Unauthorized,
    /// The token store, the revocation check or the retrieval function failed (500).
    Internal,
    /// The new tokens could not be minted (500).
    Token(TokenError),
}

impl RefreshError {
    /// The OAuth2 error body, for the variants answered with one.
    #[must_use]
    pub fn grant_error(&self) -> Option<GrantError> {
        Some(match self {
            Self::Disabled => {
                GrantError::unsupported_grant_type("this server issues no refresh tokens")
            }
            Self::Invalid(_) => {
                GrantError::invalid_grant("the refresh token is invalid or expired")
            }
            Self::Revoked => GrantError::invalid_grant("the refresh token is revoked"),
            Self::Reused => GrantError::invalid_grant(
                "the refresh token was already used; its session is revoked, log in again",
            ),
            Self::Unauthorized => GrantError::invalid_grant("the refresh token is not accepted"),
            Self::Internal | Self::Token(_) => return None,
        })
    }
}

impl std::fmt::Display for RefreshError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self, self.grant_error()) {
            (Self::Invalid(reason), _) => write!(f, "invalid refresh token: {reason}"),
            (Self::Token(error), _) => error.fmt(f),
            (_, Some(grant)) => grant.fmt(f),
            (_, None) => f.write_str("the refresh failed"),
        }
    }
}

impl std::error::Error for RefreshError {}

impl IntoResponse for RefreshError {
    fn into_response(self) -> Response {
        if let Self::Token(error) = self {
            return error.into_response();
        }
        match self.grant_error() {
            Some(grant) => grant.into_response(),
            None => ErrorBody::response(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_base64url_of_fixed_length() {
        let a = new_id().unwrap();
        let b = new_id().unwrap();
        assert_ne!(a, b);
        assert!(is_id(&a) && is_id(&b), "{a} {b}");
    }

    #[test]
    fn the_family_is_read_only_from_jtis_minted_here() {
        let family = new_id().unwrap();
        let jti = jti_in(&family).unwrap();
        assert_eq!(family_of(&jti), Some(family.as_str()));
        for other in [
            "",
            "plain",
            "a.b",
            &family,
            &format!("{family}."),
            &format!("{family}.{family}.x"),
            &format!("{family}.{}", "+".repeat(ID_LEN)),
        ] {
            assert_eq!(family_of(other), None, "{other}");
        }
    }

    #[test]
    fn errors_answer_as_rfc_6749_says() {
        let cases = [
            (RefreshError::Disabled, 400, Some("unsupported_grant_type")),
            (
                RefreshError::Invalid(InvalidToken::Expired),
                400,
                Some("invalid_grant"),
            ),
            (RefreshError::Revoked, 400, Some("invalid_grant")),
            (RefreshError::Reused, 400, Some("invalid_grant")),
            (RefreshError::Unauthorized, 400, Some("invalid_grant")),
            (RefreshError::Internal, 500, None),
            (RefreshError::Token(TokenError::ZeroExpiration), 500, None),
        ];
        for (error, status, code) in cases {
            assert_eq!(
                error.grant_error().map(|grant| grant.error),
                code,
                "{error:?}"
            );
            assert_eq!(error.into_response().status().as_u16(), status);
        }
    }
}
