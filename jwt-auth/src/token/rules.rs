//! The validation rules of the registered claims, with Litestar's semantics (audience and issuer
//! only checked when configured, `strict_audience`, `require_claims`) plus `leeway`. That
//! `strict_audience` has exactly one audience is a configuration rule, checked by the builder
//! (`jwt_auth_config`).

use crate::error::InvalidToken;
use crate::token::model::Audience;
use crate::token::raw::RawClaims;

/// The validation rules, with Litestar's defaults.
#[derive(Clone, Debug)]
pub(crate) struct Rules {
    pub leeway: u64,
    pub issuers: Vec<String>,
    pub audiences: Vec<String>,
    pub strict_audience: bool,
    pub require_claims: Vec<String>,
    pub verify_expiry: bool,
    pub verify_not_before: bool,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            leeway: 0,
            issuers: Vec::new(),
            audiences: Vec::new(),
            strict_audience: false,
            require_claims: Vec::new(),
            verify_expiry: true,
            verify_not_before: true,
        }
    }
}

impl Rules {
    /// Validates the claims of a token whose signature has been verified.
    pub(crate) fn validate(&self, claims: &RawClaims, now: u64) -> Result<(), InvalidToken> {
        match &claims.sub {
            Some(sub) if !sub.is_empty() => {}
            Some(_) => return Err(InvalidToken::Claims),
            None => return Err(InvalidToken::MissingClaim),
        }
        let Some(exp) = claims.exp else {
            return Err(InvalidToken::MissingClaim);
        };
        if self.verify_expiry && now >= exp.saturating_add(self.leeway) {
            return Err(InvalidToken::Expired);
        }
        let horizon = now.saturating_add(self.leeway);
        if self.verify_not_before && claims.nbf.is_some_and(|nbf| nbf > horizon) {
            return Err(InvalidToken::NotYetValid);
        }
        if claims.iat.is_some_and(|iat| iat > horizon) {
            return Err(InvalidToken::IssuedInFuture);
        }
        if !self.issuers.is_empty() {
            match &claims.iss {
                Some(iss) if self.issuers.contains(iss) => {}
                _ => return Err(InvalidToken::Issuer),
            }
        }
        if !self.audiences.is_empty() {
            let accepted = match &claims.aud {
                None => false,
                Some(Audience::One(aud)) if self.strict_audience => *aud == self.audiences[0],
                Some(Audience::Many(_)) if self.strict_audience => false,
                Some(aud) => self.audiences.iter().any(|a| aud.contains(a)),
            };
            if !accepted {
                return Err(InvalidToken::Audience);
            }
        }
        if self.require_claims.iter().any(|name| !claims.has(name)) {
            return Err(InvalidToken::MissingClaim);
        }
        Ok(())
    }
}
