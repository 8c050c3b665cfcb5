//! Separate signing and verification keys for RS/PS/ES/EdDSA (Litestar's single `token_secret`
//! makes a backend sign-only or verify-only): a signing backend mints tokens, a verify-only
//! backend with just the public key accepts them and cannot mint any.

mod common;

use axum::http::StatusCode;
use axum::response::IntoResponse as _;
use common::{
    User, app, assert_invalid_token, assert_user, get_bearer, known_user, read, send, sign_with,
};
use jwt_auth::{Algorithm, ConfigError, JwtAuth, JwtAuthBuilder, TokenError};
use serde_json::json;

const ED25519_PRIVATE: &[u8] = include_bytes!("keys/ed25519-private.pem");
const ED25519_PUBLIC: &[u8] = include_bytes!("keys/ed25519-public.pem");
const ED25519_OTHER_PUBLIC: &[u8] = include_bytes!("keys/ed25519-other-public.pem");
const P256_PRIVATE: &[u8] = include_bytes!("keys/p256-private.pem");
const P256_PUBLIC: &[u8] = include_bytes!("keys/p256-public.pem");
const RSA_PRIVATE: &[u8] = include_bytes!("keys/rsa2048-private.pem");
const RSA_PUBLIC: &[u8] = include_bytes!("keys/rsa2048-public.pem");

const PAIRS: [(Algorithm, &[u8], &[u8]); 4] = [
    (Algorithm::EdDSA, ED25519_PRIVATE, ED25519_PUBLIC),
    (Algorithm::ES256, P256_PRIVATE, P256_PUBLIC),
    (Algorithm::RS256, RSA_PRIVATE, RSA_PUBLIC),
    (Algorithm::PS256, RSA_PRIVATE, RSA_PUBLIC),
];

fn bare(algorithm: Algorithm) -> JwtAuthBuilder<User> {
    JwtAuth::<User>::builder()
        .algorithm(algorithm)
        .retrieve_user_sync(|token, _state: &()| known_user(&token.sub))
}

#[tokio::test]
async fn a_verify_only_backend_accepts_the_signers_tokens_and_mints_none() {
    for (algorithm, private, public) in PAIRS {
        let signer = bare(algorithm)
            .pem_keys(Some(private), public)
            .build()
            .unwrap();
        let verifier = bare(algorithm).pem_keys(None, public).build().unwrap();

        let jwt = read(signer.login("alice").into_response())
            .await
            .bearer("authorization");
        assert_user(
            &send(&app(&signer), get_bearer("/protected", &jwt)).await,
            "alice",
        );
        assert_user(
            &send(&app(&verifier), get_bearer("/protected", &jwt)).await,
            "alice",
        );

        assert_eq!(
            verifier.create_token("alice").unwrap_err(),
            TokenError::NoSigningKey,
            "{algorithm:?}"
        );
        let reply = read(verifier.login("alice").into_response()).await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(reply.headers.get("authorization").is_none());
    }
}

#[test]
fn a_key_pair_that_does_not_match_is_refused_at_build() {
    let error = bare(Algorithm::EdDSA)
        .pem_keys(Some(ED25519_PRIVATE), ED25519_OTHER_PUBLIC)
        .build()
        .unwrap_err();
    assert!(
        matches!(&error, ConfigError::InvalidKey { algorithm: "EdDSA", reason }
            if reason.contains("does not match")),
        "{error}"
    );
}

#[test]
fn a_key_of_the_wrong_kind_is_refused_at_build() {
    for (algorithm, public) in [
        (Algorithm::RS256, P256_PUBLIC),
        (Algorithm::ES256, RSA_PUBLIC),
        (Algorithm::EdDSA, b"not a pem".as_slice()),
    ] {
        let error = bare(algorithm).pem_keys(None, public).build().unwrap_err();
        assert!(
            matches!(error, ConfigError::InvalidKey { .. }),
            "{algorithm:?}: {error}"
        );
    }
    let error = bare(Algorithm::HS256)
        .pem_keys(None, RSA_PUBLIC)
        .build()
        .unwrap_err();
    assert!(matches!(error, ConfigError::InvalidKey { .. }), "{error}");
}

/// The classic confusion: an HS256 token whose HMAC key is the server's public key.
#[tokio::test]
async fn an_hmac_token_keyed_with_the_public_key_is_refused() {
    for (algorithm, _, public) in PAIRS {
        let verifier = bare(algorithm).pem_keys(None, public).build().unwrap();
        let forged = sign_with(
            Algorithm::HS256,
            public,
            &json!({"sub": "alice", "exp": common::now() + 60}),
        );
        assert_invalid_token(&send(&app(&verifier), get_bearer("/protected", &forged)).await);
    }
}

#[tokio::test]
async fn a_token_from_another_key_is_refused() {
    let signer = bare(Algorithm::EdDSA)
        .pem_keys(Some(ED25519_PRIVATE), ED25519_PUBLIC)
        .build()
        .unwrap();
    let other = bare(Algorithm::EdDSA)
        .pem_keys(None, ED25519_OTHER_PUBLIC)
        .build()
        .unwrap();
    let jwt = signer.create_token("alice").unwrap();
    assert_invalid_token(&send(&app(&other), get_bearer("/protected", &jwt)).await);
}
