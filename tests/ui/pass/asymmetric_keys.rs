//! An asymmetric algorithm with keys from files and the environment, and a key id. The files
//! do not exist here: `new()` reports it as a configuration error, at start-up, not a panic.

use jwt_auth::{ConfigError, Token, jwt_auth};

#[derive(Clone)]
struct User;

#[jwt_auth(
    algorithm = "EdDSA",
    private_key = file("keys/ed25519-private.pem"),
    public_keys = [file("keys/ed25519-public.pem"), env("JWT_AUTH_UI_PREVIOUS_PUBLIC_KEY")],
    key_id = "2026-01",
)]
async fn retrieve_user(token: &Token) -> Option<User> {
    let _ = token;
    Some(User)
}

fn main() {
    let error = RetrieveUser::new().unwrap_err();
    assert!(
        matches!(error, ConfigError::InvalidKey { algorithm: "EdDSA", .. }),
        "{error}"
    );
}
