//! Refresh tokens with the default in-memory store, and with a store that reads the state.

use std::time::Duration;

use jwt_auth::session::{Revocation, Rotated, Rotation, Target, TokenRef};
use jwt_auth::{BoxError, Token, TokenStore, jwt_auth};

#[derive(Clone)]
struct User;

#[derive(Clone, Default)]
struct AppState {
    revoked: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

/// A store over the application state, as a database-backed one would be.
struct StateTokens;

impl TokenStore<AppState> for StateTokens {
    async fn rotate(&self, _: &AppState, _: &Rotation<'_>) -> Result<Rotated, BoxError> {
        Ok(Rotated::First)
    }
    async fn revoke(&self, state: &AppState, revocation: &Revocation<'_>) -> Result<(), BoxError> {
        if let Target::Family(id) | Target::Token(id) = revocation.target {
            state.revoked.lock().unwrap().push(id.to_owned());
        }
        Ok(())
    }
    async fn is_revoked(&self, state: &AppState, token: &TokenRef<'_>) -> Result<bool, BoxError> {
        let revoked = state.revoked.lock().unwrap();
        Ok(revoked.iter().any(|r| Some(r.as_str()) == token.family))
    }
}

#[jwt_auth(
    secret = env("JWT_SECRET"),
    flow = "oauth2_password",
    token_url = "/token",
    expiration = "15m",
    refresh_expiration = "30d",
)]
fn in_memory(token: &Token) -> Option<User> {
    let _ = token;
    Some(User)
}

#[jwt_auth(
    secret = env("JWT_SECRET"),
    flow = "oauth2_password",
    token_url = "/token",
    token_store = StateTokens,
    refresh_expiration = "7d",
    user_impl = false, // `in_memory` implements `AuthUser` for `User`
)]
fn with_state(token: &Token, state: &AppState) -> Option<User> {
    let _ = (token, state);
    Some(User)
}

#[jwt_auth(secret = env("JWT_SECRET"), token_store = jwt_auth::MemoryStore::new(), user_impl = false)]
fn logout_only(token: &Token) -> Option<User> {
    let _ = token;
    Some(User)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let secret = "a secret of at least thirty-two bytes!";
    let auth = InMemory::builder().secret(secret).build().unwrap();
    assert_eq!(auth.refresh_expiration(), Some(Duration::from_hours(24 * 30)));

    let auth = WithState::builder().secret(secret).build().unwrap();
    assert_eq!(auth.refresh_expiration(), Some(Duration::from_hours(24 * 7)));
    let state = AppState::default();
    let token = auth.decode(&auth.create_token("ada").unwrap()).unwrap();
    assert!(auth.revoke(&token, &state).await.unwrap());
    assert_eq!(state.revoked.lock().unwrap().len(), 1, "its family");

    let auth = LogoutOnly::builder().secret(secret).build().unwrap();
    assert_eq!(auth.refresh_expiration(), None);
    let token = auth.decode(&auth.create_token("ada").unwrap()).unwrap();
    assert!(auth.revoke(&token, &()).await.unwrap());
}
