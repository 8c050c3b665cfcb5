//! [`RedisStore`]: the token store in Redis, shared by every instance of an application, with a
//! local view of what is revoked on each (feature `redis`).
//!
//! Writes (a refresh, a revocation) are one Lua script each (`records.lua` with `rotate.lua` or
//! `revoke.lua`), atomic in Redis: of concurrent refreshes of one token on any number of
//! instances exactly one is the first use. Reads (every authenticated request) never go to
//! Redis: each instance answers from its view, kept current by pub/sub (see `view.rs` for the
//! design and its staleness bound).

mod script;
mod view;

use std::sync::Arc;
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{RedisError, Script};

use crate::error::BoxError;
use crate::keys::remote::{TlsRoots, pem_certificates};
use crate::session::ids::new_id;
use crate::session::ledger::Ledger;
use crate::session::redis::script::{Keys, Message, NEVER, revoke_script, rotate_script};
use crate::session::redis::view::{Feed, Local, run};
use crate::session::store::{
    DEFAULT_MAX_FAMILIES, Revocation, Rotated, Rotation, StoreUnavailable, Target, TokenRef,
    TokenStore,
};
use crate::token::clock::now;

/// A [`TokenStore`] in Redis, for an application that runs several instances (or must
/// remember across restarts): a refresh token spent on one instance is a reuse on every other,
/// and a logout on one refuses the token on all of them within the staleness bound.
///
/// - Every subject's records are one hash (`<prefix>s:<sub>`), bounded as every store's are
///   (one record per refreshed family, at most [`max_families`](RedisStoreBuilder::max_families)
///   of them, a cutoff), which expires with the last of them; the subjects with a revocation
///   are in a sorted set by expiry (`<prefix>revoked`), cleaned as it is written.
/// - Authenticated requests are answered from a local view of what is revoked, without a
///   round trip ([`TokenStore::check_locally`]). It follows Redis through pub/sub
///   (`<prefix>revocations`), resynchronises from a snapshot each time it subscribes again,
///   and knows how fresh it is through heartbeats that go round Redis. Measured on loopback, a
///   revocation on one instance is refused on another about a millisecond later.
/// - When the view is older than the [staleness bound](RedisStoreBuilder::staleness_bound)
///   (one second by default: Redis is down or unreachable), protected routes answer 503 rather
///   than risk accepting a revoked token ([`StoreUnavailable`]); excluded routes keep working.
///   When Redis is back, the view resynchronises by itself.
///
/// ```no_run
/// # async fn example() -> Result<(), jwt_auth::BoxError> {
/// use jwt_auth::RedisStore;
///
/// let store = RedisStore::builder("redis://127.0.0.1:6379/")
///     .prefix("my-app:")
///     .connect()
///     .await?;
/// # let _ = store;
/// # Ok(())
/// # }
/// ```
///
/// `rediss://` URLs use TLS through rustls, checked against the system's roots or
/// [given ones](RedisStoreBuilder::tls_roots), with a
/// [client certificate](RedisStoreBuilder::tls_client_certificate) where the server asks for
/// one; when the process has installed no rustls crypto provider, aws-lc-rs's is installed.
/// Cloning shares the store; the synchronising task stops when the last clone is dropped.
#[derive(Clone)]
pub struct RedisStore {
    inner: Arc<Inner>,
}

struct Inner {
    local: Arc<Local>,
    connection: ConnectionManager,
    keys: Keys,
    rotate: Script,
    revoke: Script,
    max_families: usize,
    bound: Duration,
    accept_stale: bool,
    task: tokio::task::AbortHandle,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("keys", &self.inner.keys)
            .field("staleness_bound", &self.inner.bound)
            .field("staleness", &self.inner.local.staleness())
            .finish_non_exhaustive()
    }
}

/// Builds a [`RedisStore`]; see [`RedisStore::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct RedisStoreBuilder {
    url: String,
    prefix: String,
    bound: Duration,
    timeout: Duration,
    max_families: usize,
    accept_stale: bool,
    tls_roots: Option<TlsRoots>,
    /// Its `Debug` shows neither the certificate nor the key.
    client_certificate: Option<redis::ClientTlsConfig>,
}

impl RedisStore {
    /// The default staleness bound: one second.
    pub const DEFAULT_STALENESS_BOUND: Duration = Duration::from_secs(1);

    /// A builder for a store at `url` (`redis://[user:password@]host:port/db`, or `rediss://`
    /// for TLS).
    pub fn builder(url: impl Into<String>) -> RedisStoreBuilder {
        RedisStoreBuilder {
            url: url.into(),
            prefix: "jwt-auth:".to_owned(),
            bound: Self::DEFAULT_STALENESS_BOUND,
            timeout: Duration::from_secs(1),
            max_families: DEFAULT_MAX_FAMILIES,
            accept_stale: false,
            tls_roots: None,
            client_certificate: None,
        }
    }

    /// A store at `url` with the defaults, once its view is in sync.
    pub async fn connect(url: impl Into<String>) -> Result<Self, BoxError> {
        Self::builder(url).connect().await
    }

    /// How old the local view may be now: `None` before it was first in sync.
    #[must_use]
    pub fn staleness(&self) -> Option<Duration> {
        self.inner.local.staleness()
    }

    /// The records of the local view: revoked families and `jti`s, cutoffs (for tests and
    /// metrics).
    #[must_use]
    pub fn local_records(&self) -> usize {
        self.inner.local.records()
    }

    fn fresh(&self) -> bool {
        self.staleness()
            .is_some_and(|staleness| staleness <= self.inner.bound)
    }

    /// A Redis error: the link (down, refused, timed out) is [`StoreUnavailable`], anything
    /// else as it is.
    fn failure(error: RedisError) -> BoxError {
        if error.is_io_error()
            || error.is_timeout()
            || error.is_connection_dropped()
            || error.is_connection_refusal()
        {
            Box::new(StoreUnavailable::new(format!("Redis: {error}")))
        } else {
            Box::new(error)
        }
    }

    /// Applies what a script of this instance published, without waiting for its echo: a
    /// revocation made here is refused here at once.
    fn apply(&self, published: &[String]) {
        for message in published {
            if let Some(message) = Message::parse(message.as_bytes()) {
                self.inner.local.apply(&message);
            }
        }
    }
}

impl RedisStoreBuilder {
    /// The prefix of every key and channel (default `jwt-auth:`), so that several applications
    /// (or several backends of one) share a Redis.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How old the local view of revocations may grow before authenticated requests are
    /// refused with a 503 (default one second; at least 20 ms). The view is checked against
    /// Redis four times per bound.
    pub fn staleness_bound(mut self, bound: Duration) -> Self {
        self.bound = bound.max(Duration::from_millis(20));
        self
    }

    /// How long a connection, a command or a heartbeat may take (default one second; at
    /// least 10 ms).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout.max(Duration::from_millis(10));
        self
    }

    /// The most family and `jti` records kept per subject (default [`DEFAULT_MAX_FAMILIES`]);
    /// set the same on every instance.
    pub fn max_families(mut self, max: usize) -> Self {
        self.max_families = max.max(1);
        self
    }

    /// Answers from a stale view instead of refusing with a 503 (default `false`): an instance
    /// cut off from Redis then accepts tokens revoked since. Only for an application that
    /// prefers availability to prompt logouts.
    pub fn accept_stale(mut self, accept: bool) -> Self {
        self.accept_stale = accept;
        self
    }

    /// The certificate authorities a `rediss://` server's certificate is checked against,
    /// instead of the system's: a Redis behind a private authority (the PEM of its
    /// `tls-ca-cert-file`). Read when the store is built.
    pub fn tls_roots(mut self, roots: TlsRoots) -> Self {
        self.tls_roots = Some(roots);
        self
    }

    /// The certificate (PEM, the chain) and private key (PEM) shown to a `rediss://` server
    /// that asks for one: `redis-server` does by default (`tls-auth-clients yes`).
    pub fn tls_client_certificate(
        mut self,
        certificate: impl Into<Vec<u8>>,
        key: impl Into<Vec<u8>>,
    ) -> Self {
        self.client_certificate = Some(redis::ClientTlsConfig {
            client_cert: certificate.into(),
            client_key: key.into(),
        });
        self
    }

    /// The client of the URL, with its TLS settings.
    fn client(&self) -> Result<redis::Client, BoxError> {
        let tls = self.url.starts_with("rediss:");
        if tls && rustls::crypto::CryptoProvider::get_default().is_none() {
            // Another thread may have installed one meanwhile: either way, one is there.
            let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        }
        if self.tls_roots.is_none() && self.client_certificate.is_none() {
            return Ok(redis::Client::open(self.url.as_str())?);
        }
        if !tls {
            return Err(
                "`tls_roots` and `tls_client_certificate` apply to a `rediss://` URL only".into(),
            );
        }
        let roots = |error| format!("the Redis TLS roots: {error}");
        let root_cert = match &self.tls_roots {
            Some(tls_roots) => tls_roots.read_pem().map_err(roots)?,
            None => None,
        };
        if let Some(pem) = &root_cert {
            pem_certificates(pem).map_err(roots)?;
        }
        let certificates = redis::TlsCertificates {
            client_tls: self.client_certificate.clone(),
            root_cert: root_cert.map(std::borrow::Cow::into_owned),
        };
        Ok(redis::Client::build_with_tls(
            self.url.as_str(),
            certificates,
        )?)
    }

    /// The store, its view synchronising in a task of the current tokio runtime; until the
    /// first synchronisation (milliseconds when Redis is up), authenticated requests answer
    /// 503. Fails outside a tokio runtime, for a malformed URL or TLS setting, never because
    /// Redis is down.
    pub fn build(self) -> Result<RedisStore, BoxError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(
            |_| "a RedisStore is built inside a tokio runtime (its view syncs in a task)",
        )?;
        let client = self.client()?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(200));
        let connection = ConnectionManager::new_lazy_with_config(client.clone(), config)?;
        let keys = Keys::new(&self.prefix);
        let local = Arc::new(Local::new(self.max_families));
        let feed = Feed {
            local: Arc::clone(&local),
            client,
            connection: connection.clone(),
            heartbeat: keys.heartbeat(&new_id()?),
            keys: keys.clone(),
            bound: self.bound,
            timeout: self.timeout,
        };
        let task = runtime.spawn(run(feed)).abort_handle();
        Ok(RedisStore {
            inner: Arc::new(Inner {
                local,
                connection,
                keys,
                rotate: rotate_script(),
                revoke: revoke_script(),
                max_families: self.max_families,
                bound: self.bound,
                accept_stale: self.accept_stale,
                task,
            }),
        })
    }

    /// [`build`](Self::build), then waits until the view is in sync: fails when Redis cannot
    /// be reached within four timeouts.
    pub async fn connect(self) -> Result<RedisStore, BoxError> {
        let patience = self.timeout * 4;
        let store = self.build()?;
        let start = Instant::now();
        while !store.fresh() {
            if start.elapsed() > patience {
                let why = store
                    .inner
                    .local
                    .last_failure()
                    .map_or_else(String::new, |failure| {
                        format!(" (the last attempt: {failure})")
                    });
                return Err(Box::new(StoreUnavailable::new(format!(
                    "no link to Redis within {patience:?}{why}"
                ))));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Ok(store)
    }
}

/// Unix seconds as the scripts take them.
fn seconds(unix: u64) -> u64 {
    unix.min(NEVER)
}

impl<S: Sync> TokenStore<S> for RedisStore {
    async fn rotate(&self, _state: &S, rotation: &Rotation<'_>) -> Result<Rotated, BoxError> {
        let inner = &*self.inner;
        let issued = rotation
            .issued_at
            .map_or(-1, |iat| i64::try_from(seconds(iat)).unwrap_or(-1));
        let mut invocation = inner.rotate.prepare_invoke();
        invocation
            .key(inner.keys.subject(rotation.subject))
            .key(&inner.keys.revoked)
            .arg(rotation.subject)
            .arg(seconds(rotation.at))
            .arg(inner.max_families)
            .arg(&inner.keys.channel)
            .arg(rotation.family)
            .arg(seconds(rotation.generation))
            .arg(issued)
            .arg(seconds(rotation.expires_at));
        let mut connection = inner.connection.clone();
        let reply: Vec<String> = invocation
            .invoke_async(&mut connection)
            .await
            .map_err(Self::failure)?;
        let (outcome, published) = reply.split_first().ok_or("an empty reply")?;
        self.apply(published);
        match outcome.as_str() {
            "first" => Ok(Rotated::First),
            "reused" => Ok(Rotated::Reused),
            "revoked" => Ok(Rotated::Revoked),
            other => Err(format!("an unknown reply of the rotation script: {other}").into()),
        }
    }

    async fn revoke(&self, _state: &S, revocation: &Revocation<'_>) -> Result<(), BoxError> {
        let inner = &*self.inner;
        let (kind, id) = match revocation.target {
            Target::Subject => ("c", ""),
            Target::Family(family) => ("f", family),
            Target::Token(jti) => ("t", jti),
        };
        let mut invocation = inner.revoke.prepare_invoke();
        invocation
            .key(inner.keys.subject(revocation.subject))
            .key(&inner.keys.revoked)
            .arg(revocation.subject)
            .arg(seconds(revocation.at))
            .arg(inner.max_families)
            .arg(&inner.keys.channel)
            .arg(kind)
            .arg(id)
            .arg(seconds(revocation.expires_at));
        let mut connection = inner.connection.clone();
        let published: Vec<String> = invocation
            .invoke_async(&mut connection)
            .await
            .map_err(Self::failure)?;
        self.apply(&published);
        Ok(())
    }

    /// Asks Redis itself (one `HMGET`); the backend only does when asked to through
    /// [`check_locally`](TokenStore::check_locally), which answers from the view.
    async fn is_revoked(&self, _state: &S, token: &TokenRef<'_>) -> Result<bool, BoxError> {
        let mut fields = vec!["c".to_owned()];
        fields.extend(token.family.map(|family| format!("f:{family}")));
        fields.extend(token.jti.map(|jti| format!("t:{jti}")));
        let mut connection = self.inner.connection.clone();
        let values: Vec<Option<String>> = redis::cmd("HMGET")
            .arg(self.inner.keys.subject(token.subject))
            .arg(&fields)
            .query_async(&mut connection)
            .await
            .map_err(Self::failure)?;
        let found: Vec<(String, String)> = fields
            .into_iter()
            .zip(values)
            .filter_map(|(field, value)| Some((field, value?)))
            .collect();
        let mut records = Ledger::new(found.len());
        for message in Message::from_fields(token.subject, &found) {
            records.revoke(&message.revocation());
        }
        Ok(records.is_revoked(token, now()))
    }

    fn check_locally(&self, token: &TokenRef<'_>) -> Option<Result<bool, BoxError>> {
        if !self.fresh() && !self.inner.accept_stale {
            let reason = match self.staleness() {
                Some(age) => format!("the revocation view is {age:?} old"),
                None => "the revocation view was never in sync".to_owned(),
            };
            return Some(Err(Box::new(StoreUnavailable::new(reason))));
        }
        Some(Ok(self.inner.local.is_revoked(token)))
    }

    /// One `SET NX` with the ticket's expiry: the first instance to spend it wins.
    async fn spend_ticket(
        &self,
        _state: &S,
        jti: &str,
        expires_at: u64,
    ) -> Result<Option<bool>, BoxError> {
        let mut connection = self.inner.connection.clone();
        let set: Option<String> = redis::cmd("SET")
            .arg(self.inner.keys.ticket(jti))
            .arg(1)
            .arg("NX")
            .arg("EXAT")
            .arg(seconds(expires_at).max(1))
            .query_async(&mut connection)
            .await
            .map_err(Self::failure)?;
        Ok(Some(set.is_some()))
    }
}
