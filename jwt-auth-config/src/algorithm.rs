//! The signing algorithms by name, and which take a secret and which take keys.

/// What an algorithm signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// HS256, HS384, HS512: a shared secret.
    Hmac,
    /// RS/PS/ES/EdDSA: a private key signs, public keys verify.
    Asymmetric,
}

/// An algorithm the configuration takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlgorithmSpec {
    /// Its name, as in the JOSE header: `"HS256"`.
    pub name: &'static str,
    /// What it signs with.
    pub family: Family,
}

const fn hmac(name: &'static str) -> AlgorithmSpec {
    AlgorithmSpec {
        name,
        family: Family::Hmac,
    }
}

const fn asymmetric(name: &'static str) -> AlgorithmSpec {
    AlgorithmSpec {
        name,
        family: Family::Asymmetric,
    }
}

/// Every algorithm, in the documentation's order: the HMAC ones first.
pub const ALGORITHMS: [AlgorithmSpec; 12] = [
    hmac("HS256"),
    hmac("HS384"),
    hmac("HS512"),
    asymmetric("RS256"),
    asymmetric("RS384"),
    asymmetric("RS512"),
    asymmetric("PS256"),
    asymmetric("PS384"),
    asymmetric("PS512"),
    asymmetric("ES256"),
    asymmetric("ES384"),
    asymmetric("EdDSA"),
];

/// The algorithm named `name`, exactly (`"hs256"` is not one).
#[must_use]
pub fn algorithm(name: &str) -> Option<&'static AlgorithmSpec> {
    ALGORITHMS.iter().find(|algorithm| algorithm.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_families() {
        assert_eq!(algorithm("HS256").map(|a| a.family), Some(Family::Hmac));
        assert_eq!(algorithm("HS512").map(|a| a.family), Some(Family::Hmac));
        for name in ["RS256", "PS512", "ES384", "EdDSA"] {
            assert_eq!(algorithm(name).map(|a| a.family), Some(Family::Asymmetric));
        }
        for wrong in ["", "none", "hs256", "HS1", "EDDSA", "ES512"] {
            assert_eq!(algorithm(wrong), None, "{wrong}");
        }
        let hmac = ALGORITHMS.iter().filter(|a| a.family == Family::Hmac);
        assert!(hmac.map(|a| a.name).eq(["HS256", "HS384", "HS512"]));
    }
}
