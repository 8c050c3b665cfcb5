//! A revocation check whose parameters differ from the retrieval function's.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[derive(Clone)]
struct AppState;

fn is_revoked(token: &Token) -> bool {
    token.jti.is_none()
}

#[jwt_auth(secret = env("JWT_SECRET"), revoked = is_revoked)]
async fn retrieve_user(token: &Token, state: &AppState) -> Option<User> {
    let _ = (token, state);
    Some(User)
}

fn main() {}
