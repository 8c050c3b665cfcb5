//! `#[requires]` with predicates on the user and the token, sync and async, and a scope.

use jwt_auth::{Token, jwt_auth, requires};

#[derive(Clone)]
struct User {
    admin: bool,
}

#[jwt_auth(
    secret = env("JWT_SECRET"),
    flow = "oauth2_password",
    token_url = "/token",
    oauth_scopes = { "users:read": "List the users" },
)]
fn retrieve_user(token: &Token) -> Option<User> {
    let _ = token;
    Some(User { admin: true })
}

fn is_admin(user: &User, _token: &Token) -> bool {
    user.admin
}

async fn is_active(_user: &User, token: &Token) -> bool {
    !token.sub.is_empty()
}

#[requires(RetrieveUser, guard = is_admin)]
async fn admin_only() {}

#[requires(RetrieveUser, guard = is_active, guard = is_admin, scope = "users:read")]
async fn list_users() {}

fn main() {
    let _: axum::routing::MethodRouter = axum::routing::get(admin_only).post(list_users);
}
