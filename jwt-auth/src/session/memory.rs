//! [`MemoryStore`]: the token store in the process's memory.

use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::error::BoxError;
use crate::session::ledger::Ledger;
use crate::session::store::{
    DEFAULT_MAX_FAMILIES, Revocation, Rotated, Rotation, TokenRef, TokenStore,
};
use crate::token::clock::now;

/// A [`TokenStore`] in the process's memory: right for one process, forgotten at exit.
///
/// Memory is bounded per subject: one record per refreshed login family (whatever the number
/// of refreshes), at most [`with_max_families`](Self::with_max_families) of them
/// ([`DEFAULT_MAX_FAMILIES`] by default; more log the least recently active session out), and
/// one cutoff. Records expire with the tokens they concern, whole subjects a few at a time in
/// the order of their expiry, never by a scan of everything. Authenticated requests read it
/// under a shared lock ([`check_locally`](TokenStore::check_locally): no future, no wait on a
/// writer for longer than one record's change). Cloning shares the records; two backends built
/// separately (two calls to a generated `new()`) each get their own store unless given the same
/// one.
#[derive(Clone)]
pub struct MemoryStore {
    inner: Arc<RwLock<Ledger>>,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::with_max_families(DEFAULT_MAX_FAMILIES)
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ledger = self.read();
        f.debug_struct("MemoryStore")
            .field("subjects", &ledger.subjects())
            .field("records", &ledger.records())
            .finish()
    }
}

impl MemoryStore {
    /// An empty store that keeps at most [`DEFAULT_MAX_FAMILIES`] sessions per subject.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store that keeps at most `max` family and `jti` records per subject (at least
    /// one): a login family refreshed beyond that logs the least recently active one out.
    #[must_use]
    pub fn with_max_families(max: usize) -> Self {
        Self {
            inner: Arc::new(RwLock::new(Ledger::new(max))),
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, Ledger> {
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Ledger> {
        self.inner.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The records kept: refreshed families, revoked families and `jti`s, cutoffs (for tests
    /// and metrics).
    #[must_use]
    pub fn len(&self) -> usize {
        self.read().records()
    }

    /// Whether the store holds no record.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<S: Sync> TokenStore<S> for MemoryStore {
    async fn rotate(&self, _state: &S, rotation: &Rotation<'_>) -> Result<Rotated, BoxError> {
        Ok(self.write().rotate(rotation))
    }

    async fn revoke(&self, _state: &S, revocation: &Revocation<'_>) -> Result<(), BoxError> {
        self.write().revoke(revocation);
        Ok(())
    }

    async fn is_revoked(&self, _state: &S, token: &TokenRef<'_>) -> Result<bool, BoxError> {
        Ok(self.read().is_revoked(token, now()))
    }

    fn check_locally(&self, token: &TokenRef<'_>) -> Option<Result<bool, BoxError>> {
        Some(Ok(self.read().is_revoked(token, now())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::store::Target;

    fn block_on<F: Future>(future: F) -> F::Output {
        futures_util::FutureExt::now_or_never(future).expect("the memory store never waits")
    }

    #[test]
    fn one_account_refreshing_ten_thousand_times_keeps_one_record() {
        let store = MemoryStore::new();
        let now = now();
        for generation in 0..10_000 {
            let rotation = Rotation {
                subject: "ada",
                family: "AAAAAAAAAAAAAAAAAAAAAA",
                generation,
                issued_at: Some(now),
                at: now,
                expires_at: now + 60,
            };
            let rotated = block_on(TokenStore::<()>::rotate(&store, &(), &rotation)).unwrap();
            assert_eq!(rotated, Rotated::First);
        }
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn the_local_check_answers_what_is_revoked_asks() {
        let store = MemoryStore::new();
        let now = now();
        let revocation = Revocation::new("ada", Target::Token("t"), now, now + 60);
        block_on(TokenStore::<()>::revoke(&store, &(), &revocation)).unwrap();
        for (jti, revoked) in [("t", true), ("u", false)] {
            let token = TokenRef::new("ada", Some(jti), Some(now));
            let checked = TokenStore::<()>::check_locally(&store, &token);
            assert_eq!(checked.map(Result::unwrap), Some(revoked));
            let asked = block_on(TokenStore::<()>::is_revoked(&store, &(), &token));
            assert_eq!(asked.unwrap(), revoked);
        }
    }
}
