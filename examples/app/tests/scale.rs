//! Several instances of the application over real sockets: two `app` processes on free ports
//! sharing one PostgreSQL and (with `REDIS_URL`) one Redis, both started by each test
//! (`initdb`/`pg_ctl` and `redis-server`, installed where missing). What one instance does, the
//! other sees: logouts within the Redis store's staleness bound, spent refresh tokens, log out
//! everywhere, users; Redis lost and back; the records one account leaves in PostgreSQL.
//!
//! The tests take turns (see [`TURN`]) so that the figures they print and the bounds they
//! assert are not those of a machine running the others at once.

#[path = "../../../tests/support/mod.rs"]
mod support;

#[path = "scale/postgres.rs"]
mod postgres;
#[path = "scale/redis.rs"]
mod redis_server;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use postgres::Postgres;
use redis_server::Redis;
use support::{Connection, Response, SECRET, Server};

/// How stale an instance's view of revocations may be: `jwt_auth::RedisStore`'s default,
/// which the application keeps.
const BOUND: Duration = Duration::from_secs(1);

/// What polling over HTTP adds to a measured delay, at most: the request that sees the
/// change starts up to one poll after it.
const POLL_SLACK: Duration = Duration::from_millis(50);

/// One test at a time (each runs two servers, PostgreSQL and Redis).
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");
const PASSWORD: &str = "correct horse";

/// Two instances of the application and the services they share.
struct Cluster {
    a: Server,
    b: Server,
    postgres: Postgres,
    redis: Option<Redis>,
}

impl Cluster {
    /// PostgreSQL, Redis, and two instances on them.
    fn start() -> Self {
        Self::start_on(Some(Redis::start()))
    }

    /// Two instances sharing PostgreSQL only: token state in the database.
    fn start_without_redis() -> Self {
        Self::start_on(None)
    }

    fn start_on(redis: Option<Redis>) -> Self {
        let postgres = Postgres::start();
        let database = postgres.url();
        let redis_url = redis.as_ref().map(Redis::url);
        // Both at once, as a deployment starts them: the migrations run once (sqlx's lock).
        let start = || {
            let mut env = vec![
                ("JWT_SECRET", SECRET),
                ("DATABASE_URL", database.as_str()),
                // Every login of a test comes from 127.0.0.1.
                ("LOGINS_PER_MINUTE", "100000"),
                ("REGISTRATIONS_PER_HOUR", "100000"),
            ];
            if let Some(url) = &redis_url {
                env.push(("REDIS_URL", url.as_str()));
            }
            Server::start_program(Path::new(env!("CARGO_BIN_EXE_app")), &env)
        };
        let (a, b) = std::thread::scope(|scope| {
            let a = scope.spawn(start);
            let b = scope.spawn(start);
            (a.join().expect("instance A"), b.join().expect("instance B"))
        });
        Self {
            a,
            b,
            postgres,
            redis,
        }
    }

    fn redis(&mut self) -> &mut Redis {
        self.redis.as_mut().expect("a cluster with Redis")
    }
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| {
            let encode = |text: &str| {
                text.bytes()
                    .map(|byte| {
                        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                            char::from(byte).to_string()
                        } else {
                            format!("%{byte:02X}")
                        }
                    })
                    .collect::<String>()
            };
            format!("{}={}", encode(name), encode(value))
        })
        .collect::<Vec<_>>()
        .join("&")
}

async fn register(server: &Server, username: &str) -> Response {
    server
        .post_json(
            "/register",
            &serde_json::json!({"username": username, "password": PASSWORD}),
        )
        .await
}

fn login_body(username: &str, password: &str) -> String {
    form(&[
        ("grant_type", "password"),
        ("username", username),
        ("password", password),
    ])
}

async fn login(server: &Server, username: &str, password: &str) -> Response {
    server
        .request("POST", "/token", &[FORM], &login_body(username, password))
        .await
}

fn refresh_body(refresh_token: &str) -> String {
    form(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
    ])
}

async fn refresh(server: &Server, refresh_token: &str) -> Response {
    server
        .request("POST", "/token", &[FORM], &refresh_body(refresh_token))
        .await
}

/// The access and refresh tokens of a 200 token answer.
fn tokens(response: &Response) -> (String, String) {
    assert_eq!(response.status, 200, "{}", response.text());
    let body = response.json();
    let field = |name: &str| body[name].as_str().expect(name).to_owned();
    (field("access_token"), field("refresh_token"))
}

/// `POST` with the access token and no body.
async fn post(server: &Server, path: &str, access_token: &str) -> Response {
    let authorization = format!("Bearer {access_token}");
    server
        .request("POST", path, &[("authorization", &authorization)], "")
        .await
}

/// The status of `GET /me` with `access_token`, on a kept-alive connection.
async fn me(connection: &mut Connection, access_token: &str) -> u16 {
    let authorization = format!("Bearer {access_token}");
    connection
        .request("GET", "/me", &[("authorization", &authorization)], "")
        .await
        .status
}

/// How long since `start` until `GET /me` with `access_token` answers `expected` on
/// `server`, polled every millisecond for up to five bounds.
async fn time_until(
    server: &Server,
    access_token: &str,
    expected: u16,
    start: Instant,
) -> Duration {
    let mut connection = server.connect().await;
    loop {
        let status = me(&mut connection, access_token).await;
        if status == expected {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < BOUND * 5,
            "still {status}, not {expected}, after {:?}",
            start.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// The median and the largest of `delays`.
fn median_and_max(delays: &mut [Duration]) -> (Duration, Duration) {
    delays.sort();
    (delays[delays.len() / 2], delays[delays.len() - 1])
}

/// The id of the user an access token belongs to.
async fn user_id(server: &Server, access_token: &str) -> String {
    let authorization = format!("Bearer {access_token}");
    let me = server
        .get("/me", &[("authorization", &authorization)])
        .await;
    assert_eq!(me.status, 200, "{}", me.text());
    me.json()["id"].as_str().expect("id").to_owned()
}

/// Waits until the second after this one: a log out everywhere covers every token issued in
/// its own second (`iat` has whole seconds).
async fn next_second() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time");
    let rest =
        Duration::from_secs(1).saturating_sub(Duration::from_nanos(u64::from(now.subsec_nanos())));
    tokio::time::sleep(rest + Duration::from_millis(20)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_registered_on_one_instance_logs_in_on_the_other_whatever_the_case() {
    let _turn = TURN.lock().await;
    let cluster = Cluster::start();
    let (a, b) = (&cluster.a, &cluster.b);
    assert_eq!(register(a, "Ada").await.status, 201);
    // Usernames are unique and matched ignoring case in PostgreSQL as in SQLite.
    assert_eq!(register(b, "ADA").await.status, 409);
    let (access, _) = tokens(&login(b, "ada", PASSWORD).await);
    // PostgreSQL's case-blind collation ignores a soft hyphen and fullwidth letters, which the
    // failed-login limit would count apart: such names are unknown, whatever the password.
    for variant in ["a\u{ad}da", "\u{ff41}da"] {
        let refused = login(a, variant, PASSWORD).await;
        assert_eq!(refused.status, 400, "{variant:?}: {}", refused.text());
        assert_eq!(refused.json()["error"], "invalid_grant");
    }
    let authorization = format!("Bearer {access}");
    let on_a = a.get("/me", &[("authorization", &authorization)]).await;
    assert_eq!(on_a.status, 200);
    assert_eq!(on_a.json()["username"], "Ada");
    // A note written through B is read through A.
    let note = b
        .request(
            "POST",
            "/notes",
            &[
                ("authorization", &authorization),
                ("content-type", "application/json"),
            ],
            r#"{"text":"milk"}"#,
        )
        .await;
    assert_eq!(note.status, 201, "{}", note.text());
    let id = note.json()["id"].as_i64().expect("id");
    let read = a
        .get(
            &format!("/notes/{id}"),
            &[("authorization", &authorization)],
        )
        .await;
    assert_eq!(read.json()["text"], "milk");
    // PostgreSQL's text holds no NUL: such a note is refused as invalid, not a 500.
    let nul = a
        .request(
            "POST",
            "/notes",
            &[
                ("authorization", &authorization),
                ("content-type", "application/json"),
            ],
            r#"{"text":"a\u0000b"}"#,
        )
        .await;
    assert_eq!(nul.status, 422, "{}", nul.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_counted_across_instances() {
    let _turn = TURN.lock().await;
    let cluster = Cluster::start();
    let (a, b) = (&cluster.a, &cluster.b);
    assert_eq!(register(a, "ada").await.status, 201);
    // Five failures, spread over both instances, lock the username on both.
    for i in 0..5 {
        let server = if i % 2 == 0 { a } else { b };
        let failed = login(server, "ada", "wrong horse").await;
        assert_eq!(failed.status, 400, "{}", failed.text());
        assert_eq!(failed.json()["error"], "invalid_grant");
    }
    for server in [a, b] {
        let locked = login(server, "ada", PASSWORD).await;
        assert_eq!(locked.status, 429, "{}", locked.text());
        let wait: u64 = locked
            .header("retry-after")
            .expect("retry-after")
            .parse()
            .expect("seconds");
        assert!(wait > 800 && wait <= 900, "{wait}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_on_one_instance_is_refused_on_the_other_within_the_bound() {
    let _turn = TURN.lock().await;
    let cluster = Cluster::start();
    let (a, b) = (&cluster.a, &cluster.b);
    assert_eq!(register(a, "ada").await.status, 201);
    let mut delays = Vec::new();
    for _ in 0..20 {
        let (access, refresh_token) = tokens(&login(a, "ada", PASSWORD).await);
        let mut on_b = b.connect().await;
        assert_eq!(me(&mut on_b, &access).await, 200);
        assert_eq!(post(a, "/logout", &access).await.status, 204);
        let start = Instant::now();
        let mut on_a = a.connect().await;
        assert_eq!(
            me(&mut on_a, &access).await,
            401,
            "at once where it was revoked"
        );
        loop {
            if me(&mut on_b, &access).await == 401 {
                break;
            }
            assert!(start.elapsed() < BOUND * 5, "still accepted on B");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        delays.push(start.elapsed());
        // Its refresh token went with it.
        assert_eq!(refresh(b, &refresh_token).await.status, 400);
    }
    let (median, max) = median_and_max(&mut delays);
    eprintln!(
        "logout on A refused on B after: median {median:?}, max {max:?} over {} logouts \
         (bound {BOUND:?})",
        delays.len()
    );
    assert!(max <= BOUND, "{delays:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_token_spent_on_one_instance_is_a_reuse_on_the_other() {
    let _turn = TURN.lock().await;
    let cluster = Cluster::start();
    let (a, b) = (&cluster.a, &cluster.b);
    assert_eq!(register(a, "ada").await.status, 201);
    let (access, first) = tokens(&login(a, "ada", PASSWORD).await);
    let (rotated_access, second) = tokens(&refresh(a, &first).await);
    let reused = refresh(b, &first).await;
    assert_eq!(reused.status, 400, "{}", reused.text());
    assert_eq!(reused.json()["error"], "invalid_grant");
    // The reuse revoked the whole family: at once on B, within the bound on A.
    let mut on_b = b.connect().await;
    for jwt in [&access, &rotated_access] {
        assert_eq!(me(&mut on_b, jwt).await, 401);
        let delay = time_until(a, jwt, 401, Instant::now()).await;
        assert!(delay <= BOUND, "{delay:?}");
    }
    assert_eq!(refresh(a, &second).await.status, 400);
    // Another login's refresh tokens rotate from one instance to the other.
    let (_, next) = tokens(&login(b, "ada", PASSWORD).await);
    let (_, next) = tokens(&refresh(a, &next).await);
    let (access, _) = tokens(&refresh(b, &next).await);
    assert_eq!(me(&mut a.connect().await, &access).await, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_parallel_refreshes_over_two_instances_give_one_success() {
    const REQUESTS: usize = 200;
    let _turn = TURN.lock().await;
    let cluster = Cluster::start();
    let (a, b) = (&cluster.a, &cluster.b);
    assert_eq!(register(a, "ada").await.status, 201);
    let (_, refresh_token) = tokens(&login(a, "ada", PASSWORD).await);
    let body = Arc::new(refresh_body(&refresh_token));
    // Every connection is open before any request goes, then all go at once, half to each.
    let mut connections = Vec::with_capacity(REQUESTS);
    for i in 0..REQUESTS {
        let server = if i % 2 == 0 { a } else { b };
        connections.push((i % 2, server.connect().await));
    }
    let start = Arc::new(tokio::sync::Barrier::new(REQUESTS));
    let mut requests = tokio::task::JoinSet::new();
    for (instance, mut connection) in connections {
        let (start, body) = (Arc::clone(&start), Arc::clone(&body));
        requests.spawn(async move {
            start.wait().await;
            (
                instance,
                connection.request("POST", "/token", &[FORM], &body).await,
            )
        });
    }
    let (mut ok, mut invalid_grant) = ([0; 2], 0);
    while let Some(outcome) = requests.join_next().await {
        let (instance, response) = outcome.expect("a request task");
        match response.status {
            200 => ok[instance] += 1,
            400 if response.json()["error"] == "invalid_grant" => invalid_grant += 1,
            other => panic!("unexpected {other}: {}", response.text()),
        }
    }
    eprintln!(
        "{REQUESTS} parallel refreshes: successes on A {}, on B {}, invalid_grant {invalid_grant}",
        ok[0], ok[1]
    );
    assert_eq!((ok[0] + ok[1], invalid_grant), (1, REQUESTS - 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_out_everywhere_on_one_instance_refuses_every_token_of_the_user_on_the_other() {
    let _turn = TURN.lock().await;
    let cluster = Cluster::start();
    let (a, b) = (&cluster.a, &cluster.b);
    assert_eq!(register(a, "ada").await.status, 201);
    assert_eq!(register(a, "bob").await.status, 201);
    // Three logins (three devices) on either instance, one of them refreshed.
    let mut sessions = Vec::new();
    for server in [a, b, a] {
        sessions.push(tokens(&login(server, "ada", PASSWORD).await));
    }
    sessions.push(tokens(&refresh(b, &sessions[2].1).await));
    let (bob, _) = tokens(&login(b, "bob", PASSWORD).await);
    let mut on_b = b.connect().await;
    for (access, _) in &sessions {
        assert_eq!(me(&mut on_b, access).await, 200);
    }

    let out = post(a, "/logout/everywhere", &sessions[0].0).await;
    assert_eq!(out.status, 204, "{}", out.text());
    let start = Instant::now();
    let mut delays = Vec::new();
    for (access, _) in &sessions {
        loop {
            if me(&mut on_b, access).await == 401 {
                break;
            }
            assert!(start.elapsed() < BOUND * 5, "still accepted on B");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        delays.push(start.elapsed());
    }
    let (_, max) = median_and_max(&mut delays);
    eprintln!("log out everywhere on A: every access token refused on B after {max:?}");
    assert!(max <= BOUND, "{delays:?}");
    // Every unspent refresh token of theirs too, and the other user is not touched.
    for (_, refresh_token) in [&sessions[0], &sessions[1], &sessions[3]] {
        let refused = refresh(b, refresh_token).await;
        assert_eq!(refused.status, 400, "{}", refused.text());
    }
    assert_eq!(me(&mut on_b, &bob).await, 200);
    // From the next second, logging in again works, on both.
    next_second().await;
    let (access, _) = tokens(&login(b, "ada", PASSWORD).await);
    assert_eq!(me(&mut a.connect().await, &access).await, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_lost_fails_protected_routes_closed_within_the_bound_and_redis_back_heals() {
    let _turn = TURN.lock().await;
    let mut cluster = Cluster::start();
    assert_eq!(register(&cluster.a, "ada").await.status, 201);
    let (access, refresh_token) = tokens(&login(&cluster.a, "ada", PASSWORD).await);
    for server in [&cluster.a, &cluster.b] {
        assert_eq!(me(&mut server.connect().await, &access).await, 200);
    }

    cluster.redis().stop();
    let (a, b) = (&cluster.a, &cluster.b);
    let stopped = Instant::now();
    let mut down = Vec::new();
    for server in [a, b] {
        down.push(time_until(server, &access, 503, stopped).await);
    }
    eprintln!(
        "Redis stopped: protected routes answer 503 after {:?} on A, {:?} on B (bound {BOUND:?})",
        down[0], down[1]
    );
    for delay in &down {
        // The view was fresh within a heartbeat when Redis went; the poll adds a little.
        assert!(*delay <= BOUND + POLL_SLACK, "{down:?}");
    }
    for server in [a, b] {
        let authorization = format!("Bearer {access}");
        let refused = server
            .get("/notes", &[("authorization", &authorization)])
            .await;
        assert_eq!(refused.status, 503, "{}", refused.text());
        assert_eq!(
            refused.header("www-authenticate"),
            None,
            "not the token's fault"
        );
        // A refresh cannot be checked, a password login cannot be counted: 503 both.
        let refresh_refused = refresh(server, &refresh_token).await;
        assert_eq!(refresh_refused.status, 503, "{}", refresh_refused.text());
        let login_refused = login(server, "ada", PASSWORD).await;
        assert_eq!(login_refused.status, 503, "{}", login_refused.text());
        assert!(login_refused.header("retry-after").is_some());
        // Excluded routes and the database still work.
        assert_eq!(server.get("/schema/openapi.json", &[]).await.status, 200);
    }
    assert_eq!(register(b, "bob").await.status, 201);

    // Back on the same port with its data, neither instance restarted: both resync.
    cluster.redis().restart();
    let restarted = Instant::now();
    let (a, b) = (&cluster.a, &cluster.b);
    for server in [a, b] {
        time_until(server, &access, 200, restarted).await;
    }
    eprintln!(
        "Redis restarted: both instances answer 200 again after {:?}",
        restarted.elapsed()
    );
    // The refresh token was not spent while Redis was down; logins work again.
    let (rotated, _) = tokens(&refresh(b, &refresh_token).await);
    assert_eq!(me(&mut a.connect().await, &rotated).await, 200);
    tokens(&login(a, "bob", PASSWORD).await);
}

/// The rows of the token store's tables for `sub`, read beside the running instances.
async fn token_rows(postgres: &Postgres, sub: &str) -> (i64, i64) {
    let pool = sqlx::PgPool::connect(&postgres.url())
        .await
        .expect("connect");
    let count = |table: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar(&format!("SELECT count(*) FROM {table} WHERE sub = $1"))
                .bind(sub)
                .fetch_one(&pool)
                .await
                .expect("count")
        }
    };
    let counts = (count("token_records").await, count("token_cutoffs").await);
    pool.close().await;
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_account_refreshing_ten_thousand_times_keeps_its_postgres_rows_bounded() {
    let _turn = TURN.lock().await;
    // Token state in PostgreSQL itself: no Redis.
    let cluster = Cluster::start_without_redis();
    let (a, b) = (&cluster.a, &cluster.b);
    assert_eq!(register(a, "ada").await.status, 201);
    let (access, first) = tokens(&login(a, "ada", PASSWORD).await);
    let sub = user_id(b, &access).await;
    let mut connections = [a.connect().await, b.connect().await];
    let mut refresh_token = first.clone();
    let start = Instant::now();
    for i in 0..10_000 {
        let response = connections[i % 2]
            .request("POST", "/token", &[FORM], &refresh_body(&refresh_token))
            .await;
        refresh_token = tokens(&response).1;
    }
    let elapsed = start.elapsed();
    let rows = token_rows(&cluster.postgres, &sub).await;
    eprintln!(
        "10,000 refreshes alternating A and B on PostgreSQL in {elapsed:?} ({:.0}/s): \
         token_records {}, token_cutoffs {} rows for the user",
        10_000.0 / elapsed.as_secs_f64(),
        rows.0,
        rows.1
    );
    assert_eq!(rows, (1, 0), "one row for the family");
    // The family's first refresh token is still a reuse, on either instance.
    assert_eq!(refresh(b, &first).await.json()["error"], "invalid_grant");
    assert_eq!(refresh(a, &refresh_token).await.status, 400, "revoked");
    assert_eq!(token_rows(&cluster.postgres, &sub).await, (1, 0));

    // Logins and logouts in a loop stay bounded per user (32 records, then the cutoff).
    for i in 0..40 {
        let server = if i % 2 == 0 { a } else { b };
        let (access, _) = tokens(&login(server, "ada", PASSWORD).await);
        let status = post(server, "/logout", &access).await.status;
        assert!(status == 204 || status == 401, "{status}");
    }
    let (records, cutoffs) = token_rows(&cluster.postgres, &sub).await;
    eprintln!("40 logins and logouts more: token_records {records}, token_cutoffs {cutoffs}");
    assert!(records <= 32 && cutoffs <= 1, "{records} {cutoffs}");

    // Log out everywhere through PostgreSQL alone: refused on the other instance at once.
    next_second().await;
    let (on_a, _) = tokens(&login(a, "ada", PASSWORD).await);
    let (on_b, on_b_refresh) = tokens(&login(b, "ada", PASSWORD).await);
    assert_eq!(post(b, "/logout/everywhere", &on_b).await.status, 204);
    let mut connection = a.connect().await;
    for access in [&on_a, &on_b] {
        assert_eq!(me(&mut connection, access).await, 401);
    }
    assert_eq!(refresh(a, &on_b_refresh).await.status, 400);
    assert_eq!(
        token_rows(&cluster.postgres, &sub).await.1,
        1,
        "one cutoff row"
    );
}

/// Commands Redis has run so far, by name (`INFO commandstats`), without `INFO` itself.
async fn redis_commands(redis: &Redis) -> std::collections::BTreeMap<String, u64> {
    let client = redis::Client::open(redis.url()).expect("a Redis URL");
    let mut connection = client
        .get_multiplexed_async_connection()
        .await
        .expect("connect to Redis");
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(&mut connection)
        .await
        .expect("INFO commandstats");
    info.lines()
        .filter_map(|line| {
            let (name, stats) = line.strip_prefix("cmdstat_")?.split_once(':')?;
            let calls = stats.split(',').find_map(|s| s.strip_prefix("calls="))?;
            let calls = calls.parse().ok()?;
            (name != "info").then(|| (name.to_owned(), calls))
        })
        .collect()
}

/// What Redis ran between two `INFO commandstats`: the total and each command's count.
fn commands_between(
    before: &std::collections::BTreeMap<String, u64>,
    after: &std::collections::BTreeMap<String, u64>,
) -> (u64, String) {
    let mut total = 0;
    let mut each = Vec::new();
    for (name, calls) in after {
        let ran = calls - before.get(name).copied().unwrap_or(0);
        if ran > 0 {
            total += ran;
            each.push(format!("{name} {ran}"));
        }
    }
    (total, each.join(", "))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn authenticated_requests_send_no_command_to_redis() {
    const REQUESTS: u32 = 4_000;
    const REFRESHES: usize = 200;
    let _turn = TURN.lock().await;
    let cluster = Cluster::start();
    let (a, b) = (&cluster.a, &cluster.b);
    let redis = cluster.redis.as_ref().expect("Redis");
    assert_eq!(register(a, "ada").await.status, 201);
    let (access, refresh_token) = tokens(&login(a, "ada", PASSWORD).await);

    // Authenticated requests, half on each instance, on 8 kept-alive connections.
    let before = redis_commands(redis).await;
    let start = Instant::now();
    let mut requests = tokio::task::JoinSet::new();
    for i in 0..8 {
        let mut connection = if i % 2 == 0 { a } else { b }.connect().await;
        let access = access.clone();
        requests.spawn(async move {
            for _ in 0..REQUESTS / 8 {
                assert_eq!(me(&mut connection, &access).await, 200);
            }
        });
    }
    while let Some(done) = requests.join_next().await {
        done.expect("a request task");
    }
    let elapsed = start.elapsed();
    let (during, each) = commands_between(&before, &redis_commands(redis).await);
    // Each instance's view sends its heartbeat every quarter of the bound, whatever the load.
    let heartbeats = 2 * (elapsed.as_millis() / (BOUND.as_millis() / 4) + 3);
    eprintln!(
        "{REQUESTS} authenticated GET /me over both instances in {elapsed:?}: Redis ran \
         {during} commands ({each}), {:.4} per request; heartbeats allow {heartbeats}",
        f64::from(u32::try_from(during).unwrap_or(u32::MAX)) / f64::from(REQUESTS)
    );
    assert!(u128::from(during) <= heartbeats, "{each}");

    // A refresh is one round trip: one script (`INFO` counts the commands it runs inside
    // too), loaded once per instance whose connection had not seen it.
    let before = redis_commands(redis).await;
    let start = Instant::now();
    let mut refresh_token = refresh_token;
    let mut connections = [a.connect().await, b.connect().await];
    for i in 0..REFRESHES {
        let response = connections[i % 2]
            .request("POST", "/token", &[FORM], &refresh_body(&refresh_token))
            .await;
        refresh_token = tokens(&response).1;
    }
    let elapsed = start.elapsed();
    let after = redis_commands(redis).await;
    let (during, each) = commands_between(&before, &after);
    let scripts = after["evalsha"] - before.get("evalsha").copied().unwrap_or(0);
    eprintln!(
        "{REFRESHES} refreshes alternating A and B in {elapsed:?}: {scripts} scripts run, \
         Redis ran {during} commands in all ({each})"
    );
    assert!((REFRESHES..=REFRESHES + 2).contains(&usize::try_from(scripts).unwrap_or(0)));
}

/// The keys under the application's prefix in `redis`, and the fields of `sub`'s records.
async fn redis_records(redis: &Redis, sub: &str) -> (Vec<String>, usize) {
    let client = redis::Client::open(redis.url()).expect("a Redis URL");
    let mut connection = client
        .get_multiplexed_async_connection()
        .await
        .expect("connect to Redis");
    let mut keys: Vec<String> = redis::cmd("KEYS")
        .arg("jwt-auth-app:*")
        .query_async(&mut connection)
        .await
        .expect("KEYS");
    keys.sort();
    let fields: usize = redis::cmd("HLEN")
        .arg(format!("jwt-auth-app:s:{sub}"))
        .query_async(&mut connection)
        .await
        .expect("HLEN");
    (keys, fields)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_account_refreshing_ten_thousand_times_keeps_its_redis_records_bounded() {
    let _turn = TURN.lock().await;
    let cluster = Cluster::start();
    let (a, b) = (&cluster.a, &cluster.b);
    let redis = cluster.redis.as_ref().expect("Redis");
    assert_eq!(register(a, "ada").await.status, 201);
    let (access, first) = tokens(&login(a, "ada", PASSWORD).await);
    let sub = user_id(b, &access).await;
    let mut connections = [a.connect().await, b.connect().await];
    let mut refresh_token = first.clone();
    let start = Instant::now();
    for i in 0..10_000 {
        let response = connections[i % 2]
            .request("POST", "/token", &[FORM], &refresh_body(&refresh_token))
            .await;
        refresh_token = tokens(&response).1;
    }
    let elapsed = start.elapsed();
    let (keys, fields) = redis_records(redis, &sub).await;
    eprintln!(
        "10,000 refreshes alternating A and B on Redis in {elapsed:?} ({:.0}/s): keys {keys:?}, \
         {fields} field(s) in the user's hash",
        10_000.0 / elapsed.as_secs_f64()
    );
    // One record for the family; nothing else was revoked, so no other key.
    assert_eq!(fields, 1);
    assert_eq!(keys, [format!("jwt-auth-app:s:{sub}")]);
    assert_eq!(refresh(b, &first).await.json()["error"], "invalid_grant");
    assert_eq!(
        redis_records(redis, &sub).await.1,
        1,
        "the reuse revoked it in place"
    );

    // Logins and logouts in a loop stay bounded per user (32 records, then the cutoff).
    for i in 0..40 {
        let server = if i % 2 == 0 { a } else { b };
        let (access, _) = tokens(&login(server, "ada", PASSWORD).await);
        let status = post(server, "/logout", &access).await.status;
        assert!(status == 204 || status == 401, "{status}");
    }
    let (keys, fields) = redis_records(redis, &sub).await;
    eprintln!("40 logins and logouts more: {fields} fields in the user's hash, keys {keys:?}");
    assert!(fields <= 33, "{fields}");
}
