//! No token parameter.

use jwt_auth::jwt_auth;

#[derive(Clone)]
struct User;

#[jwt_auth(secret = env("JWT_SECRET"))]
async fn retrieve_user() -> Option<User> {
    Some(User)
}

fn main() {}
