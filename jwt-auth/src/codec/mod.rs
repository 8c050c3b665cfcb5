//! The token codec: keys parsed once, signing, and decoding with the validation rules.
//!
//! Signatures are computed and checked by `jsonwebtoken` (HMAC with a keyed state of its own,
//! see [`crate::keys::hmac`]); the claims are parsed once, by [`RawClaims`], and validated by
//! [`Rules`].

mod memo;
#[cfg(test)]
mod tests;
mod verify;

use std::fmt;
use std::sync::Arc;

use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey, Header};

use crate::codec::memo::{HeaderMemo, KnownHeader};
use crate::error::{ConfigError, TokenError};
use crate::keys::algorithm::{algorithm_name, min_hmac_len};
use crate::keys::derived::{DerivedKey, Purpose};
use crate::keys::hmac::HmacKey;
use crate::keys::load::{
    SECRET_WITH_ASYMMETRIC, asymmetric_keys, key_error, pem_parsers, resolve_secret,
};
use crate::keys::material::{Key, KeyMaterial, KeySource};
use crate::keys::remote::RemoteJwks;
use crate::keys::select::VerifyKey;
use crate::token::clock::now;
use crate::token::compact::Segments;
use crate::token::encode::ClaimsToEncode;
#[cfg(doc)]
use crate::token::raw::RawClaims;
use crate::token::rules::Rules;

/// Signs and verifies tokens with keys parsed once.
#[derive(Clone)]
pub(crate) struct Codec {
    algorithm: Algorithm,
    header: Header,
    /// The key of refresh tokens, derived from the signing key (see [`DerivedKey`]).
    refresh: Option<DerivedKey>,
    /// The key of WebSocket tickets, derived likewise.
    ticket: Option<DerivedKey>,
    encoding: Option<EncodingKey>,
    keys: Vec<VerifyKey>,
    /// The keyed HMAC state of the one secret, for HS* without a remote JWKS.
    hmac: Option<HmacKey>,
    /// Header segments whose checks are known: the own tokens' and a few learned ones.
    memo: HeaderMemo,
    pub(crate) remote: Option<Arc<RemoteJwks>>,
    pub(crate) rules: Rules,
}

impl fmt::Debug for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kids: Vec<_> = self.keys.iter().map(|k| k.kid.as_deref()).collect();
        f.debug_struct("Codec")
            .field("algorithm", &self.algorithm)
            .field("signs", &self.encoding.is_some())
            .field("signing_kid", &self.header.kid)
            .field("verification_kids", &kids)
            .field("remote", &self.remote)
            .field("rules", &self.rules)
            .finish_non_exhaustive()
    }
}

/// The keys of refresh tokens and tickets, derived from the signing key's material (none for a
/// backend that only verifies).
type DerivedKeys = (Option<DerivedKey>, Option<DerivedKey>);

fn derived_keys(material: Option<&[u8]>) -> Result<DerivedKeys, ConfigError> {
    let derive = |purpose| {
        material
            .map(|material| DerivedKey::derive(material, purpose))
            .transpose()
    };
    Ok((derive(Purpose::Refresh)?, derive(Purpose::Ticket)?))
}

/// Checks the claims and signs them with `key` (none: a backend that only verifies).
fn sign(
    header: &Header,
    claims: &ClaimsToEncode,
    key: Option<&EncodingKey>,
) -> Result<String, TokenError> {
    let key = key.ok_or(TokenError::NoSigningKey)?;
    claims.check()?;
    jsonwebtoken::encode(header, claims, key).map_err(|e| TokenError::Encode(e.to_string()))
}

impl Codec {
    /// Parses the keys and checks them against the algorithm; with a signing key, a probe token is
    /// signed and verified, so a key pair that does not match is refused here, not per request.
    pub(crate) fn new(
        algorithm: Algorithm,
        source: &KeySource,
        key_id: Option<&str>,
        remote: Option<RemoteJwks>,
        rules: Rules,
    ) -> Result<Self, ConfigError> {
        crate::keys::crypto::install_provider();
        let mut hmac = None;
        let (encoding, keys) = if let Some(secret) = resolve_secret(source)? {
            if algorithm.family() != AlgorithmFamily::Hmac {
                return Err(key_error(algorithm, SECRET_WITH_ASYMMETRIC));
            }
            let min = min_hmac_len(algorithm);
            match secret.expose().len() {
                0 => return Err(ConfigError::EmptySecret),
                len if len < min => {
                    return Err(ConfigError::SecretTooShort {
                        algorithm: algorithm_name(algorithm),
                        len,
                        min,
                    });
                }
                _ => {}
            }
            let kid = key_id.map(str::to_owned);
            if remote.is_none() {
                hmac = HmacKey::new(algorithm, secret.expose());
            }
            (
                Some((
                    EncodingKey::from_secret(secret.expose()),
                    kid.clone(),
                    secret.expose().to_vec(),
                )),
                vec![VerifyKey {
                    kid,
                    key: DecodingKey::from_secret(secret.expose()),
                }],
            )
        } else {
            match source {
                KeySource::Pem { signing, verifying } => {
                    let signing = signing.clone().map(|s| Key::from(KeyMaterial::Pem(s)));
                    let verifying = [Key::from(KeyMaterial::Pem(verifying.clone()))];
                    asymmetric_keys(
                        algorithm,
                        signing.as_ref(),
                        &verifying,
                        key_id,
                        remote.is_some(),
                    )?
                }
                KeySource::Keys { signing, verifying } => asymmetric_keys(
                    algorithm,
                    signing.as_ref(),
                    verifying,
                    key_id,
                    remote.is_some(),
                )?,
                KeySource::None if remote.is_some() => {
                    pem_parsers(algorithm)?;
                    (None, Vec::new())
                }
                _ => return Err(ConfigError::MissingSecret),
            }
        };
        let mut header = Header::new(algorithm);
        let mut derived = None;
        let encoding = encoding.map(|(key, kid, material)| {
            header.kid = kid;
            derived = Some(material);
            key
        });
        let (refresh, ticket) = derived_keys(derived.as_deref())?;
        let mut codec = Self {
            algorithm,
            header,
            refresh,
            ticket,
            encoding,
            keys,
            hmac,
            memo: HeaderMemo::default(),
            remote: remote.map(Arc::new),
            rules,
        };
        if codec.encoding.is_some() {
            let probe = codec.probe()?;
            let own = Segments::split(&probe).ok().and_then(|segments| {
                let header = codec.checked_header(Some(segments.header), &probe).ok()?;
                Some(KnownHeader {
                    segment: segments.header.to_owned(),
                    header,
                })
            });
            // The probe's verification learned the own header: `own` holds it now.
            codec.memo = HeaderMemo {
                own,
                ..HeaderMemo::default()
            };
        }
        Ok(codec)
    }

    #[cfg(test)]
    fn test_new(
        algorithm: Algorithm,
        source: &KeySource,
        rules: Rules,
    ) -> Result<Self, ConfigError> {
        Self::new(algorithm, source, None, None, rules)
    }

    /// Signs and verifies a token; returns it.
    fn probe(&self) -> Result<String, ConfigError> {
        let claims = ClaimsToEncode {
            exp: now() + 60,
            sub: "jwt-auth-probe".to_owned(),
            ..ClaimsToEncode::default()
        };
        let jwt = self
            .encode(&claims)
            .map_err(|e| key_error(self.algorithm, e))?;
        self.verify_signature(&jwt).map_err(|_| {
            key_error(
                self.algorithm,
                "the signing key does not match the verifying key",
            )
        })?;
        Ok(jwt)
    }

    /// The configured algorithm.
    pub(crate) fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Signs claims as an access token.
    pub(crate) fn encode(&self, claims: &ClaimsToEncode) -> Result<String, TokenError> {
        sign(&self.header, claims, self.encoding.as_ref())
    }

    /// Signs claims as a refresh token: the derived key, `typ` [`REFRESH_TYP`].
    pub(crate) fn encode_refresh(&self, claims: &ClaimsToEncode) -> Result<String, TokenError> {
        let refresh = self.refresh.as_ref();
        let header = refresh.map_or(&self.header, |refresh| &refresh.header);
        sign(header, claims, refresh.map(|refresh| &refresh.encoding))
    }

    /// Signs claims as a WebSocket ticket: the derived key, `typ` [`TICKET_TYP`].
    ///
    /// [`TICKET_TYP`]: crate::token::header::TICKET_TYP
    pub(crate) fn encode_ticket(&self, claims: &ClaimsToEncode) -> Result<String, TokenError> {
        let ticket = self.ticket.as_ref();
        let header = ticket.map_or(&self.header, |ticket| &ticket.header);
        sign(header, claims, ticket.map(|ticket| &ticket.encoding))
    }

    /// Whether tokens can be signed (not a verify-only backend).
    pub(crate) fn can_sign(&self) -> bool {
        self.encoding.is_some()
    }

    /// The public keys as a JWK Set; empty for HMAC, whose secret is never published.
    pub(crate) fn jwks(&self) -> jsonwebtoken::jwk::JwkSet {
        let mut set = jsonwebtoken::jwk::JwkSet { keys: Vec::new() };
        if self.algorithm.family() == AlgorithmFamily::Hmac {
            return set;
        }
        for key in &self.keys {
            if let Ok(mut jwk) =
                jsonwebtoken::jwk::Jwk::from_decoding_key(&key.key, Some(self.algorithm))
            {
                jwk.common.key_id.clone_from(&key.kid);
                jwk.common.public_key_use = Some(jsonwebtoken::jwk::PublicKeyUse::Signature);
                set.keys.push(jwk);
            }
        }
        set
    }
}
