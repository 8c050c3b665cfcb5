//! The keys as the application gives them: a secret, key material and where it comes from.

use std::fmt;

/// A secret or key: its bytes never appear in `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// Wraps secret bytes.
    #[must_use]
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    /// The secret bytes.
    #[must_use]
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret([redacted; {} bytes])", self.0.len())
    }
}

/// Where the keys come from.
#[derive(Clone, Debug, Default)]
pub enum KeySource {
    /// Nothing configured yet.
    #[default]
    None,
    /// An HMAC secret.
    Secret(Secret),
    /// An HMAC secret read from an environment variable when the backend is built.
    /// With `dev_fallback`, a missing variable gives a random per-process secret and a warning
    /// on stderr instead of an error (meant for debug builds only).
    Env {
        /// The variable's name.
        var: String,
        /// Use a random development secret when the variable is unset.
        dev_fallback: bool,
    },
    /// PEM keys for RSA, RSA-PSS, ECDSA or `EdDSA`: a private signing key and/or a public
    /// verifying key. With only a private key, the public half is not derived: give both.
    Pem {
        /// The private key, to sign tokens. Without it the backend only verifies.
        signing: Option<Secret>,
        /// The public key, to verify tokens.
        verifying: Secret,
    },
    /// Keys for RSA, RSA-PSS, ECDSA or `EdDSA`: an optional private signing key and any number of
    /// public verification keys, each with an optional `kid`. See [`Key`] for how a token's
    /// `kid` selects the verification key.
    Keys {
        /// The private key, to sign tokens; its `kid` is written into each token's header.
        signing: Option<Key>,
        /// The public keys, to verify tokens. When empty, the signing key's public half is used.
        verifying: Vec<Key>,
    },
}

/// Where the bytes of a key come from. Read and parsed once, when the backend is built.
#[derive(Clone, Debug)]
pub enum KeyMaterial {
    /// PEM text (`-----BEGIN PUBLIC KEY-----`, `PRIVATE KEY`, `RSA PRIVATE KEY`, ...).
    Pem(Secret),
    /// DER bytes: `SubjectPublicKeyInfo` for a public key, PKCS#8 for a private key (what
    /// `openssl pkey -outform DER` writes).
    Der(Secret),
    /// A public JWK, or a JWK Set (`{"keys": [...]}`) whose keys are all added, as JSON text.
    Jwk(String),
    /// An environment variable holding PEM or JWK text.
    Env(String),
    /// A file holding PEM, DER or JWK (told apart by their first bytes).
    File(std::path::PathBuf),
}

/// A key and its optional key id (`kid`).
///
/// Verification keys are selected by the token's `kid` header:
/// - a token with a `kid` is verified with the key of that `kid`; if no key has it, the token
///   is refused (401), except that when the backend has a single key and no key id at all, the
///   `kid` is not looked at (a plain one-key setup keeps working with tokens that carry one);
/// - a token without a `kid` is only accepted when exactly one verification key is configured,
///   so that a rotation (two keys) never tries keys in turn.
///
/// To rotate: add the new public key with a new `kid` next to the old one, switch the signing
/// key to the new private key with the new `kid`, and drop the old public key once the tokens it
/// signed have expired.
#[derive(Clone, Debug)]
pub struct Key {
    /// The key id, compared with the token header's `kid`. A JWK's own `kid` is used when unset.
    pub kid: Option<String>,
    /// Where the key comes from.
    pub material: KeyMaterial,
}

impl Key {
    /// A PEM key.
    pub fn pem(pem: impl AsRef<[u8]>) -> Self {
        Self::from(KeyMaterial::Pem(Secret::new(pem.as_ref())))
    }

    /// A DER key (`SubjectPublicKeyInfo` or PKCS#8).
    pub fn der(der: impl AsRef<[u8]>) -> Self {
        Self::from(KeyMaterial::Der(Secret::new(der.as_ref())))
    }

    /// A public JWK or JWK Set, as JSON text.
    pub fn jwk(json: impl Into<String>) -> Self {
        Self::from(KeyMaterial::Jwk(json.into()))
    }

    /// PEM or JWK text from the environment variable `var`, read at build.
    pub fn env(var: impl Into<String>) -> Self {
        Self::from(KeyMaterial::Env(var.into()))
    }

    /// PEM, DER or JWK from a file, read at build.
    pub fn file(path: impl Into<std::path::PathBuf>) -> Self {
        Self::from(KeyMaterial::File(path.into()))
    }

    /// Sets the key id.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }
}

impl From<KeyMaterial> for Key {
    fn from(material: KeyMaterial) -> Self {
        Self {
            kid: None,
            material,
        }
    }
}
