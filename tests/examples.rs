//! The examples' HTTP contract (DESIGN.md section 5), checked over a real socket against the
//! example binaries.

mod support;

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Value, json};
use support::{SECRET, Server};

const EXAMPLES: [&str; 3] = ["jwt_auth", "jwt_cookie_auth", "oauth2_password_bearer"];
const COOKIE_EXAMPLES: [&str; 2] = ["jwt_cookie_auth", "oauth2_password_bearer"];

fn user(n: u8) -> Value {
    json!({
        "id": format!("6a1f6f3c-3b5e-4a9e-9f0e-8d2b1c3a4e{n:02x}"),
        "name": format!("User {n}"),
        "email": format!("user{n}@example.com"),
    })
}

/// Picks `jsonwebtoken`'s crypto backend for this process's own use of it (these tests sign and
/// verify tokens as an outside client would): with both of its backends compiled in, as
/// `--all-features` builds, it has none until one is installed.
fn with_jsonwebtoken() {
    let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
}

/// Signs claims as an outside client would.
fn encode(
    header: &Header,
    claims: &Value,
    key: &EncodingKey,
) -> jsonwebtoken::errors::Result<String> {
    with_jsonwebtoken();
    jsonwebtoken::encode(header, claims, key)
}

/// Decodes and verifies a token the way any HS256 consumer would, with the test secret.
fn claims(jwt: &str) -> Value {
    with_jsonwebtoken();
    let mut validation = Validation::new(Algorithm::HS256);
    validation.required_spec_claims = ["exp", "sub"].into_iter().map(String::from).collect();
    jsonwebtoken::decode::<Value>(
        jwt,
        &DecodingKey::from_secret(SECRET.as_bytes()),
        &validation,
    )
    .expect("a valid token")
    .claims
}

fn assert_401(response: &support::Response, detail: &str) {
    assert_eq!(response.status, 401, "{}", response.text());
    assert_eq!(
        response.json(),
        json!({"status_code": 401, "detail": detail})
    );
    assert!(
        response
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    assert!(
        response
            .header("www-authenticate")
            .unwrap()
            .starts_with("Bearer")
    );
}

fn no_token_detail(example: &str) -> &'static str {
    if example == "jwt_auth" {
        "No JWT token found in request header"
    } else {
        "No JWT token found in request header or cookies"
    }
}

#[tokio::test]
async fn login_then_protected_route_in_every_example() {
    for example in EXAMPLES {
        let server = Server::start(example);
        let alice = user(1);

        let denied = server.get("/some-path", &[]).await;
        assert_401(&denied, no_token_detail(example));

        let login = server.post_json("/login", &alice).await;
        assert_eq!(login.status, 201, "{example}: {}", login.text());
        let jwt = login.bearer();
        if example == "oauth2_password_bearer" {
            let body = login.json();
            assert_eq!(body["access_token"], jwt);
            assert_eq!(body["token_type"], "bearer");
            assert_eq!(body["refresh_token"], Value::Null);
            assert_eq!(body["expires_in"], 86400);
            assert_eq!(body.as_object().unwrap().len(), 4, "{body}");
        } else {
            assert_eq!(login.json(), alice, "{example}: the body is the user");
        }

        let me = server
            .get("/some-path", &[("authorization", &format!("Bearer {jwt}"))])
            .await;
        assert_eq!(me.status, 200, "{example}: {}", me.text());
        assert_eq!(me.json(), alice);

        let lower = server
            .get("/some-path", &[("authorization", &format!("bearer {jwt}"))])
            .await;
        assert_eq!(
            lower.status, 200,
            "{example}: the scheme is case-insensitive"
        );
    }
}

#[tokio::test]
async fn tokens_carry_sub_exp_iat_and_email() {
    for example in EXAMPLES {
        let server = Server::start(example);
        let alice = user(2);
        let jwt = server.post_json("/login", &alice).await.bearer();
        let claims = claims(&jwt);
        assert_eq!(claims["sub"], alice["id"], "{example}");
        assert_eq!(claims["email"], alice["email"], "{example}");
        let iat = claims["iat"].as_u64().expect("iat");
        assert_eq!(
            claims["exp"].as_u64(),
            Some(iat + 86_400),
            "{example}: exp = iat + 1 day"
        );
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(iat.abs_diff(now) < 60, "{example}: iat is now");
    }
}

#[tokio::test]
async fn invalid_tokens_are_401_invalid_token() {
    for example in EXAMPLES {
        let server = Server::start(example);
        let jwt = server.post_json("/login", &user(3)).await.bearer();
        let tampered = format!("{}x", &jwt[..jwt.len() - 1]);
        let other_secret = encode(
            &Header::new(Algorithm::HS256),
            &json!({"sub": user(3)["id"], "exp": 4_102_444_800_u64}),
            &EncodingKey::from_secret(b"another-secret-another-secret-another"),
        )
        .unwrap();
        for value in [
            format!("Bearer {tampered}"),
            format!("Bearer {other_secret}"),
            format!("Basic {jwt}"),
            "Bearer not.a.jwt".to_owned(),
        ] {
            let response = server.get("/some-path", &[("authorization", &value)]).await;
            assert_401(&response, "Invalid token");
            assert_eq!(
                response.header("www-authenticate"),
                Some("Bearer error=\"invalid_token\""),
                "{example}: {value}"
            );
        }
        // A raw JWT without a scheme: the header flow calls it invalid; the cookie flows fall
        // through to the cookie, as Litestar does, and find none.
        let raw = server.get("/some-path", &[("authorization", &jwt)]).await;
        let detail = if example == "jwt_auth" {
            "Invalid token"
        } else {
            no_token_detail(example)
        };
        assert_401(&raw, detail);
    }
}

#[tokio::test]
async fn valid_token_for_an_unknown_user_is_unauthorized() {
    for example in EXAMPLES {
        let server = Server::start(example);
        let stranger = encode(
            &Header::new(Algorithm::HS256),
            &json!({"sub": "nobody", "exp": 4_102_444_800_u64, "iat": 1_700_000_000}),
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap();
        let response = server
            .get(
                "/some-path",
                &[("authorization", &format!("Bearer {stranger}"))],
            )
            .await;
        assert_401(&response, "Unauthorized");
    }
}

#[tokio::test]
async fn a_token_minted_the_way_litestar_mints_them_is_accepted() {
    // Litestar nests the extras under an `extras` claim and always sets `iat`.
    for example in EXAMPLES {
        let server = Server::start(example);
        let alice = user(4);
        assert_eq!(server.post_json("/login", &alice).await.status, 201);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let litestar = encode(
            &Header::new(Algorithm::HS256),
            &json!({"exp": now + 86_400, "sub": alice["id"], "iat": now, "extras": {"email": alice["email"]}}),
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap();
        let response = server
            .get(
                "/some-path",
                &[("authorization", &format!("Bearer {litestar}"))],
            )
            .await;
        assert_eq!(response.status, 200, "{example}: {}", response.text());
    }
}

#[tokio::test]
async fn cookie_examples_set_the_cookie_and_accept_it_alone() {
    for example in COOKIE_EXAMPLES {
        let server = Server::start(example);
        let alice = user(5);
        let login = server.post_json("/login", &alice).await;
        let (pair, attributes) = login.set_cookie();
        let jwt = login.bearer();
        assert_eq!(
            pair,
            format!("token={jwt}"),
            "{example}: the cookie holds the raw JWT"
        );
        for expected in ["HttpOnly", "Path=/", "SameSite=Lax", "Max-Age=86400"] {
            assert!(
                attributes.iter().any(|a| a == expected),
                "{example}: {expected} in {attributes:?}"
            );
        }
        assert!(
            !attributes.iter().any(|a| a == "Secure"),
            "{example}: plain-http example"
        );

        let me = server.get("/some-path", &[("cookie", &pair)]).await;
        assert_eq!(me.status, 200, "{example}: {}", me.text());
        assert_eq!(me.json(), alice);

        let legacy = server
            .get(
                "/some-path",
                &[("cookie", &format!("token=\"Bearer {jwt}\""))],
            )
            .await;
        assert_eq!(
            legacy.status, 200,
            "{example}: a legacy `Bearer <jwt>` cookie works"
        );
    }
}

#[tokio::test]
async fn a_non_empty_header_beats_the_cookie() {
    for example in COOKIE_EXAMPLES {
        let server = Server::start(example);
        let jwt = server.post_json("/login", &user(6)).await.bearer();
        let cookie = format!("token={jwt}");
        let bad_header = server
            .get(
                "/some-path",
                &[("authorization", "Bearer junk"), ("cookie", &cookie)],
            )
            .await;
        assert_401(&bad_header, "Invalid token");
        let good_header = server
            .get(
                "/some-path",
                &[
                    ("authorization", &format!("Bearer {jwt}")),
                    ("cookie", "token=junk"),
                ],
            )
            .await;
        assert_eq!(good_header.status, 200, "{example}");
        let empty_header = server
            .get(
                "/some-path",
                &[("authorization", "Bearer "), ("cookie", &cookie)],
            )
            .await;
        assert_eq!(
            empty_header.status, 200,
            "{example}: an empty header falls through to the cookie"
        );
    }
}

#[tokio::test]
async fn the_header_flow_ignores_the_cookie() {
    let server = Server::start("jwt_auth");
    let login = server.post_json("/login", &user(7)).await;
    assert!(login.header("set-cookie").is_none());
    let jwt = login.bearer();
    let response = server
        .get("/some-path", &[("cookie", &format!("token={jwt}"))])
        .await;
    assert_401(&response, "No JWT token found in request header");
}

#[tokio::test]
async fn login_custom_answers_with_the_user_header_and_cookie() {
    let server = Server::start("oauth2_password_bearer");
    let bob = user(8);
    let login = server.post_json("/login_custom", &bob).await;
    assert_eq!(login.status, 201);
    assert_eq!(login.json(), bob);
    let jwt = login.bearer();
    assert_eq!(login.set_cookie().0, format!("token={jwt}"));
    assert_eq!(claims(&jwt)["sub"], bob["id"]);
}

#[tokio::test]
async fn excluded_routes_options_and_routing_come_first() {
    for example in EXAMPLES {
        let server = Server::start(example);
        let document = server.get("/schema/openapi.json", &[]).await;
        assert_eq!(document.status, 200, "{example}");
        assert_eq!(document.json()["openapi"], "3.1.0");
        let page = server.get("/schema", &[]).await;
        assert_eq!(page.status, 200, "{example}");
        assert!(
            page.header("content-type")
                .unwrap()
                .starts_with("text/html")
        );

        let preflight = server.request("OPTIONS", "/some-path", &[], "").await;
        assert_ne!(
            preflight.status, 401,
            "{example}: OPTIONS is not authenticated"
        );

        assert_eq!(server.get("/nowhere", &[]).await.status, 404, "{example}");
        assert_eq!(
            server.request("DELETE", "/some-path", &[], "").await.status,
            405,
            "{example}"
        );
        // HEAD is not excluded: axum answers it with the GET handler, so it is authenticated.
        assert_eq!(
            server.request("HEAD", "/some-path", &[], "").await.status,
            401,
            "{example}"
        );
    }
}

#[tokio::test]
async fn bad_login_bodies_are_json_4xx() {
    let server = Server::start("jwt_auth");
    let mut missing = user(9);
    missing.as_object_mut().unwrap().remove("email");
    let mut bad_uuid = user(9);
    bad_uuid["id"] = json!("not-a-uuid");
    let mut bad_email = user(9);
    bad_email["email"] = json!("not-an-email");
    let cases: [(&str, &str, String, u16, &str); 6] = [
        (
            "application/json",
            "missing field",
            missing.to_string(),
            422,
            "email",
        ),
        (
            "application/json",
            "bad uuid",
            bad_uuid.to_string(),
            422,
            "id",
        ),
        (
            "application/json",
            "bad email",
            bad_email.to_string(),
            422,
            "email",
        ),
        (
            "application/json",
            "not JSON",
            "{not json".to_owned(),
            400,
            "JSON",
        ),
        (
            "text/plain",
            "wrong content type",
            user(9).to_string(),
            415,
            "Content-Type",
        ),
        (
            "application/json",
            "wrong shape",
            "[1, 2]".to_owned(),
            422,
            "invalid type",
        ),
    ];
    for (content_type, what, body, status, mentions) in cases {
        let response = server
            .request("POST", "/login", &[("content-type", content_type)], &body)
            .await;
        assert_eq!(response.status, status, "{what}: {}", response.text());
        let json = response.json();
        assert_eq!(json["status_code"], status, "{what}");
        let detail = json["detail"].as_str().unwrap();
        assert!(detail.contains(mentions), "{what}: {detail}");
    }
}

#[tokio::test]
async fn sigterm_and_sigint_stop_the_server_with_an_idle_connection_open() {
    for signal in ["TERM", "INT"] {
        let server = Server::start("jwt_auth");
        // An idle keep-alive connection that has served one request.
        let mut connection = server.connect().await;
        let response = connection
            .request("GET", "/schema/openapi.json", &[], "")
            .await;
        assert_eq!(response.status, 200);
        let status = server.stop(signal, Duration::from_secs(10));
        let status = status.unwrap_or_else(|| panic!("SIG{signal}: still running after 10 s"));
        assert!(status.success(), "SIG{signal}: exit status {status}");
        drop(connection);
    }
}

#[tokio::test]
async fn without_a_secret_a_debug_build_uses_a_development_secret_and_says_so() {
    let server = Server::start_with("jwt_auth", &[]);
    let login = server.post_json("/login", &user(10)).await;
    assert_eq!(login.status, 201);
    let jwt = login.bearer();
    let me = server
        .get("/some-path", &[("authorization", &format!("Bearer {jwt}"))])
        .await;
    assert_eq!(me.status, 200);
    let stderr = server.stderr().join("\n");
    assert!(stderr.contains("JWT_SECRET"), "stderr: {stderr}");
    assert!(stderr.contains("development secret"), "stderr: {stderr}");
}

#[tokio::test]
async fn a_short_secret_refuses_to_start_with_a_clear_message() {
    let path = {
        // Start once to make sure the binary exists, then run it directly.
        let server = Server::start("jwt_auth");
        drop(server);
        std::env::current_exe()
            .unwrap()
            .parent()
            .unwrap()
            .parent()
            .unwrap()
            .join("examples/jwt_auth")
    };
    let output = std::process::Command::new(path)
        .env("JWT_SECRET", "abcd123")
        .env("PORT", "0")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("at least 32 bytes"), "{stderr}");
}
