//! JSON Web Key Sets: the remote set a backend may verify against, fetched over plain HTTP,
//! cached, and refetched on an unknown `kid` at most once per interval.
//!
//! Only `http://` URLs are fetched: the crate carries no TLS stack. Put a JWKS served over
//! `https://` behind a local proxy, or give its keys with `verification_key(Key::jwk(...))`.

use std::sync::RwLock;
use std::time::{Duration, Instant};

use axum::http::{Request, StatusCode, Uri};
use http_body_util::{BodyExt as _, Empty, Limited};
use hyper::body::Bytes;
use jsonwebtoken::Algorithm;

use crate::error::ConfigError;
use crate::keys::load::jwk_keys;
use crate::keys::select::VerifyKey;

/// The largest JWKS document read, in bytes.
const MAX_JWKS_SIZE: usize = 1 << 20;

/// Where and how to fetch a remote JWKS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteJwksConfig {
    /// The `http://` URL of the JWKS document.
    pub url: String,
    /// How long a fetched set is used before it is fetched again, default 5 minutes.
    pub cache_for: Duration,
    /// The least time between two fetches caused by an unknown `kid` (or after a failed fetch),
    /// default 30 seconds.
    pub refetch_interval: Duration,
    /// The timeout of one fetch, connection and body included, default 3 seconds.
    pub timeout: Duration,
}

impl RemoteJwksConfig {
    /// A remote JWKS at `url` with the default cache, refetch interval and timeout.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            cache_for: Duration::from_mins(5),
            refetch_interval: Duration::from_secs(30),
            timeout: Duration::from_secs(3),
        }
    }

    /// How long a fetched set is used.
    #[must_use]
    pub fn cache_for(mut self, duration: Duration) -> Self {
        self.cache_for = duration;
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
}

#[derive(Default)]
struct Cache {
    keys: Vec<VerifyKey>,
    fetched_at: Option<Instant>,
    last_attempt: Option<Instant>,
}

/// A remote JWKS and its cache.
pub(crate) struct RemoteJwks {
    config: RemoteJwksConfig,
    uri: Uri,
    authority: String,
    algorithm: Algorithm,
    cache: RwLock<Cache>,
    fetching: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for RemoteJwks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteJwks")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Why one fetch failed, for the log.
type FetchError = String;

impl RemoteJwks {
    pub(crate) fn new(config: RemoteJwksConfig, algorithm: Algorithm) -> Result<Self, ConfigError> {
        let invalid = || ConfigError::InvalidName {
            option: "remote JWKS URL (only http:// is supported: this crate has no TLS client)",
            value: config.url.clone(),
        };
        let uri: Uri = config.url.parse().map_err(|_| invalid())?;
        if uri.scheme_str() != Some("http") {
            return Err(invalid());
        }
        let authority = uri.authority().ok_or_else(invalid)?.to_string();
        Ok(Self {
            config,
            uri,
            authority,
            algorithm,
            cache: RwLock::new(Cache::default()),
            fetching: tokio::sync::Mutex::new(()),
        })
    }

    /// The cached keys, fetched first if the cache is empty or expired (a failed fetch is not
    /// retried before `refetch_interval`: the stale keys, or none, are used meanwhile).
    pub(crate) async fn keys(&self) -> Vec<VerifyKey> {
        let due = {
            let cache = self
                .cache
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let expired = cache
                .fetched_at
                .is_none_or(|at| at.elapsed() >= self.config.cache_for);
            expired && self.may_attempt(&cache)
        };
        if due {
            self.refresh().await;
        }
        self.cached()
    }

    /// Fetches again because a token named an unknown `kid`, at most once per
    /// `refetch_interval`; returns whether a fetch happened.
    pub(crate) async fn refetch_for_unknown_kid(&self) -> bool {
        let allowed = {
            let cache = self
                .cache
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            self.may_attempt(&cache)
        };
        if allowed {
            self.refresh().await;
        }
        allowed
    }

    /// Whether the last fetch succeeded at some point (there are keys to use).
    pub(crate) fn has_fetched(&self) -> bool {
        self.cache
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .fetched_at
            .is_some()
    }

    fn cached(&self) -> Vec<VerifyKey> {
        self.cache
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .keys
            .clone()
    }

    fn may_attempt(&self, cache: &Cache) -> bool {
        cache
            .last_attempt
            .is_none_or(|at| at.elapsed() >= self.config.refetch_interval)
    }

    async fn refresh(&self) {
        let _one_at_a_time = self.fetching.lock().await;
        {
            // Another request may have fetched while this one waited.
            let cache = self
                .cache
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if !self.may_attempt(&cache) {
                return;
            }
        }
        let result = tokio::time::timeout(self.config.timeout, self.fetch())
            .await
            .unwrap_or_else(|_| Err("timed out".to_owned()));
        let mut cache = self
            .cache
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache.last_attempt = Some(Instant::now());
        match result {
            Ok(keys) => {
                cache.keys = keys;
                cache.fetched_at = Some(Instant::now());
            }
            Err(error) => {
                tracing::warn!(url = %self.config.url, %error, "jwt-auth: cannot fetch the remote JWKS");
            }
        }
    }

    async fn fetch(&self) -> Result<Vec<VerifyKey>, FetchError> {
        let host = self.uri.host().unwrap_or_default();
        let port = self.uri.port_u16().unwrap_or(80);
        let stream = tokio::net::TcpStream::connect((host, port))
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        let path = self
            .uri
            .path_and_query()
            .map_or("/", axum::http::uri::PathAndQuery::as_str);
        let request = Request::get(path)
            .header("host", &self.authority)
            .header("accept", "application/json")
            .body(Empty::<Bytes>::new())
            .map_err(|e| format!("request: {e}"))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("request: {e}"))?;
        if response.status() != StatusCode::OK {
            return Err(format!("status {}", response.status()));
        }
        let body = Limited::new(response.into_body(), MAX_JWKS_SIZE)
            .collect()
            .await
            .map_err(|e| format!("body: {e}"))?
            .to_bytes();
        let text = std::str::from_utf8(&body).map_err(|_| "body is not UTF-8".to_owned())?;
        jwk_keys(self.algorithm, text, None, true)
    }
}
