//! The codec's tests: signing and verifying, the validation rules, the header memo against
//! `checked_kid`'s own parse, payloads on the stack and on the heap.

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::json;

use crate::codec::Codec;
use crate::codec::memo::{LEARNED_HEADER_MAX, LEARNED_HEADERS};
use crate::error::{ConfigError, InvalidToken, TokenError};
use crate::keys::material::{KeySource, Secret};
use crate::token::clock::now;
use crate::token::compact::{STACK_PAYLOAD, with_payload};
use crate::token::encode::ClaimsToEncode;
use crate::token::header::{JoseHeader, REFRESH_TYP};
use crate::token::model::{Audience, Extras, Token};
use crate::token::raw::RawClaims;
use crate::token::rules::Rules;

const SECRET: &str = "0123456789abcdef0123456789abcdef";

fn codec(rules: Rules) -> Codec {
    Codec::test_new(
        Algorithm::HS256,
        &KeySource::Secret(Secret::new(SECRET)),
        rules,
    )
    .unwrap()
}

fn claims(sub: &str, exp: u64) -> ClaimsToEncode {
    ClaimsToEncode {
        exp,
        sub: sub.into(),
        iat: Some(now()),
        ..ClaimsToEncode::default()
    }
}

fn raw(value: &serde_json::Value) -> RawClaims {
    RawClaims::from_json(value.to_string().as_bytes()).unwrap()
}

/// A token signed with `SECRET` whose header segment is `header` as written (the JSON of
/// another library, in its own order).
fn signed_with_header(header: &str, sub: &str) -> String {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let payload = format!(r#"{{"sub":"{sub}","exp":{}}}"#, now() + 60);
    let message = format!("{}.{}", engine.encode(header), engine.encode(payload));
    let key = EncodingKey::from_secret(SECRET.as_bytes());
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::HS256).unwrap();
    format!("{message}.{signature}")
}

fn learned(c: &Codec) -> Vec<(String, JoseHeader)> {
    c.memo
        .learned
        .iter()
        .filter_map(OnceLock::get)
        .map(|known| (known.segment.clone(), known.header.clone()))
        .collect()
}

/// Other libraries' headers are learned once a token with one verifies, and answered as
/// `checked_kid` answers them; a forged token teaches nothing, and the slots fill once.
#[test]
fn verified_foreign_headers_are_learned_up_to_the_limit() {
    let source = KeySource::Secret(Secret::new(SECRET));
    let c = Codec::new(Algorithm::HS256, &source, None, None, Rules::default()).unwrap();
    // PyJWT's header, then others, each a distinct segment.
    let headers: Vec<String> = std::iter::once(r#"{"alg":"HS256","typ":"JWT"}"#.to_owned())
        .chain(
            (0..LEARNED_HEADERS + 2).map(|i| format!(r#"{{"typ":"JWT","alg":"HS256","x":{i}}}"#)),
        )
        .collect();
    let own = c.encode(&claims("u", now() + 60)).unwrap();
    assert!(c.decode::<Extras>(&own).is_ok());
    assert!(learned(&c).is_empty(), "the own header has its own place");
    let pyjwt = signed_with_header(&headers[0], "u");
    let segment = pyjwt.split('.').next().unwrap().to_owned();

    let forged = format!("{}A", &pyjwt[..pyjwt.len() - 1]);
    let forged = if forged == pyjwt {
        format!("{}B", &pyjwt[..pyjwt.len() - 1])
    } else {
        forged
    };
    assert_eq!(
        c.decode::<Extras>(&forged).unwrap_err(),
        InvalidToken::Signature
    );
    assert!(learned(&c).is_empty(), "a forged token teaches nothing");

    let token = c.decode::<Extras>(&pyjwt).unwrap();
    assert_eq!(token.sub, "u");
    assert_eq!(
        learned(&c),
        vec![(segment.clone(), c.checked_kid(&pyjwt).unwrap())]
    );
    // Answered from the slot now, with the same outcome; a forged one is still refused.
    assert_eq!(c.decode::<Extras>(&pyjwt).unwrap().sub, "u");
    assert_eq!(
        c.decode::<Extras>(&forged).unwrap_err(),
        InvalidToken::Signature
    );
    assert_eq!(learned(&c).len(), 1, "a known header is not learned twice");

    for header in &headers[1..] {
        let jwt = signed_with_header(header, "v");
        assert_eq!(c.decode::<Extras>(&jwt).unwrap().sub, "v");
    }
    let slots = learned(&c);
    assert_eq!(slots.len(), LEARNED_HEADERS);
    assert_eq!(slots[0].0, segment, "the first header keeps its slot");
    // Past the limit, tokens still verify, through `checked_kid`.
    let last = signed_with_header(headers.last().unwrap(), "w");
    assert_eq!(c.decode::<Extras>(&last).unwrap().sub, "w");
    assert!(
        !slots
            .iter()
            .any(|(s, _)| last.starts_with(&format!("{s}.")))
    );
}

/// A header above the size limit is checked each time, never kept; refused headers (here a
/// refresh token's `typ`) never reach a slot.
#[test]
fn long_or_refused_headers_are_not_learned() {
    let source = KeySource::Secret(Secret::new(SECRET));
    let c = Codec::new(Algorithm::HS256, &source, None, None, Rules::default()).unwrap();
    let long = format!(
        r#"{{"alg":"HS256","pad":"{}"}}"#,
        "x".repeat(LEARNED_HEADER_MAX)
    );
    let jwt = signed_with_header(&long, "u");
    assert_eq!(c.decode::<Extras>(&jwt).unwrap().sub, "u");
    let refresh = signed_with_header(&format!(r#"{{"alg":"HS256","typ":"{REFRESH_TYP}"}}"#), "u");
    assert_eq!(
        c.decode::<Extras>(&refresh).unwrap_err(),
        InvalidToken::WrongType
    );
    assert!(learned(&c).is_empty());
}

/// The header of the codec's own tokens is answered from `own_header`, as `checked_kid`
/// answers it; a token with another header (here another `kid`) goes through
/// `checked_kid`'s rules.
#[test]
fn own_header_is_what_checked_kid_answers() {
    for kid in [None, Some("k1")] {
        let source = KeySource::Secret(Secret::new(SECRET));
        let c = Codec::new(Algorithm::HS256, &source, kid, None, Rules::default()).unwrap();
        let jwt = c.encode(&claims("u", now() + 60)).unwrap();
        let own = c.memo.own.as_ref().expect("a signing codec");
        assert_eq!(jwt.split('.').next(), Some(own.segment.as_str()));
        assert_eq!(c.checked_kid(&jwt), Ok(own.header.clone()));
        assert_eq!(own.header.kid.as_deref(), kid);
        assert_eq!(own.header.typ.as_deref(), Some("JWT"));
        assert!(c.decode::<Extras>(&jwt).is_ok());

        let mut header = c.header.clone();
        header.kid = Some("other".to_owned());
        let other = jsonwebtoken::encode(
            &header,
            &claims("u", now() + 60),
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap();
        assert_ne!(other.split('.').next(), Some(own.segment.as_str()));
        // A lone key without a `kid` takes any `kid`; a key with one refuses another.
        match kid {
            None => assert!(c.decode::<Extras>(&other).is_ok()),
            Some(_) => assert_eq!(
                c.decode::<Extras>(&other).unwrap_err(),
                InvalidToken::UnknownKey
            ),
        }
    }
}

/// Payloads around the size that still fits the stack buffer decode the same on both
/// sides of it, and a payload that is not base64url is `Malformed` on both.
#[test]
fn payloads_on_the_stack_and_on_the_heap() {
    let c = codec(Rules::default());
    let (mut stack, mut heap) = (0, 0);
    for len in (STACK_PAYLOAD - 100..STACK_PAYLOAD).chain([0, 5000]) {
        let mut claims = claims("u", now() + 60);
        claims.extras.insert("pad".into(), json!("x".repeat(len)));
        let jwt = c.encode(&claims).unwrap();
        let payload = jwt.split('.').nth(1).unwrap();
        if payload.len() / 4 * 3 + 2 <= STACK_PAYLOAD {
            stack += 1;
        } else {
            heap += 1;
        }
        let token: Token = c.decode(&jwt).unwrap();
        assert_eq!(token.extras["pad"].as_str().unwrap().len(), len);
        let bytes = with_payload(payload, |bytes| Ok(bytes.to_vec())).unwrap();
        assert_eq!(bytes, URL_SAFE_NO_PAD.decode(payload).unwrap());
    }
    assert!(stack > 10 && heap > 10, "{stack} {heap}");
    for bad in [
        "!",
        "e30!",
        "e31",
        "e3",
        "A",
        &"!".repeat(3000),
        &"A".repeat(2001),
    ] {
        assert_eq!(
            with_payload(bad, |_| Ok(())),
            Err(InvalidToken::Malformed),
            "{bad}"
        );
    }
}

#[test]
fn round_trip_every_hmac_algorithm() {
    for (alg, len) in [
        (Algorithm::HS256, 32),
        (Algorithm::HS384, 48),
        (Algorithm::HS512, 64),
    ] {
        let source = KeySource::Secret(Secret::new(vec![7; len]));
        let codec = Codec::test_new(alg, &source, Rules::default()).unwrap();
        let mut c = claims("u", now() + 60);
        c.iss = Some(String::new());
        c.aud = Some(Audience::from(["a", "b"]));
        c.jti = Some("j".into());
        c.extras.insert("email".into(), json!("e@x.io"));
        let jwt = codec.encode(&c).unwrap();
        let token: Token = codec.decode(&jwt).unwrap();
        assert_eq!(token.sub, "u");
        assert_eq!(token.iss.as_deref(), Some(""));
        assert_eq!(token.aud, c.aud);
        assert_eq!(token.jti.as_deref(), Some("j"));
        assert_eq!(token.extras["email"], "e@x.io");
        assert_eq!(token.exp, c.exp);
        assert_eq!(token.iat, c.iat);
    }
}

#[test]
fn short_empty_and_missing_secrets_are_refused() {
    let short = KeySource::Secret(Secret::new("abcd123"));
    assert_eq!(
        Codec::test_new(Algorithm::HS256, &short, Rules::default()).unwrap_err(),
        ConfigError::SecretTooShort {
            algorithm: "HS256",
            len: 7,
            min: 32
        }
    );
    let s48 = KeySource::Secret(Secret::new(vec![1; 40]));
    assert!(matches!(
        Codec::test_new(Algorithm::HS384, &s48, Rules::default()),
        Err(ConfigError::SecretTooShort { min: 48, .. })
    ));
    let empty = KeySource::Secret(Secret::new(""));
    assert_eq!(
        Codec::test_new(Algorithm::HS256, &empty, Rules::default()).unwrap_err(),
        ConfigError::EmptySecret
    );
    assert_eq!(
        Codec::test_new(Algorithm::HS256, &KeySource::None, Rules::default()).unwrap_err(),
        ConfigError::MissingSecret
    );
}

#[test]
fn env_secret_missing_is_an_error_unless_dev_fallback() {
    let var = "JWT_AUTH_TEST_SURELY_UNSET_VARIABLE";
    let strict = KeySource::Env {
        var: var.into(),
        dev_fallback: false,
    };
    assert_eq!(
        Codec::test_new(Algorithm::HS256, &strict, Rules::default()).unwrap_err(),
        ConfigError::MissingEnvSecret { var: var.into() }
    );
    let dev = KeySource::Env {
        var: var.into(),
        dev_fallback: true,
    };
    let codec = Codec::test_new(Algorithm::HS256, &dev, Rules::default()).unwrap();
    let jwt = codec.encode(&claims("u", now() + 5)).unwrap();
    assert!(codec.decode::<Extras>(&jwt).is_ok());
}

#[test]
fn secret_with_asymmetric_algorithm_is_refused() {
    let source = KeySource::Secret(Secret::new(SECRET));
    assert!(matches!(
        Codec::test_new(Algorithm::RS256, &source, Rules::default()),
        Err(ConfigError::InvalidKey {
            algorithm: "RS256",
            ..
        })
    ));
    let pem = KeySource::Pem {
        signing: None,
        verifying: Secret::new("not a pem"),
    };
    assert!(matches!(
        Codec::test_new(Algorithm::HS256, &pem, Rules::default()),
        Err(ConfigError::InvalidKey { .. })
    ));
    assert!(matches!(
        Codec::test_new(Algorithm::ES256, &pem, Rules::default()),
        Err(ConfigError::InvalidKey { .. })
    ));
}

#[test]
fn wrong_secret_and_garbage_are_invalid() {
    let jwt = codec(Rules::default())
        .encode(&claims("u", now() + 60))
        .unwrap();
    let other = Codec::test_new(
        Algorithm::HS256,
        &KeySource::Secret(Secret::new(vec![b'x'; 32])),
        Rules::default(),
    )
    .unwrap();
    assert_eq!(
        other.decode::<Extras>(&jwt).unwrap_err(),
        InvalidToken::Signature
    );
    let c = codec(Rules::default());
    for junk in [
        "",
        "abc",
        "a.b",
        "a.b.c",
        "a.b.c.d",
        &format!("{jwt}."),
        &format!("{jwt}x"),
    ] {
        assert!(c.decode::<Extras>(junk).is_err(), "{junk}");
    }
}

#[test]
fn algorithm_must_match_exactly() {
    let hs512 = Codec::test_new(
        Algorithm::HS512,
        &KeySource::Secret(Secret::new(vec![b'k'; 64])),
        Rules::default(),
    )
    .unwrap();
    let jwt = hs512.encode(&claims("u", now() + 60)).unwrap();
    let hs256 = Codec::test_new(
        Algorithm::HS256,
        &KeySource::Secret(Secret::new(vec![b'k'; 64])),
        Rules::default(),
    )
    .unwrap();
    assert_eq!(
        hs256.decode::<Extras>(&jwt).unwrap_err(),
        InvalidToken::Algorithm
    );
    // alg "none" with an empty signature.
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(json!({"sub": "u", "exp": now() + 60}).to_string());
    let none = format!("{header}.{payload}.");
    assert!(hs256.decode::<Extras>(&none).is_err());
}

#[test]
fn expiry_leeway_and_verify_expiry() {
    let t = 1_000_000;
    let rules = Rules::default();
    assert_eq!(
        rules.validate(&raw(&json!({"sub": "u", "exp": t})), t),
        Err(InvalidToken::Expired)
    );
    assert_eq!(
        rules.validate(&raw(&json!({"sub": "u", "exp": t + 1})), t),
        Ok(())
    );
    let lenient = Rules {
        leeway: 5,
        ..Rules::default()
    };
    assert_eq!(
        lenient.validate(&raw(&json!({"sub": "u", "exp": t - 4})), t),
        Ok(())
    );
    assert_eq!(
        lenient.validate(&raw(&json!({"sub": "u", "exp": t - 5})), t),
        Err(InvalidToken::Expired)
    );
    let off = Rules {
        verify_expiry: false,
        ..Rules::default()
    };
    assert_eq!(
        off.validate(&raw(&json!({"sub": "u", "exp": 1})), t),
        Ok(())
    );
    assert_eq!(
        off.validate(&raw(&json!({"sub": "u"})), t),
        Err(InvalidToken::MissingClaim)
    );
}

#[test]
fn not_before_and_issued_at() {
    let t = 1_000_000;
    let rules = Rules::default();
    let future_nbf = raw(&json!({"sub": "u", "exp": t + 60, "nbf": t + 1}));
    assert_eq!(
        rules.validate(&future_nbf, t),
        Err(InvalidToken::NotYetValid)
    );
    let off = Rules {
        verify_not_before: false,
        ..Rules::default()
    };
    assert_eq!(off.validate(&future_nbf, t), Ok(()));
    assert_eq!(
        rules.validate(&raw(&json!({"sub": "u", "exp": t + 60, "nbf": t})), t),
        Ok(())
    );
    let future_iat = raw(&json!({"sub": "u", "exp": t + 60, "iat": t + 5}));
    assert_eq!(
        rules.validate(&future_iat, t),
        Err(InvalidToken::IssuedInFuture)
    );
    let lenient = Rules {
        leeway: 5,
        ..Rules::default()
    };
    assert_eq!(lenient.validate(&future_iat, t), Ok(()));
    // iat is optional.
    assert_eq!(
        rules.validate(&raw(&json!({"sub": "u", "exp": t + 60})), t),
        Ok(())
    );
}

#[test]
fn issuers() {
    let t = 1;
    let rules = Rules {
        issuers: vec!["a".into(), "b".into()],
        ..Rules::default()
    };
    for (iss, ok) in [
        (Some("a"), true),
        (Some("b"), true),
        (Some("c"), false),
        (None, false),
    ] {
        let mut v = json!({"sub": "u", "exp": 10});
        if let Some(iss) = iss {
            v["iss"] = json!(iss);
        }
        assert_eq!(rules.validate(&raw(&v), t).is_ok(), ok, "{v}");
    }
    // Without accepted issuers, any issuer passes.
    assert_eq!(
        Rules::default().validate(&raw(&json!({"sub": "u", "exp": 10, "iss": "z"})), t),
        Ok(())
    );
}

#[test]
fn audiences_and_strict_audience() {
    let t = 1;
    let any = Rules {
        audiences: vec!["a".into(), "b".into()],
        ..Rules::default()
    };
    let strict = Rules {
        audiences: vec!["a".into()],
        strict_audience: true,
        ..Rules::default()
    };
    let cases = [
        (json!("a"), true, true),
        (json!("b"), true, false),
        (json!(["a", "b"]), true, false),
        (json!(["a"]), true, false),
        (json!(["z", "b"]), true, false),
        (json!("z"), false, false),
        (json!([]), false, false),
    ];
    for (aud, any_ok, strict_ok) in cases {
        let v = json!({"sub": "u", "exp": 10, "aud": aud});
        assert_eq!(any.validate(&raw(&v), t).is_ok(), any_ok, "any {v}");
        assert_eq!(
            strict.validate(&raw(&v), t).is_ok(),
            strict_ok,
            "strict {v}"
        );
    }
    let no_aud = raw(&json!({"sub": "u", "exp": 10}));
    assert_eq!(any.validate(&no_aud, t), Err(InvalidToken::Audience));
    assert_eq!(
        Rules::default().validate(&raw(&json!({"sub": "u", "exp": 10, "aud": "x"})), t),
        Ok(())
    );
}

#[test]
fn require_claims_is_presence_only() {
    let rules = Rules {
        require_claims: vec!["aud".into(), "email".into()],
        ..Rules::default()
    };
    let t = 1;
    assert_eq!(
        rules.validate(
            &raw(&json!({"sub": "u", "exp": 10, "aud": "x", "email": null})),
            t
        ),
        Ok(())
    );
    assert_eq!(
        rules.validate(&raw(&json!({"sub": "u", "exp": 10, "aud": "x"})), t),
        Err(InvalidToken::MissingClaim)
    );
    assert_eq!(
        rules.validate(
            &raw(&json!({"sub": "u", "exp": 10, "extras": {"email": 1}, "aud": "x"})),
            t
        ),
        Ok(())
    );
}

#[test]
fn empty_subject_is_invalid() {
    assert_eq!(
        Rules::default().validate(&raw(&json!({"sub": "", "exp": 10})), 1),
        Err(InvalidToken::Claims)
    );
    assert_eq!(
        codec(Rules::default()).encode(&claims("", 10)),
        Err(TokenError::EmptySubject)
    );
}

#[test]
fn crit_header_is_refused() {
    let c = codec(Rules::default());
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","crit":["exp"],"exp":1}"#);
    let payload = URL_SAFE_NO_PAD.encode(json!({"sub": "u", "exp": now() + 60}).to_string());
    let message = format!("{header}.{payload}");
    let key = EncodingKey::from_secret(SECRET.as_bytes());
    let sig = jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::HS256).unwrap();
    let jwt = format!("{message}.{sig}");
    assert_eq!(
        c.decode::<Extras>(&jwt).unwrap_err(),
        InvalidToken::Malformed
    );
}

/// What `checked_kid` answered before its fast path: `jsonwebtoken::decode_header`.
fn checked_kid_by_jsonwebtoken(c: &Codec, jwt: &str) -> Result<JoseHeader, InvalidToken> {
    let header = jsonwebtoken::decode_header(jwt).map_err(|_| InvalidToken::Malformed)?;
    if header.alg != c.algorithm {
        return Err(InvalidToken::Algorithm);
    }
    if header.crit.is_some() {
        return Err(InvalidToken::Malformed);
    }
    if header.typ.as_deref() == Some(REFRESH_TYP) {
        return Err(InvalidToken::WrongType);
    }
    Ok(JoseHeader {
        kid: header.kid,
        typ: header.typ,
    })
}

#[test]
fn the_header_fast_path_agrees_with_decode_header() {
    let c = codec(Rules::default());
    let long_kid = "k".repeat(300);
    let headers = [
        r#"{"alg":"HS256","typ":"JWT"}"#.to_owned(),
        r#"{"typ":"JWT","alg":"HS256"}"#.to_owned(),
        r#"{"alg":"HS256"}"#.to_owned(),
        r#"{"alg":"HS256","typ":null,"kid":null}"#.to_owned(),
        r#"{"alg":"HS256","typ":"at+jwt","kid":"a\"b\u00e9"}"#.to_owned(),
        r#"{"alg":"HS256","typ":"refresh+jwt"}"#.to_owned(),
        r#" { "alg" : "HS256" , "kid" : "k1" } "#.to_owned(),
        r#"{"alg":"HS256","crit":["exp"],"exp":1}"#.to_owned(),
        r#"{"alg":"HS256","crit":null}"#.to_owned(),
        r#"{"alg":"HS256","crit":[]}"#.to_owned(),
        r#"{"alg":"HS256","crit":5}"#.to_owned(),
        r#"{"alg":"HS256","cty":"JWT","x":{"y":[1]}}"#.to_owned(),
        r#"{"alg":"HS256","cty":5}"#.to_owned(),
        r#"{"alg":"HS256","alg":"HS256"}"#.to_owned(),
        r#"{"alg":"HS256","kid":"a","kid":"b"}"#.to_owned(),
        r#"{"alg":"HS256","typ":5}"#.to_owned(),
        r#"{"alg":"HS384"}"#.to_owned(),
        r#"{"alg":"none"}"#.to_owned(),
        r#"{"typ":"JWT"}"#.to_owned(),
        r#"{"alg":"HS256"} x"#.to_owned(),
        "[1]".to_owned(),
        String::new(),
        format!(r#"{{"alg":"HS256","kid":"{long_kid}"}}"#),
    ];
    for header in &headers {
        let encoded = URL_SAFE_NO_PAD.encode(header);
        for jwt in [
            format!("{encoded}.e30.c2ln"),
            format!("{encoded}.e30.c2ln.c2ln"),
            format!("{encoded}.c2ln"),
            format!("{encoded}=.e30.c2ln"),
        ] {
            assert_eq!(
                c.checked_kid(&jwt),
                checked_kid_by_jsonwebtoken(&c, &jwt),
                "{header} as {jwt}"
            );
        }
    }
    assert_eq!(
        c.checked_kid(&format!("{}.e30.c2ln", URL_SAFE_NO_PAD.encode(&headers[4]))),
        Ok(JoseHeader {
            kid: Some("a\"bé".to_owned()),
            typ: Some("at+jwt".to_owned()),
        })
    );
}

#[test]
fn secret_debug_is_redacted() {
    let s = Secret::new(SECRET);
    assert_eq!(format!("{s:?}"), "Secret([redacted; 32 bytes])");
    let source = KeySource::Secret(s);
    assert!(!format!("{source:?}").contains("0123"));
    assert!(!format!("{:?}", codec(Rules::default())).contains("0123"));
}
