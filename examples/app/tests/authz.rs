//! The application's authorization over a real socket: notes need `notes:read` to be read and
//! `notes:write` to be written or deleted, a login may ask for fewer scopes and a refresh keeps
//! or narrows them, and `/admin/users` answers only the administrators named in `ADMINS`.

#[path = "../../../tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use support::{Response, SECRET, Server};

/// A folder for one test's database, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("time")
            .as_nanos();
        let path = std::env::temp_dir().join(format!(
            "jwt-auth-app-authz-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).expect("create the temporary folder");
        Self(path)
    }

    fn url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.0.join("app.db").display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The app, with `ada` as its administrator.
fn start(dir: &TempDir) -> Server {
    let url = dir.url();
    Server::start_program(
        Path::new(env!("CARGO_BIN_EXE_app")),
        &[
            ("JWT_SECRET", SECRET),
            ("DATABASE_URL", url.as_str()),
            ("ADMINS", "ada"),
        ],
    )
}

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");
const PASSWORD: &str = "correct horse";

async fn register(server: &Server, username: &str) {
    let response = server
        .post_json(
            "/register",
            &json!({"username": username, "password": PASSWORD}),
        )
        .await;
    assert_eq!(response.status, 201, "{}", response.text());
}

/// The password grant asking for `scope` (`""`: none asked).
async fn login(server: &Server, username: &str, scope: &str) -> Response {
    let body = format!(
        "grant_type=password&username={username}&password=correct%20horse&scope={}",
        scope.replace(' ', "%20")
    );
    server.request("POST", "/token", &[FORM], &body).await
}

/// The refresh grant asking for `scope` (`""`: none asked).
async fn refresh(server: &Server, refresh_token: &str, scope: &str) -> Response {
    let body = format!(
        "grant_type=refresh_token&refresh_token={refresh_token}&scope={}",
        scope.replace(' ', "%20")
    );
    server.request("POST", "/token", &[FORM], &body).await
}

/// The access and refresh tokens of a 200 token answer, and the scopes it says it granted.
fn tokens(response: &Response) -> (String, String, String) {
    assert_eq!(response.status, 200, "{}", response.text());
    let body = response.json();
    let text = |name: &str| body[name].as_str().unwrap_or_default().to_owned();
    (text("access_token"), text("refresh_token"), text("scope"))
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

/// A 403 for a missing scope: the challenge naming it, Litestar's body.
fn assert_insufficient_scope(response: &Response, scope: &str) {
    assert_eq!(response.status, 403, "{}", response.text());
    assert_eq!(
        response.header("www-authenticate"),
        Some(format!(r#"Bearer error="insufficient_scope", scope="{scope}""#).as_str())
    );
    assert_eq!(
        response.json(),
        json!({"status_code": 403, "detail": "Insufficient scope"})
    );
}

#[tokio::test]
async fn a_read_only_login_reads_notes_but_cannot_write_or_delete_them() {
    let dir = TempDir::new("read-only");
    let server = start(&dir);
    register(&server, "bob").await;
    // No scope asked: both, as before scopes existed.
    let (full, _, scope) = tokens(&login(&server, "bob", "").await);
    assert_eq!(scope, "notes:read notes:write");
    let note = json!({"text": "buy milk"});
    let created = send(&server, "POST", "/notes", &full, Some(&note)).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let id = created.json()["id"].as_i64().expect("an id");

    let (read_only, _, scope) = tokens(&login(&server, "bob", "notes:read").await);
    assert_eq!(scope, "notes:read");
    let listed = send(&server, "GET", "/notes", &read_only, None).await;
    assert_eq!(listed.status, 200, "{}", listed.text());
    assert_eq!(listed.json()[0]["text"], "buy milk");
    let one = send(&server, "GET", &format!("/notes/{id}"), &read_only, None).await;
    assert_eq!(one.status, 200, "{}", one.text());
    assert_insufficient_scope(
        &send(&server, "POST", "/notes", &read_only, Some(&note)).await,
        "notes:write",
    );
    assert_insufficient_scope(
        &send(&server, "DELETE", &format!("/notes/{id}"), &read_only, None).await,
        "notes:write",
    );
    // Still there, and a write-only token cannot read it.
    let (write_only, _, _) = tokens(&login(&server, "bob", "notes:write").await);
    assert_insufficient_scope(
        &send(&server, "GET", "/notes", &write_only, None).await,
        "notes:read",
    );
    let deleted = send(
        &server,
        "DELETE",
        &format!("/notes/{id}"),
        &write_only,
        None,
    )
    .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text());
}

#[tokio::test]
async fn a_scope_the_app_does_not_grant_is_invalid_scope_and_no_token_stays_401() {
    let dir = TempDir::new("invalid-scope");
    let server = start(&dir);
    register(&server, "bob").await;
    let response = login(&server, "bob", "notes:admin").await;
    assert_eq!(response.status, 400, "{}", response.text());
    assert_eq!(response.json()["error"], "invalid_scope");
    let response = server.get("/notes", &[]).await;
    assert_eq!(response.status, 401, "{}", response.text());
    assert_eq!(response.header("www-authenticate"), Some("Bearer"));
    let response = server.get("/admin/users", &[]).await;
    assert_eq!(response.status, 401, "{}", response.text());
}

#[tokio::test]
async fn a_refresh_keeps_the_scopes_and_can_narrow_them() {
    let dir = TempDir::new("refresh");
    let server = start(&dir);
    register(&server, "bob").await;
    let (_, refresh_token, _) = tokens(&login(&server, "bob", "notes:read").await);
    let (access, refresh_token, scope) = tokens(&refresh(&server, &refresh_token, "").await);
    assert_eq!(scope, "notes:read");
    assert_eq!(
        send(&server, "GET", "/notes", &access, None).await.status,
        200
    );
    assert_insufficient_scope(
        &send(
            &server,
            "POST",
            "/notes",
            &access,
            Some(&json!({"text": "x"})),
        )
        .await,
        "notes:write",
    );
    // Not wider than the login's.
    let response = refresh(&server, &refresh_token, "notes:write").await;
    assert_eq!(response.status, 400, "{}", response.text());
    assert_eq!(response.json()["error"], "invalid_scope");

    let (_, refresh_token, _) = tokens(&login(&server, "bob", "").await);
    let (narrow, _, scope) = tokens(&refresh(&server, &refresh_token, "notes:read").await);
    assert_eq!(scope, "notes:read");
    assert_insufficient_scope(
        &send(
            &server,
            "POST",
            "/notes",
            &narrow,
            Some(&json!({"text": "x"})),
        )
        .await,
        "notes:write",
    );
}

#[tokio::test]
async fn only_administrators_list_the_users() {
    let dir = TempDir::new("admin");
    let server = start(&dir);
    register(&server, "ada").await;
    register(&server, "bob").await;
    let (bob, _, _) = tokens(&login(&server, "bob", "").await);
    let refused = send(&server, "GET", "/admin/users", &bob, None).await;
    assert_eq!(refused.status, 403, "{}", refused.text());
    assert_eq!(refused.header("www-authenticate"), None);
    assert_eq!(
        refused.json(),
        json!({"status_code": 403, "detail": "Forbidden"})
    );
    // The role needs no scope: a read-only login of the administrator will do.
    let (ada, _, _) = tokens(&login(&server, "ada", "notes:read").await);
    let listed = send(&server, "GET", "/admin/users", &ada, None).await;
    assert_eq!(listed.status, 200, "{}", listed.text());
    let users = listed.json();
    let mut names: Vec<&str> = users
        .as_array()
        .expect("a list")
        .iter()
        .map(|user| user["username"].as_str().expect("a username"))
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["ada", "bob"]);
    // The users as `/me` shows them: never the password hash.
    let mut keys: Vec<&String> = users[0].as_object().expect("a user").keys().collect();
    keys.sort_unstable();
    assert_eq!(keys, ["created_at", "id", "username"]);
}

#[tokio::test]
async fn the_document_lists_each_operations_scopes() {
    let dir = TempDir::new("document");
    let server = start(&dir);
    let document = server.get("/schema/openapi.json", &[]).await.json();
    let requirement =
        |scopes: &[&str]| json!([{"BearerToken": scopes}, {"BearerTokenCookie": scopes}]);
    let paths = &document["paths"];
    assert_eq!(
        paths["/notes"]["get"]["security"],
        requirement(&["notes:read"])
    );
    assert_eq!(
        paths["/notes"]["post"]["security"],
        requirement(&["notes:write"])
    );
    assert_eq!(
        paths["/notes/{id}"]["get"]["security"],
        requirement(&["notes:read"])
    );
    assert_eq!(
        paths["/notes/{id}"]["delete"]["security"],
        requirement(&["notes:write"])
    );
    assert_eq!(paths["/admin/users"]["get"]["security"], requirement(&[]));
    assert_eq!(paths["/me"]["get"]["security"], requirement(&[]));
    assert_eq!(
        document["components"]["securitySchemes"]["BearerToken"]["flows"]["password"]["scopes"],
        json!({"notes:read": "Read your notes", "notes:write": "Write and delete your notes"})
    );
}

/// Swagger UI's "Authorize" in headless Chromium (`tests/browser/app_scopes.mjs`): the scopes
/// ticked there are the token's, so "Try it out" on a write with only `notes:read` shows the
/// 403, and with `notes:write` the 201. Screenshots in `target/artifacts/app-scope-*.png`.
#[tokio::test]
async fn authorize_in_swagger_ui_with_a_scope_then_try_a_write() {
    let dir = TempDir::new("browser");
    let server = start(&dir);
    register(&server, "ada").await;
    let base = format!("http://{}", server.addr);
    for (scope, status) in [("notes:read", 403), ("notes:write", 201)] {
        let screenshot = support::artifacts().join(format!("app-scope-{}.png", &scope[6..]));
        let _ = std::fs::remove_file(&screenshot);
        let shot = screenshot.to_string_lossy();
        let seen =
            support::browser_check("app_scopes.mjs", [&*base, &*shot, "ada", PASSWORD, scope]);
        assert_eq!(
            seen["offered"],
            json!(["notes:read", "notes:write"]),
            "{seen}"
        );
        assert_eq!(seen["tokenStatus"], 200, "{seen}");
        assert_eq!(seen["requested"], scope, "{seen}");
        assert_eq!(seen["granted"], scope, "{seen}");
        assert_eq!(seen["writeStatus"], status, "{seen}");
        assert_eq!(seen["shownStatus"], status.to_string(), "{seen}");
        let challenge =
            (status == 403).then_some(r#"Bearer error="insufficient_scope", scope="notes:write""#);
        assert_eq!(seen["writeChallenge"], json!(challenge), "{seen}");
        assert_eq!(seen["blocked"], json!([]), "{seen}");
        assert!(screenshot.exists(), "no screenshot");
    }
}
