//! A third parameter.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[derive(Clone)]
struct AppState;

#[jwt_auth(secret = env("JWT_SECRET"))]
async fn retrieve_user(token: &Token, state: &AppState, name: &str) -> Option<User> {
    let _ = (token, state, name);
    Some(User)
}

fn main() {}
