//! Interoperability with Litestar, both ways: tokens minted by Litestar (PyJWT) are accepted, and
//! ours have the shape Litestar's `Token.decode` accepts.
//!
//! The two vectors below were minted once, by hand, with Litestar 2.25.0 and PyJWT 2.15.1 in a
//! virtualenv (`python3 -m venv v && v/bin/pip install pyjwt 'litestar==2.25.*'`), by Litestar's
//! own `Token` class, the way `create_token` mints them:
//!
//! ```python
//! from datetime import datetime, timezone
//! from litestar.security.jwt import Token
//! SECRET = "jwt-auth behaviour tests: a secret of sixty-four bytes or more!!"
//! utc = lambda *a: datetime(*a, tzinfo=timezone.utc)
//! print(Token(sub="alice", exp=utc(2100, 1, 1), iat=utc(2024, 1, 1),
//!             extras={"email": "alice@example.com"}).encode(SECRET, "HS256"))
//! print(Token(sub="bob", exp=utc(2100, 1, 1), iat=utc(2024, 1, 1),
//!             iss="https://issuer.example", aud=["api", "admin"], jti="jti-1",
//!             extras={"role": "admin", "level": 3}).encode(SECRET, "HS256"))
//! ```
//!
//! The first equals `jwt.encode({"exp": 4102444800, "sub": "alice", "iat": 1704067200,
//! "extras": {"email": "alice@example.com"}}, SECRET, algorithm="HS256")`.
//!
//! The other direction was checked once, by hand, with the same virtualenv: tokens printed by
//! `auth.token("alice").issuer("https://issuer.example").audience(["api", "admin"]).jti("jti-9")
//! .extra("email", "alice@example.com").extra("level", 3).encode()` and by
//! `auth.create_token("bob")` were decoded by
//! `Token.decode(jwt, secret=SECRET, algorithm="HS256", audience="api",
//! issuer="https://issuer.example")` (and without audience/issuer for the plain one), giving
//! `Token(sub='alice', iss='https://issuer.example', aud=['api', 'admin'], jti='jti-9',
//! extras={'level': 3, 'email': 'alice@example.com'}, ...)` and `Token(sub='bob', extras={}, ...)`.
//! The suite does not run Python (CI may not have it); instead it checks the JOSE header and the
//! payload shape those rules need: HS256, numeric `exp`/`iat`, string `sub`, extras at the top
//! level (Litestar moves unknown claims into `extras`).

mod common;

use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{FLOWS, SECRET, app, assert_user, backend, builder, get_bearer, send};
use jwt_auth::{Algorithm, Audience, Flow, JwtAuth};
use serde::Deserialize;
use serde_json::{Value, json};

/// Litestar 2.25 `Token(sub="alice", exp=2100-01-01, iat=2024-01-01,
/// extras={"email": "alice@example.com"})`, HS256, with [`SECRET`].
const LITESTAR_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.\
    eyJleHAiOjQxMDI0NDQ4MDAsInN1YiI6ImFsaWNlIiwiaWF0IjoxNzA0MDY3MjAwLCJleHRyYXMiOnsiZW1haWwiOiJhbGljZUBleGFtcGxlLmNvbSJ9fQ.\
    q_tkTSy1U-vzN2bRgh-NlbWANjdaio8h1YRZwOKAZgs";

/// Litestar 2.25 `Token(sub="bob", ..., iss="https://issuer.example", aud=["api", "admin"],
/// jti="jti-1", extras={"role": "admin", "level": 3})`, HS256, with [`SECRET`].
const LITESTAR_FULL_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.\
    eyJleHAiOjQxMDI0NDQ4MDAsInN1YiI6ImJvYiIsImlhdCI6MTcwNDA2NzIwMCwiaXNzIjoiaHR0cHM6Ly9pc3N1ZXIuZXhhbXBsZSIsImF1ZCI6WyJhcGkiLCJhZG1pbiJdLCJqdGkiOiJqdGktMSIsImV4dHJhcyI6eyJyb2xlIjoiYWRtaW4iLCJsZXZlbCI6M319.\
    mSOCxumZBaRB1NS-TGADjLWcY7wY329EWdiLZSjR74w";

/// The vectors without the line continuations' indentation.
fn vector(raw: &str) -> String {
    raw.split_whitespace().collect()
}

#[tokio::test]
async fn a_litestar_token_is_accepted_by_the_three_flows() {
    let jwt = vector(LITESTAR_TOKEN);
    for flow in FLOWS {
        let auth = backend(flow);
        let reply = send(&app(&auth), get_bearer("/protected", &jwt)).await;
        assert_user(&reply, "alice");
        assert_eq!(
            reply.json()["extras"],
            json!({"email": "alice@example.com"})
        );
    }
    let token = backend(Flow::Header).decode(&jwt).unwrap();
    assert_eq!(token.exp, 4_102_444_800);
    assert_eq!(token.iat, Some(1_704_067_200));
    assert_eq!((token.iss, token.aud, token.jti), (None, None, None));
}

#[tokio::test]
async fn a_litestar_token_with_issuer_audience_and_jti_is_accepted() {
    let jwt = vector(LITESTAR_FULL_TOKEN);
    let auth = builder(Flow::Cookie)
        .accepted_issuers(["https://issuer.example"])
        .accepted_audiences(["api"])
        .build()
        .unwrap();
    let reply = send(&app(&auth), common::get_cookie("/protected", &jwt)).await;
    assert_user(&reply, "bob");
    let token = auth.decode(&jwt).unwrap();
    assert_eq!(token.iss.as_deref(), Some("https://issuer.example"));
    assert_eq!(token.aud, Some(Audience::from(["api", "admin"])));
    assert_eq!(token.jti.as_deref(), Some("jti-1"));
    assert_eq!(
        Value::Object(token.extras),
        json!({"role": "admin", "level": 3})
    );

    // And refused when Litestar would refuse it.
    let other_audience = builder(Flow::Header)
        .accepted_audiences(["billing"])
        .build()
        .unwrap();
    assert!(other_audience.decode(&jwt).is_err());
}

#[tokio::test]
async fn a_litestar_token_decodes_into_typed_claims() {
    #[derive(Debug, PartialEq, Deserialize, serde::Serialize)]
    struct Claims {
        email: String,
    }
    let auth = JwtAuth::<common::User, (), Claims>::builder()
        .secret(SECRET)
        .retrieve_user_sync(|token, _state: &()| Some(common::user(&token.sub)))
        .build()
        .unwrap();
    let token = auth.decode(&vector(LITESTAR_TOKEN)).unwrap();
    assert_eq!(
        token.extras,
        Claims {
            email: "alice@example.com".into()
        }
    );
}

#[tokio::test]
async fn a_litestar_token_with_another_secret_is_refused() {
    let auth = JwtAuth::<common::User>::builder()
        .secret(SECRET.to_uppercase())
        .retrieve_user_sync(|token, _state: &()| Some(common::user(&token.sub)))
        .build()
        .unwrap();
    let reply = send(
        &app(&auth),
        get_bearer("/protected", &vector(LITESTAR_TOKEN)),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

/// Splits a JWT into its decoded JOSE header and payload.
fn parts(jwt: &str) -> (Value, Value) {
    let segments: Vec<&str> = jwt.split('.').collect();
    assert_eq!(segments.len(), 3, "{jwt}");
    let decode = |segment: &str| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(segment).expect("base64url")).expect("JSON")
    };
    assert!(!segments[2].is_empty(), "the token is signed");
    (decode(segments[0]), decode(segments[1]))
}

#[test]
fn our_tokens_have_the_shape_litestar_decodes() {
    for (algorithm, name) in [
        (Algorithm::HS256, "HS256"),
        (Algorithm::HS384, "HS384"),
        (Algorithm::HS512, "HS512"),
    ] {
        let auth = builder(Flow::Header).algorithm(algorithm).build().unwrap();
        let jwt = auth
            .token("alice")
            .issuer("https://issuer.example")
            .audience(["api", "admin"])
            .jti("jti-9")
            .extra("email", "alice@example.com")
            .extra("level", 3)
            .encode()
            .unwrap();
        let (header, payload) = parts(&jwt);
        assert_eq!(header, json!({"alg": name, "typ": "JWT"}));

        let payload = payload.as_object().unwrap();
        let mut keys: Vec<&str> = payload.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["aud", "email", "exp", "iat", "iss", "jti", "level", "sub"]
        );
        assert!(payload["exp"].is_u64() && payload["iat"].is_u64());
        assert_eq!(
            payload["exp"].as_u64().unwrap() - payload["iat"].as_u64().unwrap(),
            86_400
        );
        assert_eq!(payload["sub"], "alice");
        assert_eq!(payload["iss"], "https://issuer.example");
        assert_eq!(payload["aud"], json!(["api", "admin"]));
        assert_eq!(payload["jti"], "jti-9");
        // Extras at the top level, never nested (Litestar moves them into `extras`).
        assert_eq!(payload["email"], "alice@example.com");
        assert_eq!(payload["level"], 3);
    }
}

#[test]
fn a_plain_token_has_exactly_exp_sub_iat_and_a_random_jti() {
    let auth = backend(Flow::Header);
    let (header, payload) = parts(&auth.create_token("bob").unwrap());
    assert_eq!(header, json!({"alg": "HS256", "typ": "JWT"}));
    let payload = payload.as_object().unwrap();
    let mut keys: Vec<&str> = payload.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["exp", "iat", "jti", "sub"]);
    assert_eq!(payload["sub"], "bob");
    // Every token gets a `jti` (the handle for revocation): `<family>.<random>`, never repeated.
    let jti = payload["jti"].as_str().unwrap();
    assert!(jwt_auth::session::family_of(jti).is_some(), "{jti}");
    let (_, again) = parts(&auth.create_token("bob").unwrap());
    assert_ne!(again["jti"], payload["jti"]);
}
