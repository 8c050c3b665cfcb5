//! A catalogue of over a hundred hostile tokens and headers, sent through the middleware with
//! `tower::ServiceExt::oneshot`: every one is a 401 in Litestar's body shape (or a 431 for an
//! oversized header or cookie), never a 200 and never a panic or a 500.

mod common;

use std::sync::LazyLock;

use axum::Router;
use axum::http::{Method, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::{
    SECRET, User, app, backend, known_user, now, request, send, sign, sign_raw, sign_with,
};
use jsonwebtoken::{Algorithm, EncodingKey};
use jwt_auth::{Flow, JwtAuth, Key};
use serde_json::{Value, json};

const RSA_PRIVATE: &[u8] = include_bytes!("keys/rsa2048-private.pem");
const RSA_PUBLIC: &[u8] = include_bytes!("keys/rsa2048-public.pem");
const ED25519_PUBLIC: &[u8] = include_bytes!("keys/ed25519-public.pem");
const P256_PUBLIC: &[u8] = include_bytes!("keys/p256-public.pem");
const ED25519_PRIVATE: &[u8] = include_bytes!("keys/ed25519-private.pem");
const ED25519_SECOND_PUBLIC: &[u8] = include_bytes!("keys/ed25519-second-public.pem");

const INVALID: &str = "Invalid token";
const MISSING_HEADER: &str = "No JWT token found in request header";
const MISSING_ANY: &str = "No JWT token found in request header or cookies";
const UNAUTHORIZED: &str = "Unauthorized";
const TOO_LARGE: &str = "Request Header Fields Too Large";

/// Which app a case is sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// HS256, header flow.
    Header,
    /// HS256, cookie flow.
    Cookie,
    /// HS256, header flow, issuer `https://issuer.example` and audience `api` required.
    Strict,
    /// RS256, verification key only.
    Rs256,
    /// `EdDSA`, verification key only.
    EdDsa,
    /// ES256, verification key only.
    Es256,
    /// `EdDSA`, two verification keys with the `kid`s `a` and `b`.
    KeySet,
}

static APPS: LazyLock<Vec<(Target, Router)>> = LazyLock::new(|| {
    let verify_only = |algorithm, public: &[u8]| {
        JwtAuth::<User>::builder()
            .algorithm(algorithm)
            .pem_keys(None, public)
            .retrieve_user_sync(|token, _state: &()| known_user(&token.sub))
            .build()
            .unwrap()
    };
    let strict = common::builder(Flow::Header)
        .accepted_issuers(["https://issuer.example"])
        .accepted_audiences(["api"])
        .build()
        .unwrap();
    vec![
        (Target::Header, app(&backend(Flow::Header))),
        (Target::Cookie, app(&backend(Flow::Cookie))),
        (Target::Strict, app(&strict)),
        (
            Target::Rs256,
            app(&verify_only(Algorithm::RS256, RSA_PUBLIC)),
        ),
        (
            Target::EdDsa,
            app(&verify_only(Algorithm::EdDSA, ED25519_PUBLIC)),
        ),
        (
            Target::Es256,
            app(&verify_only(Algorithm::ES256, P256_PUBLIC)),
        ),
        (
            Target::KeySet,
            app(&JwtAuth::<User>::builder()
                .algorithm(Algorithm::EdDSA)
                .verification_keys([
                    Key::pem(ED25519_PUBLIC).with_kid("a"),
                    Key::pem(ED25519_SECOND_PUBLIC).with_kid("b"),
                ])
                .retrieve_user_sync(|token, _state: &()| known_user(&token.sub))
                .build()
                .unwrap()),
        ),
    ]
});

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Claims that the header-flow app accepts.
fn good_claims() -> Value {
    json!({"sub": "alice", "exp": now() + 600})
}

/// A valid HS256 token for `alice`.
fn good() -> String {
    sign(&good_claims())
}

/// A token with a raw JOSE header (JSON text) and raw payload bytes, HMAC-signed with the test
/// secret under `alg`.
fn forge(header: &str, payload: &[u8], alg: Algorithm) -> String {
    let message = format!("{}.{}", b64(header), b64(payload));
    let key = EncodingKey::from_secret(SECRET.as_bytes());
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key, alg).unwrap();
    format!("{message}.{signature}")
}

/// A well-signed HS256 token with a raw header.
fn with_header(header: &str) -> String {
    forge(
        header,
        good_claims().to_string().as_bytes(),
        Algorithm::HS256,
    )
}

/// An unsigned `alg` token: `header.payload.` plus the given signature.
fn unsigned(alg: &str, signature: &str) -> String {
    let header = json!({"alg": alg, "typ": "JWT"}).to_string();
    format!(
        "{}.{}.{signature}",
        b64(header),
        b64(good_claims().to_string())
    )
}

/// An `EdDSA` token signed with the key of `kid` "a", whose header is `header` (JSON text).
fn ed_signed(header: &str) -> String {
    let message = format!("{}.{}", b64(header), b64(good_claims().to_string()));
    let key = EncodingKey::from_ed_pem(ED25519_PRIVATE).unwrap();
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::EdDSA).unwrap();
    format!("{message}.{signature}")
}

fn keyset(name: &'static str, header: &str) -> Case {
    bearer(name, Target::KeySet, &ed_signed(header), INVALID)
}

/// One hostile request: a name, the app, the headers, and the expected status and detail.
struct Case {
    name: &'static str,
    target: Target,
    headers: Vec<(&'static str, Vec<u8>)>,
    status: StatusCode,
    detail: &'static str,
}

fn bearer(name: &'static str, target: Target, jwt: &str, detail: &'static str) -> Case {
    Case {
        name,
        target,
        headers: vec![("authorization", format!("Bearer {jwt}").into_bytes())],
        status: StatusCode::UNAUTHORIZED,
        detail,
    }
}

fn invalid(name: &'static str, jwt: &str) -> Case {
    bearer(name, Target::Header, jwt, INVALID)
}

fn claims(name: &'static str, payload: &Value) -> Case {
    invalid(name, &sign(payload))
}

fn raw_claims(name: &'static str, payload: &str) -> Case {
    invalid(name, &sign_raw(payload))
}

fn headers(
    name: &'static str,
    target: Target,
    headers: Vec<(&'static str, Vec<u8>)>,
    detail: &'static str,
) -> Case {
    Case {
        name,
        target,
        headers,
        status: if detail == TOO_LARGE {
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
        } else {
            StatusCode::UNAUTHORIZED
        },
        detail,
    }
}

fn cookie(name: &'static str, value: &[u8], detail: &'static str) -> Case {
    let mut header = b"token=".to_vec();
    header.extend_from_slice(value);
    headers(name, Target::Cookie, vec![("cookie", header)], detail)
}

#[allow(
    clippy::too_many_lines,
    reason = "a table: one line or three per hostile case"
)]
fn catalogue() -> Vec<Case> {
    let t = now();
    let good = good();
    let (good_header, good_payload, good_signature) = {
        let mut parts = good.split('.');
        (
            parts.next().unwrap().to_owned(),
            parts.next().unwrap().to_owned(),
            parts.next().unwrap().to_owned(),
        )
    };
    let hs256_header = r#"{"alg":"HS256","typ":"JWT"}"#;
    let nested = format!("{}1{}", "[".repeat(1500), "]".repeat(1500));
    let confusion = |public: &[u8]| sign_with(Algorithm::HS256, public, &good_claims());
    let strict_ok = |extra: Value| {
        let mut claims = json!({"sub": "alice", "exp": t + 600});
        for (k, v) in extra.as_object().unwrap() {
            claims[k] = v.clone();
        }
        sign(&claims)
    };
    vec![
        // alg "none" in its spellings, with and without a signature.
        invalid("alg none, empty signature", &unsigned("none", "")),
        invalid(
            "alg none, old signature",
            &unsigned("none", &good_signature),
        ),
        invalid("alg None", &unsigned("None", "")),
        invalid("alg NONE", &unsigned("NONE", "")),
        invalid("alg nOnE", &unsigned("nOnE", "")),
        invalid("alg empty", &unsigned("", "")),
        // Another HMAC algorithm, or an asymmetric name over an HMAC signature.
        invalid(
            "alg HS384 with the right secret",
            &sign_with(Algorithm::HS384, SECRET.as_bytes(), &good_claims()),
        ),
        invalid(
            "alg HS512 with the right secret",
            &sign_with(Algorithm::HS512, SECRET.as_bytes(), &good_claims()),
        ),
        invalid(
            "alg RS256 header over an HMAC signature",
            &forge(
                r#"{"alg":"RS256"}"#,
                good_claims().to_string().as_bytes(),
                Algorithm::HS256,
            ),
        ),
        invalid("alg missing", &with_header(r#"{"typ":"JWT"}"#)),
        invalid("alg a number", &with_header(r#"{"alg":256}"#)),
        invalid("alg null", &with_header(r#"{"alg":null}"#)),
        // Algorithm confusion: HS256 keyed with the server's public key.
        bearer(
            "HS256 keyed with the RSA public key",
            Target::Rs256,
            &confusion(RSA_PUBLIC),
            INVALID,
        ),
        bearer(
            "HS256 keyed with the Ed25519 public key",
            Target::EdDsa,
            &confusion(ED25519_PUBLIC),
            INVALID,
        ),
        bearer(
            "HS256 keyed with the P-256 public key",
            Target::Es256,
            &confusion(P256_PUBLIC),
            INVALID,
        ),
        bearer(
            "RS256 token as PS256 (same key, other padding)",
            Target::Rs256,
            &{
                let key = EncodingKey::from_rsa_pem(RSA_PRIVATE).unwrap();
                jsonwebtoken::encode(
                    &jsonwebtoken::Header::new(Algorithm::PS256),
                    &good_claims(),
                    &key,
                )
                .unwrap()
            },
            INVALID,
        ),
        bearer(
            "an HS256 token to an RS256 backend",
            Target::Rs256,
            &good,
            INVALID,
        ),
        // Key ids (the control, kid "a", is accepted in `the_controls_are_accepted`).
        keyset("kid of the other key", r#"{"alg":"EdDSA","kid":"b"}"#),
        keyset("kid unknown", r#"{"alg":"EdDSA","kid":"c"}"#),
        keyset("no kid among two keys", r#"{"alg":"EdDSA"}"#),
        keyset("kid a number", r#"{"alg":"EdDSA","kid":1}"#),
        keyset("kid null", r#"{"alg":"EdDSA","kid":null}"#),
        keyset("kid a path", r#"{"alg":"EdDSA","kid":"../../../dev/null"}"#),
        keyset("kid empty", r#"{"alg":"EdDSA","kid":""}"#),
        keyset(
            "kid very long",
            &format!(r#"{{"alg":"EdDSA","kid":"{}"}}"#, "a".repeat(4000)),
        ),
        keyset("kid duplicated", r#"{"alg":"EdDSA","kid":"b","kid":"a"}"#),
        // Headers that are not a JWS header.
        invalid("header not JSON", &with_header("not json")),
        invalid("header a JSON array", &with_header(r#"["HS256"]"#)),
        invalid("header a JSON string", &with_header(r#""HS256""#)),
        invalid(
            "header deeply nested",
            &with_header(&format!(r#"{{"alg":"HS256","x":{nested}}}"#)),
        ),
        invalid(
            "crit header",
            &with_header(r#"{"alg":"HS256","crit":["exp"],"exp":1}"#),
        ),
        invalid("embedded attacker jwk", &{
            let attacker = b"attacker secret of thirty-two bytes at least";
            let header = json!({"alg": "HS256", "jwk": {"kty": "oct", "k": b64(attacker)}});
            let message = format!("{}.{}", b64(header.to_string()), good_payload);
            let key = EncodingKey::from_secret(attacker);
            let sig =
                jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::HS256).unwrap();
            format!("{message}.{sig}")
        }),
        invalid("jku pointing elsewhere, wrong secret", &{
            let header = json!({"alg": "HS256", "jku": "http://attacker.example/jwks"});
            let message = format!("{}.{}", b64(header.to_string()), good_payload);
            let key = EncodingKey::from_secret(b"another secret of thirty-two bytes!!");
            let sig =
                jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::HS256).unwrap();
            format!("{message}.{sig}")
        }),
        // Signatures.
        invalid(
            "wrong secret",
            &sign_with(
                Algorithm::HS256,
                b"not the secret, but long enough!!",
                &good_claims(),
            ),
        ),
        invalid(
            "signature removed",
            &format!("{good_header}.{good_payload}."),
        ),
        invalid("signature truncated", &good[..good.len() - 1]),
        invalid("signature bit flipped", &{
            let mut sig = URL_SAFE_NO_PAD.decode(&good_signature).unwrap();
            sig[0] ^= 1;
            format!("{good_header}.{good_payload}.{}", b64(sig))
        }),
        invalid(
            "payload swapped after signing",
            &format!(
                "{good_header}.{}.{good_signature}",
                b64(json!({"sub": "bob", "exp": t + 600}).to_string())
            ),
        ),
        // Time claims.
        claims("expired", &json!({"sub": "alice", "exp": t - 1})),
        claims("exp is now", &json!({"sub": "alice", "exp": t})),
        claims("exp zero", &json!({"sub": "alice", "exp": 0})),
        claims("exp negative", &json!({"sub": "alice", "exp": -1})),
        claims(
            "exp a string",
            &json!({"sub": "alice", "exp": "9999999999"}),
        ),
        claims("exp null", &json!({"sub": "alice", "exp": null})),
        claims("exp missing", &json!({"sub": "alice"})),
        claims("exp a boolean", &json!({"sub": "alice", "exp": true})),
        raw_claims(
            "exp a huge integer",
            r#"{"sub":"alice","exp":100000000000000000000000000000}"#,
        ),
        raw_claims("exp 1e300", r#"{"sub":"alice","exp":1e300}"#),
        raw_claims("exp out of f64 range", r#"{"sub":"alice","exp":1e400}"#),
        claims(
            "exp after year 9999",
            &json!({"sub": "alice", "exp": 253_402_300_800_u64}),
        ),
        claims(
            "nbf in the future",
            &json!({"sub": "alice", "exp": t + 600, "nbf": t + 300}),
        ),
        claims(
            "iat in the future",
            &json!({"sub": "alice", "exp": t + 600, "iat": t + 300}),
        ),
        claims(
            "nbf a string",
            &json!({"sub": "alice", "exp": t + 600, "nbf": "0"}),
        ),
        claims(
            "iat an object",
            &json!({"sub": "alice", "exp": t + 600, "iat": {}}),
        ),
        // Issuer and audience.
        bearer(
            "iss wrong",
            Target::Strict,
            &strict_ok(json!({"iss": "https://evil.example", "aud": "api"})),
            INVALID,
        ),
        bearer(
            "iss missing",
            Target::Strict,
            &strict_ok(json!({"aud": "api"})),
            INVALID,
        ),
        bearer(
            "iss a number",
            Target::Strict,
            &strict_ok(json!({"iss": 1, "aud": "api"})),
            INVALID,
        ),
        bearer(
            "aud wrong",
            Target::Strict,
            &strict_ok(json!({"iss": "https://issuer.example", "aud": "web"})),
            INVALID,
        ),
        bearer(
            "aud missing",
            Target::Strict,
            &strict_ok(json!({"iss": "https://issuer.example"})),
            INVALID,
        ),
        bearer(
            "aud a number",
            Target::Strict,
            &strict_ok(json!({"iss": "https://issuer.example", "aud": 7})),
            INVALID,
        ),
        bearer(
            "aud a list without ours",
            Target::Strict,
            &strict_ok(json!({"iss": "https://issuer.example", "aud": ["web", "API"]})),
            INVALID,
        ),
        // Subject.
        claims("sub empty", &json!({"sub": "", "exp": t + 600})),
        claims("sub missing", &json!({"exp": t + 600})),
        claims("sub a number", &json!({"sub": 1, "exp": t + 600})),
        claims("sub null", &json!({"sub": null, "exp": t + 600})),
        claims("sub a list", &json!({"sub": ["alice"], "exp": t + 600})),
        bearer(
            "sub unknown to the retrieval function",
            Target::Header,
            &sign(&json!({"sub": "mallory", "exp": t + 600})),
            UNAUTHORIZED,
        ),
        bearer(
            "sub with a NUL byte",
            Target::Header,
            &sign(&json!({"sub": "alice\u{0}", "exp": t + 600})),
            UNAUTHORIZED,
        ),
        // Duplicate keys.
        raw_claims(
            "duplicate sub",
            &format!(r#"{{"sub":"bob","sub":"alice","exp":{}}}"#, t + 600),
        ),
        raw_claims(
            "duplicate exp",
            &format!(r#"{{"sub":"alice","exp":{},"exp":1}}"#, t + 600),
        ),
        // Payloads that are not a claims object.
        invalid(
            "payload not JSON",
            &forge(hs256_header, b"not json", Algorithm::HS256),
        ),
        invalid(
            "payload a JSON array",
            &forge(hs256_header, b"[1,2]", Algorithm::HS256),
        ),
        invalid(
            "payload a JSON string",
            &forge(hs256_header, br#""alice""#, Algorithm::HS256),
        ),
        invalid(
            "payload null",
            &forge(hs256_header, b"null", Algorithm::HS256),
        ),
        invalid("payload empty", &forge(hs256_header, b"", Algorithm::HS256)),
        invalid(
            "payload non-UTF-8 bytes",
            &forge(
                hs256_header,
                b"{\"sub\":\"\xff\xfe\",\"exp\":99999999999}",
                Algorithm::HS256,
            ),
        ),
        invalid(
            "payload deeply nested",
            &forge(
                hs256_header,
                format!(r#"{{"sub":"alice","exp":{},"x":{nested}}}"#, t + 600).as_bytes(),
                Algorithm::HS256,
            ),
        ),
        invalid(
            "payload with trailing garbage",
            &forge(
                hs256_header,
                format!(r#"{{"sub":"alice","exp":{}}} x"#, t + 600).as_bytes(),
                Algorithm::HS256,
            ),
        ),
        // Shapes.
        invalid("truncated to 20 characters", &good[..20]),
        invalid("header only", &good_header),
        invalid("two segments", &format!("{good_header}.{good_payload}")),
        invalid("four segments", &format!("{good}.{good_signature}")),
        invalid("trailing dot", &format!("{good}.")),
        invalid("leading dot", &format!(".{good}")),
        invalid("only dots", ".."),
        invalid("bad base64 in the header", &format!("*{good}")),
        invalid(
            "standard base64 with padding",
            &format!(
                "{}.{}.{good_signature}",
                STANDARD.encode(hs256_header),
                STANDARD.encode(good_claims().to_string())
            ),
        ),
        invalid(
            "bad base64 in the signature",
            &format!("{good_header}.{good_payload}.@@@@"),
        ),
        invalid(
            "a JWE-shaped token",
            &format!("{good}.{good_payload}.{good_signature}"),
        ),
        // Headers.
        headers(
            "no Authorization header",
            Target::Header,
            vec![],
            MISSING_HEADER,
        ),
        headers(
            "empty Authorization header",
            Target::Header,
            vec![("authorization", Vec::new())],
            MISSING_HEADER,
        ),
        headers(
            "Bearer without a token",
            Target::Header,
            vec![("authorization", b"Bearer".to_vec())],
            INVALID,
        ),
        headers(
            "Basic scheme with a good token",
            Target::Header,
            vec![("authorization", format!("Basic {good}").into_bytes())],
            INVALID,
        ),
        headers(
            "two spaces after Bearer",
            Target::Header,
            vec![("authorization", format!("Bearer  {good}").into_bytes())],
            INVALID,
        ),
        headers(
            "two tokens in one header",
            Target::Header,
            vec![(
                "authorization",
                format!("Bearer {good} {good}").into_bytes(),
            )],
            INVALID,
        ),
        headers(
            "several Authorization headers",
            Target::Header,
            vec![
                ("authorization", format!("Bearer {good}").into_bytes()),
                ("authorization", format!("Bearer {good}").into_bytes()),
            ],
            INVALID,
        ),
        headers(
            "non-UTF-8 Authorization header",
            Target::Header,
            vec![("authorization", b"Bearer \xff\xfe\xfd".to_vec())],
            INVALID,
        ),
        headers(
            "oversized Authorization header",
            Target::Header,
            vec![(
                "authorization",
                format!("Bearer {}", "a".repeat(9000)).into_bytes(),
            )],
            TOO_LARGE,
        ),
        headers(
            "oversized valid-looking token",
            Target::Header,
            vec![(
                "authorization",
                format!(
                    "Bearer {}",
                    sign(&json!({"sub": "alice", "exp": t + 600, "pad": "x".repeat(7000)}))
                )
                .into_bytes(),
            )],
            TOO_LARGE,
        ),
        headers(
            "oversized header wins over a good cookie",
            Target::Cookie,
            vec![
                (
                    "authorization",
                    format!("Bearer {}", "a".repeat(9000)).into_bytes(),
                ),
                ("cookie", format!("token={good}").into_bytes()),
            ],
            TOO_LARGE,
        ),
        // Cookies.
        cookie("junk cookie", b"junk", INVALID),
        cookie("empty cookie", b"", MISSING_ANY),
        cookie("quoted junk cookie", b"\"junk\"", INVALID),
        cookie("Bearer junk cookie", b"Bearer junk", INVALID),
        cookie("non-UTF-8 cookie", b"\xff\xfe", MISSING_ANY),
        cookie(
            "cookie with alg none",
            unsigned("none", "").as_bytes(),
            INVALID,
        ),
        cookie("oversized cookie", "a".repeat(9000).as_bytes(), TOO_LARGE),
        headers(
            "a junk header wins over a good cookie",
            Target::Cookie,
            vec![
                ("authorization", b"Bearer junk".to_vec()),
                ("cookie", format!("token={good}").into_bytes()),
            ],
            INVALID,
        ),
        headers(
            "cookie of another name",
            Target::Cookie,
            vec![(
                "cookie",
                format!("Token={good}; tokens={good}").into_bytes(),
            )],
            MISSING_ANY,
        ),
        headers(
            "many junk cookies, last token cookie junk",
            Target::Cookie,
            vec![(
                "cookie",
                format!("token={good}; {}token=junk", "a=b; ".repeat(200)).into_bytes(),
            )],
            INVALID,
        ),
    ]
}

#[tokio::test]
async fn every_hostile_request_is_refused() {
    // The backends first: building one installs the crate's crypto provider, and a token
    // signed by hand before any exists would settle jsonwebtoken on none when both crypto
    // features are on (`--all-features`), for every test of this binary.
    LazyLock::force(&APPS);
    let cases = catalogue();
    assert!(cases.len() >= 100, "{} cases", cases.len());
    let mut names = std::collections::HashSet::new();
    for case in &cases {
        assert!(names.insert(case.name), "duplicate case name {}", case.name);
        let app = &APPS.iter().find(|(t, _)| *t == case.target).unwrap().1;
        let headers: Vec<(&str, &[u8])> = case
            .headers
            .iter()
            .map(|(name, value)| (*name, value.as_slice()))
            .collect();
        let reply = send(app, request(Method::GET, "/protected", &headers)).await;
        assert_eq!(reply.status, case.status, "{}: {}", case.name, reply.text());
        assert_eq!(
            reply.header("content-type"),
            Some("application/json"),
            "{}",
            case.name
        );
        assert_eq!(
            reply.json(),
            json!({"status_code": case.status.as_u16(), "detail": case.detail}),
            "{}",
            case.name
        );
        if case.status == StatusCode::UNAUTHORIZED {
            assert!(reply.header("www-authenticate").is_some(), "{}", case.name);
        }
    }
}

/// The catalogue's control: the good token and cookie are accepted by the same apps, so the
/// refusals above are about the hostile part only.
#[tokio::test]
async fn the_controls_are_accepted() {
    let app = &APPS[0].1;
    let reply = send(app, common::get_bearer("/protected", &good())).await;
    common::assert_user(&reply, "alice");
    let keyset = &APPS.iter().find(|(t, _)| *t == Target::KeySet).unwrap().1;
    let reply = send(
        keyset,
        common::get_bearer("/protected", &ed_signed(r#"{"alg":"EdDSA","kid":"a"}"#)),
    )
    .await;
    common::assert_user(&reply, "alice");
    let cookie_app = &APPS[1].1;
    let reply = send(cookie_app, common::get_cookie("/protected", &good())).await;
    common::assert_user(&reply, "alice");
    // Just under the limit: looked at, and refused for its content, not its size.
    let header = format!("Bearer {}", "a".repeat(8192 - 7));
    let reply = send(
        app,
        request(
            Method::GET,
            "/protected",
            &[("authorization", header.as_bytes())],
        ),
    )
    .await;
    common::assert_invalid_token(&reply);
}

#[test]
fn the_size_limit_is_configurable_and_checked_by_decode() {
    let auth = common::builder(Flow::Header)
        .max_token_size(64)
        .build()
        .unwrap();
    assert_eq!(auth.max_token_size(), 64);
    assert_eq!(
        auth.decode(&good()).unwrap_err(),
        jwt_auth::InvalidToken::TooLarge
    );
    assert_eq!(
        backend(Flow::Header).max_token_size(),
        jwt_auth::DEFAULT_MAX_TOKEN_SIZE
    );
    assert_eq!(
        common::builder(Flow::Header)
            .max_token_size(0)
            .build()
            .unwrap_err(),
        jwt_auth::ConfigError::ZeroMaxTokenSize
    );
}
