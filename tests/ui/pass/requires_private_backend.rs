//! `#[requires]` on `pub` handlers of a module, naming a backend private to the crate root, as
//! an application lays them out (`main.rs` holds the backend, `notes.rs` the handlers).

use jwt_auth::{Token, jwt_auth};

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

mod notes {
    use jwt_auth::requires;

    use crate::RetrieveUser;

    #[requires(RetrieveUser, scope = "notes:read")]
    pub async fn list() -> &'static str {
        "notes"
    }
}

fn main() {
    let _: axum::routing::MethodRouter = axum::routing::get(notes::list);
}
