//! Properties over random input: tokens round-trip for every algorithm (HMAC; and RSA, RSA-PSS,
//! ECDSA and `EdDSA`, verified through the published JWKS); decoding anything that is not one of
//! our tokens is an error, never a panic; and whatever bytes arrive in the
//! `Authorization` or `Cookie` header, the middleware answers 401, never a 500.

mod common;

use std::sync::LazyLock;

use axum::Router;
use axum::http::{Method, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{FLOWS, SECRET, User, app, backend, builder, request};
use jsonwebtoken::{Algorithm, EncodingKey};
use jwt_auth::{Audience, Extras, Flow, JwtAuth, Key, RESERVED_CLAIMS};
use proptest::prelude::*;
use serde_json::{Value, json};

/// One backend per HMAC algorithm, all with the 64-byte test secret.
static BACKENDS: LazyLock<Vec<JwtAuth<User>>> = LazyLock::new(|| {
    [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512]
        .into_iter()
        .map(|algorithm| builder(Flow::Header).algorithm(algorithm).build().unwrap())
        .collect()
});

const RSA_PRIVATE: &[u8] = include_bytes!("keys/rsa2048-private.pem");
const P256_PRIVATE: &[u8] = include_bytes!("keys/p256-private.pem");
const P384_PRIVATE: &[u8] = include_bytes!("keys/p384-private.pem");
const ED25519_PRIVATE: &[u8] = include_bytes!("keys/ed25519-private.pem");

/// One signing backend per asymmetric algorithm (the public key derived from the private one),
/// and a verify-only twin holding the published JWKS.
static ASYMMETRIC: LazyLock<Vec<(JwtAuth<User>, JwtAuth<User>)>> = LazyLock::new(|| {
    [
        (Algorithm::RS256, RSA_PRIVATE),
        (Algorithm::RS384, RSA_PRIVATE),
        (Algorithm::RS512, RSA_PRIVATE),
        (Algorithm::PS256, RSA_PRIVATE),
        (Algorithm::PS384, RSA_PRIVATE),
        (Algorithm::PS512, RSA_PRIVATE),
        (Algorithm::ES256, P256_PRIVATE),
        (Algorithm::ES384, P384_PRIVATE),
        (Algorithm::EdDSA, ED25519_PRIVATE),
    ]
    .into_iter()
    .map(|(algorithm, private)| {
        let base = || {
            JwtAuth::<User>::builder()
                .algorithm(algorithm)
                .retrieve_user_sync(|token, _state: &()| common::known_user(&token.sub))
        };
        let signer = base()
            .signing_key(Key::pem(private).with_kid("k"))
            .build()
            .unwrap();
        let verifier = base()
            .verification_key(Key::jwk(signer.jwks().to_string()))
            .build()
            .unwrap();
        (signer, verifier)
    })
    .collect()
});

/// An OAuth2 backend that issues refresh tokens (kept in memory).
static REFRESHING: LazyLock<JwtAuth<User>> = LazyLock::new(|| {
    builder(Flow::OAuth2Password)
        .refresh_tokens(std::time::Duration::from_hours(24))
        .build()
        .unwrap()
});

/// The three flows' protected apps.
static APPS: LazyLock<Vec<(Flow, Router)>> = LazyLock::new(|| {
    FLOWS
        .iter()
        .map(|&flow| (flow, app(&backend(flow))))
        .collect()
});

fn audience() -> impl Strategy<Value = Audience> {
    prop_oneof![
        "\\PC{0,12}".prop_map(Audience::One),
        proptest::collection::vec("\\PC{0,12}", 0..4).prop_map(Audience::Many),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,16}".prop_map(Value::from),
        proptest::collection::vec(any::<u32>(), 0..4).prop_map(|v| json!(v)),
    ]
}

fn extras() -> impl Strategy<Value = Extras> {
    proptest::collection::btree_map(
        "\\PC{0,10}".prop_filter("not a registered claim", |k| {
            !RESERVED_CLAIMS.contains(&k.as_str())
        }),
        json_value(),
        0..6,
    )
    .prop_map(|map| map.into_iter().collect())
}

/// Bytes a `HeaderValue` accepts: visible ASCII, space, tab and obs-text.
fn header_bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![Just(b'\t'), 0x20_u8..=0x7e, 0x80_u8..=0xff];
    let raw = proptest::collection::vec(byte, 0..80);
    prop_oneof![
        raw.clone(),
        raw.clone()
            .prop_map(|rest| [b"Bearer ".as_slice(), &rest].concat()),
        raw.prop_map(|rest| [b"token=".as_slice(), &rest].concat()),
    ]
}

fn base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `header.payload.signature`, correctly signed with the test secret.
fn signed(header: &[u8], payload: &[u8]) -> String {
    let message = format!("{}.{}", base64url(header), base64url(payload));
    let key = EncodingKey::from_secret(SECRET.as_bytes());
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::HS256).unwrap();
    format!("{message}.{signature}")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

const DETAILS: [&str; 4] = [
    "No JWT token found in request header",
    "No JWT token found in request header or cookies",
    "Invalid token",
    "Unauthorized",
];

proptest! {
    // RSA signing is slow in a debug build: fewer cases, all algorithms still drawn.
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Every asymmetric algorithm: the signer's token decodes, with every claim, under the
    /// verify-only backend that holds only the published JWKS; another algorithm refuses it.
    #[test]
    fn asymmetric_tokens_round_trip(
        index in 0..9_usize,
        sub in "\\PC{1,24}",
        iss in proptest::option::of("\\PC{0,16}"),
        aud in proptest::option::of(audience()),
        jti in proptest::option::of("\\PC{0,16}"),
        extras in extras(),
    ) {
        let (signer, verifier) = &ASYMMETRIC[index];
        let (jwt, _) = round_trip(signer, verifier, &sub, iss.as_deref(), aud.as_ref(), jti.as_deref(), &extras)?;
        prop_assert!(ASYMMETRIC[(index + 1) % 9].1.decode(&jwt).is_err());
    }

    /// Arbitrary bytes (made text) never panic any asymmetric verifier.
    #[test]
    fn asymmetric_decoding_of_any_bytes_is_an_error(input in proptest::collection::vec(any::<u8>(), 0..256)) {
        let text = String::from_utf8_lossy(&input);
        for (_, verifier) in ASYMMETRIC.iter() {
            prop_assert!(verifier.decode(&text).is_err());
        }
    }
}

/// Mints a token with these claims with `signer`, decodes it with `verifier` and checks that
/// every claim came back (a token without a `jti` of its own gets a random `<family>.<random>`).
fn round_trip(
    signer: &JwtAuth<User>,
    verifier: &JwtAuth<User>,
    sub: &str,
    iss: Option<&str>,
    aud: Option<&Audience>,
    jti: Option<&str>,
    extras: &Extras,
) -> Result<(String, jwt_auth::Token), TestCaseError> {
    let mut token = signer.token(sub);
    if let Some(iss) = iss {
        token = token.issuer(iss);
    }
    if let Some(aud) = aud {
        token = token.audience(aud.clone());
    }
    if let Some(jti) = jti {
        token = token.jti(jti);
    }
    let jwt = token.claims(extras).encode().unwrap();
    let decoded = verifier.decode(&jwt).unwrap();
    prop_assert_eq!(decoded.sub.as_str(), sub);
    prop_assert_eq!(decoded.iss.as_deref(), iss);
    prop_assert_eq!(decoded.aud.as_ref(), aud);
    match jti {
        Some(jti) => prop_assert_eq!(decoded.jti.as_deref(), Some(jti)),
        None => prop_assert!(
            decoded
                .jti
                .as_deref()
                .and_then(jwt_auth::session::family_of)
                .is_some()
        ),
    }
    prop_assert_eq!(&decoded.extras, extras);
    Ok((jwt, decoded))
}

proptest! {
    #[test]
    fn tokens_round_trip(
        index in 0..3_usize,
        sub in "\\PC{1,24}",
        iss in proptest::option::of("\\PC{0,16}"),
        aud in proptest::option::of(audience()),
        jti in proptest::option::of("\\PC{0,16}"),
        extras in extras(),
    ) {
        let auth = &BACKENDS[index];
        let (jwt, decoded) = round_trip(auth, auth, &sub, iss.as_deref(), aud.as_ref(), jti.as_deref(), &extras)?;
        prop_assert_eq!(decoded.exp - decoded.iat.unwrap(), 86_400);
        // Another algorithm's backend refuses it.
        prop_assert!(BACKENDS[(index + 1) % 3].decode(&jwt).is_err());
    }

    #[test]
    fn decoding_any_string_is_an_error(input in any::<String>()) {
        prop_assert!(BACKENDS[0].decode(&input).is_err());
    }

    #[test]
    fn decoding_token_shaped_strings_is_an_error(
        input in "[A-Za-z0-9_-]{0,40}\\.[A-Za-z0-9_-]{0,80}\\.[A-Za-z0-9_-]{0,50}",
    ) {
        prop_assert!(BACKENDS[0].decode(&input).is_err());
    }

    /// A correctly signed token whose JOSE header is arbitrary bytes.
    #[test]
    fn arbitrary_bytes_as_the_jose_header_are_an_error(
        header in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let payload = json!({"sub": "alice", "exp": common::now() + 60}).to_string();
        prop_assert!(BACKENDS[0].decode(&signed(&header, payload.as_bytes())).is_err());
    }

    /// A correctly signed token whose JOSE header is a JSON object with any `alg` but HS256.
    #[test]
    fn any_other_alg_is_an_error(
        alg in "\\PC{0,8}".prop_filter("not the configured algorithm", |a| a != "HS256"),
    ) {
        let header = json!({"alg": alg, "typ": "JWT"}).to_string();
        let payload = json!({"sub": "alice", "exp": common::now() + 60}).to_string();
        prop_assert!(BACKENDS[0].decode(&signed(header.as_bytes(), payload.as_bytes())).is_err());
    }

    /// A correctly signed token whose payload is arbitrary bytes.
    #[test]
    fn arbitrary_bytes_as_the_payload_are_an_error(
        payload in proptest::collection::vec(any::<u8>(), 0..96),
    ) {
        let header = br#"{"alg":"HS256","typ":"JWT"}"#;
        prop_assert!(BACKENDS[0].decode(&signed(header, &payload)).is_err());
    }

    /// Whatever the `Authorization` and `Cookie` headers hold, the answer is a 401 in Litestar's
    /// shape, never a 500 (and never a 200: none of these is a valid token).
    #[test]
    fn any_header_or_cookie_bytes_are_a_401(
        authorization in proptest::option::of(header_bytes()),
        cookie in proptest::option::of(header_bytes()),
    ) {
        let mut headers: Vec<(&str, &[u8])> = Vec::new();
        if let Some(value) = &authorization {
            headers.push(("authorization", value));
        }
        if let Some(value) = &cookie {
            headers.push(("cookie", value));
        }
        let runtime = runtime();
        for (flow, app) in APPS.iter() {
            let reply = runtime.block_on(common::send(app, request(Method::GET, "/protected", &headers)));
            prop_assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{:?}: {}", flow, reply.text());
            let detail = reply.json()["detail"].as_str().unwrap_or_default().to_owned();
            prop_assert!(DETAILS.contains(&detail.as_str()), "{}", detail);
        }
    }

    /// With a valid cookie and any `Authorization` bytes, the cookie flows answer 200 or 401,
    /// never a 500.
    #[test]
    fn any_header_next_to_a_valid_cookie_is_200_or_401(authorization in header_bytes()) {
        let runtime = runtime();
        for (flow, app) in APPS.iter().filter(|(flow, _)| *flow != Flow::Header) {
            let cookie = format!("token={}", common::token_for(&backend(*flow), "alice"));
            let headers: [(&str, &[u8]); 2] =
                [("authorization", &authorization), ("cookie", cookie.as_bytes())];
            let reply = runtime.block_on(common::send(app, request(Method::GET, "/protected", &headers)));
            prop_assert!(
                matches!(reply.status, StatusCode::OK | StatusCode::UNAUTHORIZED),
                "{:?}: {} {}", flow, reply.status, reply.text()
            );
        }
    }
}

proptest! {
    /// Whatever string is presented as a refresh token, the exchange is refused with an error
    /// that is not a 500, never a panic.
    #[test]
    fn any_string_as_a_refresh_token_is_invalid_grant(input in any::<String>()) {
        let error = runtime().block_on(REFRESHING.refresh(&input, &())).unwrap_err();
        prop_assert!(matches!(error, jwt_auth::RefreshError::Invalid(_)), "{:?}", error);
    }

    /// A correctly signed refresh token (`typ` refresh+jwt) with an arbitrary payload is refused
    /// unless it has the shape of one of ours; it never panics or passes as an access token.
    #[test]
    fn arbitrary_payloads_of_refresh_tokens_are_refused(
        payload in proptest::collection::vec(any::<u8>(), 0..96),
    ) {
        let header = br#"{"alg":"HS256","typ":"refresh+jwt"}"#;
        let jwt = signed(header, &payload);
        let runtime = runtime();
        prop_assert!(runtime.block_on(REFRESHING.refresh(&jwt, &())).is_err());
        prop_assert_eq!(REFRESHING.decode(&jwt).unwrap_err(), jwt_auth::InvalidToken::WrongType);
    }

    /// Any parameters give a grant or an RFC 6749 error, never a panic; and a grant's fields
    /// come from the parameters.
    #[test]
    fn any_grant_parameters_parse_or_are_an_oauth2_error(
        parameters in proptest::collection::vec(
            (prop_oneof![
                Just("grant_type".to_owned()), Just("username".to_owned()),
                Just("password".to_owned()), Just("refresh_token".to_owned()),
                Just("scope".to_owned()), "\\PC{0,8}",
            ], prop_oneof![Just("password".to_owned()), Just("refresh_token".to_owned()), "\\PC{0,12}"]),
            0..8,
        ),
    ) {
        match jwt_auth::TokenGrant::from_parameters(parameters.clone()) {
            Ok(jwt_auth::TokenGrant::Password(grant)) => {
                prop_assert!(parameters.contains(&("username".to_owned(), grant.username)));
                prop_assert!(parameters.contains(&("grant_type".to_owned(), "password".to_owned())));
            }
            Ok(jwt_auth::TokenGrant::RefreshToken(grant)) => {
                prop_assert!(parameters.contains(&("refresh_token".to_owned(), grant.refresh_token)));
            }
            Err(error) => prop_assert!(
                ["invalid_request", "unsupported_grant_type"].contains(&error.error),
                "{:?}", error
            ),
        }
    }
}
