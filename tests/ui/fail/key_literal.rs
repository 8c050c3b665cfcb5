//! A key written in the source.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[jwt_auth(algorithm = "RS256", private_key = "-----BEGIN PRIVATE KEY-----")]
async fn retrieve_user(token: &Token) -> Option<User> {
    let _ = token;
    Some(User)
}

fn main() {}
