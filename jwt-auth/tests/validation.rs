//! Token validation over HTTP, for the three flows (the token in `Authorization`, as in
//! Litestar's tests): claim types, issuers, audiences, `strict_audience`, `require_claims`,
//! `verify_expiry`, `verify_not_before`, and this crate's optional `iat` and `leeway`.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use base64::Engine as _;
use common::{
    FLOWS, app, assert_invalid_token, assert_user, builder, get_bearer, now, send, sign, sign_raw,
    sign_with,
};
use jwt_auth::{Algorithm, Flow, JwtAuth, JwtAuthBuilder};
use serde_json::{Value, json};

type Builder = JwtAuthBuilder<common::User>;

fn backend_with(flow: Flow, configure: impl FnOnce(Builder) -> Builder) -> JwtAuth<common::User> {
    configure(builder(flow))
        .build()
        .expect("the backend builds")
}

/// Sends `jwt` for the user `alice` and returns the status, after checking the body: the user
/// on a 200, `"Invalid token"` on a 401.
async fn outcome(auth: &JwtAuth<common::User>, jwt: &str) -> StatusCode {
    let reply = send(&app(auth), get_bearer("/protected", jwt)).await;
    match reply.status {
        StatusCode::OK => assert_user(&reply, "alice"),
        StatusCode::UNAUTHORIZED => assert_invalid_token(&reply),
        other => panic!("unexpected {other}: {}", reply.text()),
    }
    reply.status
}

const OK: StatusCode = StatusCode::OK;
const DENIED: StatusCode = StatusCode::UNAUTHORIZED;

/// A payload for `alice` valid for an hour, with `extra` merged in.
fn payload(extra: &Value) -> Value {
    let mut claims = json!({"sub": "alice", "exp": now() + 3600, "iat": now()});
    for (key, value) in extra.as_object().expect("an object") {
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(key);
        } else {
            claims[key] = value.clone();
        }
    }
    claims
}

#[tokio::test]
async fn a_non_numeric_iat_is_401_not_500() {
    for flow in FLOWS {
        let auth = backend_with(flow, |b| b);
        let jwt = sign(&payload(&json!({"iat": format!("{}abc", now())})));
        assert_eq!(outcome(&auth, &jwt).await, DENIED, "{flow:?}");
    }
}

#[tokio::test]
async fn registered_claims_of_the_wrong_type_are_401() {
    let auth = backend_with(Flow::Header, |b| b);
    for extra in [
        json!({"exp": "4102444800"}),
        json!({"exp": -1}),
        json!({"exp": 1e300}),
        json!({"iat": true}),
        json!({"nbf": "0"}),
        json!({"sub": 42}),
        json!({"sub": ""}),
        json!({"iss": ["a"]}),
        json!({"aud": 5}),
        json!({"aud": ["a", 1]}),
        json!({"jti": 7}),
        json!({"extras": "not an object"}),
    ] {
        let jwt = sign(&payload(&extra));
        assert_eq!(outcome(&auth, &jwt).await, DENIED, "{extra}");
    }
}

/// Even when expiry is not verified, `exp` must be a NumericDate.
#[tokio::test]
async fn a_non_numeric_exp_is_401_without_expiry_checks() {
    let auth = backend_with(Flow::Header, |b| b.verify_expiry(false));
    for exp in [json!("not-a-timestamp"), json!("4102444800"), json!(null)] {
        let mut claims = payload(&json!({}));
        claims["exp"] = exp.clone();
        assert_eq!(outcome(&auth, &sign(&claims)).await, DENIED, "{exp}");
    }
}

#[tokio::test]
async fn fractional_dates_are_accepted() {
    let auth = backend_with(Flow::Header, |b| b);
    #[allow(
        clippy::cast_precision_loss,
        reason = "test timestamps are far below 2^52"
    )]
    let exp = (now() + 60) as f64 + 0.5;
    let jwt = sign(&payload(&json!({"exp": exp, "iat": 1_700_000_000.25})));
    assert_eq!(outcome(&auth, &jwt).await, OK);
}

#[tokio::test]
async fn sub_and_exp_are_required_even_without_expiry_checks() {
    for verify_expiry in [true, false] {
        let auth = backend_with(Flow::Header, |b| b.verify_expiry(verify_expiry));
        for missing in ["sub", "exp"] {
            let jwt = sign(&payload(&json!({ missing: null })));
            assert_eq!(outcome(&auth, &jwt).await, DENIED, "without {missing}");
        }
    }
}

#[tokio::test]
async fn a_duplicated_registered_claim_is_401() {
    let auth = backend_with(Flow::Header, |b| b);
    let exp = now() + 60;
    let jwt = sign_raw(&format!(r#"{{"sub":"alice","exp":{exp},"sub":"bob"}}"#));
    assert_eq!(outcome(&auth, &jwt).await, DENIED);
    let jwt = sign_raw(&format!(r#"{{"sub":"alice","exp":{exp}}}"#));
    assert_eq!(outcome(&auth, &jwt).await, OK);
}

#[tokio::test]
async fn only_the_configured_algorithm_is_accepted() {
    let auth = backend_with(Flow::Header, |b| b);
    let claims = payload(&json!({}));
    let secret = common::SECRET.as_bytes();
    assert_eq!(
        outcome(&auth, &sign_with(Algorithm::HS256, secret, &claims)).await,
        OK
    );
    for algorithm in [Algorithm::HS384, Algorithm::HS512] {
        let jwt = sign_with(algorithm, secret, &claims);
        assert_eq!(outcome(&auth, &jwt).await, DENIED, "{algorithm:?}");
    }
    // `alg: none`, unsigned.
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let unsigned = format!(
        "{}.{}.",
        engine.encode(br#"{"alg":"none","typ":"JWT"}"#),
        engine.encode(claims.to_string())
    );
    assert_eq!(outcome(&auth, &unsigned).await, DENIED);
}

#[tokio::test]
async fn jose_header_extras_such_as_kid_are_ignored() {
    let auth = backend_with(Flow::Header, |b| b);
    let mut header = jsonwebtoken::Header::new(Algorithm::HS256);
    header.kid = Some("key-1".into());
    let jwt = jsonwebtoken::encode(
        &header,
        &payload(&json!({})),
        &jsonwebtoken::EncodingKey::from_secret(common::SECRET.as_bytes()),
    )
    .unwrap();
    assert_eq!(outcome(&auth, &jwt).await, OK);
}

/// Litestar's 4-case matrix for `accepted_issuers`, plus a token without `iss`.
#[tokio::test]
async fn accepted_issuers() {
    let cases: [(&[&str], Option<&str>, StatusCode); 6] = [
        (&["a"], Some("a"), OK),
        (&["a", "b"], Some("a"), OK),
        (&["a", "b"], Some("b"), OK),
        (&["b"], Some("a"), DENIED),
        (&["a"], None, DENIED),
        (&[], Some("anyone"), OK),
    ];
    for flow in FLOWS {
        for (accepted, iss, expected) in cases {
            let auth = backend_with(flow, |b| b.accepted_issuers(accepted.iter().copied()));
            let mut token = auth.token("alice");
            if let Some(iss) = iss {
                token = token.issuer(iss);
            }
            let jwt = token.encode().unwrap();
            assert_eq!(
                outcome(&auth, &jwt).await,
                expected,
                "{flow:?} {accepted:?} {iss:?}"
            );
        }
    }
}

/// Litestar's 4-case matrix for `accepted_audiences`, plus list audiences and no `aud`.
#[tokio::test]
async fn accepted_audiences() {
    type Case = (
        &'static [&'static str],
        Option<&'static [&'static str]>,
        StatusCode,
    );
    let cases: [Case; 8] = [
        (&["a"], Some(&["a"]), OK),
        (&["a", "b"], Some(&["a"]), OK),
        (&["a", "b"], Some(&["b"]), OK),
        (&["b"], Some(&["a"]), DENIED),
        (&["a", "b"], Some(&["x", "b"]), OK),
        (&["a"], Some(&["x", "y"]), DENIED),
        (&["a"], None, DENIED),
        (&[], Some(&["anyone"]), OK),
    ];
    for flow in FLOWS {
        for (accepted, aud, expected) in cases {
            let auth = backend_with(flow, |b| b.accepted_audiences(accepted.iter().copied()));
            let mut token = auth.token("alice");
            match aud {
                Some([one]) => token = token.audience(*one),
                Some(many) => {
                    let many: Vec<String> = many.iter().map(|a| (*a).to_owned()).collect();
                    token = token.audience(many);
                }
                None => {}
            }
            let jwt = token.encode().unwrap();
            assert_eq!(
                outcome(&auth, &jwt).await,
                expected,
                "{flow:?} {accepted:?} {aud:?}"
            );
        }
    }
}

#[tokio::test]
async fn strict_audience() {
    for flow in FLOWS {
        let strict = |accepted: &'static str| {
            backend_with(flow, move |b| {
                b.accepted_audiences([accepted]).strict_audience(true)
            })
        };
        let a = strict("a");
        // One accepted audience given as a single value rather than a list.
        let single = backend_with(flow, |b| {
            b.accepted_audiences(Some("a")).strict_audience(true)
        });
        let token = |auth: &JwtAuth<common::User>, aud: jwt_auth::Audience| {
            auth.token("alice").audience(aud).encode().unwrap()
        };
        assert_eq!(outcome(&a, &token(&a, "a".into())).await, OK);
        assert_eq!(outcome(&single, &token(&single, "a".into())).await, OK);
        assert_eq!(outcome(&a, &token(&a, ["a", "b"].into())).await, DENIED);
        // A list audience is refused by a strict backend, even a list of one.
        assert_eq!(outcome(&a, &token(&a, ["a"].into())).await, DENIED);
        let b = strict("b");
        assert_eq!(outcome(&b, &token(&b, "a".into())).await, DENIED);
    }
}

#[tokio::test]
async fn require_claims_is_presence_only() {
    for flow in FLOWS {
        let require_aud = backend_with(flow, |b| b.require_claims(["aud"]));
        let with_aud = require_aud.token("alice").audience("x").encode().unwrap();
        assert_eq!(outcome(&require_aud, &with_aud).await, OK);
        let without = require_aud.create_token("alice").unwrap();
        assert_eq!(outcome(&require_aud, &without).await, DENIED);

        let nothing = backend_with(flow, |b| b.require_claims(Vec::<String>::new()));
        let plain = nothing.create_token("alice").unwrap();
        assert_eq!(outcome(&nothing, &plain).await, OK);

        let require_jti_and_extra = backend_with(flow, |b| b.require_claims(["jti", "email"]));
        let present = require_jti_and_extra
            .token("alice")
            .jti("")
            .extra("email", Value::Null)
            .encode()
            .unwrap();
        assert_eq!(outcome(&require_jti_and_extra, &present).await, OK);
        let no_email = require_jti_and_extra
            .token("alice")
            .jti("j")
            .encode()
            .unwrap();
        assert_eq!(outcome(&require_jti_and_extra, &no_email).await, DENIED);
    }
}

/// Litestar rejects an expired token even with `verify_expiry=False`; here the option works.
#[tokio::test]
async fn verify_expiry() {
    let expired = sign(&json!({"sub": "alice", "exp": now() - 60, "iat": now() - 120}));
    let valid = sign(&payload(&json!({})));
    for flow in FLOWS {
        let checking = backend_with(flow, |b| b.verify_expiry(true));
        let lenient = backend_with(flow, |b| b.verify_expiry(false));
        assert_eq!(outcome(&checking, &valid).await, OK);
        assert_eq!(outcome(&lenient, &valid).await, OK);
        assert_eq!(outcome(&checking, &expired).await, DENIED, "{flow:?}");
        assert_eq!(outcome(&lenient, &expired).await, OK, "{flow:?}");
        // The default checks.
        let default = backend_with(flow, |b| b);
        assert_eq!(outcome(&default, &expired).await, DENIED);
    }
}

#[tokio::test]
async fn verify_not_before() {
    for flow in FLOWS {
        let checking = backend_with(flow, |b| b.verify_not_before(true));
        let lenient = backend_with(flow, |b| b.verify_not_before(false));
        let past = checking
            .token("alice")
            .not_before(now() - 60)
            .encode()
            .unwrap();
        let future = checking
            .token("alice")
            .not_before(now() + 3600)
            .encode()
            .unwrap();
        assert_eq!(outcome(&checking, &past).await, OK);
        assert_eq!(outcome(&lenient, &past).await, OK);
        assert_eq!(outcome(&checking, &future).await, DENIED, "{flow:?}");
        assert_eq!(outcome(&lenient, &future).await, OK, "{flow:?}");
        let default = backend_with(flow, |b| b);
        assert_eq!(outcome(&default, &future).await, DENIED);
    }
}

/// Litestar requires `iat` and refuses one a second in the future; here `iat` is optional and
/// checked with the leeway when present.
#[tokio::test]
async fn iat_is_optional_and_checked_with_leeway() {
    let strict = backend_with(Flow::Header, |b| b);
    let lenient = backend_with(Flow::Header, |b| b.leeway(Duration::from_mins(1)));
    let no_iat = sign(&payload(&json!({"iat": null})));
    assert_eq!(outcome(&strict, &no_iat).await, OK);

    let skewed = sign(&payload(&json!({"iat": now() + 30})));
    assert_eq!(outcome(&strict, &skewed).await, DENIED);
    assert_eq!(outcome(&lenient, &skewed).await, OK);
    let far = sign(&payload(&json!({"iat": now() + 600})));
    assert_eq!(outcome(&lenient, &far).await, DENIED);
}

#[tokio::test]
async fn leeway_applies_to_exp_and_nbf() {
    let strict = backend_with(Flow::Header, |b| b);
    let lenient = backend_with(Flow::Header, |b| b.leeway(Duration::from_mins(1)));
    let just_expired = sign(&json!({"sub": "alice", "exp": now() - 30}));
    assert_eq!(outcome(&strict, &just_expired).await, DENIED);
    assert_eq!(outcome(&lenient, &just_expired).await, OK);
    let long_expired = sign(&json!({"sub": "alice", "exp": now() - 600}));
    assert_eq!(outcome(&lenient, &long_expired).await, DENIED);

    let almost_valid = sign(&payload(&json!({"nbf": now() + 30})));
    assert_eq!(outcome(&strict, &almost_valid).await, DENIED);
    assert_eq!(outcome(&lenient, &almost_valid).await, OK);
}

/// Litestar's `verify_issuer_audience` example.
#[tokio::test]
async fn issuer_and_audience_together() {
    for flow in FLOWS {
        let auth = backend_with(flow, |b| {
            b.accepted_issuers(["https://auth.example"])
                .accepted_audiences(["https://api.example"])
        });
        let both = auth
            .token("alice")
            .issuer("https://auth.example")
            .audience("https://api.example")
            .encode()
            .unwrap();
        assert_eq!(outcome(&auth, &both).await, OK);
        let plain = auth.create_token("alice").unwrap();
        assert_eq!(outcome(&auth, &plain).await, DENIED);
    }
}

/// Tokens write extras at the top level; nested Litestar-style `extras` are accepted too, and
/// on a clash the top-level claim wins, as in Litestar.
#[tokio::test]
async fn nested_extras_are_accepted_and_top_level_wins() {
    let auth = backend_with(Flow::Header, |b| b);
    let jwt = sign(&payload(&json!({
        "email": "top@example.com",
        "azp": "client",
        "extras": {"email": "nested@example.com", "role": "admin"},
    })));
    let reply = send(&app(&auth), get_bearer("/protected", &jwt)).await;
    assert_user(&reply, "alice");
    assert_eq!(
        reply.json()["extras"],
        json!({"email": "top@example.com", "azp": "client", "role": "admin"})
    );
}
