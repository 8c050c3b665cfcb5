//! The token codec: keys parsed once, signing, and decoding with the validation rules.
//!
//! Signatures are computed and checked by `jsonwebtoken` (HMAC with a keyed state of its own,
//! see [`crate::keys::hmac`]); the claims are parsed once, by [`RawClaims`], and validated by
//! [`Rules`].

mod memo;
pub(crate) mod provider;
pub(crate) mod remote;
#[cfg(test)]
mod tests;
mod verify;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey, Header};

use crate::codec::memo::{HeaderMemo, KnownHeader};
use crate::codec::provider::{Provider, checked_uri, open_providers};
use crate::error::{ConfigError, TokenError};
use crate::keys::derived::{DerivedKey, Purpose};
use crate::keys::hmac::HmacKey;
use crate::keys::issuer::Issuer;
use crate::keys::load::{
    SECRET_WITH_ASYMMETRIC, asymmetric_keys, key_error, pem_parsers, resolve_secret,
};
use crate::keys::material::{Key, KeyMaterial, KeySource, Secret};
use crate::keys::remote::fetch::Clients;
use crate::keys::remote::keyset::{RemoteKeys, Source};
use crate::keys::remote::{RemoteJwksConfig, TlsRoots};
use crate::keys::secrets::{PreviousSecrets, check_secret, derived_kid, resolve_previous};
use crate::keys::select::VerifyKey;
use crate::token::clock::now;
use crate::token::compact::Segments;
use crate::token::encode::ClaimsToEncode;
#[cfg(doc)]
use crate::token::raw::RawClaims;
use crate::token::rules::Rules;

/// An HMAC secret's keyed state and its key id.
#[derive(Clone)]
pub(crate) struct HmacSecret {
    pub kid: Option<String>,
    pub key: HmacKey,
}

/// Signs and verifies tokens with keys parsed once.
#[derive(Clone)]
pub(crate) struct Codec {
    algorithm: Algorithm,
    header: Header,
    /// The key of refresh tokens, derived from the signing key (see [`DerivedKey`]).
    refresh: Option<DerivedKey>,
    /// The refresh keys of the previous HMAC secrets, which still verify.
    previous_refresh: Vec<DerivedKey>,
    /// The key of WebSocket tickets, derived likewise.
    ticket: Option<DerivedKey>,
    encoding: Option<EncodingKey>,
    keys: Vec<VerifyKey>,
    /// The keyed HMAC states: the current secret's, then the previous secrets' (a rotation).
    hmac: Vec<HmacSecret>,
    /// Header segments whose checks are known: the own tokens' and a few learned ones.
    memo: HeaderMemo,
    /// A remote JWKS whose keys verify tokens of the codec's algorithm, besides its own.
    pub(crate) remote: Option<Arc<RemoteKeys>>,
    /// The identity providers, each the only judge of the tokens its `iss` names.
    pub(crate) providers: Vec<Provider>,
    /// Bumped when a remote key set changes: what the verified-token cache holds of an older
    /// epoch is not used.
    epoch: Arc<AtomicU64>,
    pub(crate) rules: Rules,
}

impl fmt::Debug for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kids: Vec<_> = self.keys.iter().map(|k| k.kid.as_deref()).collect();
        let providers: Vec<_> = self.providers.iter().map(|p| p.iss.as_str()).collect();
        f.debug_struct("Codec")
            .field("algorithm", &self.algorithm)
            .field("signs", &self.encoding.is_some())
            .field("signing_kid", &self.header.kid)
            .field("verification_kids", &kids)
            .field("previous_secrets", &self.hmac.len().saturating_sub(1))
            .field("remote", &self.remote)
            .field("providers", &providers)
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

/// Everything a codec is built from.
pub(crate) struct KeyConfig<'a> {
    pub algorithm: Algorithm,
    pub source: &'a KeySource,
    pub key_id: Option<&'a str>,
    pub previous: &'a [PreviousSecrets],
    pub remote: Option<RemoteJwksConfig>,
    pub issuers: Vec<Issuer>,
    pub tls_roots: &'a TlsRoots,
    pub rules: Rules,
}

/// The signing key, its `kid` and its bytes (for the refresh key), and the verification keys.
type Local = (
    Option<(EncodingKey, Option<String>, Vec<u8>)>,
    Vec<VerifyKey>,
);

impl Codec {
    /// A codec of its own keys and, optionally, a remote JWKS.
    #[cfg(test)]
    pub(crate) fn new(
        algorithm: Algorithm,
        source: &KeySource,
        key_id: Option<&str>,
        remote: Option<RemoteJwksConfig>,
        rules: Rules,
    ) -> Result<Self, ConfigError> {
        Self::with_keys(KeyConfig {
            algorithm,
            source,
            key_id,
            previous: &[],
            remote,
            issuers: Vec::new(),
            tls_roots: &TlsRoots::System,
            rules,
        })
    }

    /// Parses the keys and checks them against the algorithm; with a signing key, a probe token is
    /// signed and verified, so a key pair that does not match is refused here, not per request.
    /// The remote key sets are only opened: they are fetched on first use.
    #[allow(
        clippy::too_many_lines,
        reason = "every kind of key in one order: remote sets, secrets, key pairs, the probe"
    )]
    pub(crate) fn with_keys(config: KeyConfig<'_>) -> Result<Self, ConfigError> {
        crate::keys::crypto::install_provider();
        let KeyConfig {
            algorithm,
            source,
            key_id,
            previous,
            remote,
            issuers,
            tls_roots,
            rules,
        } = config;
        let epoch = Arc::new(AtomicU64::new(0));
        let mut clients = Clients::new(tls_roots.clone());
        let remote = match remote {
            Some(config) => Some(Arc::new(open_jwks(config, &mut clients, &epoch)?)),
            None => None,
        };
        let providers = open_providers(issuers, &rules, &mut clients, &epoch)?;
        let previous = resolve_previous(previous);
        let mut hmac = Vec::new();
        let mut previous_refresh = Vec::new();
        let (encoding, keys): Local = if let Some(secret) = resolve_secret(source)? {
            let secrets = hmac_secrets(algorithm, &secret, &previous, key_id)?;
            (hmac, previous_refresh) = secrets;
            let kid = hmac.first().and_then(|first| first.kid.clone());
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
            if !previous.is_empty() {
                return Err(ConfigError::PreviousSecretsWithoutSecret);
            }
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
                    remote.is_some() || !providers.is_empty(),
                )?,
                KeySource::None if remote.is_some() => {
                    pem_parsers(algorithm)?;
                    (None, Vec::new())
                }
                // Only the providers' tokens are verified.
                KeySource::None if !providers.is_empty() => (None, Vec::new()),
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
            previous_refresh,
            ticket,
            encoding,
            keys,
            hmac,
            memo: HeaderMemo::default(),
            remote,
            providers,
            epoch,
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

    /// The key epoch: what was verified under another one is not taken from the cache.
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
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

/// The keyed states of an HMAC secret and its previous ones (a rotation: then each has a `kid`,
/// the current one `key_id` or its derived one), and the previous secrets' refresh keys.
fn hmac_secrets(
    algorithm: Algorithm,
    secret: &Secret,
    previous: &[Secret],
    key_id: Option<&str>,
) -> Result<(Vec<HmacSecret>, Vec<DerivedKey>), ConfigError> {
    if algorithm.family() != AlgorithmFamily::Hmac {
        return Err(key_error(algorithm, SECRET_WITH_ASYMMETRIC));
    }
    check_secret(algorithm, secret)?;
    for old in previous {
        check_secret(algorithm, old)?;
    }
    // During a rotation the tokens say which secret signed them.
    let rotating = !previous.is_empty();
    let kid = key_id
        .map(str::to_owned)
        .or_else(|| derived_kid(secret).filter(|_| rotating));
    let mut hmac = Vec::with_capacity(1 + previous.len());
    hmac.extend(HmacKey::new(algorithm, secret.expose()).map(|key| HmacSecret { kid, key }));
    let mut refresh = Vec::with_capacity(previous.len());
    for old in previous {
        hmac.extend(HmacKey::new(algorithm, old.expose()).map(|key| HmacSecret {
            kid: derived_kid(old),
            key,
        }));
        refresh.push(DerivedKey::derive(old.expose(), Purpose::Refresh)?);
    }
    Ok((hmac, refresh))
}

/// The remote JWKS of [`JwtAuthBuilder::remote_jwks`](crate::JwtAuthBuilder::remote_jwks).
fn open_jwks(
    config: RemoteJwksConfig,
    clients: &mut Clients,
    epoch: &Arc<AtomicU64>,
) -> Result<RemoteKeys, ConfigError> {
    let (uri, https) = checked_uri(&config.url)?;
    let client = clients
        .client(https, false, config.tls_roots.as_ref())
        .map_err(|reason| ConfigError::Tls {
            url: config.url.clone(),
            reason,
        })?;
    Ok(RemoteKeys::new(
        Source::Jwks(uri),
        config,
        client,
        Arc::clone(epoch),
    ))
}
