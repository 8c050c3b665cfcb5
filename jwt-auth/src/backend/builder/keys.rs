//! The keys' options of [`JwtAuthBuilder`]: the secret and its rotation, the algorithm's keys,
//! the key id, a remote JWKS, the identity providers and the TLS roots their key sets are
//! fetched with.

use crate::backend::builder::JwtAuthBuilder;
use crate::keys::issuer::Issuer;
use crate::keys::material::{Key, KeyMaterial, KeySource, Secret};
use crate::keys::remote::{RemoteJwksConfig, TlsRoots};
use crate::keys::secrets::PreviousSecrets;

impl<U, S, C> JwtAuthBuilder<U, S, C> {
    /// The HMAC secret. Prefer [`secret_from_env`](Self::secret_from_env): a secret written in
    /// the source ends up in the binary and the repository.
    pub fn secret(mut self, secret: impl AsRef<[u8]>) -> Self {
        self.keys = KeySource::Secret(Secret::new(secret.as_ref()));
        self
    }

    /// Reads the HMAC secret from the environment variable `var` when the backend is built.
    pub fn secret_from_env(mut self, var: impl Into<String>) -> Self {
        self.keys = KeySource::Env {
            var: var.into(),
            dev_fallback: false,
        };
        self
    }

    /// With [`secret_from_env`](Self::secret_from_env): when the variable is unset, use a random
    /// development secret and say so on stderr instead of refusing to build. Pass
    /// `cfg!(debug_assertions)` so that a release build never does.
    pub fn dev_secret_fallback(mut self, enabled: bool) -> Self {
        if let KeySource::Env { dev_fallback, .. } = &mut self.keys {
            *dev_fallback = enabled;
        }
        self
    }

    /// PEM keys for an asymmetric algorithm: the private key signs (omit it for a backend that
    /// only verifies), the public key verifies.
    pub fn pem_keys(mut self, signing: Option<&[u8]>, verifying: &[u8]) -> Self {
        self.keys = KeySource::Pem {
            signing: signing.map(Secret::new),
            verifying: Secret::new(verifying),
        };
        self
    }

    /// The private key that signs tokens (RS/PS/ES/EdDSA), as PEM, DER, or from a file or an
    /// environment variable; its `kid`, if any, is written into each token's header. Without a
    /// verification key of the same `kid`, its public half is derived and used to verify.
    pub fn signing_key(mut self, key: Key) -> Self {
        let (_, verifying) = self.key_set();
        self.keys = KeySource::Keys {
            signing: Some(key),
            verifying,
        };
        self
    }

    /// Adds a public verification key (PEM, DER, JWK or JWK Set; from bytes, a file or an
    /// environment variable). A token's `kid` selects among them; see [`Key`].
    pub fn verification_key(mut self, key: Key) -> Self {
        let (signing, mut verifying) = self.key_set();
        verifying.push(key);
        self.keys = KeySource::Keys { signing, verifying };
        self
    }

    /// Adds public verification keys; see [`verification_key`](Self::verification_key).
    pub fn verification_keys<I: IntoIterator<Item = Key>>(self, keys: I) -> Self {
        keys.into_iter()
            .fold(self, JwtAuthBuilder::verification_key)
    }

    /// The `kid` written into each token's header, for a signing key (or HMAC secret) that has
    /// none of its own.
    pub fn key_id(mut self, kid: impl Into<String>) -> Self {
        self.key_id = Some(kid.into());
        self
    }

    /// Verifies tokens of the configured algorithm against a remote JWKS as well, whatever
    /// their `iss` (fetched over `https://` with the feature `remote-tls`, or `http://` to
    /// loopback; cached, refetched on an unknown `kid` at most once per `refetch_interval`);
    /// see [`RemoteJwksConfig`]. For another service's tokens, prefer
    /// [`issuer`](Self::issuer), which checks them against their own issuer, audience and
    /// algorithms.
    pub fn remote_jwks(mut self, config: RemoteJwksConfig) -> Self {
        self.remote_jwks = Some(config);
        self
    }

    /// An HMAC secret that still verifies tokens after a rotation (the current one, given with
    /// [`secret`](Self::secret) or [`secret_from_env`](Self::secret_from_env), signs). While
    /// there are previous secrets, tokens carry a `kid` (the [`key_id`](Self::key_id), else one
    /// derived from the secret) so that the secret that signed one is tried first; refresh
    /// tokens of a previous secret are redeemed too.
    pub fn previous_secret(mut self, secret: impl AsRef<[u8]>) -> Self {
        self.previous_secrets
            .push(PreviousSecrets::Secret(Secret::new(secret.as_ref())));
        self
    }

    /// Previous secrets (see [`previous_secret`](Self::previous_secret)) from the environment
    /// variable `var`, comma-separated, read when the backend is built; unset or empty: none.
    pub fn previous_secrets_from_env(mut self, var: impl Into<String>) -> Self {
        self.previous_secrets.push(PreviousSecrets::Env(var.into()));
        self
    }

    /// Accepts the access tokens of an identity provider, checked against its own keys,
    /// audiences and algorithms by their `iss`; several providers may be given. A backend with
    /// providers needs no key of its own (it only verifies their tokens). See [`Issuer`].
    pub fn issuer(mut self, issuer: Issuer) -> Self {
        self.issuers.push(issuer);
        self
    }

    /// The certificate authorities that `https://` key sets are checked against, for those
    /// without roots of their own; default the system's ([`TlsRoots::System`]).
    pub fn tls_roots(mut self, roots: TlsRoots) -> Self {
        self.tls_roots = Some(roots);
        self
    }

    /// The keys so far as a key set (a secret is dropped: keys replace it).
    fn key_set(&mut self) -> (Option<Key>, Vec<Key>) {
        match std::mem::take(&mut self.keys) {
            KeySource::Keys { signing, verifying } => (signing, verifying),
            KeySource::Pem { signing, verifying } => (
                signing.map(|s| Key::from(KeyMaterial::Pem(s))),
                vec![Key::from(KeyMaterial::Pem(verifying))],
            ),
            KeySource::None | KeySource::Secret(_) | KeySource::Env { .. } => (None, Vec::new()),
        }
    }

    /// Where the keys come from.
    pub fn keys(mut self, keys: KeySource) -> Self {
        self.keys = keys;
        self
    }
}
