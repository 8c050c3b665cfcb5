//! Minting tokens: the claims, the lifetime, the `jti` of a login's family, and the refresh
//! token minted beside an access token.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::backend::JwtAuth;
use crate::backend::settings::Settings;
use crate::error::TokenError;
use crate::session::ids::{jti_in, new_id, refresh_jti};
use crate::token::clock::{now, whole_seconds};
use crate::token::encode::{ClaimsToEncode, extras_to_map};
use crate::token::model::{Audience, Extras};
use crate::token::scope::Scopes;

/// Builds a token: expiration, issuer, audience, `jti`, `nbf` and extras. Get one from
/// [`JwtAuth::token`](crate::JwtAuth::token).
#[must_use]
pub struct TokenBuilder<C = Extras> {
    pub(crate) settings: Arc<Settings>,
    claims: ClaimsToEncode,
    expiration: Option<Duration>,
    /// The family of the `jti` minted when none is set; a new one when `None`.
    family: Option<String>,
    /// The issue time, instead of the clock when the token is signed.
    issued_at: Option<u64>,
    /// The generation of the refresh token minted beside (0 at login).
    generation: u64,
    /// The refresh token's scopes: the access token's, or its own when a refresh narrowed
    /// the access token (the refresh token keeps what it was granted, RFC 6749 section 6).
    refresh_scope: RefreshScope,
    error: Option<TokenError>,
    _claims: PhantomData<fn() -> C>,
}

/// A signed access token and what the refresh token minted with it needs.
pub(crate) struct Minted {
    pub jwt: String,
    pub lifetime: u64,
    claims: ClaimsToEncode,
    /// The family of the `jti`, when this crate minted it.
    family: Option<String>,
    /// The generation of the refresh token minted beside.
    generation: u64,
    refresh_scope: RefreshScope,
}

/// The `scope` claim of the refresh token minted beside an access token.
#[derive(Debug, Clone, Default)]
enum RefreshScope {
    /// The access token's.
    #[default]
    Same,
    /// Its own (`None`: no claim).
    Own(Option<String>),
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
            generation: 0,
            refresh_scope: RefreshScope::Same,
            error: None,
            _claims: PhantomData,
        }
    }

    /// Mints the `jti` in this family (a refresh keeps the family of the login).
    pub(crate) fn family(mut self, family: impl Into<String>) -> Self {
        self.family = Some(family.into());
        self
    }

    /// Mints the refresh token beside it with this generation (a refresh spends the one
    /// before).
    pub(crate) fn generation(mut self, generation: u64) -> Self {
        self.generation = generation;
        self
    }

    /// Mints the refresh token beside it with these scopes rather than the access token's.
    pub(crate) fn refresh_scopes(mut self, scopes: &Scopes) -> Self {
        self.refresh_scope = RefreshScope::Own(scopes.to_claim());
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

    /// The `scope` claim: the scopes granted, which guards check
    /// ([`Token::has_scope`](crate::Token::has_scope)). Each item may hold several names
    /// separated by spaces; none leaves the claim out. A refresh keeps them.
    pub fn scopes<I>(mut self, scopes: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.claims.scope = scopes.into_iter().collect::<Scopes>().to_claim();
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

    pub(crate) fn mint(mut self) -> Result<Minted, TokenError> {
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
            generation: self.generation,
            refresh_scope: self.refresh_scope,
        })
    }
}

impl Minted {
    /// The access token's `scope` claim.
    pub(crate) fn scope(&self) -> Option<&str> {
        self.claims.scope.as_deref()
    }
}

/// The refresh token minted with an access token: its claims (`nbf` too: a refresh cannot
/// shorten the wait), a `jti` of its family with its generation, and the refresh lifetime.
pub(crate) fn mint_refresh(
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
        jti: Some(refresh_jti(family, minted.generation)?),
        scope: match &minted.refresh_scope {
            RefreshScope::Own(scope) => scope.clone(),
            RefreshScope::Same => minted.claims.scope.clone(),
        },
        ..minted.claims.clone()
    };
    settings.codec.encode_refresh(&claims)
}

impl<U, S, C> JwtAuth<U, S, C>
where
    U: Clone + Send + Sync + 'static,
    S: Clone + Send + Sync + 'static,
    C: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    /// Mints a token for `identifier` with the default expiration (Litestar's `create_token`).
    pub fn create_token(&self, identifier: impl Into<String>) -> Result<String, TokenError> {
        self.token(identifier).encode()
    }

    /// A token builder, for an expiration, issuer, audience, `jti` or extras of its own.
    pub fn token(&self, identifier: impl Into<String>) -> TokenBuilder<C> {
        TokenBuilder::new(Arc::clone(&self.settings), identifier.into())
    }
}
