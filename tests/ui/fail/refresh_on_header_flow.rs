//! Refresh tokens on a flow that has no token endpoint.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[jwt_auth(secret = env("JWT_SECRET"), refresh_expiration = "30d")]
async fn retrieve_user(token: &Token) -> Option<User> {
    let _ = token;
    Some(User)
}

fn main() {}
