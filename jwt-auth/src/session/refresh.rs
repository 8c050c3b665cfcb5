//! The refresh grant: a refresh token exchanged for a new pair of its family, once.

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::backend::JwtAuth;
use crate::backend::hooks::guarded;
use crate::error::{AuthError, ErrorBody, InvalidToken, TokenError};
use crate::http::grant::GrantError;
use crate::http::login::Login;
use crate::session::ids::refresh_parts;
use crate::session::store::{Rotated, Rotation, TokenRef};
use crate::token::clock;
use crate::token::model::Token;

/// Why a refresh token was not exchanged. Every variant but [`RefreshError::Internal`] and
/// [`RefreshError::Token`] (500) and [`RefreshError::Unavailable`] (503) is answered as
/// RFC 6749 section 5.2 says: 400 `invalid_grant` (`unsupported_grant_type` for
/// [`RefreshError::Disabled`]).
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
    /// The token store cannot answer for now (503); the token is not spent, the client may
    /// retry. See [`StoreUnavailable`](crate::session::StoreUnavailable).
    Unavailable,
    /// A scope was asked for that the refresh token was not granted (400 `invalid_scope`,
    /// RFC 6749 section 6); the token is not spent.
    InvalidScope(String),
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
            Self::InvalidScope(scope) => GrantError::invalid_scope(format!(
                "the scope `{scope}` was not granted to this refresh token"
            )),
            Self::Internal | Self::Token(_) | Self::Unavailable => return None,
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
            None if matches!(self, Self::Unavailable) => {
                ErrorBody::response(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable")
            }
            None => ErrorBody::response(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
        }
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
    pub(crate) fn family_horizon(&self, now: u64) -> u64 {
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
    /// single-use: the store keeps the family's highest generation spent
    /// ([`TokenStore::rotate`](crate::TokenStore::rotate)), and presenting it a second time, or
    /// any older one of the family, revokes the family ([`RefreshError::Reused`]). The
    /// revocation check and the retrieval function run as for a request, so a user who no
    /// longer exists gets no new token.
    ///
    /// The new tokens carry the refresh token's scopes; see
    /// [`refresh_with_scopes`](Self::refresh_with_scopes) to narrow the access token's.
    pub async fn refresh(&self, refresh_token: &str, state: &S) -> Result<Login<C>, RefreshError> {
        self.refresh_with_scopes(refresh_token, &[] as &[&str], state)
            .await
    }

    /// [`refresh`](Self::refresh), with the `scope` parameter of the refresh grant
    /// ([`RefreshGrant::scopes`](crate::RefreshGrant::scopes)): the new access token gets the
    /// scopes asked for, each of which the refresh token must have been granted
    /// ([`RefreshError::InvalidScope`] otherwise, before the token is spent); none asked for
    /// keeps them all. The new refresh token keeps the refresh token's scopes (RFC 6749
    /// section 6).
    pub async fn refresh_with_scopes<T: AsRef<str>>(
        &self,
        refresh_token: &str,
        scopes: &[T],
        state: &S,
    ) -> Result<Login<C>, RefreshError> {
        let settings = &*self.settings;
        let (Some(_), Some(store)) = (settings.refresh, &self.hooks.store) else {
            return Err(RefreshError::Disabled);
        };
        if refresh_token.len() > settings.max_token_size {
            return Err(RefreshError::Invalid(InvalidToken::TooLarge));
        }
        let now = clock::now();
        let token: Token<C> = settings
            .codec
            .decode_refresh_at(refresh_token, now)
            .map_err(RefreshError::Invalid)?;
        // Refresh tokens always expire, whatever `verify_expiry` says of access tokens.
        let until = token.exp.saturating_add(settings.codec.rules.leeway);
        if until <= now {
            return Err(RefreshError::Invalid(InvalidToken::Expired));
        }
        if let Some(missing) = scopes
            .iter()
            .map(AsRef::as_ref)
            .flat_map(|item| item.split(' '))
            .find(|scope| !scope.is_empty() && !token.has_scope(scope))
        {
            return Err(RefreshError::InvalidScope(missing.to_owned()));
        }
        let token = Arc::new(token);
        let jti = token.jti.as_deref().unwrap_or_default();
        let (family, generation) =
            refresh_parts(jti).ok_or(RefreshError::Invalid(InvalidToken::Claims))?;
        // A failure was logged by `guarded`.
        let failed = |error: AuthError| match error {
            AuthError::Unavailable => RefreshError::Unavailable,
            _ => RefreshError::Internal,
        };
        let presented = TokenRef {
            subject: &token.sub,
            jti: Some(jti),
            family: Some(family),
            issued_at: token.iat,
        };
        if self
            .refused_by_store(&presented, state)
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
                AuthError::Unavailable => RefreshError::Unavailable,
                _ => RefreshError::Unauthorized,
            })?;
        let rotation = Rotation {
            subject: &token.sub,
            family,
            generation,
            issued_at: token.iat,
            at: now,
            expires_at: self.family_horizon(now),
        };
        match guarded("token store", || store.rotate(state, &rotation))
            .await
            .map_err(failed)?
        {
            Rotated::First => {}
            Rotated::Revoked => return Err(RefreshError::Revoked),
            Rotated::Reused => {
                tracing::warn!(
                    sub = %token.sub,
                    "jwt-auth: a used refresh token was presented again; its family is revoked"
                );
                return Err(RefreshError::Reused);
            }
        }
        // A store may forget a family once its tokens have expired: one that expired while it
        // was being spent is refused here, so that it is never spent twice.
        if clock::now() >= until {
            return Err(RefreshError::Invalid(InvalidToken::Expired));
        }
        // The new pair is issued as of `now`, so that it expires no later than a revocation of
        // the family made after the check above, and is covered by a cutoff made after it.
        let mut builder = self
            .token(token.sub.clone())
            .family(family.to_owned())
            .generation(generation.saturating_add(1))
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
        builder = if scopes.iter().any(|scope| !scope.as_ref().trim().is_empty()) {
            builder.scopes(scopes).refresh_scopes(&token.scope)
        } else {
            builder.scopes(token.scope.iter())
        };
        Ok(Login::new(builder.claims(&token.extras)).status(axum::http::StatusCode::OK))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            (RefreshError::Unavailable, 503, None),
            (
                RefreshError::InvalidScope("admin".to_owned()),
                400,
                Some("invalid_scope"),
            ),
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
