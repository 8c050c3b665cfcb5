//! `impl Trait` as the state type.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[jwt_auth(secret = env("JWT_SECRET"))]
async fn retrieve_user(token: &Token, state: &impl Clone) -> Option<User> {
    let _ = (token, state);
    Some(User)
}

fn main() {}
