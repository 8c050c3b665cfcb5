//! Rotating an HMAC secret: the previous secrets that still verify, and the key ids that tell
//! which secret signed a token.
//!
//! While previous secrets are configured, the current secret signs with a `kid` (the configured
//! `key_id`, else one derived from the secret) and every secret verifies, the one whose `kid`
//! the token names first: a token minted before the rotation (with no `kid`, or another one)
//! is still accepted, a forged one costs one MAC per secret (and is then remembered by the
//! verified-token cache as a bad signature).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};

use crate::error::ConfigError;
use crate::keys::algorithm::{algorithm_name, min_hmac_len};
use crate::keys::material::Secret;

/// Where previous secrets come from.
#[derive(Clone, Debug)]
pub(crate) enum PreviousSecrets {
    /// One secret.
    Secret(Secret),
    /// The comma-separated secrets of an environment variable, read when the backend is built;
    /// unset or empty: none.
    Env(String),
}

/// The previous secrets, in the order given.
pub(crate) fn resolve_previous(sources: &[PreviousSecrets]) -> Vec<Secret> {
    let mut secrets = Vec::new();
    for source in sources {
        match source {
            PreviousSecrets::Secret(secret) => secrets.push(secret.clone()),
            PreviousSecrets::Env(var) => {
                let value = std::env::var(var).unwrap_or_default();
                secrets.extend(split_secrets(&value).map(Secret::new));
            }
        }
    }
    secrets
}

/// The secrets of a comma-separated list, each trimmed of surrounding whitespace; empty items
/// are skipped.
pub(crate) fn split_secrets(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// Refuses an empty secret, or one shorter than the algorithm's hash output (RFC 7518
/// section 3.2).
pub(crate) fn check_secret(algorithm: Algorithm, secret: &Secret) -> Result<(), ConfigError> {
    let min = min_hmac_len(algorithm);
    match secret.expose().len() {
        0 => Err(ConfigError::EmptySecret),
        len if len < min => Err(ConfigError::SecretTooShort {
            algorithm: algorithm_name(algorithm),
            len,
            min,
        }),
        _ => Ok(()),
    }
}

/// A secret's key id: the first 72 bits of HMAC-SHA256(secret, a fixed label), base64url. It
/// tells the secrets apart without saying anything of them.
pub(crate) fn derived_kid(secret: &Secret) -> Option<String> {
    const LABEL: &[u8] = b"jwt-auth HMAC key id, v1";
    let mac = jsonwebtoken::crypto::sign(
        LABEL,
        &EncodingKey::from_secret(secret.expose()),
        Algorithm::HS256,
    )
    .ok()?;
    let bytes = URL_SAFE_NO_PAD.decode(mac).ok()?;
    Some(URL_SAFE_NO_PAD.encode(&bytes[..9]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_comma_separated_and_trimmed() {
        let split: Vec<_> = split_secrets(" a-secret , ,b-secret,\nc ").collect();
        assert_eq!(split, ["a-secret", "b-secret", "c"]);
        assert_eq!(split_secrets("").count(), 0);
    }

    #[test]
    fn derived_kids_differ_per_secret_and_are_stable() {
        crate::keys::crypto::install_provider();
        let a = derived_kid(&Secret::new("a".repeat(32))).unwrap();
        let b = derived_kid(&Secret::new("b".repeat(32))).unwrap();
        assert_eq!(a.len(), 12);
        assert_ne!(a, b);
        assert_eq!(derived_kid(&Secret::new("a".repeat(32))).unwrap(), a);
    }
}
