//! The application over a real socket: the built `app` binary on a free port, each test with
//! its own database file in a temporary folder.

#[path = "../../../tests/support/mod.rs"]
mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

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
    Server::start_program(
        Path::new(env!("CARGO_BIN_EXE_app")),
        &[("JWT_SECRET", SECRET), ("DATABASE_URL", &dir.url())],
    )
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

/// The password grant, as a form.
async fn login(server: &Server, username: &str, password: &str) -> Response {
    let body = form(&[
        ("grant_type", "password"),
        ("username", username),
        ("password", password),
    ]);
    server.request("POST", "/token", &[FORM], &body).await
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
    let server = start(&dir);
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

    // Logins and logouts in a loop stay bounded per user.
    for _ in 0..40 {
        let (access, _) = tokens(&login(&server, "ada", "correct horse").await);
        assert_eq!(
            send(&server, "POST", "/logout", &access, None).await.status,
            204
        );
    }
    let kept = rows(&dir, "token_records").await + rows(&dir, "token_cutoffs").await;
    assert!(kept <= 33, "{kept} rows");
}
