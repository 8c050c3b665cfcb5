//! Bounded caches of checked tokens, keyed by the exact token bytes.
//!
//! - **Verified tokens.** A hit skips only the signature check, the base64 and JSON decoding and
//!   the claim rules, which depend on nothing but the token's bytes and the backend's keys and
//!   rules; the revocation check and the user retrieval still run on every request. An entry
//!   is used only while `now < exp` (stricter than validation, which may add a leeway: an older
//!   token is decoded again, and refused or accepted as without the cache).
//! - **Bad signatures.** A token whose signature does not verify is remembered, so that a
//!   client repeating it costs no more than one repeating a valid token. Whether a signature
//!   verifies depends only on the bytes and the keys, never on the time; no other refusal is
//!   remembered (an expiry or `nbf` decision depends on the clock).
//!
//! Keys fetched at run time (an identity provider's, a remote JWKS) change: each entry holds
//! the backend's key epoch when it was decoded, and is not used once a key set changed (a key
//! rotated out verifies nothing more), nor past the freshness of the set that verified it
//! (then the token is checked again, and the set refreshed, as without the cache).
//!
//! Each table is split into [`SHARDS`] shards, each behind its own lock, of [`SETS`] sets of
//! [`WAYS`] slots: a token's hash (of its last bytes, keyed per process: [`TailHash`]) picks its
//! shard and set, and a hit compares the full bytes, so a colliding hash is a miss, never another
//! token's entry. A token is kept the second time it is decoded (the first time only a 32-bit
//! fingerprint of its hash is noted), so that tokens used once evict nothing. It takes a free or
//! expired slot of its set, else a random one; cycling through more tokens than fit evicts some
//! of them, not all.
//!
//! Bound, per table: at most [`CAPACITY`] entries (32,768) and [`MAX_BYTES`] (16 MiB) of token
//! bytes, whatever the number of distinct tokens seen. A verified entry also holds its decoded
//! claims, parsed from the token's own payload.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use crate::error::InvalidToken;
use crate::token::model::Token;

/// Shards per table, each behind its own lock.
const SHARDS: usize = 16;
/// Sets per shard.
const SETS: usize = 256;
/// Slots per set.
const WAYS: usize = 8;
/// The most entries a table holds.
const CAPACITY: usize = SHARDS * SETS * WAYS;
/// The most token bytes a table holds (each shard holds a sixteenth).
const MAX_BYTES: usize = 16 << 20;
const SHARD_BYTES: usize = MAX_BYTES / SHARDS;
/// How many of a token's last bytes are hashed (32 base64url characters: 192 bits of its
/// signature).
const HASHED_TAIL: usize = 32;

/// What the caches know of a token.
pub(crate) type Known<C> = Result<Arc<Token<C>>, InvalidToken>;

/// How the caches hash a token.
pub(crate) trait TokenHash {
    /// The hash of a token's bytes.
    fn hash(&self, jwt: &[u8]) -> u64;
}

/// The hash of a token's length and its last [`HASHED_TAIL`] bytes (part of the signature,
/// which differs between any two tokens the keys signed), keyed per process: four 64-bit words
/// mixed by folded 128-bit multiplications with random keys, as `foldhash` does. About 30
/// instructions where `SipHash` over the same bytes took 800. A client that sends forged
/// tokens chooses their tails, but not the keys: it cannot aim them at one set, and if it
/// could, it would only evict that set's tokens.
pub(crate) struct TailHash {
    keys: [u64; 5],
}

impl TailHash {
    fn new() -> Self {
        let random = RandomState::new();
        Self {
            keys: [0_u64, 1, 2, 3, 4].map(|i| random.hash_one(i)),
        }
    }
}

/// The folded multiplication: both halves of the 128-bit product, xored.
fn fold(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    #[allow(
        clippy::cast_possible_truncation,
        reason = "the two halves are taken apart on purpose"
    )]
    let (low, high) = (product as u64, (product >> 64) as u64);
    low ^ high
}

impl TokenHash for TailHash {
    fn hash(&self, jwt: &[u8]) -> u64 {
        let tail = &jwt[jwt.len().saturating_sub(HASHED_TAIL)..];
        let mut padded = [0_u8; HASHED_TAIL];
        padded[HASHED_TAIL - tail.len()..].copy_from_slice(tail);
        let word = |i: usize| {
            let mut bytes = [0_u8; 8];
            bytes.copy_from_slice(&padded[8 * i..8 * (i + 1)]);
            u64::from_le_bytes(bytes)
        };
        let k = &self.keys;
        let low = fold(word(0) ^ k[0], word(1) ^ k[1]);
        let high = fold(word(2) ^ k[2], word(3) ^ k[3]);
        fold(low ^ jwt.len() as u64, high ^ k[4])
    }
}

/// Verified tokens, and tokens with a bad signature, by their exact bytes.
pub(crate) struct TokenCache<C, H = TailHash> {
    verified: Table<Arc<Token<C>>>,
    forged: Table<()>,
    hasher: H,
}

impl<C> TokenCache<C> {
    /// Empty tables of at most [`CAPACITY`] tokens and [`MAX_BYTES`] bytes each.
    pub(crate) fn new() -> Self {
        Self::with_hasher(TailHash::new())
    }
}

impl<C, H: TokenHash> TokenCache<C, H> {
    fn with_hasher(hasher: H) -> Self {
        Self {
            verified: Table::new(),
            forged: Table::new(),
            hasher,
        }
    }

    /// The hash of `jwt` that [`get`](Self::get) and [`remember`](Self::remember) take (see
    /// [`TailHash`]). Tokens that share their length and tail share a set, nothing more: a hit
    /// compares the full bytes.
    pub(crate) fn hash(&self, jwt: &[u8]) -> u64 {
        self.hasher.hash(jwt)
    }

    /// What is known of exactly `jwt` at `now` under the key epoch `epoch`: verified (and not
    /// expired), or a bad signature.
    pub(crate) fn get(&self, hash: u64, jwt: &[u8], now: u64, epoch: u64) -> Option<Known<C>> {
        // Both tables' lines are read before either lock is taken, so that a new token waits
        // for the two at once, and takes no lock.
        let verified = self.verified.probe(hash);
        let forged = self.forged.probe(hash);
        if let Some(lines) = verified
            && let Some(token) = self.verified.get(lines, hash, jwt, now, epoch)
        {
            return Some(Ok(token));
        }
        self.forged
            .get(forged?, hash, jwt, now, epoch)
            .map(|()| Err(InvalidToken::Signature))
    }

    /// Remembers how `jwt` was decoded at `now` under the key epoch `epoch`, for use until
    /// `until` at most (the freshness of a fetched key set; `u64::MAX` for the backend's own
    /// keys): a valid token until its `exp`, a bad signature for good; any other refusal is
    /// not remembered.
    pub(crate) fn remember(
        &self,
        hash: u64,
        jwt: &[u8],
        known: &Known<C>,
        now: u64,
        (epoch, until): (u64, u64),
    ) {
        match known {
            Ok(token) => {
                let until = token.exp.min(until);
                self.verified
                    .insert(hash, jwt, Arc::clone(token), (epoch, until), now);
            }
            Err(InvalidToken::Signature) => {
                self.forged.insert(hash, jwt, (), (epoch, until), now);
            }
            Err(_) => {}
        }
    }
}

/// One table: [`SHARDS`] shards of [`SETS`] sets of [`WAYS`] slots.
struct Table<V> {
    shards: Box<[Mutex<Shard<V>>]>,
    /// Per shard, allocated at its first note: a line per set with the tags of its slots and
    /// the notes of tokens decoded once (see [`SetLine`]). Outside the locks, so that a first
    /// sighting (every request of a client that never repeats a token) takes no lock.
    lines: Box<[OnceLock<Box<[SetLine]>>]>,
}

/// A set's tags and notes, one cache line: a new token's lookup reads it, and its note, just
/// after the decoding, finds it still in the cache (they had a line each, and the note's was
/// a second miss per new token).
///
/// - `tags[way]`: the fingerprint ([`tag_of`]) of the token in that slot, 0 for an empty slot,
///   written only under the shard's lock. A lookup reads this line, not every entry of the
///   set, and compares full bytes only where the fingerprint matches; a token whose
///   fingerprint is in neither table's line takes no lock.
/// - `notes[way]`: the fingerprint of a token decoded once, 0 for none; a token is kept the
///   second time it is decoded. Two threads noting the same set at once may lose a note,
///   which only delays keeping a token until its next decoding. Notes are written without a
///   lock to the line that lookups of other threads read: a cost shared by the 4,096 sets.
#[derive(Default)]
#[repr(C, align(64))]
struct SetLine {
    tags: [AtomicU32; WAYS],
    notes: [AtomicU32; WAYS],
}

/// The shard of a hash: its low bits.
fn shard_of(hash: u64) -> usize {
    #[allow(
        clippy::cast_possible_truncation,
        reason = "only the low bits are used"
    )]
    let index = hash as usize % SHARDS;
    index
}

/// The set of a hash within its shard: its high bits.
fn set_of(hash: u64) -> usize {
    #[allow(clippy::cast_possible_truncation, reason = "reduced modulo SETS first")]
    let set = ((hash >> 32) % SETS as u64) as usize;
    set
}

/// A hash's fingerprint in its set, never 0: the 52 bits that pick neither the shard (bits 0-3)
/// nor the set (bits 32-39), folded to 32. Two tokens of a set share one with a chance of
/// about 2^-32 per pair; a shared tag costs a byte comparison (a hit is still exact bytes), a
/// shared note keeps a token at its first decoding.
fn tag_of(hash: u64) -> u32 {
    #[allow(
        clippy::cast_possible_truncation,
        reason = "a fingerprint: bits 4-31, and bits 40-63 folded onto them"
    )]
    let tag = ((hash as u32) & !0xF) ^ ((hash >> 40) as u32);
    tag.max(1)
}

struct Shard<V> {
    /// `SETS * WAYS` slots, allocated on the first insertion; their tags are in the table's
    /// lines.
    slots: Vec<Option<Entry<V>>>,
    /// The token bytes held.
    bytes: usize,
    /// A xorshift state, to pick a slot to evict.
    random: u64,
}

/// The tag of a slot, by its index in the shard.
fn tag_at(lines: &[SetLine], index: usize) -> &AtomicU32 {
    &lines[index / WAYS].tags[index % WAYS]
}

struct Entry<V> {
    jwt: Box<[u8]>,
    /// Used while `now < until`.
    until: u64,
    /// The key epoch it was decoded in; used in that epoch only.
    epoch: u64,
    value: V,
}

impl<V: Clone> Table<V> {
    fn new() -> Self {
        Self {
            shards: (0..SHARDS)
                .map(|i| {
                    Mutex::new(Shard {
                        slots: Vec::new(),
                        bytes: 0,
                        random: 0x9E37_79B9_7F4A_7C15 ^ i as u64,
                    })
                })
                .collect(),
            lines: (0..SHARDS).map(|_| OnceLock::new()).collect(),
        }
    }

    fn shard(&self, hash: u64) -> MutexGuard<'_, Shard<V>> {
        self.shards[shard_of(hash)]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The lines of the shard of `hash`, once it noted a token (before that it holds none).
    fn lines(&self, hash: u64) -> Option<&[SetLine]> {
        self.lines[shard_of(hash)].get().map(|lines| &**lines)
    }

    /// The lines of `hash`'s shard if a slot of its set has its fingerprint, read without the
    /// shard's lock: a token of that fingerprint may be held ([`get`](Self::get) decides under
    /// the lock). `None`: the token is not held, or was kept by another thread a moment ago (a
    /// miss then only means a decoding).
    fn probe(&self, hash: u64) -> Option<&[SetLine]> {
        let tag = tag_of(hash);
        let lines = self.lines(hash)?;
        lines[set_of(hash)]
            .tags
            .iter()
            .any(|slot| slot.load(Ordering::Relaxed) == tag)
            .then_some(lines)
    }

    /// The lines of the shard of `hash` if its fingerprint was noted before (the note is then
    /// dropped); if not, notes it in a free way of its set, else in a random one (not one fixed
    /// per fingerprint, which two tokens could share and take from each other forever).
    fn seen_before(&self, hash: u64) -> Option<&[SetLine]> {
        let lines = self.lines[shard_of(hash)]
            .get_or_init(|| (0..SETS).map(|_| SetLine::default()).collect());
        let notes = &lines[set_of(hash)].notes;
        let tag = tag_of(hash);
        if let Some(note) = notes
            .iter()
            .find(|note| note.load(Ordering::Relaxed) == tag)
        {
            note.store(0, Ordering::Relaxed);
            return Some(lines);
        }
        let way = notes
            .iter()
            .position(|note| note.load(Ordering::Relaxed) == 0)
            .unwrap_or_else(|| thread_random() % WAYS);
        notes[way].store(tag, Ordering::Relaxed);
        None
    }

    /// The value of exactly `jwt` at `now` in `epoch`, given its shard's lines from
    /// [`probe`](Self::probe).
    fn get(&self, lines: &[SetLine], hash: u64, jwt: &[u8], now: u64, epoch: u64) -> Option<V> {
        let mut shard = self.shard(hash);
        let index = shard.find(lines, hash, jwt)?;
        let entry = shard.slots[index].as_ref()?;
        if now < entry.until && entry.epoch == epoch {
            return Some(entry.value.clone());
        }
        shard.remove(lines, index);
        None
    }

    fn insert(&self, hash: u64, jwt: &[u8], value: V, (epoch, until): (u64, u64), now: u64) {
        if now >= until || jwt.len() > SHARD_BYTES {
            return;
        }
        // Admission: a token decoded for the first time is only noted. One that a client never
        // repeats then costs no lock, copy, allocation or eviction (which touches memory
        // written long ago); one that is repeated is kept at its second decoding.
        let Some(lines) = self.seen_before(hash) else {
            return;
        };
        let mut shard = self.shard(hash);
        if shard.slots.is_empty() {
            shard.slots.resize_with(CAPACITY / SHARDS, || None);
        }
        let index = shard.slot_for(lines, hash, jwt, now);
        shard.remove(lines, index);
        shard.bytes += jwt.len();
        tag_at(lines, index).store(tag_of(hash), Ordering::Relaxed);
        shard.slots[index] = Some(Entry {
            jwt: jwt.into(),
            until,
            epoch,
            value,
        });
        while shard.bytes > SHARD_BYTES {
            shard.evict_other_than(lines, index);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| {
                let shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
                shard.slots.iter().filter(|slot| slot.is_some()).count()
            })
            .sum()
    }

    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| shard.lock().unwrap_or_else(PoisonError::into_inner).bytes)
            .sum()
    }
}

impl<V> Shard<V> {
    /// The slots of the set of `hash`.
    fn set(&self, hash: u64) -> std::ops::Range<usize> {
        let set = set_of(hash);
        if self.slots.is_empty() {
            return 0..0;
        }
        set * WAYS..(set + 1) * WAYS
    }

    /// The slot holding exactly `jwt`. The tags are read under the shard's lock, which orders
    /// them with the slots they describe.
    fn find(&self, lines: &[SetLine], hash: u64, jwt: &[u8]) -> Option<usize> {
        let tag = tag_of(hash);
        self.set(hash).find(|&index| {
            tag_at(lines, index).load(Ordering::Relaxed) == tag
                && self.slots[index]
                    .as_ref()
                    .is_some_and(|entry| *entry.jwt == *jwt)
        })
    }

    /// Where to put `jwt`: its own slot, else a free one, else an expired one, else a random
    /// one of its set.
    fn slot_for(&mut self, lines: &[SetLine], hash: u64, jwt: &[u8], now: u64) -> usize {
        let set = self.set(hash);
        if let Some(index) = self.find(lines, hash, jwt) {
            return index;
        }
        if let Some(index) = set
            .clone()
            .find(|&index| tag_at(lines, index).load(Ordering::Relaxed) == 0)
        {
            return index;
        }
        if let Some(index) = set.clone().find(|&index| {
            self.slots[index]
                .as_ref()
                .is_some_and(|entry| now >= entry.until)
        }) {
            return index;
        }
        set.start + self.next_random() % WAYS
    }

    /// Empties a random occupied slot other than `keep` (the shard holds more than it may).
    fn evict_other_than(&mut self, lines: &[SetLine], keep: usize) {
        let start = self.next_random() % self.slots.len();
        let victim = (0..self.slots.len())
            .map(|offset| (start + offset) % self.slots.len())
            .find(|&index| index != keep && tag_at(lines, index).load(Ordering::Relaxed) != 0);
        match victim {
            Some(index) => self.remove(lines, index),
            // Only `keep` is left, and it fits by the check in `insert`.
            None => self.bytes = self.slots[keep].as_ref().map_or(0, |entry| entry.jwt.len()),
        }
    }

    fn remove(&mut self, lines: &[SetLine], index: usize) {
        tag_at(lines, index).store(0, Ordering::Relaxed);
        if let Some(entry) = self.slots[index].take() {
            self.bytes -= entry.jwt.len();
        }
    }

    fn next_random(&mut self) -> usize {
        let (next, random) = xorshift(self.random);
        self.random = next;
        random
    }
}

/// xorshift64: the next state, and its low bits. Cheap, and good enough to spread evictions
/// and notes over the ways.
fn xorshift(mut x: u64) -> (u64, usize) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    #[allow(
        clippy::cast_possible_truncation,
        reason = "only the low bits are used"
    )]
    let random = x as usize;
    (x, random)
}

/// A random number from a state of the calling thread's (the notes have no lock to keep one
/// in), seeded per thread from the process's random keys.
fn thread_random() -> usize {
    thread_local! {
        static STATE: std::cell::Cell<u64> =
            std::cell::Cell::new(RandomState::new().hash_one(0_u8) | 1);
    }
    STATE.with(|state| {
        let (next, random) = xorshift(state.get());
        state.set(next);
        random
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::model::Extras;

    fn token(exp: u64) -> Arc<Token<Extras>> {
        Arc::new(Token {
            sub: "u".into(),
            exp,
            iat: None,
            nbf: None,
            iss: None,
            aud: None,
            jti: None,
            scope: crate::token::scope::Scopes::new(),
            extras: Extras::new(),
        })
    }

    fn get<H: TokenHash>(
        cache: &TokenCache<Extras, H>,
        jwt: &str,
        now: u64,
    ) -> Option<Known<Extras>> {
        cache.get(cache.hash(jwt.as_bytes()), jwt.as_bytes(), now, 0)
    }

    /// Decodes `jwt` once.
    fn decoded<H: TokenHash>(
        cache: &TokenCache<Extras, H>,
        jwt: &str,
        known: &Known<Extras>,
        now: u64,
    ) {
        cache.remember(
            cache.hash(jwt.as_bytes()),
            jwt.as_bytes(),
            known,
            now,
            (0, u64::MAX),
        );
    }

    /// Decodes `jwt` twice, as a client repeating it would: the second time it is kept.
    fn remember<H: TokenHash>(
        cache: &TokenCache<Extras, H>,
        jwt: &str,
        known: &Known<Extras>,
        now: u64,
    ) {
        decoded(cache, jwt, known, now);
        decoded(cache, jwt, known, now);
    }

    #[test]
    fn a_token_is_kept_at_its_second_decoding() {
        let cache = TokenCache::new();
        let forged = Err(InvalidToken::Signature);
        decoded(&cache, "once", &Ok(token(100)), 10);
        decoded(&cache, "forged", &forged, 10);
        assert!(get(&cache, "once", 10).is_none());
        assert!(get(&cache, "forged", 10).is_none());
        assert_eq!(cache.verified.len() + cache.forged.len(), 0);
        decoded(&cache, "once", &Ok(token(100)), 10);
        decoded(&cache, "forged", &forged, 10);
        assert!(matches!(get(&cache, "once", 10), Some(Ok(_))));
        assert!(matches!(get(&cache, "forged", 10), Some(Err(_))));
    }

    #[test]
    fn a_hit_never_outlives_exp() {
        let cache = TokenCache::new();
        remember(&cache, "a", &Ok(token(100)), 10);
        assert!(matches!(get(&cache, "a", 99), Some(Ok(_))));
        assert!(get(&cache, "a", 100).is_none());
        assert!(get(&cache, "b", 10).is_none());
        // An expired token is not stored.
        remember(&cache, "c", &Ok(token(100)), 100);
        assert!(get(&cache, "c", 50).is_none());
    }

    /// What a fetched key set verified is used in its key epoch only, and until the end of the
    /// set's freshness at most.
    #[test]
    fn entries_hold_to_their_key_epoch_and_bound() {
        let cache = TokenCache::new();
        let at = |jwt: &str, now, epoch| {
            cache.get(cache.hash(jwt.as_bytes()), jwt.as_bytes(), now, epoch)
        };
        for _ in 0..2 {
            cache.remember(cache.hash(b"a"), b"a", &Ok(token(100)), 10, (3, 50));
            cache.remember(
                cache.hash(b"f"),
                b"f",
                &Err(InvalidToken::Signature),
                10,
                (3, 50),
            );
        }
        assert!(matches!(at("a", 49, 3), Some(Ok(_))));
        assert!(matches!(at("f", 49, 3), Some(Err(_))));
        assert!(at("a", 50, 3).is_none(), "past the key set's freshness");
        for _ in 0..2 {
            cache.remember(cache.hash(b"a"), b"a", &Ok(token(100)), 10, (3, 50));
            cache.remember(
                cache.hash(b"f"),
                b"f",
                &Err(InvalidToken::Signature),
                10,
                (3, 50),
            );
        }
        assert!(at("a", 20, 4).is_none(), "another key epoch");
        assert!(at("f", 20, 4).is_none(), "another key epoch");
        assert!(at("a", 20, 3).is_none(), "dropped when found stale");
    }

    #[test]
    fn only_bad_signatures_are_remembered_as_refusals() {
        let cache = TokenCache::new();
        remember(&cache, "forged", &Err(InvalidToken::Signature), 10);
        assert_eq!(
            get(&cache, "forged", u64::MAX - 1).map(Result::err),
            Some(Some(InvalidToken::Signature))
        );
        assert!(get(&cache, "forged!", 10).is_none());
        for (jwt, reason) in [
            ("expired", InvalidToken::Expired),
            ("early", InvalidToken::NotYetValid),
            ("future", InvalidToken::IssuedInFuture),
            ("malformed", InvalidToken::Malformed),
        ] {
            remember(&cache, jwt, &Err(reason), 10);
            assert!(get(&cache, jwt, 10).is_none(), "{reason:?}");
        }
    }

    /// Every token hashes to 0: the same shard and set.
    struct Colliding;

    impl TokenHash for Colliding {
        fn hash(&self, _: &[u8]) -> u64 {
            0
        }
    }

    #[test]
    fn a_colliding_hash_never_gives_another_tokens_entry() {
        let cache = TokenCache::with_hasher(Colliding);
        remember(&cache, "a", &Ok(token(100)), 10);
        remember(&cache, "b", &Ok(token(200)), 10);
        remember(&cache, "f", &Err(InvalidToken::Signature), 10);
        let exp = |jwt| match get(&cache, jwt, 10) {
            Some(Ok(token)) => Some(token.exp),
            _ => None,
        };
        assert_eq!(exp("a"), Some(100));
        assert_eq!(exp("b"), Some(200));
        assert!(get(&cache, "c", 10).is_none());
        assert!(matches!(get(&cache, "f", 10), Some(Err(_))));
        assert!(matches!(get(&cache, "a", 10), Some(Ok(_))));
        // A full set evicts one of its tokens for a new one; a hit is still only exact bytes.
        for i in 0..(2 * WAYS) {
            remember(&cache, &format!("t{i}"), &Ok(token(1000 + i as u64)), 10);
        }
        assert_eq!(cache.verified.len(), WAYS);
        for i in 0..(2 * WAYS) {
            if let Some(Ok(token)) = get(&cache, &format!("t{i}"), 10) {
                assert_eq!(token.exp, 1000 + i as u64);
            }
        }
    }

    #[test]
    fn the_tables_stay_bounded() {
        let cache = TokenCache::new();
        for i in 0..(3 * CAPACITY) {
            let jwt = format!("t{i}");
            remember(&cache, &jwt, &Ok(token(1000)), 10);
            remember(&cache, &jwt, &Err(InvalidToken::Signature), 10);
        }
        assert!(cache.verified.len() <= CAPACITY);
        assert!(cache.forged.len() <= CAPACITY);
        // Large tokens: bounded by bytes.
        let large = "x".repeat(8192);
        for i in 0..(3 * MAX_BYTES / large.len()) {
            let jwt = format!("{large}{i}");
            remember(&cache, &jwt, &Ok(token(1000)), 10);
            remember(&cache, &jwt, &Err(InvalidToken::Signature), 10);
            assert!(cache.verified.bytes() <= MAX_BYTES);
            assert!(cache.forged.bytes() <= MAX_BYTES);
        }
        assert!(cache.verified.bytes() > MAX_BYTES / 2);
    }

    #[test]
    fn a_fingerprint_is_never_zero_and_ignores_the_shard_and_set_bits() {
        // 0 marks an empty slot or no note: a hash whose fold is 0 still gets a fingerprint.
        for hash in [1, (1 << 4) | (1 << 40), 1 << 36, u64::MAX] {
            assert_ne!(tag_of(hash), 0, "{hash:#x}");
        }
        // The shard's and the set's bits do not count; the others do.
        assert_eq!(tag_of(0x1234_5678_9abc_def0), tag_of(0x1234_5678_9abc_def7));
        assert_eq!(tag_of(0x1234_5678_9abc_def0), tag_of(0x1234_5687_9abc_def0));
        assert_ne!(tag_of(0x1234_5678_9abc_def0), tag_of(0x1234_5678_9abc_dee0));
        assert_ne!(tag_of(0x1234_5678_9abc_def0), tag_of(0x1334_5678_9abc_def0));
    }

    #[test]
    fn the_tail_hash_spreads_tokens_and_is_keyed() {
        let hash = TailHash::new();
        // Tokens that differ in one character of the tail, or only in length, hash apart.
        let base =
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
        let mut seen = std::collections::HashSet::new();
        for i in 0..base.len() {
            let mut changed = base.as_bytes().to_vec();
            changed[i] ^= 1;
            seen.insert(hash.hash(&changed));
        }
        // Only the last HASHED_TAIL bytes count: a change before them hashes as the base.
        assert_eq!(seen.len(), HASHED_TAIL + 1);
        assert!(seen.contains(&hash.hash(base.as_bytes())));
        assert_ne!(hash.hash(base.as_bytes()), hash.hash(&base.as_bytes()[1..]));
        assert_ne!(hash.hash(b"ab"), hash.hash(b"\0ab"));
        // Tokens differing in their last characters fill the shards and sets evenly.
        let mut per_set = std::collections::HashMap::<(u64, u64), usize>::new();
        for i in 0..(SHARDS * SETS * 4) {
            let h = hash.hash(format!("{base}{i}").as_bytes());
            *per_set
                .entry((h % SHARDS as u64, (h >> 32) % SETS as u64))
                .or_default() += 1;
        }
        assert!(
            per_set.len() > SHARDS * SETS * 9 / 10,
            "{} sets",
            per_set.len()
        );
        assert!(per_set.values().all(|&n| n <= 4 * WAYS), "{per_set:?}");
        // Another process (another instance) has other keys.
        assert_ne!(
            TailHash::new().hash(base.as_bytes()),
            hash.hash(base.as_bytes())
        );
    }

    /// Threads noting and keeping tokens at once (the notes take no lock): nothing is lost but
    /// a note two threads wrote at the same moment, which a third decoding makes up for.
    #[test]
    fn threads_note_and_keep_tokens_at_once() {
        let cache = TokenCache::new();
        let threads: Vec<Vec<String>> = (0..4)
            .map(|t| {
                (0..2_000)
                    .map(|i| format!("thread-{t}-token-{i}"))
                    .collect()
            })
            .collect();
        let decode_all = |passes: usize| {
            std::thread::scope(|scope| {
                for tokens in &threads {
                    let cache = &cache;
                    scope.spawn(move || {
                        for _ in 0..passes {
                            for jwt in tokens {
                                if get(cache, jwt, 10).is_none() {
                                    decoded(cache, jwt, &Ok(token(1000)), 10);
                                }
                            }
                        }
                    });
                }
            });
        };
        let hits = || {
            threads
                .iter()
                .flatten()
                .filter(|jwt| get(&cache, jwt, 10).is_some())
                .count()
        };
        // Decoded once, nothing is kept; twice, nearly everything.
        decode_all(1);
        assert_eq!(hits(), 0);
        decode_all(1);
        assert!(hits() >= 7_600, "{} hits of 8,000 after two passes", hits());
        decode_all(1);
        assert!(
            hits() >= 7_990,
            "{} hits of 8,000 after three passes",
            hits()
        );
        assert!(cache.verified.len() <= CAPACITY);
    }

    #[test]
    fn cycling_ten_thousand_tokens_mostly_hits() {
        let cache = TokenCache::new();
        let tokens: Vec<String> = (0..10_000).map(|i| format!("token-{i}")).collect();
        // Two cycles, as a client going through its tokens: each is kept at its second use.
        for _ in 0..2 {
            for jwt in &tokens {
                decoded(&cache, jwt, &Ok(token(1000)), 10);
            }
        }
        let hits = tokens
            .iter()
            .filter(|jwt| get(&cache, jwt, 10).is_some())
            .count();
        assert!(hits >= 9_500, "{hits} hits of 10,000");
    }
}
