//! A `const fn`.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[jwt_auth(secret = env("JWT_SECRET"))]
const fn retrieve_user(token: &Token) -> Option<User> {
    let _ = token;
    None
}

fn main() {}
