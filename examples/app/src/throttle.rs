//! The limit on failed logins, per submitted username (whether or not it exists, so a 429 says
//! nothing about which usernames are taken).
//!
//! [`MAX_FAILURES`] failed password grants for one username within [`WINDOW`] (counted from
//! the first of them) lock that username's password logins until the window ends: further
//! attempts get a 429 with `Retry-After` without the password being checked. A successful login
//! clears the count. Attempts still running count too, so parallel guesses cannot overshoot the
//! limit. The counts live in memory: a restart clears them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Failed logins allowed per username within [`WINDOW`].
pub const MAX_FAILURES: u32 = 5;
/// How long failures are remembered, and a locked username stays locked.
pub const WINDOW: Duration = Duration::from_mins(15);
/// The most usernames tracked at once; past it the expired entries, then the oldest, go.
const MAX_TRACKED: usize = 100_000;
/// The characters of a submitted username that key its count: longer ones (which no user has)
/// share the count of their first 64 characters, and memory stays bounded.
const KEY_CHARS: usize = 64;

/// The failed-login counts, shared by the application's handlers.
#[derive(Debug, Clone, Default)]
pub struct LoginThrottle {
    entries: Arc<Mutex<HashMap<String, Entry>>>,
}

#[derive(Debug)]
struct Entry {
    /// When the first failure of the window happened.
    since: Instant,
    failures: u32,
    in_flight: u32,
}

impl LoginThrottle {
    /// Starts a login attempt for `username`, or says how long until it may be tried again.
    pub fn begin(&self, username: &str) -> Result<Attempt, Duration> {
        let key = username
            .chars()
            .take(KEY_CHARS)
            .collect::<String>()
            .to_lowercase();
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if !entries.contains_key(&key) && entries.len() >= MAX_TRACKED {
            evict(&mut entries, now);
        }
        let entry = entries.entry(key.clone()).or_insert(Entry {
            since: now,
            failures: 0,
            in_flight: 0,
        });
        if now.duration_since(entry.since) >= WINDOW {
            entry.since = now;
            entry.failures = 0;
        }
        if entry.failures + entry.in_flight >= MAX_FAILURES {
            return Err(WINDOW.saturating_sub(now.duration_since(entry.since)));
        }
        if entry.failures == 0 && entry.in_flight == 0 {
            entry.since = now;
        }
        entry.in_flight += 1;
        Ok(Attempt {
            throttle: self.clone(),
            key,
            outcome: None,
        })
    }

    fn finish(&self, key: &str, outcome: Option<bool>) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(entry) = entries.get_mut(key) else {
            return;
        };
        entry.in_flight = entry.in_flight.saturating_sub(1);
        match outcome {
            Some(true) => entry.failures = 0,
            Some(false) => entry.failures += 1,
            None => {}
        }
        if entry.failures == 0 && entry.in_flight == 0 {
            entries.remove(key);
        }
    }
}

/// Drops the expired entries, and when none was, the oldest one.
fn evict(entries: &mut HashMap<String, Entry>, now: Instant) {
    entries.retain(|_, entry| entry.in_flight > 0 || now.duration_since(entry.since) < WINDOW);
    if entries.len() >= MAX_TRACKED {
        let oldest = entries
            .iter()
            .min_by_key(|(_, entry)| entry.since)
            .map(|(key, _)| key.clone());
        if let Some(oldest) = oldest {
            entries.remove(&oldest);
        }
    }
}

/// A login attempt in progress; say how it ended with [`Attempt::succeeded`] or
/// [`Attempt::failed`]. Dropped without either (the database failed, say), it counts as
/// neither.
#[must_use]
pub struct Attempt {
    throttle: LoginThrottle,
    key: String,
    outcome: Option<bool>,
}

impl Attempt {
    /// The credentials were right: the username's failures are forgotten.
    pub fn succeeded(mut self) {
        self.outcome = Some(true);
    }

    /// The credentials were wrong: one more failure.
    pub fn failed(mut self) {
        self.outcome = Some(false);
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        self.throttle.finish(&self.key, self.outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_locks_the_username_whatever_its_case_and_success_resets() {
        let throttle = LoginThrottle::default();
        for _ in 0..MAX_FAILURES {
            throttle.begin("Ada").unwrap().failed();
        }
        let wait = throttle.begin("ada").err().unwrap();
        assert!(wait <= WINDOW && wait > WINDOW.saturating_sub(Duration::from_mins(1)));
        // Another username is not affected.
        throttle.begin("eve").unwrap().succeeded();
        // Long usernames are keyed by their first characters.
        let long = "x".repeat(KEY_CHARS);
        for _ in 0..MAX_FAILURES {
            throttle.begin(&format!("{long}a")).unwrap().failed();
        }
        assert!(throttle.begin(&format!("{long}b")).is_err());

        let throttle = LoginThrottle::default();
        for _ in 0..MAX_FAILURES - 1 {
            throttle.begin("ada").unwrap().failed();
        }
        throttle.begin("ada").unwrap().succeeded();
        for _ in 0..MAX_FAILURES {
            throttle.begin("ada").unwrap().failed();
        }
        assert!(throttle.begin("ada").is_err());
    }

    #[test]
    fn attempts_in_flight_count_and_unfinished_ones_are_not_failures() {
        let throttle = LoginThrottle::default();
        let attempts: Vec<_> = (0..MAX_FAILURES)
            .map(|_| throttle.begin("ada").unwrap())
            .collect();
        assert!(throttle.begin("ada").is_err());
        drop(attempts);
        assert!(throttle.begin("ada").is_ok());
        assert!(throttle.entries.lock().unwrap().is_empty());
    }
}
