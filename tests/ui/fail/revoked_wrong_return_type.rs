//! A revocation check that returns neither `bool` nor `Result<bool, E>`.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

fn is_revoked(token: &Token) -> String {
    token.sub.clone()
}

#[jwt_auth(secret = env("JWT_SECRET"), revoked = is_revoked)]
async fn retrieve_user(token: &Token) -> Option<User> {
    let _ = token;
    Some(User)
}

fn main() {}
