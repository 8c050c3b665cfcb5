//! `#[requires]` with alternatives: a scope or a predicate, a scope or another, a scope or both
//! a scope and a predicate (`all(...)`); on a handler
//! documented with `#[utoipa::path]` below it, which gets the scopes.

use jwt_auth::{Token, jwt_auth, requires};

#[derive(Clone)]
struct User;

#[jwt_auth(
    secret = env("JWT_SECRET"),
    flow = "oauth2_password",
    token_url = "/token",
    oauth_scopes = { "notes:read": "Read notes", "notes:admin": "Every note" },
)]
fn retrieve_user(token: &Token) -> Option<User> {
    let _ = token;
    Some(User)
}

fn is_owner(_user: &User, token: &Token) -> bool {
    token.sub == "owner"
}

#[requires(RetrieveUser, any(scope = "notes:admin", guard = is_owner))]
async fn delete_note() {}

/// The owner with `notes:read`, or anyone with `notes:admin`.
#[requires(RetrieveUser, any(scope = "notes:admin", all(scope = "notes:read", guard = is_owner)))]
async fn read_note() {}

#[requires(RetrieveUser, any(scope = "notes:read", scope = "notes:admin"))]
#[utoipa::path(get, path = "/notes", responses((status = 200)))]
async fn list_notes() {}

#[derive(utoipa::OpenApi)]
#[openapi(paths(list_notes))]
struct ApiDoc;

fn main() {
    use utoipa::OpenApi as _;
    let _: axum::routing::MethodRouter = axum::routing::get(list_notes).delete(delete_note);
    let _: axum::routing::MethodRouter = axum::routing::get(read_note);
    let document = serde_json::to_value(ApiDoc::openapi()).unwrap();
    assert_eq!(
        document["paths"]["/notes"]["get"]["x-jwt-auth-scopes"],
        serde_json::json!([["notes:read"], ["notes:admin"]])
    );
}
