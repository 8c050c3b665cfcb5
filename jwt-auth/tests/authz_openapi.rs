//! The OpenAPI side of `#[requires]`: a guarded operation's security requirement lists its
//! scopes, an operation's own `security` is kept, and the locks follow the router as it is
//! (`install_openapi`): what the layer wraps has one, what was added after or merged in
//! unprotected has none, and every operation with a lock answers 401 without a token.

#![cfg(feature = "openapi")]

mod common;

use axum::http::{Method, StatusCode};
use common::{SECRET, request, send};
use jwt_auth::{Token, jwt_auth, requires};
use serde_json::{Value, json};
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Debug, Clone)]
struct Member {
    admin: bool,
}

#[jwt_auth(
    secret = env("JWT_AUTHZ_TEST_SECRET"),
    flow = "oauth2_password",
    token_url = "/token",
    exclude = ["^/token$"],
    oauth_scopes = { "notes:read": "Read notes", "notes:write": "Write notes" },
)]
fn retrieve_user(token: &Token) -> Option<Member> {
    match token.sub.as_str() {
        "ada" => Some(Member { admin: true }),
        "bob" => Some(Member { admin: false }),
        _ => None,
    }
}

fn is_admin(member: &Member, _token: &Token) -> bool {
    member.admin
}

#[requires(RetrieveUser, scope = "notes:read")]
#[utoipa::path(get, path = "/notes", responses((status = 200)))]
async fn read_notes() -> &'static str {
    "notes"
}

#[requires(RetrieveUser, scopes = ["notes:read", "notes:write"])]
#[utoipa::path(post, path = "/notes", responses((status = 201)))]
async fn write_note() -> StatusCode {
    StatusCode::CREATED
}

#[requires(RetrieveUser, any(scope = "notes:write", guard = is_admin))]
#[utoipa::path(delete, path = "/notes/{id}", params(("id" = u32, Path)), responses((status = 204)))]
async fn delete_note() -> StatusCode {
    StatusCode::NO_CONTENT
}

#[requires(RetrieveUser, guard = is_admin)]
#[utoipa::path(get, path = "/members", responses((status = 200)))]
async fn list_members() -> &'static str {
    "ada"
}

/// Protected, without a guard: the plain lock.
#[utoipa::path(get, path = "/me", responses((status = 200)))]
async fn me() -> &'static str {
    "me"
}

/// A guarded operation that says itself how it is secured: kept as written.
#[requires(RetrieveUser, scope = "notes:read")]
#[utoipa::path(get, path = "/export", security(("BearerToken" = ["notes:read", "export"])), responses((status = 200)))]
async fn export() -> &'static str {
    "export"
}

/// Excluded from the layer: no lock.
#[utoipa::path(post, path = "/token", responses((status = 201)))]
async fn token() -> &'static str {
    "token"
}

/// Added after `install_openapi`: public, no lock.
#[utoipa::path(get, path = "/health", responses((status = 200)))]
async fn health() -> &'static str {
    "ok"
}

/// In a router merged in unprotected: no lock.
#[utoipa::path(get, path = "/status", responses((status = 200)))]
async fn status() -> &'static str {
    "up"
}

fn auth() -> RetrieveUser {
    RetrieveUser::from(
        RetrieveUser::builder()
            .secret(SECRET)
            .build()
            .expect("a valid configuration"),
    )
}

/// The app and its document, built together.
fn app() -> (axum::Router, Value) {
    let auth = auth();
    let protected = OpenApiRouter::new()
        .routes(routes!(read_notes, write_note))
        .routes(routes!(delete_note))
        .routes(routes!(list_members))
        .routes(routes!(me))
        .routes(routes!(export))
        .routes(routes!(token));
    let unprotected = OpenApiRouter::new().routes(routes!(status));
    let (router, openapi) = auth
        .install_openapi(protected, ())
        .routes(routes!(health))
        .merge(unprotected)
        .split_for_parts();
    let document = serde_json::to_value(openapi).expect("serializable");
    (router, document)
}

/// The requirement of an operation that needs `scopes`: the OAuth2 scheme and its cookie
/// alternative, each with the scopes.
fn requirement(alternatives: &[&[&str]]) -> Value {
    let all: Vec<Value> = alternatives
        .iter()
        .flat_map(|scopes| {
            [
                json!({"BearerToken": scopes}),
                json!({"BearerTokenCookie": scopes}),
            ]
        })
        .collect();
    Value::Array(all)
}

#[test]
fn each_guarded_operation_lists_its_scopes() {
    let (_, document) = app();
    let paths = &document["paths"];
    assert_eq!(
        paths["/notes"]["get"]["security"],
        requirement(&[&["notes:read"]])
    );
    assert_eq!(
        paths["/notes"]["post"]["security"],
        requirement(&[&["notes:read", "notes:write"]])
    );
    // Either alternative: the scope, or a token the predicate admits (no scope asked).
    assert_eq!(
        paths["/notes/{id}"]["delete"]["security"],
        requirement(&[&["notes:write"], &[]])
    );
    assert_eq!(paths["/members"]["get"]["security"], requirement(&[&[]]));
    assert_eq!(paths["/me"]["get"]["security"], requirement(&[&[]]));
    // Swagger UI's "Authorize" offers the declared scopes from the scheme.
    assert_eq!(
        document["components"]["securitySchemes"]["BearerToken"]["flows"]["password"]["scopes"],
        json!({"notes:read": "Read notes", "notes:write": "Write notes"})
    );
}

#[test]
fn an_operations_own_security_is_kept() {
    let (_, document) = app();
    assert_eq!(
        document["paths"]["/export"]["get"]["security"],
        json!([{"BearerToken": ["notes:read", "export"]}])
    );
}

#[test]
fn routes_the_layer_does_not_wrap_have_no_lock() {
    let (_, document) = app();
    let paths = &document["paths"];
    for (path, method) in [("/token", "post"), ("/health", "get"), ("/status", "get")] {
        let operation = &paths[path][method];
        assert!(operation.is_object(), "{path} is documented: {document}");
        assert!(
            operation.get("security").is_none(),
            "{method} {path} has no lock: {operation}"
        );
    }
    assert!(document.get("security").is_none(), "no root requirement");
}

#[tokio::test]
async fn a_lock_is_exactly_a_401_without_a_token() {
    let (router, document) = app();
    let paths = document["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("a path item") {
            let method: Method = method.to_uppercase().parse().expect("a method");
            let uri = path.replace("{id}", "1");
            let reply = send(&router, request(method.clone(), &uri, &[])).await;
            let locked = operation.get("security").is_some();
            assert_eq!(
                reply.status == StatusCode::UNAUTHORIZED,
                locked,
                "{method} {path}: {} {}",
                reply.status,
                reply.text()
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 9);
}

/// A document written apart from the router (`#[derive(OpenApi)]`) gets the same scopes
/// from `apply_openapi`.
#[test]
fn apply_openapi_reads_the_same_scopes() {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(read_notes, write_note, export, token))]
    struct ApiDoc;

    let document = serde_json::to_value(auth().openapi(ApiDoc::openapi())).expect("serializable");
    let paths = &document["paths"];
    assert_eq!(
        paths["/notes"]["get"]["security"],
        requirement(&[&["notes:read"]])
    );
    assert_eq!(
        paths["/notes"]["post"]["security"],
        requirement(&[&["notes:read", "notes:write"]])
    );
    assert_eq!(
        paths["/export"]["get"]["security"],
        json!([{"BearerToken": ["notes:read", "export"]}])
    );
    assert!(paths["/token"]["post"].get("security").is_none());
}
