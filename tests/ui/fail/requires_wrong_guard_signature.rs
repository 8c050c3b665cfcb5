//! A guard predicate of the wrong shape: it takes the user only, or returns no `bool`, sync or
//! async.

use jwt_auth::{Token, jwt_auth, requires};

#[derive(Clone)]
struct User {
    admin: bool,
}

#[jwt_auth(secret = env("JWT_SECRET"))]
fn retrieve_user(token: &Token) -> Option<User> {
    let _ = token;
    Some(User { admin: true })
}

fn is_admin(user: &User) -> bool {
    user.admin
}

fn role(user: &User, _token: &Token) -> &'static str {
    if user.admin { "admin" } else { "user" }
}

async fn role_later(user: &User, _token: &Token) -> &'static str {
    if user.admin { "admin" } else { "user" }
}

#[requires(RetrieveUser, guard = is_admin)]
async fn admin_only() {}

#[requires(RetrieveUser, guard = role)]
async fn by_role() {}

#[requires(RetrieveUser, guard = role_later)]
async fn by_role_later() {}

fn main() {}
