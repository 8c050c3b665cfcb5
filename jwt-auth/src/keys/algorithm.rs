//! Algorithm names and families. The names are the configuration's
//! (`jwt_auth_config::ALGORITHMS`), which the macro takes too; jsonwebtoken parses them.

use jsonwebtoken::{Algorithm, AlgorithmFamily};
use jwt_auth_config::ALGORITHMS;

use crate::error::ConfigError;

/// The name of an algorithm as it appears in the JOSE header.
#[must_use]
pub fn algorithm_name(algorithm: Algorithm) -> &'static str {
    ALGORITHMS
        .iter()
        .map(|spec| spec.name)
        .find(|name| name.parse::<Algorithm>().is_ok_and(|a| a == algorithm))
        .unwrap_or("an unsupported algorithm")
}

/// Parses an algorithm name (`"HS256"`, ...).
pub fn parse_algorithm(name: &str) -> Result<Algorithm, ConfigError> {
    jwt_auth_config::algorithm(name)
        .and_then(|spec| spec.name.parse().ok())
        .ok_or_else(|| ConfigError::UnknownAlgorithm(name.to_owned()))
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

#[cfg(test)]
mod tests {
    use super::*;
    use jwt_auth_config::Family;

    /// Every algorithm jsonwebtoken has is one of the configuration's, of the same family.
    #[test]
    fn the_configurations_algorithms_are_jsonwebtokens() {
        let all = [
            Algorithm::HS256,
            Algorithm::HS384,
            Algorithm::HS512,
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::PS256,
            Algorithm::PS384,
            Algorithm::PS512,
            Algorithm::ES256,
            Algorithm::ES384,
            Algorithm::EdDSA,
        ];
        assert_eq!(all.len(), ALGORITHMS.len());
        for algorithm in all {
            let name = algorithm_name(algorithm);
            assert_eq!(parse_algorithm(name), Ok(algorithm));
            let spec = jwt_auth_config::algorithm(name).expect("a configuration algorithm");
            let hmac = algorithm.family() == AlgorithmFamily::Hmac;
            assert_eq!(spec.family == Family::Hmac, hmac, "{name}");
        }
    }
}
