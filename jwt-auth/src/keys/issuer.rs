//! An identity provider whose tokens a backend accepts: its `iss`, where its keys are, the
//! audiences and algorithms its tokens must have.

use std::time::Duration;

use jsonwebtoken::Algorithm;

use crate::keys::remote::{RemoteJwksConfig, TlsRoots};

/// An identity provider (Keycloak, Auth0, Entra ID, Cognito, Google, ...) whose access tokens a
/// backend accepts, with [`JwtAuthBuilder::issuer`](crate::JwtAuthBuilder::issuer) (or
/// `issuers = [oidc("...")]` in the attribute).
///
/// A token is checked against the provider its `iss` names, exactly: that provider's keys only
/// (a token of one provider signed with another's key is refused), its audiences, and the
/// backend's other rules (expiry, leeway, required claims). The key is the one of the token's
/// `kid`; the algorithm is the key's `alg` when the set gives one, else the token's, and must be
/// one of [`algorithms`](Self::algorithms) (every asymmetric one by default; never HMAC, whose
/// key in a published set would be anyone's, and never `none`).
///
/// The keys are fetched, cached and refreshed as [`RemoteJwksConfig`] says (its setters are
/// here too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    /// The tokens' `iss`.
    pub(crate) iss: String,
    /// Whether the keys are found by OpenID discovery from `iss` (else `fetch.url` is the set).
    pub(crate) discovery: bool,
    pub(crate) fetch: RemoteJwksConfig,
    pub(crate) audiences: Vec<String>,
    pub(crate) algorithms: Vec<Algorithm>,
}

impl Issuer {
    /// A provider found by OpenID Connect discovery: its tokens' `iss` is `issuer`, and its keys
    /// are at the `jwks_uri` of `{issuer}/.well-known/openid-configuration`, a document whose
    /// own `issuer` must be `issuer` exactly.
    pub fn oidc(issuer: impl Into<String>) -> Self {
        let issuer = issuer.into();
        Self {
            fetch: RemoteJwksConfig::new(issuer.clone()),
            iss: issuer,
            discovery: true,
            audiences: Vec::new(),
            algorithms: Vec::new(),
        }
    }

    /// A provider whose tokens' `iss` is `iss` and whose keys are the JWK Set at `jwks_url`.
    pub fn jwks(iss: impl Into<String>, jwks_url: impl Into<String>) -> Self {
        Self {
            iss: iss.into(),
            discovery: false,
            fetch: RemoteJwksConfig::new(jwks_url),
            audiences: Vec::new(),
            algorithms: Vec::new(),
        }
    }

    /// The audiences a token must name one of (its API); without any, the backend's
    /// [`accepted_audiences`](crate::JwtAuthBuilder::accepted_audiences) apply, and one of the
    /// two is required.
    #[must_use]
    pub fn audience<I: IntoIterator<Item = A>, A: Into<String>>(mut self, audiences: I) -> Self {
        self.audiences = audiences.into_iter().map(Into::into).collect();
        self
    }

    /// The algorithms accepted, default every asymmetric one (RS, PS, ES, `EdDSA`); an HMAC
    /// algorithm is refused when the backend is built.
    #[must_use]
    pub fn algorithms<I: IntoIterator<Item = Algorithm>>(mut self, algorithms: I) -> Self {
        self.algorithms = algorithms.into_iter().collect();
        self
    }

    /// How long a key set is fresh when its response has no `max-age`
    /// ([`RemoteJwksConfig::cache_for`]).
    #[must_use]
    pub fn cache_for(mut self, duration: Duration) -> Self {
        self.fetch = self.fetch.cache_for(duration);
        self
    }

    /// The bounds of a response's `max-age` ([`RemoteJwksConfig::cache_bounds`]).
    #[must_use]
    pub fn cache_bounds(mut self, min: Duration, max: Duration) -> Self {
        self.fetch = self.fetch.cache_bounds(min, max);
        self
    }

    /// How long past its freshness a key set is used while the provider cannot be reached
    /// ([`RemoteJwksConfig::max_stale`]); then its tokens are refused with a 503.
    #[must_use]
    pub fn max_stale(mut self, duration: Duration) -> Self {
        self.fetch = self.fetch.max_stale(duration);
        self
    }

    /// The least time between two fetches ([`RemoteJwksConfig::refetch_interval`]).
    #[must_use]
    pub fn refetch_interval(mut self, interval: Duration) -> Self {
        self.fetch = self.fetch.refetch_interval(interval);
        self
    }

    /// The timeout of one fetch ([`RemoteJwksConfig::timeout`]).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.fetch = self.fetch.timeout(timeout);
        self
    }

    /// The certificate authorities this provider is checked against
    /// ([`RemoteJwksConfig::tls_roots`]).
    #[must_use]
    pub fn tls_roots(mut self, roots: TlsRoots) -> Self {
        self.fetch = self.fetch.tls_roots(roots);
        self
    }

    /// The tokens' `iss`.
    #[must_use]
    pub fn iss(&self) -> &str {
        &self.iss
    }
}
