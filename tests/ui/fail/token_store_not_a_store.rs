//! A token store of a type that does not implement `TokenStore` for the state.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[derive(Clone)]
struct AppState;

struct Tokens;

#[jwt_auth(
    secret = env("JWT_SECRET"),
    flow = "oauth2_password",
    token_url = "/token",
    refresh_expiration = "30d",
    token_store = Tokens,
)]
async fn retrieve_user(token: &Token, state: &AppState) -> Option<User> {
    let _ = (token, state);
    Some(User)
}

fn main() {}
