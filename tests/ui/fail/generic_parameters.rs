//! A generic retrieval function.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[jwt_auth(secret = env("JWT_SECRET"))]
async fn retrieve_user<U: Default>(token: &Token) -> Option<U> {
    let _ = token;
    Some(U::default())
}

fn main() {}
