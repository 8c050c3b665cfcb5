//! Each instance's local view of what is revoked, kept current through Redis pub/sub, and how
//! fresh it is.
//!
//! Why pub/sub: the scripts publish each revocation in the same atomic step that records it,
//! and the message carries the revocation itself, so applying it needs no read; it works on any
//! Redis (or Valkey) without the server configuration keyspace notifications need, and unlike
//! client-side caching it gives every instance the whole set of revocations, so a request for a
//! subject never seen still needs no round trip. What pub/sub loses (anything published while
//! the link is down) is covered by a resynchronisation on every (re)subscription: subscribe
//! first, then load a snapshot (the sorted set of subjects with a revocation, `ZSCAN`ned, each
//! one's hash read), so nothing falls between the two. Revocations only add up (a family is
//! revoked, a cutoff rises, records expire), so applying the snapshot and the messages in any
//! order gives the same view.
//!
//! How fresh: every quarter of the bound, the instance publishes a heartbeat on a channel of its
//! own, carrying the time it was sent. Redis runs commands one at a time and delivers one
//! connection's messages in order, so once the heartbeat sent at `T` comes back, every
//! revocation recorded before `T` has been applied: the view is fresh as of `T`. A request
//! checked at `now` with `now - T` above the bound is refused (503) rather than answered from
//! a view that may miss a revocation. The link is rebuilt when it fails or when no heartbeat
//! has come back for three bounds.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use redis::aio::ConnectionManager;

use crate::session::ledger::Ledger;
use crate::session::redis::script::{Keys, Message};
use crate::session::store::TokenRef;
use crate::token::clock::now;

/// Subjects read per `ZSCAN` step and per pipeline of `HGETALL`s while loading a snapshot.
const SNAPSHOT_BATCH: usize = 500;

/// The first wait before reconnecting, doubled up to [`RECONNECT_MAX`].
const RECONNECT_MIN: Duration = Duration::from_millis(50);
const RECONNECT_MAX: Duration = Duration::from_millis(500);

/// One instance's view, shared by the store and its synchronising task.
#[derive(Debug)]
pub(crate) struct Local {
    view: RwLock<Ledger>,
    /// The origin of [`fresh`](Self::fresh).
    epoch: Instant,
    /// Nanoseconds after `epoch` at which the last heartbeat that came back was sent; 0 before
    /// the first.
    fresh: AtomicU64,
    /// Why the last link failed (a refused certificate, say), for an error that says more
    /// than "no link".
    last_failure: Mutex<Option<String>>,
}

impl Local {
    pub(crate) fn new(max_families: usize) -> Self {
        Self {
            view: RwLock::new(Ledger::new(max_families)),
            epoch: Instant::now(),
            fresh: AtomicU64::new(0),
            last_failure: Mutex::new(None),
        }
    }

    /// Why the last link to Redis failed, if one did.
    pub(crate) fn last_failure(&self) -> Option<String> {
        self.last_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn failed(&self, why: String) {
        *self
            .last_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(why);
    }

    fn read(&self) -> RwLockReadGuard<'_, Ledger> {
        self.view.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Ledger> {
        self.view.write().unwrap_or_else(PoisonError::into_inner)
    }

    fn since_epoch(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// How old the view may be: `None` before the first synchronisation.
    pub(crate) fn staleness(&self) -> Option<Duration> {
        match self.fresh.load(Ordering::Acquire) {
            0 => None,
            fresh => Some(Duration::from_nanos(
                self.since_epoch().saturating_sub(fresh),
            )),
        }
    }

    /// Whether the view says `token` is revoked.
    pub(crate) fn is_revoked(&self, token: &TokenRef<'_>) -> bool {
        self.read().is_revoked(token, now())
    }

    /// Applies a revocation published (or returned by a script of this instance).
    pub(crate) fn apply(&self, message: &Message) {
        self.write().revoke(&message.revocation());
    }

    /// The records of the view (for tests and metrics).
    pub(crate) fn records(&self) -> usize {
        self.read().records()
    }

    fn mark_fresh(&self, sent: u64) {
        self.fresh.fetch_max(sent, Ordering::AcqRel);
    }
}

/// What the synchronising task needs.
pub(crate) struct Feed {
    pub local: std::sync::Arc<Local>,
    pub client: redis::Client,
    pub connection: ConnectionManager,
    pub keys: Keys,
    /// This instance's heartbeat channel.
    pub heartbeat: String,
    pub bound: Duration,
    /// How long one connection, snapshot or heartbeat may take.
    pub timeout: Duration,
}

/// Keeps the view current for as long as the store lives (the store aborts it when dropped).
pub(crate) async fn run(feed: Feed) {
    let mut wait = RECONNECT_MIN;
    // Whether the view is known not to be synchronised (logged once per outage).
    let mut down = true;
    loop {
        let started = Instant::now();
        let error = link(&feed, &mut down).await;
        if started.elapsed() > feed.bound {
            wait = RECONNECT_MIN;
        }
        if down {
            tracing::debug!(error = %error, "jwt-auth: no link to Redis yet");
        } else {
            down = true;
            tracing::warn!(
                error = %error,
                "jwt-auth: the link to Redis is down; protected routes answer 503 once the \
                 revocation view is older than {:?}, until it is back",
                feed.bound
            );
        }
        feed.local.failed(error);
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(RECONNECT_MAX);
    }
}

/// One link: subscribe, load the snapshot, then apply messages and send heartbeats until
/// something fails. Returns why it ended.
async fn link(feed: &Feed, down: &mut bool) -> String {
    let mut pubsub = match tokio::time::timeout(feed.timeout, feed.client.get_async_pubsub()).await
    {
        Ok(Ok(pubsub)) => pubsub,
        Ok(Err(error)) => return error.to_string(),
        Err(_) => return "no connection in time".to_owned(),
    };
    let subscribed = tokio::time::timeout(feed.timeout, async {
        pubsub.subscribe(&feed.keys.channel).await?;
        pubsub.subscribe(&feed.heartbeat).await
    })
    .await;
    match subscribed {
        Ok(Ok(())) => {}
        Ok(Err(error)) => return error.to_string(),
        Err(_) => return "no subscription in time".to_owned(),
    }
    let mut messages = pubsub.into_on_message();
    // Subscribed: whatever is revoked from now on comes as a message; what was before is in
    // the snapshot. The messages that arrive meanwhile wait in the stream.
    let mut connection = feed.connection.clone();
    match tokio::time::timeout(feed.timeout * 4, load(feed, &mut connection)).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => return error.to_string(),
        Err(_) => return "no snapshot in time".to_owned(),
    }
    let mut ticks = tokio::time::interval(feed.bound / 4);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    loop {
        tokio::select! {
            message = messages.next() => {
                let Some(message) = message else {
                    return "the subscription closed".to_owned();
                };
                if message.get_channel_name() == feed.heartbeat {
                    if let Ok(sent) = message.get_payload::<u64>() {
                        feed.local.mark_fresh(sent);
                        last_heard = Instant::now();
                        if *down {
                            *down = false;
                            tracing::info!("jwt-auth: the revocation view is in sync with Redis");
                        }
                    }
                } else if let Some(revocation) = Message::parse(message.get_payload_bytes()) {
                    feed.local.apply(&revocation);
                } else {
                    tracing::warn!("jwt-auth: an unreadable message on the revocation channel");
                }
            }
            _ = ticks.tick() => {
                if last_heard.elapsed() > feed.bound * 3 {
                    return "no heartbeat came back".to_owned();
                }
                let sent = feed.local.since_epoch().max(1);
                let mut publish = redis::cmd("PUBLISH");
                publish.arg(&feed.heartbeat).arg(sent);
                let published = publish.query_async::<i64>(&mut connection);
                match tokio::time::timeout(feed.timeout, published).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(error)) => return error.to_string(),
                    Err(_) => return "a heartbeat was not sent in time".to_owned(),
                }
            }
        }
    }
}

/// Loads every subject's revocations into the view.
async fn load(feed: &Feed, connection: &mut ConnectionManager) -> redis::RedisResult<()> {
    let now = now();
    let mut cursor = "0".to_owned();
    loop {
        let (next, page): (String, Vec<String>) = redis::cmd("ZSCAN")
            .arg(&feed.keys.revoked)
            .arg(&cursor)
            .arg("COUNT")
            .arg(SNAPSHOT_BATCH)
            .query_async(connection)
            .await?;
        // Member, score, member, score...: the subjects whose last revocation is in force.
        let subjects: Vec<&str> = page
            .chunks_exact(2)
            .filter(|pair| pair[1].parse::<u64>().ok().is_none_or(|until| until > now))
            .map(|pair| pair[0].as_str())
            .collect();
        if !subjects.is_empty() {
            let mut pipe = redis::pipe();
            for subject in &subjects {
                pipe.cmd("HGETALL").arg(feed.keys.subject(subject));
            }
            let hashes: Vec<Vec<(String, String)>> = pipe.query_async(connection).await?;
            let mut view = feed.local.write();
            for (subject, fields) in subjects.iter().zip(&hashes) {
                for message in Message::from_fields(subject, fields) {
                    view.revoke(&message.revocation());
                }
            }
        }
        if next == "0" {
            return Ok(());
        }
        cursor = next;
    }
}
