//! Refresh tokens that expire at once.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[jwt_auth(
    secret = env("JWT_SECRET"),
    flow = "oauth2_password",
    token_url = "/token",
    refresh_expiration = "0s",
)]
async fn retrieve_user(token: &Token) -> Option<User> {
    let _ = token;
    Some(User)
}

fn main() {}
