//! Key sets fetched at run time: an identity provider's (found by OpenID discovery) or a JWK Set
//! at a URL, over `https://` (feature `remote-tls`) or plain `http://` to loopback; cached for
//! the `max-age` the provider gives (bounded), refetched on an unknown `kid` at most once per
//! interval, and used while the provider is briefly down, up to a stated bound, after which
//! the tokens they verify are refused with a 503.
//!
//! - [`fetch`]: one bounded GET, no redirects;
//! - `tls`: rustls, with the system's roots or given ones (feature `remote-tls`);
//! - [`discovery`]: the discovery document, its `issuer` checked, its `jwks_uri` followed;
//! - [`keyset`]: a fetched set, its state (fresh, stale, unusable) and its refreshes.

pub(crate) mod discovery;
pub(crate) mod fetch;
pub(crate) mod keyset;
#[cfg(feature = "remote-tls")]
pub(crate) mod tls;

use std::path::PathBuf;
use std::time::Duration;

/// Where and how to fetch a remote JWKS, and how long its keys are used.
///
/// A set is *fresh* for the `max-age` of its response's `Cache-Control`, kept within
/// [`min_cache`](Self::min_cache) and [`max_cache`](Self::max_cache) (or for
/// [`cache_for`](Self::cache_for) when the response gives none); a fresh set verifies tokens,
/// which the verified-token cache then remembers. Past that it is *stale*: it still verifies
/// tokens while it is fetched again in the background, for at most
/// [`max_stale`](Self::max_stale), so that a provider briefly down logs nobody out. Past that,
/// if no fetch succeeded, protected routes answer 503 until one does (fail closed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteJwksConfig {
    /// The URL: `https://` (feature `remote-tls`), or `http://` to a loopback host.
    pub url: String,
    /// How long a fetched set is fresh when its response has no `Cache-Control: max-age`,
    /// default 5 minutes.
    pub cache_for: Duration,
    /// The least time a `max-age` (or `no-cache`) keeps a set fresh, default 30 seconds.
    pub min_cache: Duration,
    /// The most time a `max-age` keeps a set fresh, default 1 day.
    pub max_cache: Duration,
    /// How long past its freshness a set still verifies tokens while it cannot be fetched again,
    /// default 1 hour; then protected routes answer 503 (fail closed) until a fetch succeeds.
    pub max_stale: Duration,
    /// The least time between two fetches caused by an unknown `kid` (or after a failed fetch),
    /// default 30 seconds.
    pub refetch_interval: Duration,
    /// The timeout of one fetch (discovery, connection, TLS and body included), default 3
    /// seconds.
    pub timeout: Duration,
    /// The certificate authorities an `https://` URL is checked against; `None`: the
    /// backend's [`tls_roots`](crate::JwtAuthBuilder::tls_roots), by default the system's.
    pub tls_roots: Option<TlsRoots>,
}

impl RemoteJwksConfig {
    /// A remote JWKS at `url` with the default cache, refetch interval and timeout.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            cache_for: Duration::from_mins(5),
            min_cache: Duration::from_secs(30),
            max_cache: Duration::from_hours(24),
            max_stale: Duration::from_hours(1),
            refetch_interval: Duration::from_secs(30),
            timeout: Duration::from_secs(3),
            tls_roots: None,
        }
    }

    /// How long a fetched set is fresh when its response says nothing.
    #[must_use]
    pub fn cache_for(mut self, duration: Duration) -> Self {
        self.cache_for = duration;
        self
    }

    /// The bounds a response's `max-age` is kept within.
    #[must_use]
    pub fn cache_bounds(mut self, min: Duration, max: Duration) -> Self {
        self.min_cache = min;
        self.max_cache = max.max(min);
        self
    }

    /// How long past its freshness a set is used while it cannot be fetched again.
    #[must_use]
    pub fn max_stale(mut self, duration: Duration) -> Self {
        self.max_stale = duration;
        self
    }

    /// The least time between two refetches.
    #[must_use]
    pub fn refetch_interval(mut self, interval: Duration) -> Self {
        self.refetch_interval = interval;
        self
    }

    /// The timeout of one fetch.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The certificate authorities an `https://` URL is checked against.
    #[must_use]
    pub fn tls_roots(mut self, roots: TlsRoots) -> Self {
        self.tls_roots = Some(roots);
        self
    }
}

/// The certificate authorities that `https://` key sets and providers are checked against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum TlsRoots {
    /// The system's (`rustls-native-certs`: the platform's store, or `SSL_CERT_FILE`).
    #[default]
    System,
    /// These certificates, PEM, instead of the system's: a private provider's own CA.
    Pem(Vec<u8>),
    /// The PEM certificates in a file, read when the backend is built.
    File(PathBuf),
    /// The PEM certificates in an environment variable, read when the backend is built.
    Env(String),
}

impl TlsRoots {
    /// These PEM certificates instead of the system's.
    pub fn pem(pem: impl Into<Vec<u8>>) -> Self {
        Self::Pem(pem.into())
    }

    /// The PEM certificates in a file.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Self::File(path.into())
    }

    /// The PEM certificates in an environment variable.
    pub fn env(var: impl Into<String>) -> Self {
        Self::Env(var.into())
    }

    /// The PEM text of these roots, read now (a file, a variable); `None` for the system's.
    #[cfg(any(feature = "remote-tls", feature = "redis"))]
    pub(crate) fn read_pem(&self) -> Result<Option<std::borrow::Cow<'_, [u8]>>, String> {
        use std::borrow::Cow;
        match self {
            Self::System => Ok(None),
            Self::Pem(pem) => Ok(Some(Cow::Borrowed(pem))),
            Self::File(path) => std::fs::read(path)
                .map(|pem| Some(Cow::Owned(pem)))
                .map_err(|e| format!("cannot read `{}`: {e}", path.display())),
            Self::Env(var) => std::env::var(var)
                .map(|pem| Some(Cow::Owned(pem.into_bytes())))
                .map_err(|_| format!("the environment variable `{var}` is not set")),
        }
    }
}

/// The `CERTIFICATE` blocks of a PEM text (roots, for the TLS clients of key sets and Redis);
/// none is an error.
#[cfg(any(feature = "remote-tls", feature = "redis"))]
pub(crate) fn pem_certificates(
    pem: &[u8],
) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject as _;
    let certificates = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("not PEM certificates: {e}"))?;
    if certificates.is_empty() {
        return Err("no `-----BEGIN CERTIFICATE-----` block".to_owned());
    }
    Ok(certificates)
}
