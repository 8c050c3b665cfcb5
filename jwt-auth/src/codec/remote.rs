//! Verifying with keys fetched at run time: the identity providers', and a remote JWKS beside
//! the codec's own keys.
//!
//! A token whose `iss` is a provider's is checked by that provider alone: its keys (a token of
//! one provider signed with another's key is refused, whatever its `kid`), the algorithms it
//! allows, its audiences. Any other token is the backend's own, checked with its keys (and the
//! remote JWKS's, if any) and rules. The `iss` is read before the signature is checked, only to
//! choose the judge; the claims validated are those of the payload the signature covers.
//!
//! Each check first runs without waiting ([`Codec::verify_now`]: the request path needs no
//! future while the keys are at hand); when a key set must be fetched first (none yet, past
//! its staleness bound, an unknown `kid`), the request awaits [`Codec::decode_fetching`].

use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::codec::Codec;
use crate::codec::provider::{Provider, fits};
use crate::error::InvalidToken;
use crate::keys::remote::keyset::{Freshness, RemoteKeys};
use crate::keys::select::{VerifyKey, select_key};
use crate::token::clock::now;
use crate::token::compact::{Segments, with_payload};
use crate::token::model::Token;
use crate::token::raw::RawClaims;

/// What verifying a token without waiting came to.
pub(crate) enum Verdict<C> {
    /// Decided. What it verified may be cached until `cache_until` (seconds since the epoch):
    /// forever for the codec's own keys, the end of its key set's freshness for fetched ones.
    Known(Result<Token<C>, InvalidToken>, u64),
    /// A key set must be fetched first: [`Codec::decode_fetching`].
    Fetch,
}

/// One attempt: decided, or waiting for these keys.
enum Attempt<'a, C> {
    Done(Result<Token<C>, InvalidToken>, u64),
    NeedKeys(&'a Arc<RemoteKeys>),
}

/// Who judges a token.
enum Judge<'a> {
    Provider(&'a Provider, RawClaims),
    /// The codec's own keys, with the payload already parsed.
    Own(RawClaims),
}

impl Codec {
    /// Verifies, parses and validates a token at `now` with the keys at hand.
    pub(crate) fn verify_now<C: DeserializeOwned + 'static>(
        &self,
        jwt: &str,
        now: u64,
    ) -> Verdict<C> {
        match self.attempt(jwt, now) {
            Attempt::Done(result, cache_until) => Verdict::Known(result, cache_until),
            Attempt::NeedKeys(_) => Verdict::Fetch,
        }
    }

    /// As [`verify_now`](Self::verify_now), fetching the key set it needs first; returns until
    /// when what it verified may be cached.
    pub(crate) async fn decode_fetching<C: DeserializeOwned + 'static>(
        &self,
        jwt: &str,
    ) -> (Result<Token<C>, InvalidToken>, u64) {
        // A fetch sets its key set's last attempt, after which another waits an interval: the
        // second attempt decides, unless the interval is zero.
        for _ in 0..3 {
            match self.attempt(jwt, now()) {
                Attempt::Done(result, cache_until) => return (result, cache_until),
                Attempt::NeedKeys(keys) => keys.refresh().await,
            }
        }
        (Err(InvalidToken::KeysUnavailable), 0)
    }

    fn attempt<C: DeserializeOwned + 'static>(&self, jwt: &str, now: u64) -> Attempt<'_, C> {
        if self.providers.is_empty() {
            return match &self.remote {
                None => Attempt::Done(self.decode_at(jwt, now), u64::MAX),
                Some(remote) => self.attempt_remote(remote, jwt, now),
            };
        }
        match self.judge(jwt) {
            Err(invalid) => Attempt::Done(Err(invalid), u64::MAX),
            Ok(Judge::Provider(provider, claims)) => provider.attempt(jwt, claims, now),
            Ok(Judge::Own(claims)) => match &self.remote {
                Some(remote) => self.attempt_remote(remote, jwt, now),
                None if self.keys.is_empty() => Attempt::Done(Err(InvalidToken::Issuer), u64::MAX),
                None => Attempt::Done(self.decode_claims(jwt, claims, now), u64::MAX),
            },
        }
    }

    /// The provider the token's `iss` names, or the codec itself.
    fn judge(&self, jwt: &str) -> Result<Judge<'_>, InvalidToken> {
        let segments = Segments::split(jwt)?;
        let claims = with_payload(segments.payload, RawClaims::from_json)?;
        let provider = claims
            .iss
            .as_deref()
            .and_then(|iss| self.providers.iter().find(|p| p.iss == iss));
        Ok(match provider {
            Some(provider) => Judge::Provider(provider, claims),
            None => Judge::Own(claims),
        })
    }

    /// A token of the codec's own, its payload parsed already.
    fn decode_claims<C: DeserializeOwned + 'static>(
        &self,
        jwt: &str,
        claims: RawClaims,
        now: u64,
    ) -> Result<Token<C>, InvalidToken> {
        self.verify_signature(jwt)?;
        self.rules.validate(&claims, now)?;
        claims.into_token()
    }

    /// The codec's algorithm, with its own keys and the remote JWKS's that fit it.
    fn attempt_remote<'a, C: DeserializeOwned + 'static>(
        &self,
        remote: &'a Arc<RemoteKeys>,
        jwt: &str,
        now: u64,
    ) -> Attempt<'a, C> {
        // Tokens refused for their shape or algorithm never cause a fetch.
        let kid = match self.checked_kid(jwt) {
            Ok(header) => header.kid,
            Err(invalid) => return Attempt::Done(Err(invalid), u64::MAX),
        };
        let snapshot = remote.snapshot();
        let usable = snapshot.freshness != Freshness::Unusable;
        if !usable && remote.may_fetch() {
            return Attempt::NeedKeys(remote);
        }
        let mut keys = self.keys.clone();
        if usable {
            keys.extend(
                snapshot
                    .keys
                    .iter()
                    .filter(|key| fits(key, self.algorithm()))
                    .map(|key| VerifyKey {
                        kid: key.kid.clone(),
                        key: key.key.clone(),
                    }),
            );
        }
        let selected = match select_key(&keys, kid.as_deref()) {
            Ok(selected) => selected,
            Err(_) if kid.is_some() && remote.may_fetch() => return Attempt::NeedKeys(remote),
            Err(_) if !usable && self.keys.is_empty() => {
                return Attempt::Done(Err(InvalidToken::KeysUnavailable), 0);
            }
            Err(invalid) => return Attempt::Done(Err(invalid), snapshot.cache_until),
        };
        let result = self
            .verify_signature_with(jwt, |_| Ok(selected))
            .and_then(|payload| {
                with_payload(payload, |payload| self.validate_payload(payload, now))
            });
        Attempt::Done(result, snapshot.cache_until)
    }
}

impl Provider {
    fn attempt<C: DeserializeOwned + 'static>(
        &self,
        jwt: &str,
        claims: RawClaims,
        now: u64,
    ) -> Attempt<'_, C> {
        let snapshot = self.keys.snapshot();
        if snapshot.freshness == Freshness::Unusable {
            return if self.keys.may_fetch() {
                Attempt::NeedKeys(&self.keys)
            } else {
                Attempt::Done(Err(InvalidToken::KeysUnavailable), 0)
            };
        }
        match self.check(jwt, claims, &snapshot, now) {
            Err(InvalidToken::UnknownKey) if self.keys.may_fetch() => Attempt::NeedKeys(&self.keys),
            result => Attempt::Done(result, snapshot.cache_until),
        }
    }
}
