//! Revocation: logout (a token's family, or its `jti`), and log out everywhere (every token of a
//! subject issued until now), until every token they concern expires.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::backend::JwtAuth;
use crate::backend::hooks::{guarded, internal};
use crate::backend::settings::Settings;
use crate::error::AuthError;
use crate::session::ids::family_of;
use crate::session::store::{DynStore, Revocation, Target};
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

    fn store(&self, what: &str) -> Result<&dyn DynStore<S>, AuthError> {
        match &self.hooks.store {
            Some(store) => Ok(&**store),
            None => Err(internal(
                &format!("{what} needs a token store"),
                &"set `token_store` or `refresh_expiration` (builder: `token_store`, `refresh_tokens`)",
            )),
        }
    }

    /// Revokes a token (logout): its family, so that the refresh token and the other access
    /// tokens of the same login stop working too, or, for a token whose `jti` the application
    /// set (no family), that `jti`, until the token expires. Needs a token store
    /// (`refresh_expiration` or `token_store`). Returns `false` when the token has no `jti` and
    /// so cannot be revoked alone (a token minted elsewhere; [`revoke_subject`](Self::revoke_subject)
    /// still can); every token minted here has one.
    pub async fn revoke(&self, token: &Token<C>, state: &S) -> Result<bool, AuthError> {
        let store = self.store("revoke()")?;
        let Some(jti) = token.jti.as_deref() else {
            return Ok(false);
        };
        let now = now();
        let until = self.revoked_until(token.exp).max(now);
        let (target, until) = match family_of(jti) {
            Some(family) => (Target::Family(family), self.family_horizon(now).max(until)),
            None => (Target::Token(jti), until),
        };
        let revocation = Revocation::new(&token.sub, target, now, until);
        guarded("token store", || store.revoke(state, &revocation)).await?;
        Ok(true)
    }

    /// Logs `subject` out everywhere: every token of theirs issued until now (this second
    /// included), access and refresh tokens of every login, is refused from now on, and so is
    /// any token of theirs without `iat`. Tokens issued after this second work as usual: the
    /// user logs in again. Needs a token store, as [`revoke`](Self::revoke) does; with a store
    /// shared by several instances (`RedisStore`), every instance refuses them within the
    /// store's staleness bound.
    pub async fn revoke_subject(&self, subject: &str, state: &S) -> Result<(), AuthError> {
        let store = self.store("revoke_subject()")?;
        let now = now();
        let until = subject_horizon(&self.settings, now);
        let revocation = Revocation::new(subject, Target::Subject, now, until);
        guarded("token store", || store.revoke(state, &revocation)).await
    }
}

/// Until when a cutoff must last: past the expiry of every token issued before it (for ever
/// when the backend does not check `exp`).
fn subject_horizon(settings: &Settings, now: u64) -> u64 {
    if !settings.codec.rules.verify_expiry {
        return u64::MAX;
    }
    let longest = settings.longest_lifetime();
    now.saturating_add(longest.as_secs())
        .saturating_add(settings.codec.rules.leeway)
}
