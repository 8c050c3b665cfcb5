//! Authorization over HTTP: handlers guarded by `#[requires]` behind a `#[jwt_auth]` backend.
//! No token or a bad one stays the layer's 401; a valid token without the scope is a 403 with
//! RFC 6750's `insufficient_scope` challenge and the body of every other refusal; a predicate
//! that says no is a plain 403. The scopes come from the password grant, narrowed by what the
//! application grants the user, and a refresh keeps them (or narrows them when asked).

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use common::{Reply, SECRET, assert_error, assert_invalid_token, assert_unauthorized, send};
use jwt_auth::{CurrentUser, GrantError, Token, TokenGrant, jwt_auth, requires};
use serde_json::{Value, json};

/// A member of the app: what they may be granted, and whether they administer it.
#[derive(Debug, Clone)]
struct Member {
    name: &'static str,
    admin: bool,
    allowed: &'static [&'static str],
}

const PASSWORD: &str = "correct horse";

fn find(name: &str) -> Option<Member> {
    match name {
        "ada" => Some(Member {
            name: "ada",
            admin: true,
            allowed: &["notes:read", "notes:write"],
        }),
        "bob" => Some(Member {
            name: "bob",
            admin: false,
            allowed: &["notes:read", "notes:write"],
        }),
        "eve" => Some(Member {
            name: "eve",
            admin: false,
            allowed: &["notes:read"],
        }),
        _ => None,
    }
}

#[jwt_auth(
    secret = env("JWT_AUTHZ_TEST_SECRET"),
    flow = "oauth2_password",
    token_url = "/token",
    refresh_expiration = "30d",
    exclude = ["^/token$", "^/public/"],
    oauth_scopes = { "notes:read": "Read notes", "notes:write": "Write notes" },
)]
fn retrieve_user(token: &Token) -> Option<Member> {
    find(&token.sub)
}

fn is_admin(member: &Member, _token: &Token) -> bool {
    member.admin
}

/// An async predicate, as one that asks a database would be.
async fn is_admin_later(member: &Member, _token: &Token) -> bool {
    tokio::task::yield_now().await;
    member.admin
}

#[requires(RetrieveUser, scope = "notes:read")]
async fn read_notes(CurrentUser(member): CurrentUser<Member>) -> String {
    format!("the notes of {}", member.name)
}

#[requires(RetrieveUser, scopes = ["notes:read", "notes:write"])]
async fn write_note(axum::Json(note): axum::Json<Value>) -> (StatusCode, axum::Json<Value>) {
    (StatusCode::CREATED, axum::Json(note))
}

#[requires(RetrieveUser, guard = is_admin)]
async fn list_members() -> &'static str {
    "ada, bob, eve"
}

#[requires(RetrieveUser, guard = is_admin_later, scope = "notes:read")]
async fn audit() -> &'static str {
    "audited"
}

#[requires(RetrieveUser, any(scope = "notes:write", guard = is_admin))]
async fn delete_note() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// A writer, or an administrator who may read.
#[requires(RetrieveUser, any(scope = "notes:write", all(scope = "notes:read", guard = is_admin)))]
async fn archive_note() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// On a route the layer excludes: the guard authenticates by itself.
#[requires(RetrieveUser, scope = "notes:read")]
async fn public_but_guarded() -> &'static str {
    "read"
}

/// The token endpoint: the password grant, whose `scope` is narrowed to what the member may
/// have, and the refresh grant, whose `scope` narrows the refresh token's.
async fn token(auth: RetrieveUser, grant: TokenGrant) -> Response {
    match grant {
        TokenGrant::Password(grant) => {
            let Some(member) = find(&grant.username).filter(|_| grant.password == PASSWORD) else {
                return GrantError::invalid_grant("wrong username or password").into_response();
            };
            match grant.granted_scopes(member.allowed.iter().copied()) {
                Ok(scopes) => auth.login(member.name).scopes(scopes).into_response(),
                Err(error) => error.into_response(),
            }
        }
        TokenGrant::RefreshToken(grant) => {
            match auth
                .refresh_with_scopes(&grant.refresh_token, &grant.scopes, &())
                .await
            {
                Ok(login) => login.into_response(),
                Err(error) => error.into_response(),
            }
        }
    }
}

fn app() -> (RetrieveUser, Router) {
    let auth = RetrieveUser::from(
        RetrieveUser::builder()
            .secret(SECRET)
            .build()
            .expect("a valid configuration"),
    );
    let router = Router::new()
        .route("/token", post(token))
        .route("/notes", get(read_notes).post(write_note))
        .route(
            "/notes/{id}",
            axum::routing::delete(delete_note).put(archive_note),
        )
        .route("/members", get(list_members))
        .route("/audit", get(audit))
        .route("/public/notes", get(public_but_guarded));
    let router = auth.install(router, ());
    (auth, router)
}

fn form(body: &str) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri("/token")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .expect("a valid request")
}

/// Logs in with the password grant, asking for `scope` (`""`: none asked): the token reply.
async fn login(router: &Router, name: &str, scope: &str) -> Reply {
    let body = format!("grant_type=password&username={name}&password=correct+horse&scope={scope}");
    send(router, form(&body)).await
}

/// The access and refresh tokens of a successful token reply (a login's 201, a refresh's 200).
fn tokens(reply: &Reply) -> (String, String) {
    assert!(
        reply.status.is_success(),
        "{} {}",
        reply.status,
        reply.text()
    );
    let body = reply.json();
    (
        body["access_token"]
            .as_str()
            .expect("an access token")
            .to_owned(),
        body["refresh_token"]
            .as_str()
            .expect("a refresh token")
            .to_owned(),
    )
}

fn call(method: Method, path: &str, jwt: Option<&str>, body: &str) -> Request<Body> {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(jwt) = jwt {
        request = request.header(header::AUTHORIZATION, format!("Bearer {jwt}"));
    }
    request
        .body(Body::from(body.to_owned()))
        .expect("a valid request")
}

fn read(jwt: Option<&str>) -> Request<Body> {
    call(Method::GET, "/notes", jwt, "")
}

fn write(jwt: &str) -> Request<Body> {
    call(Method::POST, "/notes", Some(jwt), r#"{"text":"hello"}"#)
}

/// A 403 for a missing scope: RFC 6750's challenge naming the scopes, Litestar's body.
fn assert_insufficient_scope(reply: &Reply, scope: &str) {
    assert_error(reply, StatusCode::FORBIDDEN, "Insufficient scope");
    assert_eq!(
        reply.header("www-authenticate"),
        Some(format!(r#"Bearer error="insufficient_scope", scope="{scope}""#).as_str())
    );
}

/// A 403 from a predicate: Litestar's body, and no challenge (no token would do better).
fn assert_forbidden(reply: &Reply) {
    assert_error(reply, StatusCode::FORBIDDEN, "Forbidden");
    assert_eq!(reply.header("www-authenticate"), None);
}

#[tokio::test]
async fn no_token_or_a_bad_one_is_still_401() {
    let (auth, router) = app();
    let reply = send(&router, read(None)).await;
    assert_unauthorized(&reply, "No JWT token found in request header or cookies");
    let reply = send(&router, read(Some("not.a.token"))).await;
    assert_invalid_token(&reply);
    let reply = send(&router, call(Method::POST, "/notes", Some("x"), "{}")).await;
    assert_invalid_token(&reply);
    // A token for a member the app no longer knows: the layer's 401, never the guard's 403.
    let stranger = auth.create_token("mallory").expect("minted");
    let reply = send(&router, read(Some(&stranger))).await;
    assert_unauthorized(&reply, "Unauthorized");
    let reply = send(&router, call(Method::GET, "/members", Some(&stranger), "")).await;
    assert_unauthorized(&reply, "Unauthorized");
}

#[tokio::test]
async fn a_valid_token_without_the_scope_is_403_with_the_challenge() {
    let (auth, router) = app();
    // A token with no scope at all: authenticated, not authorized.
    let bare = auth.create_token("bob").expect("minted");
    let reply = send(&router, read(Some(&bare))).await;
    assert_insufficient_scope(&reply, "notes:read");
    // Every scope of an all-of list is named, as RFC 6750 asks ("the scope necessary").
    let reply = send(&router, write(&bare)).await;
    assert_insufficient_scope(&reply, "notes:read notes:write");
}

#[tokio::test]
async fn a_token_narrowed_to_read_reads_but_cannot_write() {
    let (_, router) = app();
    let reply = login(&router, "bob", "notes:read").await;
    assert_eq!(reply.json()["scope"], "notes:read", "{}", reply.text());
    let (read_only, _) = tokens(&reply);
    let reply = send(&router, read(Some(&read_only))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.text(), "the notes of bob");
    let reply = send(&router, write(&read_only)).await;
    assert_insufficient_scope(&reply, "notes:read notes:write");

    let (both, _) = tokens(&login(&router, "bob", "notes:read%20notes:write").await);
    let reply = send(&router, write(&both)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    assert_eq!(reply.json(), json!({"text": "hello"}));
}

#[tokio::test]
async fn the_guard_runs_before_the_body_is_read() {
    let (_, router) = app();
    let (read_only, _) = tokens(&login(&router, "bob", "notes:read").await);
    // Not JSON: with the scope this would be the JSON extractor's 400; without it the guard
    // answers first.
    let reply = send(
        &router,
        call(Method::POST, "/notes", Some(&read_only), "not json"),
    )
    .await;
    assert_insufficient_scope(&reply, "notes:read notes:write");
    let (both, _) = tokens(&login(&router, "bob", "").await);
    let reply = send(
        &router,
        call(Method::POST, "/notes", Some(&both), "not json"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
}

#[tokio::test]
async fn the_password_grant_is_narrowed_to_what_the_member_may_have() {
    let (_, router) = app();
    // Nothing asked: everything the member may have (RFC 6749 section 3.3's default).
    let reply = login(&router, "eve", "").await;
    assert_eq!(reply.json()["scope"], "notes:read");
    let (eve, _) = tokens(&reply);
    assert_eq!(send(&router, read(Some(&eve))).await.status, StatusCode::OK);
    assert_insufficient_scope(&send(&router, write(&eve)).await, "notes:read notes:write");
    // Asking for more than the member may have is refused at the token endpoint.
    let reply = login(&router, "eve", "notes:write").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
    assert_eq!(reply.json()["error"], "invalid_scope");
    let reply = login(&router, "bob", "").await;
    assert_eq!(reply.json()["scope"], "notes:read notes:write");
}

#[tokio::test]
async fn a_refresh_keeps_the_scopes_or_narrows_them() {
    let (_, router) = app();
    let (_, refresh) = tokens(&login(&router, "bob", "notes:read").await);
    let reply = send(
        &router,
        form(&format!("grant_type=refresh_token&refresh_token={refresh}")),
    )
    .await;
    assert_eq!(reply.json()["scope"], "notes:read", "{}", reply.text());
    let (access, refresh) = tokens(&reply);
    assert_eq!(
        send(&router, read(Some(&access))).await.status,
        StatusCode::OK
    );
    assert_insufficient_scope(
        &send(&router, write(&access)).await,
        "notes:read notes:write",
    );
    // A refresh cannot widen: the refresh token was granted `notes:read` only.
    let reply = send(
        &router,
        form(&format!(
            "grant_type=refresh_token&refresh_token={refresh}&scope=notes:write"
        )),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
    assert_eq!(reply.json()["error"], "invalid_scope");

    // Narrowed on refresh: the access token loses `notes:write`, the refresh token keeps it.
    let (_, refresh) = tokens(&login(&router, "bob", "").await);
    let reply = send(
        &router,
        form(&format!(
            "grant_type=refresh_token&refresh_token={refresh}&scope=notes:read"
        )),
    )
    .await;
    assert_eq!(reply.json()["scope"], "notes:read", "{}", reply.text());
    let (narrow, refresh) = tokens(&reply);
    assert_insufficient_scope(
        &send(&router, write(&narrow)).await,
        "notes:read notes:write",
    );
    let reply = send(
        &router,
        form(&format!("grant_type=refresh_token&refresh_token={refresh}")),
    )
    .await;
    assert_eq!(reply.json()["scope"], "notes:read notes:write");
    let (wide, _) = tokens(&reply);
    assert_eq!(
        send(&router, write(&wide)).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_failed_role_guard_is_403() {
    let (_, router) = app();
    let (bob, _) = tokens(&login(&router, "bob", "").await);
    let (ada, _) = tokens(&login(&router, "ada", "notes:read").await);
    assert_forbidden(&send(&router, call(Method::GET, "/members", Some(&bob), "")).await);
    let reply = send(&router, call(Method::GET, "/members", Some(&ada), "")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.text(), "ada, bob, eve");
    // The async predicate, next to a scope: each refuses with its own answer.
    assert_forbidden(&send(&router, call(Method::GET, "/audit", Some(&bob), "")).await);
    let reply = send(&router, call(Method::GET, "/audit", Some(&ada), "")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let (ada_bare, _) = tokens(&login(&router, "ada", "notes:write").await);
    assert_insufficient_scope(
        &send(&router, call(Method::GET, "/audit", Some(&ada_bare), "")).await,
        "notes:read",
    );
}

#[tokio::test]
async fn any_of_admits_either_alternative() {
    let (_, router) = app();
    let delete = |jwt: &str| call(Method::DELETE, "/notes/1", Some(jwt), "");
    let (writer, _) = tokens(&login(&router, "bob", "notes:write").await);
    let (reader, _) = tokens(&login(&router, "bob", "notes:read").await);
    let (admin_reader, _) = tokens(&login(&router, "ada", "notes:read").await);
    assert_eq!(
        send(&router, delete(&writer)).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        send(&router, delete(&admin_reader)).await.status,
        StatusCode::NO_CONTENT
    );
    // Neither: the scope that would have done is named.
    assert_insufficient_scope(&send(&router, delete(&reader)).await, "notes:write");
}

#[tokio::test]
async fn a_guard_on_an_excluded_route_still_needs_a_token() {
    let (_, router) = app();
    let reply = send(&router, call(Method::GET, "/public/notes", None, "")).await;
    assert_unauthorized(&reply, "No JWT token found in request header or cookies");
    let (writer, _) = tokens(&login(&router, "bob", "notes:write").await);
    let reply = send(
        &router,
        call(Method::GET, "/public/notes", Some(&writer), ""),
    )
    .await;
    assert_insufficient_scope(&reply, "notes:read");
    let (reader, _) = tokens(&login(&router, "bob", "notes:read").await);
    let reply = send(
        &router,
        call(Method::GET, "/public/notes", Some(&reader), ""),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

#[tokio::test]
async fn all_of_inside_any_of_needs_every_part_of_an_alternative() {
    let (_, router) = app();
    let archive = |jwt: &str| call(Method::PUT, "/notes/1", Some(jwt), "");
    let (writer, _) = tokens(&login(&router, "bob", "notes:write").await);
    let (admin_reader, _) = tokens(&login(&router, "ada", "notes:read").await);
    let (admin_writer, _) = tokens(&login(&router, "ada", "notes:write").await);
    let (reader, _) = tokens(&login(&router, "bob", "notes:read").await);
    for jwt in [&writer, &admin_reader, &admin_writer] {
        assert_eq!(
            send(&router, archive(jwt)).await.status,
            StatusCode::NO_CONTENT
        );
    }
    // `notes:read` without the role: neither alternative holds.
    assert_insufficient_scope(
        &send(&router, archive(&reader)).await,
        "notes:write notes:read",
    );
}
