//! `#[requires]` with scopes: all of a list, one scope, and both together; the backend named
//! through a module path.

mod auth {
    use jwt_auth::{Token, jwt_auth};

    #[derive(Clone)]
    pub struct User;

    #[jwt_auth(
        secret = env("JWT_SECRET"),
        flow = "oauth2_password",
        token_url = "/token",
        oauth_scopes = { "notes:read": "Read notes", "notes:write": "Write notes" },
    )]
    pub fn retrieve_user(token: &Token) -> Option<User> {
        let _ = token;
        Some(User)
    }
}

use jwt_auth::{CurrentUser, requires};

#[requires(auth::RetrieveUser, scopes = ["notes:read", "notes:write"])]
async fn edit_note(CurrentUser(_user): CurrentUser<auth::User>) -> &'static str {
    "edited"
}

#[requires(auth::RetrieveUser, scope = "notes:read")]
pub async fn read_note() -> &'static str {
    "read"
}

fn main() {
    let _: axum::routing::MethodRouter = axum::routing::get(read_note).post(edit_note);
}
