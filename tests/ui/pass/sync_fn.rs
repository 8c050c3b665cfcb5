//! A plain (synchronous) retrieval function.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User {
    id: String,
}

#[derive(Clone)]
struct AppState;

#[jwt_auth(secret = env("JWT_SECRET"))]
fn retrieve_user(token: &Token, state: &AppState) -> Option<User> {
    let _ = state;
    Some(User { id: token.sub.clone() })
}

fn main() {
    let auth = RetrieveUser::builder()
        .secret("a secret of at least thirty-two bytes!")
        .build()
        .unwrap();
    let _ = auth.create_token("user-1").unwrap();
    let _ = User { id: String::new() }.id;
}
