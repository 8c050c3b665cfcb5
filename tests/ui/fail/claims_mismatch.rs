//! `claims` disagrees with the token parameter's type.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[derive(serde::Serialize, serde::Deserialize)]
struct Claims {
    role: String,
}

#[jwt_auth(secret = env("JWT_SECRET"), claims = Claims)]
async fn retrieve_user(token: &Token) -> Option<User> {
    let _ = token;
    Some(User)
}

fn main() {}
