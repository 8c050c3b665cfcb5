//! The Redis token store against a real `redis-server` (started by each test on a free port):
//! two backends, each with its own `RedisStore`, play two instances of one application.

#![cfg(feature = "redis")]

mod common;
#[path = "common/redis_server.rs"]
mod redis_server;

use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use common::{SECRET, User, get_bearer, get_plain, get_with, known_user, now, read, send};
use jwt_auth::{Flow, JwtAuth, RedisStore, RefreshError, TlsRoots};
use redis_server::RedisServer;
use serde_json::Value;

/// The staleness bound of the stores under test (the default).
const BOUND: Duration = RedisStore::DEFAULT_STALENESS_BOUND;

/// One instance: a backend, its store, and its routes (`/public` excluded).
struct Instance {
    auth: JwtAuth<User>,
    store: RedisStore,
    app: Router,
}

async fn instance(redis: &RedisServer, prefix: &str) -> Instance {
    let store = RedisStore::builder(redis.url())
        .prefix(prefix)
        .connect()
        .await
        .expect("the store syncs with Redis");
    instance_on(store)
}

/// An instance with its token state in `store`.
fn instance_on(store: RedisStore) -> Instance {
    let auth = JwtAuth::<User>::builder()
        .secret(SECRET)
        .flow(Flow::OAuth2Password)
        .token_url("/login")
        .expiration(Duration::from_mins(15))
        .refresh_tokens(Duration::from_hours(24))
        .token_store(store.clone())
        .exclude(["^/public$"])
        .websocket_query("access_token")
        .retrieve_user_sync(|token, _state: &()| known_user(&token.sub))
        .build()
        .expect("a valid configuration");
    let routes = Router::new()
        .route("/protected", get(common::whoami))
        .route("/public", get(|| async { "public" }));
    let app = auth.install(routes, ());
    Instance { auth, store, app }
}

/// Two instances of one application on one Redis.
async fn pair(redis: &RedisServer) -> (Instance, Instance) {
    (instance(redis, "app:").await, instance(redis, "app:").await)
}

/// The access and refresh tokens of a login or refresh response.
async fn tokens(response: impl IntoResponse) -> (String, String) {
    let body: Value = read(response.into_response()).await.json();
    let field = |name: &str| body[name].as_str().expect(name).to_owned();
    (field("access_token"), field("refresh_token"))
}

async fn status(instance: &Instance, jwt: &str) -> StatusCode {
    send(&instance.app, get_bearer("/protected", jwt))
        .await
        .status
}

/// How long until `instance` answers `expected` for `jwt`, polled every millisecond up to
/// three bounds.
async fn time_until(instance: &Instance, jwt: &str, expected: StatusCode) -> Duration {
    let start = Instant::now();
    while status(instance, jwt).await != expected {
        assert!(
            start.elapsed() < BOUND * 3,
            "still not {expected} after {:?}",
            start.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    start.elapsed()
}

/// The keys under `prefix`, with `SCAN`.
async fn keys(redis: &RedisServer, prefix: &str) -> Vec<String> {
    let client = redis::Client::open(redis.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let mut found = Vec::new();
    let mut cursor = "0".to_owned();
    loop {
        let (next, page): (String, Vec<String>) = redis::cmd("SCAN")
            .arg(&cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .query_async(&mut connection)
            .await
            .unwrap();
        found.extend(page);
        if next == "0" {
            found.sort();
            return found;
        }
        cursor = next;
    }
}

async fn redis_query<T: redis::FromRedisValue>(redis: &RedisServer, command: &redis::Cmd) -> T {
    let client = redis::Client::open(redis.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    command.query_async(&mut connection).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_on_one_instance_is_refused_on_the_other_within_the_bound() {
    let redis = RedisServer::start();
    let (a, b) = pair(&redis).await;
    let mut delays = Vec::new();
    for _ in 0..20 {
        let (access, _) = tokens(a.auth.login("alice")).await;
        assert_eq!(status(&b, &access).await, StatusCode::OK);
        let token = a.auth.decode(&access).unwrap();
        assert!(a.auth.revoke(&token, &()).await.unwrap());
        let start = Instant::now();
        assert_eq!(
            status(&a, &access).await,
            StatusCode::UNAUTHORIZED,
            "at once where it was revoked"
        );
        time_until(&b, &access, StatusCode::UNAUTHORIZED).await;
        delays.push(start.elapsed());
    }
    delays.sort();
    println!(
        "revocation seen by the other instance after: median {:?}, max {:?} (bound {BOUND:?})",
        delays[delays.len() / 2],
        delays[delays.len() - 1]
    );
    assert!(delays[delays.len() - 1] < BOUND, "{delays:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_token_spent_on_one_instance_is_a_reuse_on_the_other() {
    let redis = RedisServer::start();
    let (a, b) = pair(&redis).await;
    let (access, refresh) = tokens(a.auth.login("alice")).await;
    let (rotated_access, rotated) = tokens(a.auth.refresh(&refresh, &()).await.unwrap()).await;
    assert_eq!(
        b.auth.refresh(&refresh, &()).await.unwrap_err(),
        RefreshError::Reused
    );
    // The whole family is revoked, here at once and there within the bound.
    for jwt in [&access, &rotated_access] {
        assert_eq!(status(&b, jwt).await, StatusCode::UNAUTHORIZED);
        assert!(time_until(&a, jwt, StatusCode::UNAUTHORIZED).await < BOUND);
    }
    assert_eq!(
        a.auth.refresh(&rotated, &()).await.unwrap_err(),
        RefreshError::Revoked
    );
    // Another login rotates from one instance to the other.
    let (_, first) = tokens(b.auth.login("alice")).await;
    let (_, second) = tokens(a.auth.refresh(&first, &()).await.unwrap()).await;
    let (access, _) = tokens(b.auth.refresh(&second, &()).await.unwrap()).await;
    assert_eq!(status(&a, &access).await, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_parallel_refreshes_over_two_instances_give_one_success() {
    let redis = RedisServer::start();
    let (a, b) = pair(&redis).await;
    let (_, refresh) = tokens(a.auth.login("bob")).await;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(200));
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let auth = if i % 2 == 0 { &a.auth } else { &b.auth }.clone();
            let (refresh, barrier) = (refresh.clone(), std::sync::Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                auth.refresh(&refresh, &()).await.map(|_| ())
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    assert_eq!(outcomes.iter().filter(|outcome| outcome.is_ok()).count(), 1);
    assert!(
        outcomes
            .iter()
            .filter_map(|outcome| outcome.as_ref().err())
            .all(|error| matches!(error, RefreshError::Reused | RefreshError::Revoked)),
        "{outcomes:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_out_everywhere_on_one_instance_refuses_every_token_of_the_user_on_the_other() {
    let redis = RedisServer::start();
    let (a, b) = pair(&redis).await;
    let (phone, phone_refresh) = tokens(a.auth.login("alice")).await;
    let (_, first_refresh) = tokens(b.auth.login("alice")).await;
    let (laptop, laptop_refresh) = tokens(b.auth.refresh(&first_refresh, &()).await.unwrap()).await;
    let (bob, bob_refresh) = tokens(a.auth.login("bob")).await;
    for jwt in [&phone, &laptop, &bob] {
        assert_eq!(status(&b, jwt).await, StatusCode::OK);
    }

    a.auth.revoke_subject("alice", &()).await.unwrap();
    let start = Instant::now();
    for jwt in [&phone, &laptop] {
        time_until(&b, jwt, StatusCode::UNAUTHORIZED).await;
        assert_eq!(status(&a, jwt).await, StatusCode::UNAUTHORIZED);
    }
    let seen = start.elapsed();
    println!("log out everywhere seen by the other instance after {seen:?}");
    assert!(seen < BOUND);
    for refresh in [&phone_refresh, &laptop_refresh] {
        assert_eq!(
            b.auth.refresh(refresh, &()).await.unwrap_err(),
            RefreshError::Revoked
        );
    }
    // Bob is untouched; Alice logs in again once the second of the logout is over.
    assert_eq!(status(&b, &bob).await, StatusCode::OK);
    assert!(b.auth.refresh(&bob_refresh, &()).await.is_ok());
    let logged_out_at = now();
    while now() <= logged_out_at {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (again, _) = tokens(a.auth.login("alice")).await;
    assert_eq!(status(&b, &again).await, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_fails_protected_routes_closed_within_the_bound_and_redis_back_heals() {
    let mut redis = RedisServer::start();
    let (a, b) = pair(&redis).await;
    let (access, refresh) = tokens(a.auth.login("alice")).await;
    assert_eq!(status(&b, &access).await, StatusCode::OK);

    redis.stop();
    let start = Instant::now();
    let down = time_until(&b, &access, StatusCode::SERVICE_UNAVAILABLE).await;
    println!("Redis stopped: 503 after {down:?} (bound {BOUND:?})");
    // The view was fresh within a heartbeat period when Redis went; the poll adds a little.
    assert!(down <= BOUND + Duration::from_millis(50), "{down:?}");
    let reply = send(&b.app, get_bearer("/protected", &access)).await;
    assert_eq!(reply.json()["detail"], "Service Unavailable");
    assert_eq!(
        reply.header("www-authenticate"),
        None,
        "not the token's fault"
    );
    for instance in [&a, &b] {
        let public = send(&instance.app, get_plain("/public")).await;
        assert_eq!(public.status, StatusCode::OK);
        assert_eq!(public.text(), "public");
    }
    let error = a.auth.refresh(&refresh, &()).await.unwrap_err();
    assert_eq!(error, RefreshError::Unavailable);
    assert_eq!(
        error.into_response().status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert!(start.elapsed() < BOUND * 3);

    // Back on the same port, with its data: both instances resync by themselves.
    redis.restart();
    let restarted = Instant::now();
    for instance in [&a, &b] {
        time_until(instance, &access, StatusCode::OK).await;
    }
    println!(
        "Redis restarted: both instances answer again after {:?}",
        restarted.elapsed()
    );
    // The refresh token was not spent while Redis was down.
    let (rotated, _) = tokens(b.auth.refresh(&refresh, &()).await.unwrap()).await;
    assert_eq!(status(&a, &rotated).await, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_made_while_an_instance_was_cut_off_is_loaded_when_it_resyncs() {
    let redis = RedisServer::start();
    let a = instance(&redis, "app:").await;
    let (access, _) = tokens(a.auth.login("alice")).await;
    a.auth
        .revoke(&a.auth.decode(&access).unwrap(), &())
        .await
        .unwrap();
    // An instance started after the revocation learns it from the snapshot.
    let b = instance(&redis, "app:").await;
    assert_eq!(status(&b, &access).await, StatusCode::UNAUTHORIZED);
    assert_eq!(b.store.local_records(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_account_refreshing_ten_thousand_times_keeps_its_keys_bounded() {
    let redis = RedisServer::start();
    let (a, b) = pair(&redis).await;
    let (_, mut refresh) = tokens(a.auth.login("alice")).await;
    for i in 0..10_000 {
        let instance = if i % 2 == 0 { &a } else { &b };
        refresh = tokens(instance.auth.refresh(&refresh, &()).await.unwrap())
            .await
            .1;
    }
    assert_eq!(keys(&redis, "app:").await, ["app:s:alice"]);
    let fields: usize = redis_query(&redis, redis::cmd("HLEN").arg("app:s:alice")).await;
    assert_eq!(fields, 1, "one record for the family");

    // A hundred logins refreshed, then logged out: still bounded per subject. Past 32
    // records in one second, the cutoff that evicts the oldest covers that whole second, so
    // a refresh may find itself logged out: never a 500.
    let mut evicted = 0;
    for _ in 0..100 {
        let (_, refresh) = tokens(b.auth.login("alice")).await;
        match a.auth.refresh(&refresh, &()).await {
            Ok(login) => {
                let access = tokens(login).await.0;
                let token = a.auth.decode(&access).unwrap();
                a.auth.revoke(&token, &()).await.unwrap();
            }
            Err(RefreshError::Revoked) => evicted += 1,
            Err(other) => panic!("{other:?}"),
        }
    }
    println!("{evicted} of 100 refreshes came after an eviction in the same second");
    let fields: usize = redis_query(&redis, redis::cmd("HLEN").arg("app:s:alice")).await;
    println!("after 10,000 refreshes and 100 logins and logouts: {fields} fields");
    assert!(
        fields <= jwt_auth::session::DEFAULT_MAX_FAMILIES + 1,
        "{fields}"
    );
    assert_eq!(keys(&redis, "app:").await, ["app:revoked", "app:s:alice"]);
    for store in [&a.store, &b.store] {
        assert!(store.local_records() <= jwt_auth::session::DEFAULT_MAX_FAMILIES + 1);
    }
    // Every key expires with the tokens it concerns (the refresh lifetime, 24 hours).
    for key in ["app:revoked", "app:s:alice"] {
        let ttl: i64 = redis_query(&redis, redis::cmd("TTL").arg(key)).await;
        assert!((86_000..=86_400).contains(&ttl), "{key}: {ttl}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applications_with_their_own_prefix_share_one_redis() {
    let redis = RedisServer::start();
    let one = instance(&redis, "one:").await;
    let two = instance(&redis, "two:").await;
    let (access, _) = tokens(one.auth.login("alice")).await;
    one.auth
        .revoke(&one.auth.decode(&access).unwrap(), &())
        .await
        .unwrap();
    // The same secret, the same token: only the application that revoked it refuses it.
    assert_eq!(status(&one, &access).await, StatusCode::UNAUTHORIZED);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(status(&two, &access).await, StatusCode::OK);
    assert!(keys(&redis, "two:").await.is_empty());
    assert_eq!(two.store.local_records(), 0);
}

/// A WebSocket handshake on `/protected` with `ticket` in its query.
async fn handshake(instance: &Instance, ticket: &str) -> StatusCode {
    let path = format!("/protected?access_token={ticket}");
    let upgrade = [
        ("connection", "upgrade"),
        ("upgrade", "websocket"),
        ("sec-websocket-version", "13"),
        ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ];
    send(&instance.app, get_with(&path, &upgrade)).await.status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_ticket_opens_one_handshake_whatever_the_instance() {
    let redis = RedisServer::start();
    let (a, b) = pair(&redis).await;
    let (access, _) = tokens(a.auth.login("alice")).await;
    let token = a.auth.decode(&access).unwrap();
    let ticket = a.auth.websocket_ticket(&token).unwrap();
    // Minted on A, spent on B: A, which never saw it, refuses it, as B does again.
    assert_eq!(handshake(&b, &ticket).await, StatusCode::OK);
    assert_eq!(handshake(&a, &ticket).await, StatusCode::UNAUTHORIZED);
    assert_eq!(handshake(&b, &ticket).await, StatusCode::UNAUTHORIZED);
    // Spent in Redis until the ticket expires (30 s by default), then gone by itself.
    let spent = keys(&redis, "app:ticket:").await;
    assert_eq!(spent.len(), 1, "{spent:?}");
    let ttl: i64 = redis_query(&redis, redis::cmd("TTL").arg(&spent[0])).await;
    assert!((1..=30).contains(&ttl), "{ttl}");
    // Another ticket is its own, and one a logout revoked stays refused.
    let second = a.auth.websocket_ticket(&token).unwrap();
    assert!(a.auth.revoke(&token, &()).await.unwrap());
    time_until(&b, &access, StatusCode::UNAUTHORIZED).await;
    assert_eq!(handshake(&b, &second).await, StatusCode::UNAUTHORIZED);
    let third_login = tokens(a.auth.login("alice")).await.0;
    let third = a
        .auth
        .websocket_ticket(&a.auth.decode(&third_login).unwrap())
        .unwrap();
    assert_eq!(handshake(&a, &third).await, StatusCode::OK);
}

/// A store of the TLS server, trusting its authority and showing its client certificate.
fn tls_store(redis: &RedisServer) -> jwt_auth::RedisStoreBuilder {
    let tls = redis.tls.as_ref().expect("a TLS server");
    RedisStore::builder(redis.url())
        .tls_roots(TlsRoots::pem(tls.root.as_bytes()))
        .tls_client_certificate(tls.client_certificate.as_bytes(), tls.client_key.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rediss_with_a_private_authority_and_a_client_certificate_carries_scripts_and_the_feed() {
    let redis = RedisServer::start_tls();
    assert!(redis.url().starts_with("rediss://"));
    let a = instance_on(tls_store(&redis).connect().await.expect("A syncs over TLS"));
    let b = instance_on(tls_store(&redis).connect().await.expect("B syncs over TLS"));
    // A rotation (a script) on A, the reuse on B.
    let (access, refresh) = tokens(a.auth.login("alice")).await;
    let (rotated, _) = tokens(a.auth.refresh(&refresh, &()).await.unwrap()).await;
    assert_eq!(status(&b, &rotated).await, StatusCode::OK);
    assert_eq!(
        b.auth.refresh(&refresh, &()).await.unwrap_err(),
        RefreshError::Reused
    );
    // The family revoked on B reaches A through the pub/sub feed, over TLS too.
    for jwt in [&access, &rotated] {
        let seen = time_until(&a, jwt, StatusCode::UNAUTHORIZED).await;
        assert!(seen < BOUND, "{seen:?}");
    }
    assert!(
        a.store
            .staleness()
            .is_some_and(|staleness| staleness <= BOUND)
    );
}

/// How long a refused connection is tried.
const REFUSAL_TIMEOUT: Duration = Duration::from_millis(100);

/// Why `builder`'s store cannot connect.
async fn refusal(builder: jwt_auth::RedisStoreBuilder) -> String {
    builder
        .timeout(REFUSAL_TIMEOUT)
        .connect()
        .await
        .expect_err("the connection is refused")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rediss_refuses_a_server_outside_the_roots_and_a_client_without_its_certificate() {
    let redis = RedisServer::start_tls();
    let tls = redis.tls.as_ref().expect("a TLS server");
    // Another authority's roots: the server's certificate is not trusted, and the error says
    // why rather than only that there is no link.
    let other = RedisServer::start_tls();
    let other_root = &other.tls.as_ref().expect("a TLS server").root;
    let distrusted = refusal(
        RedisStore::builder(redis.url())
            .tls_roots(TlsRoots::pem(other_root.as_bytes()))
            .tls_client_certificate(tls.client_certificate.as_bytes(), tls.client_key.as_bytes()),
    )
    .await;
    assert!(
        distrusted.contains("invalid peer certificate"),
        "{distrusted}"
    );
    // The right roots, no client certificate: the server hangs up.
    let anonymous =
        refusal(RedisStore::builder(redis.url()).tls_roots(TlsRoots::pem(tls.root.as_bytes())))
            .await;
    assert!(anonymous.contains("CertificateRequired"), "{anonymous}");
    // And with both, it connects: the refusals above were the certificates'.
    tls_store(&redis)
        .timeout(REFUSAL_TIMEOUT)
        .connect()
        .await
        .unwrap();
}

#[tokio::test]
async fn tls_settings_that_cannot_apply_are_refused_when_the_store_is_built() {
    let plain = RedisStore::builder("redis://127.0.0.1:1/")
        .tls_roots(TlsRoots::pem("-----BEGIN CERTIFICATE-----"))
        .build()
        .unwrap_err();
    assert!(
        plain.to_string().contains("`rediss://` URL only"),
        "{plain}"
    );
    let empty = RedisStore::builder("rediss://127.0.0.1:1/")
        .tls_roots(TlsRoots::pem("not a certificate"))
        .build()
        .unwrap_err();
    assert!(
        empty
            .to_string()
            .contains("no `-----BEGIN CERTIFICATE-----`"),
        "{empty}"
    );
    let missing = RedisStore::builder("rediss://127.0.0.1:1/")
        .tls_roots(TlsRoots::env("JWT_AUTH_TEST_NO_SUCH_VARIABLE"))
        .build()
        .unwrap_err();
    assert!(missing.to_string().contains("is not set"), "{missing}");
    let key = RedisStore::builder("rediss://127.0.0.1:1/")
        .tls_client_certificate("not a certificate", "not a key")
        .build()
        .unwrap_err();
    assert!(key.to_string().contains("private key"), "{key}");
    // The builder's Debug shows no key.
    let shown = format!(
        "{:?}",
        RedisStore::builder("rediss://127.0.0.1:1/").tls_client_certificate("cert", "SECRET-KEY")
    );
    assert!(!shown.contains("SECRET-KEY"), "{shown}");
}
