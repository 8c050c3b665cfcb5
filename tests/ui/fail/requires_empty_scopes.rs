//! An empty scope list, and a misspelt requirement, reported together.

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

#[requires(RetrieveUser, scopes = [])]
async fn read_note() {}

#[requires(RetrieveUser, scops = ["notes:read"])]
async fn list_notes() {}

fn main() {}
