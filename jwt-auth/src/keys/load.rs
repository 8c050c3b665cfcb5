//! Reading and parsing keys, once, when the backend is built: secrets from the environment,
//! PEM, DER and JWK material, the derived public half of a signing key.

use std::fmt;

use base64::Engine as _;
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey};

use crate::error::ConfigError;
use crate::keys::algorithm::{algorithm_name, family_name};
use crate::keys::material::{Key, KeyMaterial, KeySource, Secret};
use crate::keys::select::VerifyKey;

/// A random secret for development, 64 bytes.
pub(crate) fn development_secret() -> Result<Secret, ConfigError> {
    let mut bytes = vec![0_u8; 64];
    getrandom::fill(&mut bytes).map_err(|e| ConfigError::InvalidKey {
        algorithm: "HS256",
        reason: format!("no randomness for the development secret: {e}"),
    })?;
    Ok(Secret::new(bytes))
}

pub(crate) fn resolve_secret(source: &KeySource) -> Result<Option<Secret>, ConfigError> {
    match source {
        KeySource::Secret(secret) => Ok(Some(secret.clone())),
        KeySource::Env { var, dev_fallback } => match std::env::var(var) {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(_) if *dev_fallback => {
                eprintln!(
                    "jwt-auth: `{var}` is not set; using a random development secret \
                     (tokens will not survive a restart; a release build refuses to start)"
                );
                tracing::warn!(var = %var, "jwt-auth: using a random development secret");
                development_secret().map(Some)
            }
            Err(_) => Err(ConfigError::MissingEnvSecret { var: var.clone() }),
        },
        KeySource::None | KeySource::Pem { .. } | KeySource::Keys { .. } => Ok(None),
    }
}

/// Why a secret does not fit an asymmetric algorithm.
pub(crate) const SECRET_WITH_ASYMMETRIC: &str =
    "an asymmetric algorithm takes PEM, DER or JWK keys, not a secret";

/// Why keys do not fit an HMAC algorithm.
pub(crate) const KEYS_WITH_HMAC: &str =
    "an HMAC algorithm takes a secret, not a PEM, DER or JWK key";

pub(crate) fn key_error(algorithm: Algorithm, reason: impl fmt::Display) -> ConfigError {
    ConfigError::InvalidKey {
        algorithm: algorithm_name(algorithm),
        reason: reason.to_string(),
    }
}

/// The bytes of a key, once read, and what they are.
pub(crate) enum Loaded {
    Pem(Vec<u8>),
    Der(Vec<u8>),
    Jwk(String),
}

impl Loaded {
    /// Tells PEM, JWK and DER apart by their first bytes.
    fn sniff(bytes: Vec<u8>) -> Self {
        let start = bytes.trim_ascii_start();
        if start.starts_with(b"-----BEGIN") {
            Self::Pem(bytes)
        } else if start.starts_with(b"{") {
            Self::Jwk(String::from_utf8_lossy(&bytes).into_owned())
        } else {
            Self::Der(bytes)
        }
    }

    fn load(algorithm: Algorithm, material: &KeyMaterial) -> Result<Self, ConfigError> {
        Ok(match material {
            KeyMaterial::Pem(pem) => Self::Pem(pem.expose().to_vec()),
            KeyMaterial::Der(der) => Self::Der(der.expose().to_vec()),
            KeyMaterial::Jwk(json) => Self::Jwk(json.clone()),
            KeyMaterial::Env(var) => match std::env::var(var) {
                Ok(value) => Self::sniff(value.into_bytes()),
                Err(_) => return Err(ConfigError::MissingEnvKey { var: var.clone() }),
            },
            KeyMaterial::File(path) => match std::fs::read(path) {
                Ok(bytes) => Self::sniff(bytes),
                Err(e) => {
                    return Err(key_error(
                        algorithm,
                        format!("cannot read the key file `{}`: {e}", path.display()),
                    ));
                }
            },
        })
    }
}

/// DER wrapped as PEM, so that one parser handles both.
pub(crate) fn der_to_pem(der: &[u8], label: &str) -> Vec<u8> {
    use base64::engine::general_purpose::STANDARD;
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        STANDARD.encode(der)
    )
    .into_bytes()
}

type EncodeParser = fn(&[u8]) -> jsonwebtoken::errors::Result<EncodingKey>;
type DecodeParser = fn(&[u8]) -> jsonwebtoken::errors::Result<DecodingKey>;

pub(crate) fn pem_parsers(
    algorithm: Algorithm,
) -> Result<(EncodeParser, DecodeParser), ConfigError> {
    match algorithm.family() {
        AlgorithmFamily::Rsa => Ok((EncodingKey::from_rsa_pem, DecodingKey::from_rsa_pem)),
        AlgorithmFamily::Ec => Ok((EncodingKey::from_ec_pem, DecodingKey::from_ec_pem)),
        AlgorithmFamily::Ed => Ok((EncodingKey::from_ed_pem, DecodingKey::from_ed_pem)),
        AlgorithmFamily::Hmac => Err(key_error(algorithm, KEYS_WITH_HMAC)),
    }
}

/// Parses public keys: one for PEM or DER, one per key for a JWK Set. A JWK must be of the
/// algorithm's family and, if it names an `alg`, of the algorithm itself.
pub(crate) fn jwk_keys(
    algorithm: Algorithm,
    json: &str,
    kid: Option<&str>,
) -> Result<Vec<VerifyKey>, String> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("not a JWK: {e}"))?;
    let jwks: Vec<jsonwebtoken::jwk::Jwk> = if value.get("keys").is_some() {
        serde_json::from_value::<jsonwebtoken::jwk::JwkSet>(value)
            .map_err(|e| format!("not a JWK Set: {e}"))?
            .keys
    } else {
        vec![serde_json::from_value(value).map_err(|e| format!("not a JWK: {e}"))?]
    };
    let single = jwks.len() == 1;
    let mut keys = Vec::with_capacity(jwks.len());
    for jwk in &jwks {
        let key = fitting_jwk(algorithm, jwk)?;
        let kid = match kid {
            Some(kid) if single => Some(kid.to_owned()),
            _ => jwk.common.key_id.clone(),
        };
        keys.push(VerifyKey { kid, key });
    }
    Ok(keys)
}

/// The decoding key of a JWK that fits the algorithm.
pub(crate) fn fitting_jwk(
    algorithm: Algorithm,
    jwk: &jsonwebtoken::jwk::Jwk,
) -> Result<DecodingKey, String> {
    if let Some(alg) = jwk.common.key_algorithm {
        let name = serde_json::to_value(alg).ok();
        if name.as_ref().and_then(serde_json::Value::as_str) != Some(algorithm_name(algorithm)) {
            return Err(format!(
                "a JWK for {alg:?}, not {}",
                algorithm_name(algorithm)
            ));
        }
    }
    if jwk
        .common
        .public_key_use
        .as_ref()
        .is_some_and(|u| *u != jsonwebtoken::jwk::PublicKeyUse::Signature)
    {
        return Err("a JWK whose `use` is not `sig`".to_owned());
    }
    let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("JWK: {e}"))?;
    if key.family() != algorithm.family() {
        return Err(format!("{} JWK", family_name(key.family())));
    }
    Ok(key)
}

pub(crate) fn verification_keys(
    algorithm: Algorithm,
    key: &Key,
) -> Result<Vec<VerifyKey>, ConfigError> {
    let (_, decode) = pem_parsers(algorithm)?;
    let pem = match Loaded::load(algorithm, &key.material)? {
        Loaded::Pem(pem) => pem,
        Loaded::Der(der) => der_to_pem(&der, "PUBLIC KEY"),
        Loaded::Jwk(json) => {
            return jwk_keys(algorithm, &json, key.kid.as_deref())
                .map_err(|e| key_error(algorithm, format!("verification key: {e}")));
        }
    };
    let decoded =
        decode(&pem).map_err(|e| key_error(algorithm, format!("verification key: {e}")))?;
    Ok(vec![VerifyKey {
        kid: key.kid.clone(),
        key: decoded,
    }])
}

pub(crate) fn signing_key(
    algorithm: Algorithm,
    key: &Key,
) -> Result<(EncodingKey, Vec<u8>), ConfigError> {
    let (encode, _) = pem_parsers(algorithm)?;
    let pem = match Loaded::load(algorithm, &key.material)? {
        Loaded::Pem(pem) => pem,
        Loaded::Der(der) => der_to_pem(&der, "PRIVATE KEY"),
        Loaded::Jwk(_) => {
            return Err(key_error(
                algorithm,
                "a private JWK is not supported; give the signing key as PEM or DER",
            ));
        }
    };
    let encoding = encode(&pem).map_err(|e| key_error(algorithm, format!("signing key: {e}")))?;
    Ok((encoding, pem))
}

/// The signing key with its `kid` and its bytes, and the verification keys.
pub(crate) type ParsedKeys = (
    Option<(EncodingKey, Option<String>, Vec<u8>)>,
    Vec<VerifyKey>,
);

/// The keys of an asymmetric algorithm. Without a verification key for the signing key's
/// `kid`, the signing key's public half is derived and added.
pub(crate) fn asymmetric_keys(
    algorithm: Algorithm,
    signing: Option<&Key>,
    verifying: &[Key],
    key_id: Option<&str>,
    remote: bool,
) -> Result<ParsedKeys, ConfigError> {
    pem_parsers(algorithm)?;
    let mut keys = Vec::new();
    for key in verifying {
        keys.extend(verification_keys(algorithm, key)?);
    }
    let signing = match signing {
        Some(key) => {
            let (encoding, material) = signing_key(algorithm, key)?;
            let kid = key.kid.clone().or_else(|| key_id.map(str::to_owned));
            let covered = match &kid {
                Some(kid) => keys.iter().any(|k| k.kid.as_ref() == Some(kid)),
                None => !keys.is_empty(),
            };
            if !covered {
                let jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(&encoding, algorithm)
                    .and_then(|jwk| DecodingKey::from_jwk(&jwk))
                    .map_err(|e| key_error(algorithm, format!("signing key: {e}")))?;
                keys.push(VerifyKey {
                    kid: kid.clone(),
                    key: jwk,
                });
            }
            Some((encoding, kid, material))
        }
        None => None,
    };
    if keys.is_empty() && !remote {
        return Err(key_error(algorithm, "no verification key"));
    }
    let mut seen = std::collections::HashSet::new();
    for kid in keys.iter().filter_map(|k| k.kid.as_deref()) {
        if !seen.insert(kid) {
            return Err(key_error(
                algorithm,
                format!("two verification keys have the `kid` `{kid}`"),
            ));
        }
    }
    Ok((signing, keys))
}
