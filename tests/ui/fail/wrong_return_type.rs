//! A function that returns the user, not an `Option`.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[jwt_auth(secret = env("JWT_SECRET"))]
async fn retrieve_user(token: &Token) -> User {
    let _ = token;
    User
}

fn main() {}
