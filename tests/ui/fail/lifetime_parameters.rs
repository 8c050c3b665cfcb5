//! Explicit lifetime parameters.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[jwt_auth(secret = env("JWT_SECRET"))]
async fn retrieve_user<'a>(token: &'a Token) -> Option<User> {
    let _ = token;
    Some(User)
}

fn main() {}
