//! Key sets: every asymmetric algorithm with PEM, DER and JWK keys, `kid` selection, rotation,
//! the public JWKS document, keys refused at build, and keys kept out of `Debug` and errors.

mod common;

use axum::response::IntoResponse as _;
use common::{User, app, assert_invalid_token, assert_user, get_bearer, known_user, read, send};
use jwt_auth::{Algorithm, ConfigError, JwtAuth, JwtAuthBuilder, Key, KeyMaterial, KeySource};
use serde_json::{Value, json};

const ED25519_PRIVATE: &[u8] = include_bytes!("keys/ed25519-private.pem");
const ED25519_PUBLIC: &[u8] = include_bytes!("keys/ed25519-public.pem");
const ED25519_PUBLIC_DER: &[u8] = include_bytes!("keys/ed25519-public.der");
const ED25519_SECOND_PRIVATE: &[u8] = include_bytes!("keys/ed25519-second-private.pem");
const ED25519_SECOND_PUBLIC: &[u8] = include_bytes!("keys/ed25519-second-public.pem");
const P256_PRIVATE: &[u8] = include_bytes!("keys/p256-private.pem");
const P256_PUBLIC: &[u8] = include_bytes!("keys/p256-public.pem");
const P256_PUBLIC_DER: &[u8] = include_bytes!("keys/p256-public.der");
const P384_PRIVATE: &[u8] = include_bytes!("keys/p384-private.pem");
const P384_PUBLIC: &[u8] = include_bytes!("keys/p384-public.pem");
const RSA_PRIVATE: &[u8] = include_bytes!("keys/rsa2048-private.pem");
const RSA_PRIVATE_DER: &[u8] = include_bytes!("keys/rsa2048-private.der");
const RSA_PUBLIC: &[u8] = include_bytes!("keys/rsa2048-public.pem");
const RSA_PUBLIC_DER: &[u8] = include_bytes!("keys/rsa2048-public.der");

/// Every asymmetric algorithm jsonwebtoken supports, with a key pair (PEM private, PEM public,
/// DER public when there is one).
type Pair = (
    Algorithm,
    &'static [u8],
    &'static [u8],
    Option<&'static [u8]>,
);

const ALGORITHMS: [Pair; 9] = [
    (
        Algorithm::RS256,
        RSA_PRIVATE,
        RSA_PUBLIC,
        Some(RSA_PUBLIC_DER),
    ),
    (
        Algorithm::RS384,
        RSA_PRIVATE,
        RSA_PUBLIC,
        Some(RSA_PUBLIC_DER),
    ),
    (
        Algorithm::RS512,
        RSA_PRIVATE,
        RSA_PUBLIC,
        Some(RSA_PUBLIC_DER),
    ),
    (
        Algorithm::PS256,
        RSA_PRIVATE,
        RSA_PUBLIC,
        Some(RSA_PUBLIC_DER),
    ),
    (
        Algorithm::PS384,
        RSA_PRIVATE,
        RSA_PUBLIC,
        Some(RSA_PUBLIC_DER),
    ),
    (
        Algorithm::PS512,
        RSA_PRIVATE,
        RSA_PUBLIC,
        Some(RSA_PUBLIC_DER),
    ),
    (
        Algorithm::ES256,
        P256_PRIVATE,
        P256_PUBLIC,
        Some(P256_PUBLIC_DER),
    ),
    (Algorithm::ES384, P384_PRIVATE, P384_PUBLIC, None),
    (
        Algorithm::EdDSA,
        ED25519_PRIVATE,
        ED25519_PUBLIC,
        Some(ED25519_PUBLIC_DER),
    ),
];

fn bare(algorithm: Algorithm) -> JwtAuthBuilder<User> {
    JwtAuth::<User>::builder()
        .algorithm(algorithm)
        .retrieve_user_sync(|token, _state: &()| known_user(&token.sub))
}

fn header_of(jwt: &str) -> jsonwebtoken::Header {
    jsonwebtoken::decode_header(jwt).unwrap()
}

#[tokio::test]
async fn every_asymmetric_algorithm_with_pem_der_and_jwk_keys() {
    for (algorithm, private, public, der) in ALGORITHMS {
        // A private key alone: the public half is derived to verify.
        let signer = bare(algorithm)
            .signing_key(Key::pem(private).with_kid("k1"))
            .build()
            .unwrap_or_else(|e| panic!("{algorithm:?}: {e}"));
        let jwt = signer.create_token("alice").unwrap();
        assert_eq!(header_of(&jwt).kid.as_deref(), Some("k1"), "{algorithm:?}");
        assert_eq!(header_of(&jwt).alg, algorithm);
        assert_user(
            &send(&app(&signer), get_bearer("/protected", &jwt)).await,
            "alice",
        );

        let mut verifiers = vec![
            ("pem", bare(algorithm).verification_key(Key::pem(public))),
            // The JWKS the signer publishes, as a JWK Set.
            (
                "jwks",
                bare(algorithm).verification_key(Key::jwk(signer.jwks().to_string())),
            ),
            // One JWK of it.
            (
                "jwk",
                bare(algorithm).verification_key(Key::jwk(signer.jwks()["keys"][0].to_string())),
            ),
        ];
        if let Some(der) = der {
            verifiers.push(("der", bare(algorithm).verification_key(Key::der(der))));
        }
        for (kind, builder) in verifiers {
            let verifier = builder
                .build()
                .unwrap_or_else(|e| panic!("{algorithm:?} {kind}: {e}"));
            assert_user(
                &send(&app(&verifier), get_bearer("/protected", &jwt)).await,
                "alice",
            );
        }
    }
}

#[test]
fn a_der_private_key_signs() {
    let signer = bare(Algorithm::RS256)
        .signing_key(Key::der(RSA_PRIVATE_DER))
        .verification_key(Key::pem(RSA_PUBLIC))
        .build()
        .unwrap();
    let jwt = signer.create_token("alice").unwrap();
    assert_eq!(signer.decode(&jwt).unwrap().sub, "alice");
}

#[test]
fn keys_from_files() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/keys");
    let signer = bare(Algorithm::EdDSA)
        .signing_key(Key::file(format!("{dir}/ed25519-private.pem")))
        .verification_key(Key::file(format!("{dir}/ed25519-public.pem")))
        .verification_key(Key::file(format!("{dir}/rsa2048-public.der")).with_kid("unused"))
        .build();
    // The DER file holds an RSA key: refused for EdDSA, naming no key bytes.
    let error = signer.unwrap_err();
    assert!(
        matches!(
            error,
            ConfigError::InvalidKey {
                algorithm: "EdDSA",
                ..
            }
        ),
        "{error}"
    );

    let signer = bare(Algorithm::EdDSA)
        .signing_key(Key::file(format!("{dir}/ed25519-private.pem")))
        .verification_key(Key::file(format!("{dir}/ed25519-public.der")))
        .build()
        .unwrap();
    let jwt = signer.create_token("alice").unwrap();
    assert_eq!(signer.decode(&jwt).unwrap().sub, "alice");

    let error = bare(Algorithm::EdDSA)
        .verification_key(Key::file("/nonexistent/key.pem"))
        .build()
        .unwrap_err();
    assert!(
        error.to_string().contains("/nonexistent/key.pem"),
        "{error}"
    );
    let error = bare(Algorithm::EdDSA)
        .verification_key(Key::env("JWT_AUTH_TEST_SURELY_UNSET_KEY"))
        .build()
        .unwrap_err();
    assert_eq!(
        error,
        ConfigError::MissingEnvKey {
            var: "JWT_AUTH_TEST_SURELY_UNSET_KEY".into()
        }
    );
}

/// Rotation: the new key is added with a new `kid`, the signer switches, the old key goes.
#[tokio::test]
async fn key_rotation_by_kid() {
    let old_signer = bare(Algorithm::EdDSA)
        .signing_key(Key::pem(ED25519_PRIVATE).with_kid("2025"))
        .build()
        .unwrap();
    let new_signer = bare(Algorithm::EdDSA)
        .signing_key(Key::pem(ED25519_SECOND_PRIVATE))
        .key_id("2026")
        .verification_key(Key::pem(ED25519_PUBLIC).with_kid("2025"))
        .build()
        .unwrap();
    let old = old_signer.create_token("alice").unwrap();
    let new = new_signer.create_token("bob").unwrap();
    assert_eq!(header_of(&new).kid.as_deref(), Some("2026"));

    // During the rotation the new signer (and a verifier with both keys) accepts both.
    let both = bare(Algorithm::EdDSA)
        .verification_keys([
            Key::pem(ED25519_PUBLIC).with_kid("2025"),
            Key::pem(ED25519_SECOND_PUBLIC).with_kid("2026"),
        ])
        .build()
        .unwrap();
    for auth in [&new_signer, &both] {
        assert_user(
            &send(&app(auth), get_bearer("/protected", &old)).await,
            "alice",
        );
        assert_user(
            &send(&app(auth), get_bearer("/protected", &new)).await,
            "bob",
        );
    }
    // The published JWKS has both keys, by kid.
    let kids: Vec<Value> = new_signer.jwks()["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].clone())
        .collect();
    assert_eq!(kids, [json!("2025"), json!("2026")]);

    // After it, the old key is dropped: its tokens are refused.
    let after = bare(Algorithm::EdDSA)
        .signing_key(Key::pem(ED25519_SECOND_PRIVATE).with_kid("2026"))
        .build()
        .unwrap();
    assert_invalid_token(&send(&app(&after), get_bearer("/protected", &old)).await);
    assert_user(
        &send(&app(&after), get_bearer("/protected", &new)).await,
        "bob",
    );
}

#[tokio::test]
async fn kid_selection_rules() {
    let both = bare(Algorithm::EdDSA)
        .verification_keys([
            Key::pem(ED25519_PUBLIC).with_kid("a"),
            Key::pem(ED25519_SECOND_PUBLIC).with_kid("b"),
        ])
        .build()
        .unwrap();
    let sign = |private: &[u8], kid: Option<&str>| {
        let mut header = jsonwebtoken::Header::new(Algorithm::EdDSA);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(
            &header,
            &json!({"sub": "alice", "exp": common::now() + 60}),
            &jsonwebtoken::EncodingKey::from_ed_pem(private).unwrap(),
        )
        .unwrap()
    };
    let app = app(&both);
    assert_user(
        &send(
            &app,
            get_bearer("/protected", &sign(ED25519_PRIVATE, Some("a"))),
        )
        .await,
        "alice",
    );
    // Wrong kid: signed by key a, labelled b.
    assert_invalid_token(
        &send(
            &app,
            get_bearer("/protected", &sign(ED25519_PRIVATE, Some("b"))),
        )
        .await,
    );
    // Unknown kid.
    assert_invalid_token(
        &send(
            &app,
            get_bearer("/protected", &sign(ED25519_PRIVATE, Some("c"))),
        )
        .await,
    );
    // No kid with two keys: never tried in turn.
    assert_invalid_token(&send(&app, get_bearer("/protected", &sign(ED25519_PRIVATE, None))).await);
    assert_eq!(
        both.decode(&sign(ED25519_PRIVATE, Some("c"))).unwrap_err(),
        jwt_auth::InvalidToken::UnknownKey
    );

    // One key without a kid: the token's kid is not looked at, with or without one.
    let single = bare(Algorithm::EdDSA)
        .verification_key(Key::pem(ED25519_PUBLIC))
        .build()
        .unwrap();
    assert!(
        single
            .decode(&sign(ED25519_PRIVATE, Some("anything")))
            .is_ok()
    );
    assert!(single.decode(&sign(ED25519_PRIVATE, None)).is_ok());
    // One key with a kid: a token without kid is accepted, one with another kid is not.
    let single_kid = bare(Algorithm::EdDSA)
        .verification_key(Key::pem(ED25519_PUBLIC).with_kid("a"))
        .build()
        .unwrap();
    assert!(single_kid.decode(&sign(ED25519_PRIVATE, None)).is_ok());
    assert!(
        single_kid
            .decode(&sign(ED25519_PRIVATE, Some("b")))
            .is_err()
    );
}

#[test]
fn jwks_publishes_public_keys_only() {
    for (algorithm, private, _, _) in ALGORITHMS {
        let signer = bare(algorithm)
            .signing_key(Key::pem(private).with_kid("k"))
            .build()
            .unwrap();
        let jwks = signer.jwks();
        let keys = jwks["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 1, "{algorithm:?}");
        let key = &keys[0];
        assert_eq!(key["kid"], "k");
        assert_eq!(key["use"], "sig");
        assert_eq!(key["alg"], jwt_auth::algorithm_name(algorithm));
        assert!(key.get("d").is_none() && key.get("p").is_none(), "{key}");
    }
    // An HMAC backend publishes nothing: its secret verifies.
    let hmac = common::backend(jwt_auth::Flow::Header);
    assert_eq!(hmac.jwks(), json!({"keys": []}));
}

#[test]
fn keys_that_cannot_work_are_refused_at_build() {
    let refused = |builder: JwtAuthBuilder<User>, what: &str| {
        let error = builder.build().unwrap_err();
        assert!(
            matches!(error, ConfigError::InvalidKey { .. }),
            "{what}: {error}"
        );
        error.to_string()
    };
    // A key for HMAC, a secret for an asymmetric algorithm (algorithm confusion).
    refused(
        bare(Algorithm::HS256).verification_key(Key::pem(RSA_PUBLIC)),
        "key for HS256",
    );
    refused(
        bare(Algorithm::RS256).secret(RSA_PUBLIC),
        "secret for RS256",
    );
    // An `oct` JWK for RS256: an HMAC key in disguise.
    refused(
        bare(Algorithm::RS256).verification_key(Key::jwk(r#"{"kty":"oct","k":"c2VjcmV0"}"#)),
        "oct JWK",
    );
    // A JWK whose `alg` is another algorithm.
    let rs_signer = bare(Algorithm::RS256)
        .signing_key(Key::pem(RSA_PRIVATE))
        .build()
        .unwrap();
    refused(
        bare(Algorithm::PS256).verification_key(Key::jwk(rs_signer.jwks().to_string())),
        "RS256 JWK for PS256",
    );
    // A private JWK.
    refused(
        bare(Algorithm::EdDSA).signing_key(Key::jwk(r#"{"kty":"OKP","crv":"Ed25519","x":"AA"}"#)),
        "private JWK",
    );
    // Two keys with the same kid.
    refused(
        bare(Algorithm::EdDSA).verification_keys([
            Key::pem(ED25519_PUBLIC).with_kid("a"),
            Key::pem(ED25519_SECOND_PUBLIC).with_kid("a"),
        ]),
        "duplicate kid",
    );
    // Several verification keys and a signing key without kid: its tokens could not be verified.
    let message = refused(
        bare(Algorithm::EdDSA)
            .signing_key(Key::pem(ED25519_PRIVATE))
            .verification_keys([
                Key::pem(ED25519_PUBLIC).with_kid("a"),
                Key::pem(ED25519_SECOND_PUBLIC).with_kid("b"),
            ]),
        "signing key without kid",
    );
    assert!(!message.contains("BEGIN"), "{message}");
    // No key at all.
    assert_eq!(
        bare(Algorithm::EdDSA).build().unwrap_err(),
        ConfigError::MissingSecret
    );
}

#[test]
fn keys_never_appear_in_debug_or_errors() {
    let private = String::from_utf8(ED25519_PRIVATE.to_vec()).unwrap();
    let body = private.lines().nth(1).unwrap().to_owned();
    let key = Key::pem(ED25519_PRIVATE).with_kid("k");
    let shown = [
        format!("{key:?}"),
        format!(
            "{:?}",
            KeyMaterial::Der(jwt_auth::Secret::new(RSA_PRIVATE_DER))
        ),
        format!(
            "{:?}",
            KeySource::Keys {
                signing: Some(key.clone()),
                verifying: vec![Key::pem(ED25519_PUBLIC)],
            }
        ),
        format!("{:?}", bare(Algorithm::EdDSA).signing_key(key.clone())),
        format!(
            "{:?}",
            bare(Algorithm::EdDSA)
                .signing_key(key.clone())
                .build()
                .unwrap()
        ),
        // A broken private key: the error says why, not what.
        bare(Algorithm::EdDSA)
            .signing_key(Key::pem(private.replace(&body, &body[..20])))
            .build()
            .unwrap_err()
            .to_string(),
    ];
    for text in shown {
        assert!(!text.contains(&body[..16]), "{text}");
        assert!(!text.contains("BEGIN"), "{text}");
    }
    // The login response carries the token, not the key.
    let signer = bare(Algorithm::EdDSA).signing_key(key).build().unwrap();
    let reply =
        futures_util::FutureExt::now_or_never(read(signer.login("alice").into_response())).unwrap();
    assert!(!reply.text().contains(&body[..16]));
}
