//! `#[requires]` on what is not an `async fn` handler.

use jwt_auth::{Token, jwt_auth, requires};

#[derive(Clone)]
struct User;

#[jwt_auth(
    secret = env("JWT_SECRET"),
    flow = "oauth2_password",
    token_url = "/token",
    oauth_scopes = { "notes:read": "Read notes" },
)]
fn retrieve_user(token: &Token) -> Option<User> {
    let _ = token;
    Some(User)
}

#[requires(RetrieveUser, scope = "notes:read")]
struct Notes;

#[requires(RetrieveUser, scope = "notes:read")]
fn read_note() {}

fn main() {}
