//! Revocation (logout): a token's `jti` and its family, until every token they concern expires.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::backend::JwtAuth;
use crate::backend::hooks::{guarded, internal};
use crate::error::AuthError;
use crate::session::ids::family_of;
use crate::token::clock::now;
use crate::token::model::Token;

impl<U, S, C> JwtAuth<U, S, C>
where
    U: Clone + Send + Sync + 'static,
    S: Clone + Send + Sync + 'static,
    C: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    /// How long a revocation must last for a token that expires at `exp`: until then (plus the
    /// leeway), or for ever when the backend does not check `exp`.
    fn revoked_until(&self, exp: u64) -> u64 {
        let rules = &self.settings.codec.rules;
        if rules.verify_expiry {
            exp.saturating_add(rules.leeway)
        } else {
            u64::MAX
        }
    }

    /// Revokes a token (logout): its `jti` until it expires, and its family, so that the refresh
    /// token and the other access tokens of the same login stop working too. Needs a token
    /// store (`refresh_expiration` or `token_store`). Returns `false` when the token has no
    /// `jti` and so cannot be revoked (a token minted elsewhere); every token minted here has
    /// one.
    pub async fn revoke(&self, token: &Token<C>, state: &S) -> Result<bool, AuthError> {
        let Some(store) = &self.hooks.store else {
            return Err(internal(
                "revoke() needs a token store",
                &"set `token_store` or `refresh_expiration` (builder: `token_store`, `refresh_tokens`)",
            ));
        };
        let Some(jti) = token.jti.as_deref() else {
            return Ok(false);
        };
        let now = now();
        let until = self.revoked_until(token.exp);
        let mut revocations = vec![(jti, until.max(now))];
        if let Some(family) = family_of(jti) {
            revocations.push((family, self.family_horizon(now).max(until)));
        }
        for (id, until) in revocations {
            guarded("token store", || store.revoke(state, id, until)).await?;
        }
        Ok(true)
    }
}
