//! The records of a token store, per subject, bounded, with their expiries in order: what
//! [`MemoryStore`](crate::MemoryStore) keeps, and what `RedisStore` keeps locally of what is
//! revoked. The rules are those of [`TokenStore`](crate::TokenStore); the Redis store's script
//! and the example application's SQL follow them too.
//!
//! Nothing here scans every record: a subject's records (at most `max_families` and a cutoff)
//! are looked at when the subject is, and whole subjects expire in the order of an ordered set,
//! a few per write.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use crate::session::store::{Revocation, Rotated, Rotation, Target, TokenRef};

/// How many expired subjects one write forgets at most. A write adds at most one subject, so
/// expired ones go faster than new ones come, and no write does more than this much of it.
const SWEEP_BUDGET: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Family,
    Token,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// A family's highest generation spent.
    Spent(u64),
    Revoked,
}

#[derive(Debug)]
struct Entry {
    kind: Kind,
    id: Box<str>,
    state: State,
    /// Every token the record concerns was issued at or before this time.
    at: u64,
    until: u64,
}

#[derive(Debug, Clone, Copy)]
struct Cutoff {
    at: u64,
    until: u64,
}

#[derive(Debug, Default)]
struct Subject {
    cutoff: Option<Cutoff>,
    entries: Vec<Entry>,
    /// When the last of the records expires: the key of the subject in [`Ledger::expiry`].
    until: u64,
}

impl Subject {
    fn cut(&self, issued_at: Option<u64>, now: u64) -> bool {
        self.cutoff.is_some_and(|cutoff| {
            cutoff.until > now && issued_at.is_none_or(|iat| iat <= cutoff.at)
        })
    }

    fn refuses(&self, token: &TokenRef<'_>, now: u64) -> bool {
        self.cut(token.issued_at, now)
            || self.entries.iter().any(|entry| {
                entry.state == State::Revoked
                    && entry.until > now
                    && match entry.kind {
                        Kind::Family => token.family == Some(&*entry.id),
                        Kind::Token => token.jti == Some(&*entry.id),
                    }
            })
    }

    fn find(&mut self, kind: Kind, id: &str) -> Option<&mut Entry> {
        self.entries
            .iter_mut()
            .find(|entry| entry.kind == kind && *entry.id == *id)
    }

    fn forget_expired(&mut self, now: u64) {
        self.entries.retain(|entry| entry.until > now);
        if self.cutoff.is_some_and(|cutoff| cutoff.until <= now) {
            self.cutoff = None;
        }
    }

    /// Refuses every token issued at or before `at`, until `until`; the records that covers go.
    fn raise_cutoff(&mut self, at: u64, until: u64) {
        let cutoff = self.cutoff.get_or_insert(Cutoff { at, until });
        cutoff.at = cutoff.at.max(at);
        cutoff.until = cutoff.until.max(until);
        let at = cutoff.at;
        self.entries.retain(|entry| entry.at > at);
    }

    /// Keeps at most `max` records: the least recently active go, under a cutoff that keeps
    /// their tokens refused.
    fn enforce_cap(&mut self, max: usize) {
        while self.entries.len() > max {
            let Some(oldest) = self.entries.iter().map(|entry| entry.at).min() else {
                return;
            };
            let until = self
                .entries
                .iter()
                .filter(|entry| entry.at <= oldest)
                .map(|entry| entry.until)
                .max()
                .unwrap_or(0);
            self.raise_cutoff(oldest, until);
        }
    }

    /// Records `state` for `id`, or raises the existing record to it.
    fn record(&mut self, kind: Kind, id: &str, state: State, at: u64, until: u64, max: usize) {
        if let Some(entry) = self.find(kind, id) {
            entry.state = state;
            entry.at = entry.at.max(at);
            entry.until = entry.until.max(until);
            return;
        }
        self.entries.push(Entry {
            kind,
            id: id.into(),
            state,
            at,
            until,
        });
        self.enforce_cap(max);
    }

    fn last_expiry(&self) -> u64 {
        let entries = self.entries.iter().map(|entry| entry.until).max();
        let cutoff = self.cutoff.map(|cutoff| cutoff.until);
        entries.max(cutoff).unwrap_or(0)
    }

    fn records(&self) -> usize {
        self.entries.len() + usize::from(self.cutoff.is_some())
    }
}

/// Every subject's records, and their expiries in order.
#[derive(Debug)]
pub(crate) struct Ledger {
    max_families: usize,
    subjects: HashMap<Arc<str>, Subject>,
    /// `(until, subject)` of every subject: the next to expire first.
    expiry: BTreeSet<(u64, Arc<str>)>,
}

impl Ledger {
    /// An empty ledger keeping at most `max_families` family and `jti` records per subject
    /// (at least one).
    pub(crate) fn new(max_families: usize) -> Self {
        Self {
            max_families: max_families.max(1),
            subjects: HashMap::new(),
            expiry: BTreeSet::new(),
        }
    }

    /// The records kept: families, `jti`s and cutoffs (for tests and metrics).
    pub(crate) fn records(&self) -> usize {
        self.subjects.values().map(Subject::records).sum()
    }

    /// The subjects with a record.
    pub(crate) fn subjects(&self) -> usize {
        self.subjects.len()
    }

    /// Whether `token` is revoked at `now`; see [`TokenStore::is_revoked`](crate::TokenStore).
    pub(crate) fn is_revoked(&self, token: &TokenRef<'_>, now: u64) -> bool {
        self.subjects
            .get(token.subject)
            .is_some_and(|subject| subject.refuses(token, now))
    }

    /// See [`TokenStore::rotate`](crate::TokenStore::rotate).
    pub(crate) fn rotate(&mut self, rotation: &Rotation<'_>) -> Rotated {
        let max = self.max_families;
        self.update(rotation.subject, rotation.at, |subject| {
            if subject.cut(rotation.issued_at, rotation.at) {
                return Rotated::Revoked;
            }
            let (at, until) = (rotation.at, rotation.expires_at);
            let Some(entry) = subject.find(Kind::Family, rotation.family) else {
                let spent = State::Spent(rotation.generation);
                subject.record(Kind::Family, rotation.family, spent, at, until, max);
                return Rotated::First;
            };
            let outcome = match entry.state {
                State::Revoked => return Rotated::Revoked,
                State::Spent(spent) if rotation.generation <= spent => {
                    entry.state = State::Revoked;
                    Rotated::Reused
                }
                State::Spent(_) => {
                    entry.state = State::Spent(rotation.generation);
                    Rotated::First
                }
            };
            entry.at = entry.at.max(at);
            entry.until = entry.until.max(until);
            outcome
        })
    }

    /// See [`TokenStore::revoke`](crate::TokenStore::revoke).
    pub(crate) fn revoke(&mut self, revocation: &Revocation<'_>) {
        let max = self.max_families;
        let (at, until) = (revocation.at, revocation.expires_at);
        self.update(revocation.subject, at, |subject| {
            let (kind, id) = match revocation.target {
                Target::Subject => return subject.raise_cutoff(at, until),
                Target::Family(family) => (Kind::Family, family),
                Target::Token(jti) => (Kind::Token, jti),
            };
            // Under the cutoff already: nothing to add.
            if subject.cutoff.is_some_and(|cutoff| at <= cutoff.at) {
                return;
            }
            subject.record(kind, id, State::Revoked, at, until, max);
        });
    }

    /// Changes the records of `name`, first forgetting what expired by `now` there and, a few
    /// subjects at a time, elsewhere; keeps the expiry order.
    fn update<R>(&mut self, name: &str, now: u64, change: impl FnOnce(&mut Subject) -> R) -> R {
        self.sweep(now);
        let key = self
            .subjects
            .get_key_value(name)
            .map_or_else(|| Arc::from(name), |(key, _)| Arc::clone(key));
        let subject = self.subjects.entry(Arc::clone(&key)).or_default();
        let before = subject.until;
        subject.forget_expired(now);
        let outcome = change(subject);
        let until = subject.last_expiry();
        subject.until = until;
        let empty = subject.records() == 0;
        self.expiry.remove(&(before, Arc::clone(&key)));
        if empty {
            self.subjects.remove(&key);
        } else {
            self.expiry.insert((until, key));
        }
        outcome
    }

    /// Forgets up to [`SWEEP_BUDGET`] subjects whose records have all expired by `now`.
    fn sweep(&mut self, now: u64) {
        for _ in 0..SWEEP_BUDGET {
            match self.expiry.first() {
                Some((until, _)) if *until <= now => {}
                _ => return,
            }
            if let Some((_, key)) = self.expiry.pop_first() {
                self.subjects.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: &str = "AAAAAAAAAAAAAAAAAAAAAA";
    const G: &str = "BBBBBBBBBBBBBBBBBBBBBB";

    fn rotation(family: &str, generation: u64, at: u64) -> Rotation<'_> {
        Rotation {
            subject: "ada",
            family,
            generation,
            issued_at: Some(at.saturating_sub(1)),
            at,
            expires_at: at + 100,
        }
    }

    fn token(family: &str, iat: u64) -> TokenRef<'_> {
        TokenRef {
            subject: "ada",
            jti: None,
            family: Some(family),
            issued_at: Some(iat),
        }
    }

    #[test]
    fn a_family_holds_one_record_whatever_the_number_of_refreshes() {
        let mut ledger = Ledger::new(4);
        for generation in 0..10_000 {
            assert_eq!(
                ledger.rotate(&rotation(F, generation, 1000)),
                Rotated::First
            );
        }
        assert_eq!(ledger.records(), 1);
        assert_eq!(ledger.rotate(&rotation(F, 9_998, 1000)), Rotated::Reused);
        assert!(ledger.is_revoked(&token(F, 1000), 1000));
        assert_eq!(ledger.rotate(&rotation(F, 10_000, 1000)), Rotated::Revoked);
        assert!(!ledger.is_revoked(&token(G, 1000), 1000));
    }

    #[test]
    fn the_least_recently_active_family_goes_under_a_cutoff() {
        let mut ledger = Ledger::new(2);
        ledger.rotate(&rotation(F, 0, 10));
        ledger.rotate(&rotation(G, 0, 20));
        ledger.rotate(&rotation("CCCCCCCCCCCCCCCCCCCCCC", 0, 30));
        assert_eq!(ledger.records(), 3, "two families and a cutoff");
        assert!(ledger.is_revoked(&token(F, 10), 30), "the oldest is out");
        assert!(!ledger.is_revoked(&token(G, 20), 30));
        // Its refresh token was issued at its last refresh, under the cutoff.
        let stale = Rotation {
            issued_at: Some(10),
            ..rotation(F, 1, 31)
        };
        assert_eq!(ledger.rotate(&stale), Rotated::Revoked);
        // A refreshed pair of the second family is issued after the cutoff.
        assert_eq!(ledger.rotate(&rotation(G, 1, 40)), Rotated::First);
    }

    #[test]
    fn a_cutoff_refuses_what_was_issued_before_and_tokens_without_iat() {
        let mut ledger = Ledger::new(4);
        ledger.rotate(&rotation(F, 0, 10));
        ledger.revoke(&Revocation::new("ada", Target::Subject, 50, 500));
        assert_eq!(ledger.records(), 1, "the cutoff covers the family");
        assert!(ledger.is_revoked(&token(G, 50), 60));
        assert!(!ledger.is_revoked(&token(G, 51), 60));
        let no_iat = TokenRef::new("ada", None, None);
        assert!(ledger.is_revoked(&no_iat, 60));
        assert!(!ledger.is_revoked(&TokenRef::new("bob", None, None), 60));
        // Past its expiry, the cutoff is forgotten.
        assert!(!ledger.is_revoked(&no_iat, 500));
    }

    #[test]
    fn revoked_tokens_and_families_expire_and_subjects_are_swept_in_order() {
        let mut ledger = Ledger::new(4);
        for i in 0..100 {
            let subject = format!("user-{i}");
            ledger.revoke(&Revocation::new(&subject, Target::Token("t"), 1, 10 + i));
        }
        assert_eq!(ledger.subjects(), 100);
        let jti = TokenRef::new("user-99", Some("t"), Some(1));
        assert!(ledger.is_revoked(&jti, 108));
        assert!(!ledger.is_revoked(&jti, 109));
        // Each write forgets a few expired subjects.
        for i in 0..10 {
            ledger.revoke(&Revocation::new("other", Target::Token("x"), 200 + i, 300));
        }
        assert_eq!(ledger.subjects(), 1);
        assert_eq!(ledger.expiry.len(), 1);
    }

    #[test]
    fn a_revocation_under_the_cutoff_adds_nothing() {
        let mut ledger = Ledger::new(4);
        ledger.revoke(&Revocation::new("ada", Target::Subject, 50, 500));
        ledger.revoke(&Revocation::new("ada", Target::Family(F), 40, 500));
        assert_eq!(ledger.records(), 1);
        ledger.revoke(&Revocation::new("ada", Target::Family(F), 60, 500));
        assert_eq!(ledger.records(), 2);
        assert!(ledger.is_revoked(&token(F, 60), 70));
    }
}
