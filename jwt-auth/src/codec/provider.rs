//! An identity provider: the `iss` it judges, its key set, the algorithms and rules of its
//! tokens; opened (checked) when the backend is built, and its check of a token.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use axum::http::Uri;
use jsonwebtoken::{Algorithm, AlgorithmFamily};
use jwt_auth_config::Family;
use serde::de::DeserializeOwned;

use crate::error::{ConfigError, InvalidToken};
use crate::keys::algorithm::algorithm_name;
use crate::keys::issuer::Issuer;
use crate::keys::remote::fetch::Clients;
use crate::keys::remote::keyset::{RemoteKey, RemoteKeys, Snapshot, Source};
use crate::token::compact::Segments;
use crate::token::header::parse_header;
use crate::token::model::Token;
use crate::token::raw::RawClaims;
use crate::token::rules::Rules;

/// An identity provider: the `iss` it judges, its keys, algorithms and rules.
pub(crate) struct Provider {
    pub iss: String,
    pub keys: Arc<RemoteKeys>,
    algorithms: Vec<Algorithm>,
    rules: Rules,
}

impl Clone for Provider {
    fn clone(&self) -> Self {
        Self {
            iss: self.iss.clone(),
            keys: Arc::clone(&self.keys),
            algorithms: self.algorithms.clone(),
            rules: self.rules.clone(),
        }
    }
}

/// A URL keys may be fetched from, parsed, and whether it is `https://`.
pub(crate) fn checked_uri(url: &str) -> Result<(Uri, bool), ConfigError> {
    let invalid = |reason| ConfigError::InvalidUrl {
        url: url.to_owned(),
        reason,
    };
    let checked = jwt_auth_config::check_remote_url(url).map_err(|e| invalid(e.describe()))?;
    let uri = url
        .parse::<Uri>()
        .map_err(|_| invalid(jwt_auth_config::UrlError::NotAbsolute.describe()))?;
    Ok((uri, checked.https))
}

/// The providers, checked: their URLs, algorithms (asymmetric ones only, all by default) and
/// audiences (their own, else the backend's, and one of the two), each `iss` once.
pub(crate) fn open_providers(
    issuers: Vec<Issuer>,
    rules: &Rules,
    clients: &mut Clients,
    epoch: &Arc<AtomicU64>,
) -> Result<Vec<Provider>, ConfigError> {
    let mut providers: Vec<Provider> = Vec::with_capacity(issuers.len());
    for issuer in issuers {
        if providers.iter().any(|p| p.iss == issuer.iss) {
            return Err(ConfigError::DuplicateIssuer { issuer: issuer.iss });
        }
        let (uri, https) = checked_uri(&issuer.fetch.url)?;
        let source = if issuer.discovery {
            let document = jwt_auth_config::discovery_url(&issuer.iss);
            Source::Discovery {
                issuer: issuer.iss.clone(),
                document: checked_uri(&document)?.0,
            }
        } else {
            Source::Jwks(uri)
        };
        let algorithms = if issuer.algorithms.is_empty() {
            asymmetric_algorithms()
        } else {
            issuer.algorithms.clone()
        };
        if let Some(hmac) = algorithms
            .iter()
            .find(|a| a.family() == AlgorithmFamily::Hmac)
        {
            return Err(ConfigError::HmacFromKeySet {
                issuer: issuer.iss,
                algorithm: algorithm_name(*hmac),
            });
        }
        let audiences = if issuer.audiences.is_empty() {
            rules.audiences.clone()
        } else {
            issuer.audiences.clone()
        };
        if audiences.is_empty() {
            return Err(ConfigError::IssuerWithoutAudience { issuer: issuer.iss });
        }
        let client = clients
            .client(https, issuer.discovery, issuer.fetch.tls_roots.as_ref())
            .map_err(|reason| ConfigError::Tls {
                url: issuer.fetch.url.clone(),
                reason,
            })?;
        let rules = Rules {
            issuers: vec![issuer.iss.clone()],
            strict_audience: rules.strict_audience && audiences.len() == 1,
            audiences,
            ..rules.clone()
        };
        providers.push(Provider {
            keys: Arc::new(RemoteKeys::new(
                source,
                issuer.fetch,
                client,
                Arc::clone(epoch),
            )),
            iss: issuer.iss,
            algorithms,
            rules,
        });
    }
    Ok(providers)
}

/// Every asymmetric algorithm, in the configuration's order.
fn asymmetric_algorithms() -> Vec<Algorithm> {
    jwt_auth_config::ALGORITHMS
        .iter()
        .filter(|spec| spec.family == Family::Asymmetric)
        .filter_map(|spec| spec.name.parse().ok())
        .collect()
}

impl Provider {
    /// The header, the key its `kid` selects in this provider's set, the signature with the
    /// key's algorithm (or the token's, which must fit the key), then the claims.
    pub(crate) fn check<C: DeserializeOwned + 'static>(
        &self,
        jwt: &str,
        claims: RawClaims,
        snapshot: &Snapshot,
        now: u64,
    ) -> Result<Token<C>, InvalidToken> {
        let segments = Segments::split(jwt)?;
        let (alg, header) = parse_header(Some(segments.header), jwt, |alg| {
            self.algorithms.contains(&alg)
        })?;
        let key = select_remote(&snapshot.keys, header.kid.as_deref(), alg)?;
        let verified =
            jsonwebtoken::crypto::verify(segments.signature, segments.message, &key.key, alg);
        if !matches!(verified, Ok(true)) {
            return Err(InvalidToken::Signature);
        }
        self.rules.validate(&claims, now)?;
        claims.into_token()
    }
}

/// Whether a fetched key verifies `alg`: its own `alg` is that one, or it names none and is of
/// that algorithm's family.
pub(crate) fn fits(key: &RemoteKey, alg: Algorithm) -> bool {
    match key.alg {
        Some(own) => own == alg,
        None => key.key.family() == alg.family(),
    }
}

/// The key of a token's `kid` in a fetched set, by the rules of [`Key`](crate::Key): a `kid` not
/// in the set is unknown (but a set of one key without ids takes any); without a `kid`, the
/// set must have exactly one key for the algorithm.
fn select_remote<'k>(
    keys: &'k [RemoteKey],
    kid: Option<&str>,
    alg: Algorithm,
) -> Result<&'k RemoteKey, InvalidToken> {
    let key = if let Some(kid) = kid {
        match keys.iter().find(|k| k.kid.as_deref() == Some(kid)) {
            Some(key) => key,
            None => match keys {
                [only] if only.kid.is_none() => only,
                _ => return Err(InvalidToken::UnknownKey),
            },
        }
    } else {
        let mut fitting = keys.iter().filter(|key| fits(key, alg));
        match (fitting.next(), fitting.next()) {
            (Some(key), None) => key,
            _ => return Err(InvalidToken::UnknownKey),
        }
    };
    if fits(key, alg) {
        Ok(key)
    } else {
        Err(InvalidToken::Algorithm)
    }
}
