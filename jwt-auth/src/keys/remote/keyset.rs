//! A remote key set: where it is (a JWKS URL, or an issuer whose discovery document names it),
//! the keys last fetched, and how usable they are now.
//!
//! - **Fresh** for the `max-age` of the response (within the configured bounds): its keys
//!   verify tokens, and the verified-token cache may keep what they verified until then.
//! - **Stale** for `max_stale` after that: its keys still verify tokens (nothing verified with
//!   them is cached) while a fetch runs in the background, at most once per
//!   `refetch_interval`, so that a provider briefly down logs nobody out.
//! - **Unusable** before the first fetch succeeded and past that bound: the tokens of this set
//!   wait for a fetch (once per `refetch_interval`), and are refused with a 503 when it fails.
//!
//! A fetch that brings a different set bumps the backend's key epoch, which empties the
//! verified-token cache of what the old set verified (a key rotated out verifies nothing more).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use axum::http::Uri;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use jwt_auth_config::Family;

use crate::keys::remote::RemoteJwksConfig;
use crate::keys::remote::discovery::{self, MAX_DISCOVERY_SIZE};
use crate::keys::remote::fetch::{Client, FetchError};
use crate::token::clock::now;

/// The largest key set read, in bytes.
pub(crate) const MAX_JWKS_SIZE: usize = 1 << 20;

/// The most keys taken from one set; the rest are ignored (and logged).
pub(crate) const MAX_KEYS: usize = 64;

/// A public key of a remote set: its `kid`, its `alg` when the set names one, the key.
#[derive(Clone)]
pub(crate) struct RemoteKey {
    pub kid: Option<String>,
    pub alg: Option<Algorithm>,
    pub key: DecodingKey,
}

/// Where a set is.
#[derive(Debug)]
pub(crate) enum Source {
    /// A JWK Set at this URL.
    Jwks(Uri),
    /// The set an issuer's discovery document names.
    Discovery {
        /// The issuer, as its document must give it.
        issuer: String,
        /// The document's URL.
        document: Uri,
    },
}

/// How usable a set is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Freshness {
    Fresh,
    Stale,
    Unusable,
}

/// The keys of a set as they are now.
pub(crate) struct Snapshot {
    pub keys: Arc<[RemoteKey]>,
    pub freshness: Freshness,
    /// Until when (seconds since the epoch) what these keys verify may be cached: the end of
    /// the set's freshness, or 0 when it is not fresh.
    pub cache_until: u64,
}

/// The last good fetch.
struct Fetched {
    at: Instant,
    fresh_for: Duration,
    fresh_until: u64,
}

#[derive(Default)]
struct State {
    keys: Arc<[RemoteKey]>,
    /// Each key's JWK as fetched, to tell whether a new set differs.
    fingerprint: Vec<String>,
    fetched: Option<Fetched>,
    last_attempt: Option<Instant>,
    /// The discovered key set's URL.
    jwks_uri: Option<Uri>,
}

/// A remote key set and its state.
pub(crate) struct RemoteKeys {
    source: Source,
    config: RemoteJwksConfig,
    client: Client,
    state: RwLock<State>,
    fetching: tokio::sync::Mutex<()>,
    /// A refresh has been spawned and has not ended.
    refreshing: AtomicBool,
    /// The backend's key epoch, bumped when this set changes.
    epoch: Arc<AtomicU64>,
}

impl std::fmt::Debug for RemoteKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteKeys")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl RemoteKeys {
    pub(crate) fn new(
        source: Source,
        config: RemoteJwksConfig,
        client: Client,
        epoch: Arc<AtomicU64>,
    ) -> Self {
        Self {
            source,
            config,
            client,
            state: RwLock::new(State::default()),
            fetching: tokio::sync::Mutex::new(()),
            refreshing: AtomicBool::new(false),
            epoch,
        }
    }

    /// The configured URL, for logs.
    fn url(&self) -> &str {
        &self.config.url
    }

    /// The keys and how usable they are; a stale set is refreshed in the background.
    pub(crate) fn snapshot(self: &Arc<Self>) -> Snapshot {
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        let (freshness, cache_until) = match &state.fetched {
            None => (Freshness::Unusable, 0),
            Some(fetched) => {
                let age = fetched.at.elapsed();
                if age < fetched.fresh_for {
                    (Freshness::Fresh, fetched.fresh_until)
                } else if age < fetched.fresh_for.saturating_add(self.config.max_stale) {
                    (Freshness::Stale, 0)
                } else {
                    (Freshness::Unusable, 0)
                }
            }
        };
        let keys = Arc::clone(&state.keys);
        let refresh = freshness == Freshness::Stale && self.may_attempt(&state);
        drop(state);
        if refresh {
            self.refresh_in_background();
        }
        Snapshot {
            keys,
            freshness,
            cache_until,
        }
    }

    /// Whether a fetch may start now: none was tried within `refetch_interval`.
    pub(crate) fn may_fetch(&self) -> bool {
        self.may_attempt(&self.state.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn may_attempt(&self, state: &State) -> bool {
        state
            .last_attempt
            .is_none_or(|at| at.elapsed() >= self.config.refetch_interval)
    }

    /// Fetches in a task of the current runtime (none: the next request that must wait for
    /// the keys fetches them), one at a time.
    fn refresh_in_background(self: &Arc<Self>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.refreshing.swap(true, Ordering::AcqRel) {
            return;
        }
        let this = Arc::clone(self);
        runtime.spawn(async move {
            this.refresh().await;
            this.refreshing.store(false, Ordering::Release);
        });
    }

    /// Fetches the set, unless a fetch was tried within `refetch_interval` (by this call's
    /// wait for another one, say); on failure the last good set stays, and the failure is
    /// logged.
    pub(crate) async fn refresh(&self) {
        let _one_at_a_time = self.fetching.lock().await;
        let known = {
            let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
            if !self.may_attempt(&state) {
                return;
            }
            state.jwks_uri.clone()
        };
        let result = tokio::time::timeout(self.config.timeout, self.fetch(known))
            .await
            .unwrap_or_else(|_| Err("timed out".to_owned()));
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        state.last_attempt = Some(Instant::now());
        let (jwks_uri, set, max_age) = match result {
            Ok(fetched) => fetched,
            Err(error) => {
                tracing::warn!(url = %self.url(), %error, "jwt-auth: cannot fetch the key set");
                return;
            }
        };
        let fresh_for = max_age.map_or(self.config.cache_for, |age| {
            // Not `clamp`, which panics when a hand-built config puts the bounds the wrong way.
            age.min(self.config.max_cache).max(self.config.min_cache)
        });
        if set.fingerprint != state.fingerprint {
            tracing::info!(url = %self.url(), keys = set.keys.len(), "jwt-auth: a new key set");
            self.epoch.fetch_add(1, Ordering::AcqRel);
        }
        state.keys = set.keys.into();
        state.fingerprint = set.fingerprint;
        state.jwks_uri = Some(jwks_uri);
        state.fetched = Some(Fetched {
            at: Instant::now(),
            fresh_for,
            fresh_until: now().saturating_add(fresh_for.as_secs()),
        });
    }

    /// The set, from the known key set URL or by discovery (again, when the known URL fails:
    /// the provider may have moved it).
    async fn fetch(
        &self,
        known: Option<Uri>,
    ) -> Result<(Uri, KeySet, Option<Duration>), FetchError> {
        let uri = match (&self.source, known) {
            (Source::Jwks(uri), _) => uri.clone(),
            (Source::Discovery { .. }, Some(uri)) => match self.fetch_set(&uri).await {
                Ok((set, max_age)) => return Ok((uri, set, max_age)),
                Err(error) => {
                    tracing::debug!(%error, "jwt-auth: the discovered key set failed; discovering again");
                    self.discover().await?
                }
            },
            (Source::Discovery { .. }, None) => self.discover().await?,
        };
        let (set, max_age) = self.fetch_set(&uri).await?;
        Ok((uri, set, max_age))
    }

    async fn discover(&self) -> Result<Uri, FetchError> {
        let Source::Discovery { issuer, document } = &self.source else {
            return Err("not an issuer".to_owned());
        };
        let fetched = self
            .client
            .get(document, MAX_DISCOVERY_SIZE)
            .await
            .map_err(|e| format!("discovery: {e}"))?;
        discovery::jwks_uri(&fetched.body, issuer)
    }

    async fn fetch_set(&self, uri: &Uri) -> Result<(KeySet, Option<Duration>), FetchError> {
        let fetched = self.client.get(uri, MAX_JWKS_SIZE).await?;
        Ok((parse_key_set(&fetched.body)?, fetched.max_age))
    }
}

/// The usable keys of a set, and what tells two sets apart.
pub(crate) struct KeySet {
    pub keys: Vec<RemoteKey>,
    pub fingerprint: Vec<String>,
}

/// Parses a JWK Set, keeping the public signature keys of the asymmetric algorithms: a key for
/// encryption (`use: enc`, or an `alg` such as `RSA-OAEP`), a symmetric (`oct`) key, which in a
/// published set would be anyone's, and a key jsonwebtoken cannot read are skipped.
pub(crate) fn parse_key_set(body: &[u8]) -> Result<KeySet, FetchError> {
    #[derive(serde::Deserialize)]
    struct Set {
        keys: Vec<serde_json::Value>,
    }
    let set: Set = serde_json::from_slice(body).map_err(|e| format!("not a JWK Set: {e}"))?;
    if set.keys.len() > MAX_KEYS {
        tracing::warn!(
            keys = set.keys.len(),
            "jwt-auth: a key set of more than {MAX_KEYS} keys; the rest are ignored"
        );
    }
    let mut keys = Vec::new();
    let mut fingerprint = Vec::new();
    for value in set.keys.into_iter().take(MAX_KEYS) {
        let Ok(jwk) = serde_json::from_value::<Jwk>(value.clone()) else {
            continue;
        };
        if let Some(key) = usable_key(&jwk) {
            fingerprint.push(value.to_string());
            keys.push(key);
        }
    }
    Ok(KeySet { keys, fingerprint })
}

fn usable_key(jwk: &Jwk) -> Option<RemoteKey> {
    if matches!(jwk.algorithm, AlgorithmParameters::OctetKey(_)) {
        return None;
    }
    if jwk
        .common
        .public_key_use
        .as_ref()
        .is_some_and(|u| *u != PublicKeyUse::Signature)
    {
        return None;
    }
    let alg = match &jwk.common.key_algorithm {
        None => None,
        Some(alg) => {
            let name = serde_json::to_value(alg).ok()?;
            let spec = jwt_auth_config::algorithm(name.as_str()?)?;
            if spec.family != Family::Asymmetric {
                return None;
            }
            Some(spec.name.parse::<Algorithm>().ok()?)
        }
    };
    let key = DecodingKey::from_jwk(jwk).ok()?;
    if alg.is_some_and(|alg| alg.family() != key.family()) {
        return None;
    }
    Some(RemoteKey {
        kid: jwk.common.key_id.clone(),
        alg,
        key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_public_signature_keys_of_asymmetric_algorithms_are_kept() {
        let ed = json!({"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"});
        let with = |extra: serde_json::Value| {
            let mut key = ed.clone();
            key.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            key
        };
        let set = json!({"keys": [
            with(json!({"kid": "a", "alg": "EdDSA", "use": "sig"})),
            with(json!({"kid": "b"})),
            with(json!({"kid": "enc", "use": "enc"})),
            with(json!({"kid": "wrong-family", "alg": "RS256"})),
            {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac", "alg": "HS256"},
            {"kty": "RSA", "kid": "oaep", "alg": "RSA-OAEP", "n": "AQAB", "e": "AQAB"},
            {"kty": "unknown", "kid": "x"},
        ]});
        let parsed = parse_key_set(set.to_string().as_bytes()).unwrap();
        let kept: Vec<_> = parsed
            .keys
            .iter()
            .map(|k| (k.kid.as_deref(), k.alg))
            .collect();
        assert_eq!(
            kept,
            [(Some("a"), Some(Algorithm::EdDSA)), (Some("b"), None)]
        );
        assert_eq!(parsed.fingerprint.len(), 2);
        assert!(parse_key_set(b"{}").is_err());
        assert!(parse_key_set(b"[1]").is_err());
    }
}
