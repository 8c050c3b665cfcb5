//! Algorithm names and families.

use jsonwebtoken::{Algorithm, AlgorithmFamily};

use crate::error::ConfigError;

/// The name of an algorithm as it appears in the JOSE header.
#[must_use]
pub fn algorithm_name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::HS256 => "HS256",
        Algorithm::HS384 => "HS384",
        Algorithm::HS512 => "HS512",
        Algorithm::ES256 => "ES256",
        Algorithm::ES384 => "ES384",
        Algorithm::RS256 => "RS256",
        Algorithm::RS384 => "RS384",
        Algorithm::RS512 => "RS512",
        Algorithm::PS256 => "PS256",
        Algorithm::PS384 => "PS384",
        Algorithm::PS512 => "PS512",
        Algorithm::EdDSA => "EdDSA",
        _ => "an unsupported algorithm",
    }
}

/// Parses an algorithm name (`"HS256"`, ...).
pub fn parse_algorithm(name: &str) -> Result<Algorithm, ConfigError> {
    name.parse()
        .map_err(|_| ConfigError::UnknownAlgorithm(name.to_owned()))
}

/// The minimum HMAC secret length for an algorithm: its hash output (RFC 7518 section 3.2).
pub(crate) fn min_hmac_len(algorithm: Algorithm) -> usize {
    match algorithm {
        Algorithm::HS384 => 48,
        Algorithm::HS512 => 64,
        _ => 32,
    }
}

pub(crate) fn family_name(family: AlgorithmFamily) -> &'static str {
    match family {
        AlgorithmFamily::Hmac => "an HMAC",
        AlgorithmFamily::Rsa => "an RSA",
        AlgorithmFamily::Ec => "an EC",
        AlgorithmFamily::Ed => "an Ed25519",
    }
}
