//! Rotating an HMAC secret: the new secret signs, the previous ones still verify (access and
//! refresh tokens), the `kid` says which secret signed, and nobody is logged out.

mod common;

use std::time::Duration;

use axum::response::IntoResponse;
use common::{User, app, assert_invalid_token, assert_user, get_bearer, known_user, read, send};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use jwt_auth::{ConfigError, Flow, JwtAuth, JwtAuthBuilder, MemoryStore};
use serde_json::{Value, json};

const OLD: &str = "the secret before the rotation and thirty-two bytes or more";
const NEW: &str = "the secret after the rotation and also thirty-two bytes long";
const OLDER: &str = "a secret of two rotations ago and thirty-two bytes or more";

fn backend(secret: &str) -> JwtAuthBuilder<User> {
    JwtAuth::<User>::builder()
        .secret(secret)
        .flow(Flow::OAuth2Password)
        .token_url("/login")
        .retrieve_user_sync(|token, _state: &()| known_user(&token.sub))
}

fn kid_of(jwt: &str) -> Option<String> {
    jsonwebtoken::decode_header(jwt).unwrap().kid
}

fn verifies_with(jwt: &str, secret: &str) -> bool {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_required_spec_claims(&["exp", "sub"]);
    jsonwebtoken::decode::<Value>(
        jwt,
        &DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    )
    .is_ok()
}

/// The access and refresh tokens of a login.
async fn login(auth: &JwtAuth<User>, sub: &str) -> (String, String) {
    let body = read(auth.login(sub).into_response()).await.json();
    (
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn tokens_of_the_previous_secret_still_pass_and_new_ones_use_the_current() {
    let store = MemoryStore::new();
    let before = backend(OLD)
        .refresh_tokens(Duration::from_hours(24))
        .token_store(store.clone())
        .build()
        .unwrap();
    let (old_access, old_refresh) = login(&before, "alice").await;
    assert_eq!(kid_of(&old_access), None, "no rotation yet: no kid");

    let after = backend(NEW)
        .previous_secret(OLD)
        .refresh_tokens(Duration::from_hours(24))
        .token_store(store.clone())
        .build()
        .unwrap();
    let app = app(&after);
    // The tokens minted before the rotation pass (twice: the second through the cache).
    for _ in 0..2 {
        assert_user(
            &send(&app, get_bearer("/protected", &old_access)).await,
            "alice",
        );
    }
    // New tokens are signed with the current secret, with its kid.
    let new_access = after.create_token("bob").unwrap();
    assert!(verifies_with(&new_access, NEW));
    assert!(!verifies_with(&new_access, OLD));
    let kid = kid_of(&new_access).expect("a kid during the rotation");
    assert_user(
        &send(&app, get_bearer("/protected", &new_access)).await,
        "bob",
    );
    // A session outlives the rotation: the old refresh token is redeemed, for tokens of the
    // current secret.
    let renewed = read(
        after
            .refresh(&old_refresh, &())
            .await
            .unwrap()
            .into_response(),
    )
    .await
    .json();
    let renewed_access = renewed["access_token"].as_str().unwrap();
    assert!(verifies_with(renewed_access, NEW));
    assert_eq!(kid_of(renewed_access).as_deref(), Some(kid.as_str()));

    // A token of a secret the backend never had is refused; so is one naming the current
    // secret's kid but signed with the previous one's: the kid only says which to try first.
    let forged = common::sign_with(
        Algorithm::HS256,
        b"a secret nobody configured, thirty-two bytes at least",
        &json!({"sub": "alice", "exp": common::now() + 60}),
    );
    assert_invalid_token(&send(&app, get_bearer("/protected", &forged)).await);
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid.clone());
    let misnamed = jsonwebtoken::encode(
        &header,
        &json!({"sub": "alice", "exp": common::now() + 60}),
        &EncodingKey::from_secret(OLD.as_bytes()),
    )
    .unwrap();
    assert_user(
        &send(&app, get_bearer("/protected", &misnamed)).await,
        "alice",
    );

    // Once the previous secret is dropped, its tokens are refused; the current ones, with their
    // kid, still pass.
    let done = backend(NEW).build().unwrap();
    let app = common::app(&done);
    assert_invalid_token(&send(&app, get_bearer("/protected", &old_access)).await);
    assert_user(
        &send(&app, get_bearer("/protected", &new_access)).await,
        "bob",
    );
}

/// The variable is set for a child process that runs this test alone (setting it here would
/// need `unsafe`, which the crate forbids).
#[tokio::test]
async fn previous_secrets_come_from_one_variable_as_a_list() {
    let var = "JWT_AUTH_TEST_PREVIOUS_SECRETS_LIST";
    if std::env::var_os(var).is_none() {
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "previous_secrets_come_from_one_variable_as_a_list",
            ])
            .env(var, format!(" {OLD} ,{OLDER},"))
            .status()
            .unwrap();
        assert!(status.success(), "the test in a child process failed");
        return;
    }
    let auth = backend(NEW).previous_secrets_from_env(var).build().unwrap();
    let app = app(&auth);
    for (secret, sub) in [(OLD, "alice"), (OLDER, "bob"), (NEW, "alice")] {
        let jwt = common::sign_with(
            Algorithm::HS256,
            secret.as_bytes(),
            &json!({"sub": sub, "exp": common::now() + 60}),
        );
        assert_user(&send(&app, get_bearer("/protected", &jwt)).await, sub);
    }
    // Unset: no previous secret, and no kid.
    let unset = backend(NEW)
        .previous_secrets_from_env("JWT_AUTH_TEST_PREVIOUS_SECRETS_UNSET")
        .build()
        .unwrap();
    assert_eq!(kid_of(&unset.create_token("a").unwrap()), None);
    // A previous secret too short for the algorithm is refused, as the current one would be.
    assert!(matches!(
        backend(NEW).previous_secret("short").build().unwrap_err(),
        ConfigError::SecretTooShort { .. }
    ));
    // Previous secrets rotate a secret: with keys instead, they are refused.
    let keys = JwtAuth::<User>::builder()
        .algorithm(Algorithm::EdDSA)
        .signing_key(jwt_auth::Key::pem(include_bytes!(
            "keys/ed25519-private.pem"
        )))
        .previous_secret(OLD)
        .retrieve_user_sync(|token, _state: &()| known_user(&token.sub))
        .build()
        .unwrap_err();
    assert_eq!(keys, ConfigError::PreviousSecretsWithoutSecret);
}

/// A configured `key_id` names the current secret during a rotation.
#[test]
fn a_configured_key_id_names_the_current_secret() {
    let auth = backend(NEW)
        .key_id("2026-12")
        .previous_secret(OLD)
        .build()
        .unwrap();
    let jwt = auth.create_token("alice").unwrap();
    assert_eq!(kid_of(&jwt).as_deref(), Some("2026-12"));
    assert_eq!(auth.decode(&jwt).unwrap().sub, "alice");
}
