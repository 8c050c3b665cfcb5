//! The expansion compiles clean under `deny(warnings, missing_docs)` and clippy's pedantic
//! group (`tests/ui.rs` includes this file, so `cargo clippy --all-targets` checks it too).

#![deny(warnings, missing_docs)]
#![deny(clippy::pedantic)]

use jwt_auth::{Token, jwt_auth};

/// A user.
#[derive(Clone, Debug)]
pub struct User {
    /// Its identifier.
    pub id: String,
}

/// The application's state.
#[derive(Clone, Debug, Default)]
pub struct AppState;

/// Whether a token was revoked.
#[must_use]
pub fn is_revoked(token: &Token, state: &AppState) -> bool {
    let _ = state;
    token.jti.is_none()
}

/// Finds the token's user.
#[jwt_auth(
    secret = env("JWT_SECRET"),
    flow = "oauth2_password",
    token_url = "/login",
    exclude = ["^/login$"],
    exclude_methods = [],
    revoked = is_revoked,
    oauth_scopes = { "read": "Read access" },
)]
pub async fn retrieve_user(token: &Token, state: &AppState) -> Option<User> {
    let _ = state;
    let id = std::future::ready(token.sub.clone()).await;
    Some(User { id })
}

/// Finds the token's user, synchronously and without state.
#[jwt_auth(secret = env("JWT_SECRET"), revoked = revoked_async, user_impl = false)]
pub fn retrieve_user_sync(token: &Token) -> Result<Option<User>, std::io::Error> {
    if token.sub.starts_with("db-down") {
        return Err(std::io::Error::other("the user database is down"));
    }
    Ok(Some(User {
        id: token.sub.clone(),
    }))
}

/// Whether a token was revoked, asynchronously.
pub async fn revoked_async(token: &Token) -> bool {
    std::future::ready(token.jti.is_none()).await
}

/// Builds both backends.
///
/// # Panics
///
/// When a backend cannot be built.
pub fn main() {
    let secret = "a secret of at least thirty-two bytes!";
    let auth = RetrieveUser::builder().secret(secret).build().unwrap();
    let sync = RetrieveUserSync::builder().secret(secret).build().unwrap();
    assert!(auth.create_token("user-1").is_ok());
    assert_eq!(User { id: "a".to_owned() }.id, "a");
    assert!(sync.create_token("user-1").is_ok());
}
