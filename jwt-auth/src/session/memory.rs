//! [`MemoryStore`]: the token store in the process's memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::BoxError;
use crate::session::store::TokenStore;
use crate::token::clock::now;

/// A [`TokenStore`] in the process's memory: right for one process, forgotten at exit.
///
/// Records past their expiry are dropped whenever the number of records doubles, so memory is
/// bounded by the records still in force: one per refresh (about 100 bytes, kept for the
/// refresh tokens' lifetime), and one or two per logout or reuse. A client that refreshes in a
/// loop adds one record per refresh, so the used-token records are capped
/// ([`with_capacity`](Self::with_capacity), default one million, about 100 MB): when they are
/// all in force, a refresh fails (a 500, and the client logs in again) rather than forgetting a
/// use. Revocations are never refused. Cloning shares the records; two backends built
/// separately (two calls to a generated `new()`) each get their own store unless given the
/// same one.
#[derive(Clone)]
pub struct MemoryStore {
    inner: Arc<Mutex<Records>>,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::with_capacity(Self::DEFAULT_CAPACITY)
    }
}

#[derive(Default)]
struct Records {
    /// The most used-token records kept; see [`MemoryStore::with_capacity`].
    capacity: usize,
    used: HashMap<Box<str>, u64>,
    revoked: HashMap<Box<str>, u64>,
    /// The record count after the last sweep; the next sweep runs at twice as many.
    swept_at: usize,
}

impl Records {
    fn sweep_if_grown(&mut self, now: u64) {
        let count = self.used.len() + self.revoked.len();
        if count >= (self.swept_at * 2).max(1024) {
            self.used.retain(|_, until| *until > now);
            self.revoked.retain(|_, until| *until > now);
            self.swept_at = self.used.len() + self.revoked.len();
        }
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let records = self.records();
        f.debug_struct("MemoryStore")
            .field("used", &records.used.len())
            .field("revoked", &records.revoked.len())
            .finish()
    }
}

impl MemoryStore {
    /// The default cap on used-token records.
    pub const DEFAULT_CAPACITY: usize = 1_000_000;

    /// An empty store with the default capacity.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store that keeps at most `capacity` used-token records in force.
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Records {
                capacity,
                ..Records::default()
            })),
        }
    }

    fn records(&self) -> std::sync::MutexGuard<'_, Records> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records used or revoked and not yet forgotten (for tests and metrics).
    #[must_use]
    pub fn len(&self) -> usize {
        let records = self.records();
        records.used.len() + records.revoked.len()
    }

    /// Whether the store holds no record.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<S: Sync> TokenStore<S> for MemoryStore {
    async fn consume(&self, _state: &S, jti: &str, expires_at: u64) -> Result<bool, BoxError> {
        let now = now();
        let mut records = self.records();
        records.sweep_if_grown(now);
        // A record stays a use until it is swept, even past its expiry: the caller refuses a
        // token that expired meanwhile, so either way the token is spent once.
        if records.used.contains_key(jti) {
            return Ok(false);
        }
        if records.used.len() >= records.capacity {
            records.used.retain(|_, until| *until > now);
            if records.used.len() >= records.capacity {
                return Err(
                    "the in-memory token store is full (MemoryStore::with_capacity)".into(),
                );
            }
        }
        records.used.insert(jti.into(), expires_at);
        Ok(true)
    }

    async fn revoke(&self, _state: &S, id: &str, expires_at: u64) -> Result<(), BoxError> {
        let now = now();
        let mut records = self.records();
        records.sweep_if_grown(now);
        let until = records.revoked.entry(id.into()).or_insert(0);
        *until = (*until).max(expires_at);
        Ok(())
    }

    async fn is_revoked(&self, _state: &S, ids: &[&str]) -> Result<bool, BoxError> {
        let now = now();
        let records = self.records();
        Ok(ids
            .iter()
            .any(|id| records.revoked.get(*id).is_some_and(|until| *until > now)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: Future>(future: F) -> F::Output {
        futures_util::FutureExt::now_or_never(future).expect("the memory store never waits")
    }

    #[test]
    fn consume_is_true_once() {
        let store = MemoryStore::new();
        let far = now() + 3600;
        assert!(block_on(TokenStore::<()>::consume(&store, &(), "a", far)).unwrap());
        assert!(!block_on(TokenStore::<()>::consume(&store, &(), "a", far)).unwrap());
        assert!(block_on(TokenStore::<()>::consume(&store, &(), "b", far)).unwrap());
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn revoked_ids_are_revoked_until_their_expiry() {
        let store = MemoryStore::new();
        let now = now();
        block_on(TokenStore::<()>::revoke(&store, &(), "live", now + 60)).unwrap();
        block_on(TokenStore::<()>::revoke(&store, &(), "past", now - 1)).unwrap();
        assert!(block_on(TokenStore::<()>::is_revoked(&store, &(), &["x", "live"])).unwrap());
        assert!(!block_on(TokenStore::<()>::is_revoked(&store, &(), &["past"])).unwrap());
        assert!(!block_on(TokenStore::<()>::is_revoked(&store, &(), &[])).unwrap());
    }

    #[test]
    fn a_later_revocation_extends_an_earlier_one() {
        let store = MemoryStore::new();
        let now = now();
        block_on(TokenStore::<()>::revoke(&store, &(), "id", now + 3600)).unwrap();
        block_on(TokenStore::<()>::revoke(&store, &(), "id", now - 1)).unwrap();
        assert!(block_on(TokenStore::<()>::is_revoked(&store, &(), &["id"])).unwrap());
    }

    #[test]
    fn a_full_store_refuses_a_use_rather_than_forget_one() {
        let store = MemoryStore::with_capacity(2);
        let now = now();
        assert!(block_on(TokenStore::<()>::consume(&store, &(), "a", now + 60)).unwrap());
        assert!(block_on(TokenStore::<()>::consume(&store, &(), "b", now - 1)).unwrap());
        // "b" has expired: it makes room.
        assert!(block_on(TokenStore::<()>::consume(&store, &(), "c", now + 60)).unwrap());
        assert!(block_on(TokenStore::<()>::consume(&store, &(), "d", now + 60)).is_err());
        assert!(!block_on(TokenStore::<()>::consume(&store, &(), "a", now + 60)).unwrap());
        // Revocations are always recorded.
        block_on(TokenStore::<()>::revoke(&store, &(), "x", now + 60)).unwrap();
        assert!(block_on(TokenStore::<()>::is_revoked(&store, &(), &["x"])).unwrap());
    }

    #[test]
    fn expired_records_are_swept_as_the_store_grows() {
        let store = MemoryStore::new();
        let now = now();
        for i in 0..5000 {
            block_on(TokenStore::<()>::consume(
                &store,
                &(),
                &format!("old-{i}"),
                now - 1,
            ))
            .unwrap();
        }
        // Sweeps ran at 1024, 2048 and 4096 records: none of the expired ones survive long.
        assert!(store.len() < 1024, "{} records kept", store.len());
        for i in 0..2000 {
            block_on(TokenStore::<()>::consume(
                &store,
                &(),
                &format!("new-{i}"),
                now + 60,
            ))
            .unwrap();
        }
        assert!(store.len() >= 2000);
        assert!(!block_on(TokenStore::<()>::consume(&store, &(), "new-7", now + 60)).unwrap());
    }
}
