//! A scope the backend does not declare: the build stops on it, with the declared scope it
//! most likely meant.

use jwt_auth::{Token, jwt_auth, requires};

#[derive(Clone)]
struct User;

#[jwt_auth(
    secret = env("JWT_SECRET"),
    flow = "oauth2_password",
    token_url = "/token",
    oauth_scopes = { "notes:read": "Read notes", "notes:write": "Write notes" },
)]
fn retrieve_user(token: &Token) -> Option<User> {
    let _ = token;
    Some(User)
}

#[requires(RetrieveUser, scopes = ["notes:read", "notes:wrte"])]
async fn edit_note() {}

#[requires(RetrieveUser, scope = "admin")]
async fn list_users() {}

fn main() {}
