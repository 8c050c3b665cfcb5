//! The application over a real socket: the built `app` binary on a free port, each test with
//! its own database file in a temporary folder.

#[path = "../../../tests/support/mod.rs"]
mod support;

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use support::{Connection, Response, SECRET, Server};

/// A folder for one test's database, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("time")
            .as_nanos();
        let path = std::env::temp_dir().join(format!(
            "jwt-auth-app-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).expect("create the temporary folder");
        Self(path)
    }

    fn database(&self) -> PathBuf {
        self.0.join("app.db")
    }

    /// The `DATABASE_URL` of the database file in this folder (which does not exist yet).
    fn url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.database().display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn start(dir: &TempDir) -> Server {
    start_with(dir, &[])
}

/// The app with `env` on top of the test secret and the database.
fn start_with(dir: &TempDir, env: &[(&str, &str)]) -> Server {
    let url = dir.url();
    let mut all = vec![("JWT_SECRET", SECRET), ("DATABASE_URL", url.as_str())];
    all.extend_from_slice(env);
    Server::start_program(Path::new(env!("CARGO_BIN_EXE_app")), &all)
}

/// One request on a new connection from the loopback address `source` (127.0.0.0/8 is all
/// this machine's), so that the server sees another client than 127.0.0.1.
async fn request_from(
    source: &str,
    server: &Server,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Response {
    let source: IpAddr = source.parse().expect("a loopback address");
    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    socket
        .bind(SocketAddr::new(source, 0))
        .expect("bind the source address");
    let stream = socket.connect(server.addr).await.expect("connect");
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(connection);
    let mut request = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("host", server.addr.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(Full::new(Bytes::copy_from_slice(body.as_bytes())))
        .expect("request");
    let response = sender.send_request(request).await.expect("response");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    Response {
        status,
        headers,
        body,
    }
}

/// A field of `/proc/<pid>/status` in KiB (`VmRSS`: resident now, `VmHWM`: the peak).
#[cfg(target_os = "linux")]
fn memory_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

/// `application/x-www-form-urlencoded`, every byte but the unreserved ones percent-encoded.
fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

async fn register(server: &Server, username: &str, password: &str) -> Response {
    server
        .post_json(
            "/register",
            &json!({"username": username, "password": password}),
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

/// The password grant, as a form.
async fn login(server: &Server, username: &str, password: &str) -> Response {
    server
        .request("POST", "/token", &[FORM], &login_body(username, password))
        .await
}

/// `Retry-After` in seconds, which must be there.
fn retry_after(response: &Response) -> u64 {
    response
        .header("retry-after")
        .expect("retry-after")
        .parse()
        .expect("seconds")
}

fn refresh_body(refresh_token: &str) -> String {
    form(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
    ])
}

/// The refresh grant, as a form.
async fn refresh(server: &Server, refresh_token: &str) -> Response {
    server
        .request("POST", "/token", &[FORM], &refresh_body(refresh_token))
        .await
}

/// The access and refresh tokens of a 200 token answer.
fn tokens(response: &Response) -> (String, String) {
    assert_eq!(response.status, 200, "{}", response.text());
    let body = response.json();
    (
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned(),
        body["refresh_token"]
            .as_str()
            .expect("a refresh_token string")
            .to_owned(),
    )
}

/// Registers `username` and logs in: its access and refresh tokens.
async fn session(server: &Server, username: &str) -> (String, String) {
    assert_eq!(
        register(server, username, "correct horse").await.status,
        201
    );
    tokens(&login(server, username, "correct horse").await)
}

async fn get(server: &Server, path: &str, access_token: &str) -> Response {
    let authorization = format!("Bearer {access_token}");
    server
        .get(path, &[("authorization", authorization.as_str())])
        .await
}

async fn send(
    server: &Server,
    method: &str,
    path: &str,
    access_token: &str,
    body: Option<&Value>,
) -> Response {
    let authorization = format!("Bearer {access_token}");
    let mut headers = vec![("authorization", authorization.as_str())];
    if body.is_some() {
        headers.push(("content-type", "application/json"));
    }
    let body = body.map(Value::to_string).unwrap_or_default();
    server.request(method, path, &headers, &body).await
}

fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

#[tokio::test]
async fn register_answers_201_then_409_for_a_taken_name_and_422_for_weak_passwords() {
    let dir = TempDir::new("register");
    let server = start(&dir);
    assert!(dir.database().exists(), "the database is created at start");

    let created = register(&server, "ada", "correct horse").await;
    assert_eq!(created.status, 201, "{}", created.text());
    let user = created.json();
    assert_eq!(
        keys(&user),
        BTreeSet::from(["id", "username", "created_at"])
    );
    assert_eq!(user["username"], "ada");
    assert_eq!(user["id"].as_str().expect("id").len(), 36, "a UUID");

    for taken in ["ada", "ADA"] {
        let conflict = register(&server, taken, "another password").await;
        assert_eq!(conflict.status, 409, "{taken}");
        assert_eq!(conflict.json()["detail"], "the username is taken");
    }

    for (username, password, detail) in [
        ("bob", "", "the password is empty"),
        ("bob", "1234567", "at least 8 characters"),
        ("bobby-tables", "Bobby-Tables", "it is the username"),
        ("bo", "correct horse", "3 to 32 characters"),
        ("bob smith", "correct horse", "ASCII letters"),
    ] {
        let refused = register(&server, username, password).await;
        assert_eq!(refused.status, 422, "{username:?} {password:?}");
        let body = refused.json();
        assert_eq!(body["status_code"], 422);
        assert!(
            body["detail"].as_str().expect("detail").contains(detail),
            "{body}"
        );
    }
    let missing = server
        .post_json("/register", &json!({"username": "bob"}))
        .await;
    assert_eq!(missing.status, 422);
    let not_json = server
        .request(
            "POST",
            "/register",
            &[("content-type", "application/json")],
            "{",
        )
        .await;
    assert_eq!(not_json.status, 400);
    // The refused ones were not stored.
    assert_eq!(register(&server, "bob", "correct horse").await.status, 201);
}

#[tokio::test]
async fn a_form_login_answers_the_oauth2_body_and_me_shows_the_user_without_the_hash() {
    let dir = TempDir::new("login");
    let server = start(&dir);
    let user = register(&server, "ada", "correct horse").await.json();

    let response = login(&server, "ada", "correct horse").await;
    assert_eq!(response.status, 200, "{}", response.text());
    let body = response.json();
    assert_eq!(
        keys(&body),
        BTreeSet::from(["access_token", "token_type", "refresh_token", "expires_in"])
    );
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 900, "15 minutes");
    assert_eq!(response.header("cache-control"), Some("no-store"));
    let (access, _refresh) = tokens(&response);

    let me = get(&server, "/me", &access).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json(), user);
    assert!(!me.text().contains("argon2"), "no hash: {}", me.text());

    // Usernames are matched ignoring case; the grant may be JSON too.
    let json_grant = server
        .post_json(
            "/token",
            &json!({"grant_type": "password", "username": "ADA", "password": "correct horse"}),
        )
        .await;
    assert_eq!(json_grant.status, 200, "{}", json_grant.text());

    assert_eq!(server.get("/me", &[]).await.status, 401);
    assert_eq!(get(&server, "/me", "not-a-jwt").await.status, 401);
}

#[tokio::test]
async fn notes_are_written_listed_read_and_deleted_by_their_owner_only() {
    let dir = TempDir::new("notes");
    let server = start(&dir);
    let (ada, _) = session(&server, "ada").await;
    let (eve, _) = session(&server, "eve").await;

    let written = send(
        &server,
        "POST",
        "/notes",
        &ada,
        Some(&json!({"text": "buy milk"})),
    )
    .await;
    assert_eq!(written.status, 201, "{}", written.text());
    let note = written.json();
    assert_eq!(note["text"], "buy milk");
    let id = note["id"].as_i64().expect("id");
    let second = send(
        &server,
        "POST",
        "/notes",
        &ada,
        Some(&json!({"text": "call Bob"})),
    )
    .await;
    assert_eq!(second.status, 201);
    for empty in [json!({"text": "  "}), json!({})] {
        let refused = send(&server, "POST", "/notes", &ada, Some(&empty)).await;
        assert_eq!(refused.status, 422, "{empty}");
    }

    let listed = get(&server, "/notes", &ada).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json(), json!([note, second.json()]));
    assert_eq!(
        get(&server, &format!("/notes/{id}"), &ada).await.json(),
        note
    );

    // Eve sees none of it and cannot delete it: 404, as for a note that does not exist.
    assert_eq!(get(&server, "/notes", &eve).await.json(), json!([]));
    let path = format!("/notes/{id}");
    assert_eq!(get(&server, &path, &eve).await.status, 404);
    let stolen = send(&server, "DELETE", &path, &eve, None).await;
    assert_eq!(stolen.status, 404);
    assert_eq!(stolen.json()["status_code"], 404);
    assert_eq!(
        send(&server, "DELETE", "/notes/999999", &ada, None)
            .await
            .status,
        404
    );
    assert_eq!(
        send(&server, "DELETE", "/notes/abc", &ada, None)
            .await
            .status,
        404
    );

    let deleted = send(&server, "DELETE", &path, &ada, None).await;
    assert_eq!(deleted.status, 204);
    assert!(deleted.body.is_empty());
    assert_eq!(send(&server, "DELETE", &path, &ada, None).await.status, 404);
    assert_eq!(
        get(&server, "/notes", &ada).await.json(),
        json!([second.json()])
    );
    assert_eq!(server.get("/notes", &[]).await.status, 401);
}

#[tokio::test]
async fn refresh_rotates_the_pair_and_a_reused_refresh_token_revokes_the_family() {
    let dir = TempDir::new("refresh");
    let server = start(&dir);
    let (access_1, refresh_1) = session(&server, "ada").await;

    let rotated = refresh(&server, &refresh_1).await;
    assert_eq!(rotated.header("cache-control"), Some("no-store"));
    let (access_2, refresh_2) = tokens(&rotated);
    assert_ne!(access_2, access_1);
    assert_ne!(refresh_2, refresh_1);
    assert_eq!(get(&server, "/me", &access_2).await.status, 200);

    // The used refresh token is refused...
    let reused = refresh(&server, &refresh_1).await;
    assert_eq!(reused.status, 400);
    assert_eq!(reused.json()["error"], "invalid_grant");
    // ...and presenting it revoked its whole family: the newest pair of the session is dead.
    assert_eq!(get(&server, "/me", &access_2).await.status, 401);
    assert_eq!(
        refresh(&server, &refresh_2).await.json()["error"],
        "invalid_grant"
    );

    // Another session of the same user is untouched.
    let (access_3, refresh_3) = tokens(&login(&server, "ada", "correct horse").await);
    assert_eq!(get(&server, "/me", &access_3).await.status, 200);
    assert_eq!(refresh(&server, &refresh_3).await.status, 200);

    // An access token is no refresh token, and garbage is refused the same way.
    for wrong in [access_3.as_str(), "garbage"] {
        let not_refresh = refresh(&server, wrong).await;
        assert_eq!(not_refresh.status, 400, "{wrong}");
        assert_eq!(not_refresh.json()["error"], "invalid_grant");
    }
}

#[tokio::test]
async fn logout_revokes_the_access_token_and_its_refresh_token() {
    let dir = TempDir::new("logout");
    let server = start(&dir);
    let (access, refresh_token) = session(&server, "ada").await;

    let out = send(&server, "POST", "/logout", &access, None).await;
    assert_eq!(out.status, 204);
    assert!(out.body.is_empty());
    let me = get(&server, "/me", &access).await;
    assert_eq!(me.status, 401);
    assert_eq!(
        refresh(&server, &refresh_token).await.json()["error"],
        "invalid_grant"
    );
    assert_eq!(
        send(&server, "POST", "/logout", &access, None).await.status,
        401
    );
    // Logging in again works.
    let (again, _) = tokens(&login(&server, "ada", "correct horse").await);
    assert_eq!(get(&server, "/me", &again).await.status, 200);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_username_get_byte_identical_answers() {
    let dir = TempDir::new("enumeration");
    let server = start(&dir);
    assert_eq!(register(&server, "ada", "correct horse").await.status, 201);

    let wrong_password = login(&server, "ada", "wrong horse").await;
    let unknown_user = login(&server, "nobody", "wrong horse").await;
    assert_eq!(wrong_password.status, 400);
    assert_eq!(wrong_password.json()["error"], "invalid_grant");
    assert_eq!(wrong_password.status, unknown_user.status);
    assert_eq!(wrong_password.body, unknown_user.body);
    let headers = |response: &Response| {
        let mut headers: Vec<(String, String)> = response
            .headers
            .iter()
            .filter(|(name, _)| *name != "date")
            .map(|(name, value)| (name.to_string(), value.to_str().expect("ASCII").to_owned()))
            .collect();
        headers.sort();
        headers
    };
    assert_eq!(headers(&wrong_password), headers(&unknown_user));
}

#[tokio::test]
async fn failed_logins_are_limited_per_username_whether_it_exists_or_not() {
    let dir = TempDir::new("throttle");
    let server = start(&dir);
    assert_eq!(register(&server, "ada", "correct horse").await.status, 201);
    assert_eq!(register(&server, "bob", "correct horse").await.status, 201);

    for username in ["ada", "nobody"] {
        for attempt in 1..=5 {
            let failed = login(&server, username, "wrong horse").await;
            assert_eq!(failed.status, 400, "{username} attempt {attempt}");
        }
        // Locked: even the right password is not checked now, and case does not help.
        for spelling in [username.to_owned(), username.to_uppercase()] {
            let locked = login(&server, &spelling, "correct horse").await;
            assert_eq!(locked.status, 429, "{spelling}");
            let retry_after: u64 = locked
                .header("retry-after")
                .expect("retry-after")
                .parse()
                .expect("seconds");
            assert!((1..=900).contains(&retry_after), "{retry_after}");
            assert_eq!(locked.header("cache-control"), Some("no-store"));
            assert_eq!(locked.json()["error"], "temporarily_unavailable");
        }
    }
    // Other usernames are not affected, and a success clears the count.
    for _ in 0..4 {
        assert_eq!(login(&server, "bob", "wrong horse").await.status, 400);
    }
    assert_eq!(login(&server, "bob", "correct horse").await.status, 200);
    for _ in 0..4 {
        assert_eq!(login(&server, "bob", "wrong horse").await.status, 400);
    }
    assert_eq!(login(&server, "bob", "correct horse").await.status, 200);
}

#[tokio::test]
async fn a_too_long_password_gets_the_wrong_password_answer_and_counts_as_a_failure() {
    let dir = TempDir::new("long-password");
    let server = start(&dir);
    assert_eq!(register(&server, "ada", "correct horse").await.status, 201);
    let wrong = login(&server, "ada", "wrong horse").await;
    // Past the 128 characters a registration allows; the correct one as its start changes
    // nothing.
    let long = format!("correct horse{}", "x".repeat(200));
    let too_long = login(&server, "ada", &long).await;
    assert_eq!(too_long.status, 400);
    assert_eq!(too_long.body, wrong.body);
    assert_eq!(too_long.header("cache-control"), Some("no-store"));
    for _ in 0..3 {
        assert_eq!(login(&server, "ada", &long).await.status, 400);
    }
    // Five failures (one wrong, four too long): locked.
    assert_eq!(login(&server, "ada", "correct horse").await.status, 429);
}

/// 16 logins per hashing thread at once, for usernames that do not exist (each a new one, so
/// the per-username limit never applies) from one client whose quota is out of the way: the
/// threads and their short queue take a few, the rest are answered 503 at once, and the
/// server's memory grows by at most one argon2 block (19 MiB) per thread, not one per request.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_logins_gets_503_past_one_hash_per_core_and_memory_stays_bounded() {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let requests = 16 * threads + 16;
    let dir = TempDir::new("flood");
    let server = start_with(&dir, &[("LOGINS_PER_MINUTE", "1000000")]);
    assert_eq!(register(&server, "ada", "correct horse").await.status, 201);
    #[cfg(target_os = "linux")]
    let before = memory_kib(server.pid(), "VmRSS");

    // Every connection is open before any request goes, then all go at once; every fourth
    // sends a password too long to be checked.
    let mut connections = Vec::with_capacity(requests);
    for _ in 0..requests {
        connections.push(Connection::open(server.addr).await);
    }
    let start = Arc::new(tokio::sync::Barrier::new(requests));
    let mut flood = tokio::task::JoinSet::new();
    for (index, mut connection) in connections.into_iter().enumerate() {
        let start = Arc::clone(&start);
        let long = index % 4 == 0;
        let password = if long {
            "x".repeat(129)
        } else {
            "wrong horse".to_owned()
        };
        let body = login_body(&format!("ghost-{index}"), &password);
        flood.spawn(async move {
            start.wait().await;
            let response = connection.request("POST", "/token", &[FORM], &body).await;
            (long, response)
        });
    }
    let mut wrong = 0;
    let mut busy = 0;
    while let Some(answer) = flood.join_next().await {
        let (long, response) = answer.expect("a request task");
        match response.status {
            400 => {
                assert_eq!(response.json()["error"], "invalid_grant");
                wrong += 1;
            }
            503 if !long => {
                assert_eq!(retry_after(&response), 1);
                assert_eq!(response.header("cache-control"), Some("no-store"));
                let body = response.json();
                assert_eq!(body["error"], "temporarily_unavailable", "{body}");
                busy += 1;
            }
            other => panic!("{other} for a {long} password: {}", response.text()),
        }
    }
    assert!(
        busy > 0,
        "no 503 among {requests} logins at once ({wrong} 400)"
    );
    assert!(wrong >= requests / 4, "the too-long passwords are all 400");

    #[cfg(target_os = "linux")]
    {
        const BLOCK_KIB: u64 = 19 * 1024;
        let peak = memory_kib(server.pid(), "VmHWM");
        let grown = peak.saturating_sub(before);
        let bound = (threads as u64 + 2) * BLOCK_KIB + 48 * 1024;
        println!("{busy} of {requests} logins answered 503; the peak grew by {grown} KiB");
        assert!(
            grown <= bound,
            "the peak grew by {grown} KiB over {before} KiB for {requests} logins; at most \
             {bound} KiB with {threads} hashing threads"
        );
    }
    // The threads are free again.
    assert_eq!(login(&server, "ada", "correct horse").await.status, 200);
}

#[tokio::test]
async fn password_logins_and_registrations_are_limited_per_client_address() {
    let dir = TempDir::new("client-limits");
    let server = start_with(
        &dir,
        &[("LOGINS_PER_MINUTE", "3"), ("REGISTRATIONS_PER_HOUR", "2")],
    );
    // 127.0.0.1 registers twice, then has to wait half an hour (2 per hour).
    assert_eq!(register(&server, "ada", "correct horse").await.status, 201);
    assert_eq!(register(&server, "bob", "correct horse").await.status, 201);
    let refused = register(&server, "carl", "correct horse").await;
    assert_eq!(refused.status, 429, "{}", refused.text());
    assert!((1..=1800).contains(&retry_after(&refused)));
    let body = refused.json();
    assert_eq!(body["status_code"], 429);
    assert!(
        body["detail"]
            .as_str()
            .expect("detail")
            .starts_with("too many registrations from this address"),
        "{body}"
    );
    // Another client may.
    let registration = json!({"username": "carl", "password": "correct horse"}).to_string();
    let json_type = [("content-type", "application/json")];
    let other = request_from(
        "127.0.0.3",
        &server,
        "POST",
        "/register",
        &json_type,
        &registration,
    );
    assert_eq!(other.await.status, 201);

    // Three password grants from 127.0.0.1, right or wrong, then one every 20 s.
    assert_eq!(login(&server, "ada", "correct horse").await.status, 200);
    assert_eq!(login(&server, "ada", "wrong horse").await.status, 400);
    let (_, refresh_token) = tokens(&login(&server, "bob", "correct horse").await);
    let limited = login(&server, "carl", "correct horse").await;
    assert_eq!(limited.status, 429, "{}", limited.text());
    assert!((1..=20).contains(&retry_after(&limited)));
    assert_eq!(limited.header("cache-control"), Some("no-store"));
    let body = limited.json();
    assert_eq!(body["error"], "temporarily_unavailable");
    assert!(
        body["error_description"]
            .as_str()
            .expect("error_description")
            .starts_with("too many logins from this address"),
        "{body}"
    );
    // Refreshing hashes no password and is not counted.
    assert_eq!(refresh(&server, &refresh_token).await.status, 200);
    // Another client logs in; the username's own count is untouched by the 429s.
    let body = login_body("carl", "correct horse");
    let other = request_from("127.0.0.3", &server, "POST", "/token", &[FORM], &body).await;
    assert_eq!(other.status, 200, "{}", other.text());
}

/// Login CSRF: a page on another site posting a form to `/token` must not log the victim's
/// browser in as the attacker (the answer's `Set-Cookie`). Browsers say where a request comes
/// from (`Sec-Fetch-Site`, `Origin`); clients that say nothing, such as curl, are no browser.
#[tokio::test]
async fn a_cross_site_login_is_refused_403_without_a_cookie_and_same_origin_ones_work() {
    let dir = TempDir::new("login-csrf");
    let server = start(&dir);
    assert_eq!(register(&server, "ada", "correct horse").await.status, 201);
    let body = login_body("ada", "correct horse");
    let own = format!("http://{}", server.addr);

    for cross_site in [
        vec![
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://evil.example"),
        ],
        vec![("sec-fetch-site", "same-site")],
        vec![("origin", "https://evil.example")],
        vec![("origin", "null")],
    ] {
        let mut headers = vec![FORM];
        headers.extend_from_slice(&cross_site);
        let refused = server.request("POST", "/token", &headers, &body).await;
        assert_eq!(refused.status, 403, "{cross_site:?}: {}", refused.text());
        assert_eq!(refused.header("set-cookie"), None, "{cross_site:?}");
        assert!(!refused.text().contains("access_token"), "{cross_site:?}");
    }

    let (_, refresh_token) = tokens(&login(&server, "ada", "correct horse").await);
    let cross_site_refresh = server
        .request(
            "POST",
            "/token",
            &[FORM, ("sec-fetch-site", "cross-site")],
            &refresh_body(&refresh_token),
        )
        .await;
    assert_eq!(cross_site_refresh.status, 403);
    assert_eq!(cross_site_refresh.header("set-cookie"), None);

    for same_origin in [
        vec![("sec-fetch-site", "same-origin"), ("origin", own.as_str())],
        vec![("origin", own.as_str())],
        // curl: neither header.
        vec![],
    ] {
        let mut headers = vec![FORM];
        headers.extend_from_slice(&same_origin);
        let logged_in = server.request("POST", "/token", &headers, &body).await;
        assert_eq!(
            logged_in.status,
            200,
            "{same_origin:?}: {}",
            logged_in.text()
        );
        let (cookie, _) = logged_in.set_cookie();
        assert!(cookie.starts_with("token=ey"), "{same_origin:?}: {cookie}");
    }
    // The refused refresh did not use the refresh token up.
    assert_eq!(refresh(&server, &refresh_token).await.status, 200);
}

#[tokio::test]
async fn users_notes_and_revocations_are_still_there_after_a_restart() {
    let dir = TempDir::new("restart");
    let server = start(&dir);
    let (kept_access, kept_refresh) = session(&server, "ada").await;
    let note = send(
        &server,
        "POST",
        "/notes",
        &kept_access,
        Some(&json!({"text": "kept"})),
    )
    .await;
    assert_eq!(note.status, 201);
    let (out_access, out_refresh) = tokens(&login(&server, "ada", "correct horse").await);
    assert_eq!(
        send(&server, "POST", "/logout", &out_access, None)
            .await
            .status,
        204
    );
    let (_, rotated_refresh) = tokens(&refresh(&server, &kept_refresh).await);
    let status = server.stop("TERM", Duration::from_secs(10));
    assert!(status.is_some_and(|status| status.success()), "{status:?}");

    let server = start(&dir);
    // The user and the notes.
    let (access, _) = tokens(&login(&server, "ada", "correct horse").await);
    assert_eq!(get(&server, "/me", &access).await.json()["username"], "ada");
    assert_eq!(
        get(&server, "/notes", &access).await.json(),
        json!([note.json()])
    );
    assert_eq!(get(&server, "/me", &kept_access).await.status, 200);
    // The logged-out session stays revoked.
    assert_eq!(get(&server, "/me", &out_access).await.status, 401);
    assert_eq!(refresh(&server, &out_refresh).await.status, 400);
    // The used refresh token stays used; the rotated one still works.
    assert_eq!(refresh(&server, &rotated_refresh).await.status, 200);
    assert_eq!(register(&server, "ada", "correct horse").await.status, 409);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_parallel_refreshes_of_one_token_have_exactly_one_winner() {
    const REQUESTS: usize = 200;
    let dir = TempDir::new("race");
    let server = start(&dir);
    let (_, refresh_token) = session(&server, "ada").await;
    let body = Arc::new(refresh_body(&refresh_token));

    // Every connection is open before any request goes, then all go at once.
    let mut connections = Vec::with_capacity(REQUESTS);
    for _ in 0..REQUESTS {
        connections.push(Connection::open(server.addr).await);
    }
    let start = Arc::new(tokio::sync::Barrier::new(REQUESTS));
    let mut requests = tokio::task::JoinSet::new();
    for mut connection in connections {
        let start = Arc::clone(&start);
        let body = Arc::clone(&body);
        requests.spawn(async move {
            start.wait().await;
            connection.request("POST", "/token", &[FORM], &body).await
        });
    }
    let mut ok = 0;
    let mut invalid_grant = 0;
    while let Some(response) = requests.join_next().await {
        let response = response.expect("a request task");
        match response.status {
            200 => ok += 1,
            400 if response.json()["error"] == "invalid_grant" => invalid_grant += 1,
            other => panic!("unexpected {other}: {}", response.text()),
        }
    }
    assert_eq!((ok, invalid_grant), (1, REQUESTS - 1));
}

#[tokio::test]
async fn the_schema_page_and_document_are_open_and_describe_the_routes() {
    let dir = TempDir::new("schema");
    let server = start(&dir);
    let page = server.get("/schema", &[]).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("swagger-ui"));
    let document = server.get("/schema/openapi.json", &[]).await.json();
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(
        document["components"]["securitySchemes"]["BearerToken"]["flows"]["password"]["tokenUrl"],
        "/token"
    );
    let open = [("post", "/register"), ("post", "/token")];
    let protected = [
        ("post", "/logout"),
        ("get", "/me"),
        ("post", "/notes"),
        ("get", "/notes"),
        ("get", "/notes/{id}"),
        ("delete", "/notes/{id}"),
    ];
    for (method, path) in open {
        let operation = &document["paths"][path][method];
        assert!(operation.is_object(), "{method} {path}");
        assert!(
            operation.get("security").is_none(),
            "{method} {path} is open"
        );
    }
    for (method, path) in protected {
        let operation = &document["paths"][path][method];
        assert!(
            operation["security"].is_array(),
            "{method} {path} is protected"
        );
    }
    assert!(
        document["paths"]["/token"]["post"]["requestBody"]["content"]
            ["application/x-www-form-urlencoded"]
            .is_object()
    );
}

/// The rows of `table` in the database of `dir`, read beside the running server.
async fn rows(dir: &TempDir, table: &str) -> i64 {
    let pool = sqlx::SqlitePool::connect(&dir.url()).await.expect("open");
    let count = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(&pool)
        .await
        .expect("count");
    pool.close().await;
    count
}

#[tokio::test]
async fn one_account_refreshing_ten_thousand_times_keeps_one_row() {
    let dir = TempDir::new("bounded");
    // 41 password logins from one address below: above the default per-client quota.
    let server = start_with(&dir, &[("LOGINS_PER_MINUTE", "1000")]);
    let (_, first) = session(&server, "ada").await;
    let mut connection = server.connect().await;
    let mut refresh_token = first.clone();
    for _ in 0..10_000 {
        let response = connection
            .request("POST", "/token", &[FORM], &refresh_body(&refresh_token))
            .await;
        refresh_token = tokens(&response).1;
    }
    assert_eq!(
        rows(&dir, "token_records").await,
        1,
        "one row for the family"
    );
    assert_eq!(rows(&dir, "token_cutoffs").await, 0);
    // The first refresh token of the family is still a reuse, recorded in the same row.
    assert_eq!(
        refresh(&server, &first).await.json()["error"],
        "invalid_grant"
    );
    assert_eq!(
        refresh(&server, &refresh_token).await.status,
        400,
        "revoked"
    );
    assert_eq!(rows(&dir, "token_records").await, 1);

    // Logins and logouts in a loop stay bounded per user. Past 32 records in one second, the
    // cap's cutoff (whole seconds, as `iat`) also covers that second's newest sessions: a
    // logout may then find its own session logged out already (401), never a 5xx.
    let mut logged_out = 0;
    for _ in 0..40 {
        let (access, _) = tokens(&login(&server, "ada", "correct horse").await);
        let status = send(&server, "POST", "/logout", &access, None).await.status;
        assert!(status == 204 || status == 401, "{status}");
        logged_out += usize::from(status == 204);
    }
    assert!(logged_out >= 32, "{logged_out} logouts of 40");
    let kept = rows(&dir, "token_records").await + rows(&dir, "token_cutoffs").await;
    assert!(kept <= 33, "{kept} rows");
}
