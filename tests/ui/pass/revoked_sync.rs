//! A synchronous revocation check, with state.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[derive(Clone, Default)]
struct AppState {
    revoked: Vec<String>,
}

fn is_revoked(token: &Token, state: &AppState) -> bool {
    token.jti.as_ref().is_some_and(|jti| state.revoked.contains(jti))
}

#[jwt_auth(secret = env("JWT_SECRET"), revoked = is_revoked)]
async fn retrieve_user(token: &Token, state: &AppState) -> Option<User> {
    let _ = (token, state);
    Some(User)
}

fn main() {
    let _ = RetrieveUser::builder()
        .secret("a secret of at least thirty-two bytes!")
        .build()
        .unwrap();
}
