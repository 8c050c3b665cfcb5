//! A function that returns nothing.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[jwt_auth(secret = env("JWT_SECRET"))]
async fn retrieve_user(token: &Token) {
    let _ = token;
}

fn main() {}
