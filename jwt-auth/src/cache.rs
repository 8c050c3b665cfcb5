//! A bounded cache of verified tokens, keyed by the exact token string (issue 8).
//!
//! A hit skips only the signature check, the base64 and JSON decoding and the claim rules,
//! which depend on nothing but the token's bytes and the backend's fixed keys and rules; the
//! revocation check and the user retrieval still run on every request. An entry is used only
//! while `now < exp` (stricter than validation, which may add a leeway: an older token is
//! decoded again, and refused or accepted as without the cache). Backends with a remote JWKS,
//! whose keys change at run time, have no cache.
//!
//! Bound: at most [`CAPACITY`] entries, each a token of at most `max_token_size` bytes and its
//! decoded claims; when full, expired entries are dropped, and if that frees too little the
//! cache is emptied.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::token::Token;

/// The most tokens the cache holds.
pub(crate) const CAPACITY: usize = 4096;

/// Verified tokens by their exact string.
pub(crate) struct TokenCache<C> {
    entries: Mutex<HashMap<Box<str>, Arc<Token<C>>>>,
}

impl<C> TokenCache<C> {
    pub(crate) fn new() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The verified token for exactly `jwt`, if cached and not expired at `now`.
    pub(crate) fn get(&self, jwt: &str, now: u64) -> Option<Arc<Token<C>>> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let token = entries.get(jwt)?;
        (now < token.exp).then(|| Arc::clone(token))
    }

    /// Remembers that `jwt` verified and validated as `token`.
    pub(crate) fn insert(&self, jwt: &str, token: &Arc<Token<C>>, now: u64) {
        if now >= token.exp {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= CAPACITY {
            entries.retain(|_, cached| now < cached.exp);
            if entries.len() >= CAPACITY / 2 {
                entries.clear();
            }
        }
        entries.insert(jwt.into(), Arc::clone(token));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::Extras;

    fn token(exp: u64) -> Arc<Token<Extras>> {
        Arc::new(Token {
            sub: "u".into(),
            exp,
            iat: None,
            nbf: None,
            iss: None,
            aud: None,
            jti: None,
            extras: Extras::new(),
        })
    }

    #[test]
    fn a_hit_never_outlives_exp() {
        let cache = TokenCache::new();
        cache.insert("a", &token(100), 10);
        assert!(cache.get("a", 99).is_some());
        assert!(cache.get("a", 100).is_none());
        assert!(cache.get("b", 10).is_none());
        // An expired token is not stored.
        cache.insert("c", &token(100), 100);
        assert!(cache.get("c", 50).is_none());
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = TokenCache::new();
        for i in 0..(3 * CAPACITY) {
            cache.insert(&format!("t{i}"), &token(1000), 10);
            assert!(cache.len() <= CAPACITY);
        }
    }
}
