//! The state taken by `&mut`.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[derive(Clone)]
struct AppState;

#[jwt_auth(secret = env("JWT_SECRET"))]
async fn retrieve_user(token: &Token, state: &mut AppState) -> Option<User> {
    let _ = (token, state);
    Some(User)
}

fn main() {}
