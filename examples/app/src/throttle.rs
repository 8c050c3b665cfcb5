//! The limit on failed logins, per submitted username (whether or not it exists, so a 429 says
//! nothing about which usernames are taken).
//!
//! [`MAX_FAILURES`] failed password grants for one username within [`WINDOW`] (counted from
//! the first of them) lock that username's password logins until the window ends: further
//! attempts get a 429 with `Retry-After` without the password being checked. A successful login
//! clears the count. Attempts still running count too, so parallel guesses cannot overshoot the
//! limit.
//!
//! The counts live in memory ([`LoginThrottle::default`]: a restart clears them), or, when
//! several instances serve the application, in Redis ([`LoginThrottle::redis`]): one hash per
//! username holding its failures and attempts in flight, changed by one Lua script per step
//! (so that instances counting at once never overshoot either), expiring when the window ends.
//! When Redis cannot be reached, password logins are refused (503) rather than let guesses go
//! uncounted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use jwt_auth::BoxError;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{FromRedisValue, RedisResult, Script, ScriptInvocation};

/// Failed logins allowed per username within [`WINDOW`].
pub const MAX_FAILURES: u32 = 5;
/// How long failures are remembered, and a locked username stays locked.
pub const WINDOW: Duration = Duration::from_mins(15);
/// The most usernames tracked at once in memory; past it the expired entries, then the
/// oldest, go. (In Redis every key expires with its window.)
const MAX_TRACKED: usize = 100_000;
/// The characters of a submitted username that key its count: longer ones (which no user has)
/// share the count of their first 64 characters, and memory stays bounded.
const KEY_CHARS: usize = 64;
/// How long a connection to Redis or a command may take.
const REDIS_TIMEOUT: Duration = Duration::from_secs(1);

/// Starts an attempt: `KEYS[1]` the username's hash, `ARGV` the limit and the window in
/// milliseconds. Returns 0 (counted in flight), or the milliseconds left of the window when the
/// failures and the attempts in flight are at the limit already. The window starts with the
/// first attempt of a username that has neither.
const BEGIN: &str = r"
local failures = tonumber(redis.call('HGET', KEYS[1], 'failures') or '0')
local in_flight = tonumber(redis.call('HGET', KEYS[1], 'in_flight') or '0')
if failures + in_flight >= tonumber(ARGV[1]) then
    return math.max(redis.call('PTTL', KEYS[1]), 1)
end
redis.call('HINCRBY', KEYS[1], 'in_flight', 1)
if failures == 0 and in_flight == 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
";

/// Ends an attempt: `KEYS[1]` the username's hash, `ARGV` the outcome (`success`, `failure` or
/// `none`) and the window in milliseconds. A hash with neither failures nor attempts in flight
/// goes; a failure that ends after its window did starts the next one.
const FINISH: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then
    if ARGV[1] == 'failure' then
        redis.call('HSET', KEYS[1], 'failures', 1, 'in_flight', 0)
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
    end
    return 0
end
local in_flight = redis.call('HINCRBY', KEYS[1], 'in_flight', -1)
if in_flight < 0 then
    redis.call('HSET', KEYS[1], 'in_flight', 0)
    in_flight = 0
end
local failures
if ARGV[1] == 'success' then
    redis.call('HSET', KEYS[1], 'failures', 0)
    failures = 0
elseif ARGV[1] == 'failure' then
    failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
else
    failures = tonumber(redis.call('HGET', KEYS[1], 'failures') or '0')
end
if failures == 0 and in_flight == 0 then
    redis.call('DEL', KEYS[1])
end
return 0
";

/// The failed-login counts, shared by the application's handlers.
#[derive(Debug, Clone, Default)]
pub struct LoginThrottle {
    counts: Counts,
}

#[derive(Clone)]
enum Counts {
    Memory(Arc<Mutex<HashMap<String, Entry>>>),
    Redis(Arc<RedisCounts>),
}

impl Default for Counts {
    fn default() -> Self {
        Self::Memory(Arc::default())
    }
}

impl std::fmt::Debug for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Memory(entries) => f
                .debug_struct("Memory")
                .field(
                    "usernames",
                    &entries.lock().unwrap_or_else(PoisonError::into_inner).len(),
                )
                .finish(),
            Self::Redis(counts) => f
                .debug_struct("Redis")
                .field("prefix", &counts.prefix)
                .finish_non_exhaustive(),
        }
    }
}

/// The counts in Redis.
struct RedisCounts {
    connection: ConnectionManager,
    /// Each username's hash is `<prefix>login:<username>`.
    prefix: String,
    begin: Script,
    finish: Script,
}

impl RedisCounts {
    /// Runs a script. A connection lost while Redis was down answers its error once more,
    /// to the first command after Redis is back, and only then reconnects: that command is
    /// tried a second time rather than refuse a login for nothing. A script that timed out is
    /// not: it may have run, and running it again would count one attempt twice.
    async fn invoke<T: FromRedisValue>(&self, invocation: &ScriptInvocation<'_>) -> RedisResult<T> {
        let mut connection = self.connection.clone();
        match invocation.invoke_async(&mut connection).await {
            Err(error)
                if !error.is_timeout()
                    && (error.is_io_error() || error.is_unrecoverable_error()) =>
            {
                invocation.invoke_async(&mut connection).await
            }
            result => result,
        }
    }
}

#[derive(Debug)]
struct Entry {
    /// When the first failure of the window happened.
    since: Instant,
    failures: u32,
    in_flight: u32,
}

/// Why a login attempt may not go on.
#[derive(Debug)]
pub enum Refused {
    /// Too many failures for the username: try again after this long.
    Locked(Duration),
    /// The counts cannot be reached (Redis is down): the attempt could not be counted.
    Unavailable(BoxError),
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy)]
enum Outcome {
    Success,
    Failure,
    /// Neither: the credentials were not checked.
    Unknown,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Unknown => "none",
        }
    }
}

/// The key of a submitted username: its first [`KEY_CHARS`] characters, lowercase.
fn key_of(username: &str) -> String {
    username
        .chars()
        .take(KEY_CHARS)
        .collect::<String>()
        .to_lowercase()
}

/// The window in milliseconds, as the scripts take it.
fn window_ms() -> u64 {
    u64::try_from(WINDOW.as_millis()).unwrap_or(u64::MAX)
}

impl LoginThrottle {
    /// The counts in Redis at `url`, under `prefix`, shared by every instance that uses the
    /// same. Connects lazily: a Redis that is down refuses logins, it does not stop the start.
    pub fn redis(url: &str, prefix: &str) -> Result<Self, BoxError> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(REDIS_TIMEOUT))
            .set_response_timeout(Some(REDIS_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(200));
        let connection = ConnectionManager::new_lazy_with_config(client, config)?;
        Ok(Self {
            counts: Counts::Redis(Arc::new(RedisCounts {
                connection,
                prefix: prefix.to_owned(),
                begin: Script::new(BEGIN),
                finish: Script::new(FINISH),
            })),
        })
    }

    /// Starts a login attempt for `username`, or says why it may not go on.
    pub async fn begin(&self, username: &str) -> Result<Attempt, Refused> {
        let key = key_of(username);
        match &self.counts {
            Counts::Memory(entries) => begin_in_memory(entries, &key)?,
            Counts::Redis(counts) => {
                let mut invocation = counts.begin.prepare_invoke();
                invocation
                    .key(format!("{}login:{key}", counts.prefix))
                    .arg(MAX_FAILURES)
                    .arg(window_ms());
                let wait: u64 = counts
                    .invoke(&invocation)
                    .await
                    .map_err(|error| Refused::Unavailable(error.into()))?;
                if wait > 0 {
                    return Err(Refused::Locked(Duration::from_millis(wait)));
                }
            }
        }
        Ok(Attempt {
            throttle: self.clone(),
            key,
            finished: false,
        })
    }

    async fn finish(&self, key: &str, outcome: Outcome) {
        match &self.counts {
            Counts::Memory(entries) => finish_in_memory(entries, key, outcome),
            Counts::Redis(counts) => {
                let mut invocation = counts.finish.prepare_invoke();
                invocation
                    .key(format!("{}login:{key}", counts.prefix))
                    .arg(outcome.as_str())
                    .arg(window_ms());
                if let Err(error) = counts.invoke::<()>(&invocation).await {
                    // The attempt stays counted in flight until its window ends.
                    eprintln!("cannot record the end of a login attempt in Redis: {error}");
                }
            }
        }
    }
}

fn begin_in_memory(entries: &Mutex<HashMap<String, Entry>>, key: &str) -> Result<(), Refused> {
    let now = Instant::now();
    let mut entries = entries.lock().unwrap_or_else(PoisonError::into_inner);
    if !entries.contains_key(key) && entries.len() >= MAX_TRACKED {
        evict(&mut entries, now);
    }
    let entry = entries.entry(key.to_owned()).or_insert(Entry {
        since: now,
        failures: 0,
        in_flight: 0,
    });
    if now.duration_since(entry.since) >= WINDOW {
        entry.since = now;
        entry.failures = 0;
    }
    if entry.failures + entry.in_flight >= MAX_FAILURES {
        return Err(Refused::Locked(
            WINDOW.saturating_sub(now.duration_since(entry.since)),
        ));
    }
    if entry.failures == 0 && entry.in_flight == 0 {
        entry.since = now;
    }
    entry.in_flight += 1;
    Ok(())
}

fn finish_in_memory(entries: &Mutex<HashMap<String, Entry>>, key: &str, outcome: Outcome) {
    let mut entries = entries.lock().unwrap_or_else(PoisonError::into_inner);
    let Some(entry) = entries.get_mut(key) else {
        return;
    };
    entry.in_flight = entry.in_flight.saturating_sub(1);
    match outcome {
        Outcome::Success => entry.failures = 0,
        Outcome::Failure => entry.failures += 1,
        Outcome::Unknown => {}
    }
    if entry.failures == 0 && entry.in_flight == 0 {
        entries.remove(key);
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
    finished: bool,
}

impl Attempt {
    /// The credentials were right: the username's failures are forgotten.
    pub async fn succeeded(mut self) {
        self.finished = true;
        self.throttle.finish(&self.key, Outcome::Success).await;
    }

    /// The credentials were wrong: one more failure.
    pub async fn failed(mut self) {
        self.finished = true;
        self.throttle.finish(&self.key, Outcome::Failure).await;
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        match &self.throttle.counts {
            Counts::Memory(entries) => finish_in_memory(entries, &self.key, Outcome::Unknown),
            Counts::Redis(_) => {
                // Redis is asked in a task of its own; outside a runtime (never in the
                // application) the attempt stays counted until its window ends.
                if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                    let (throttle, key) = (self.throttle.clone(), std::mem::take(&mut self.key));
                    runtime.spawn(async move { throttle.finish(&key, Outcome::Unknown).await });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wait of a refused attempt.
    async fn locked(throttle: &LoginThrottle, username: &str) -> Option<Duration> {
        match throttle.begin(username).await {
            Ok(_) => None,
            Err(Refused::Locked(wait)) => Some(wait),
            Err(Refused::Unavailable(error)) => panic!("{error}"),
        }
    }

    async fn fail(throttle: &LoginThrottle, username: &str) {
        throttle.begin(username).await.unwrap().failed().await;
    }

    #[tokio::test]
    async fn the_limit_locks_the_username_whatever_its_case_and_success_resets() {
        let throttle = LoginThrottle::default();
        for _ in 0..MAX_FAILURES {
            fail(&throttle, "Ada").await;
        }
        let wait = locked(&throttle, "ada").await.unwrap();
        assert!(wait <= WINDOW && wait > WINDOW.saturating_sub(Duration::from_mins(1)));
        // Another username is not affected.
        throttle.begin("eve").await.unwrap().succeeded().await;
        // Long usernames are keyed by their first characters.
        let long = "x".repeat(KEY_CHARS);
        for _ in 0..MAX_FAILURES {
            fail(&throttle, &format!("{long}a")).await;
        }
        assert!(locked(&throttle, &format!("{long}b")).await.is_some());

        let throttle = LoginThrottle::default();
        for _ in 0..MAX_FAILURES - 1 {
            fail(&throttle, "ada").await;
        }
        throttle.begin("ada").await.unwrap().succeeded().await;
        for _ in 0..MAX_FAILURES {
            fail(&throttle, "ada").await;
        }
        assert!(locked(&throttle, "ada").await.is_some());
    }

    #[tokio::test]
    async fn attempts_in_flight_count_and_unfinished_ones_are_not_failures() {
        let throttle = LoginThrottle::default();
        let mut attempts = Vec::new();
        for _ in 0..MAX_FAILURES {
            attempts.push(throttle.begin("ada").await.unwrap());
        }
        assert!(locked(&throttle, "ada").await.is_some());
        drop(attempts);
        assert!(locked(&throttle, "ada").await.is_none());
        let Counts::Memory(entries) = &throttle.counts else {
            unreachable!("the default counts are in memory")
        };
        assert!(entries.lock().unwrap().is_empty());
    }
}
