//! Login and logout responses of the three flows (Litestar's `login()`): status, the
//! `Authorization: Bearer <jwt>` header, the cookie, the body, and the claims of the token.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use axum::response::IntoResponse as _;
use axum::routing::{get, post};
use axum::{Json, Router};
use common::{
    FLOWS, SECRET, SetCookie, User, assert_error, assert_unauthorized, assert_user, backend,
    builder, get_bearer, get_plain, get_with, missing_detail, read, send, user, whoami,
};
use jwt_auth::{Algorithm, Audience, Flow, JwtAuth, Login, SameSite};
use serde_json::{Value, json};

/// The token of a login reply, from its `Authorization` header.
fn header_token(reply: &common::Reply) -> String {
    reply.bearer("authorization")
}

#[tokio::test]
async fn header_login_is_201_with_a_bearer_header_and_a_null_body() {
    let auth = backend(Flow::Header);
    let reply = read(auth.login("alice").into_response()).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(&reply.body[..], b"null");
    assert!(reply.headers.get(header::SET_COOKIE).is_none());
    let jwt = header_token(&reply);
    assert!(!jwt.is_empty());
    assert_eq!(auth.decode(&jwt).unwrap().sub, "alice");
}

#[tokio::test]
async fn the_login_status_can_be_overridden() {
    for flow in FLOWS {
        for status in [StatusCode::OK, StatusCode::ACCEPTED] {
            let reply = read(backend(flow).login("bob").status(status).into_response()).await;
            assert_eq!(reply.status, status, "{flow:?}");
            assert!(!header_token(&reply).is_empty());
        }
    }
}

/// Litestar's test matrix: flow, algorithm, header name, and `iss`/`aud`/`jti` absent, empty or
/// set.
#[tokio::test]
async fn the_login_token_carries_sub_iss_aud_jti_and_extras() {
    let values = [None, Some(""), Some("3f9a0c")];
    for (flow, algorithm, header_name) in [
        (Flow::Header, Algorithm::HS256, "authorization"),
        (Flow::Header, Algorithm::HS384, "x-api-key"),
        (Flow::Cookie, Algorithm::HS512, "authorization"),
        (Flow::OAuth2Password, Algorithm::HS256, "x-api-key"),
    ] {
        let auth = builder(flow)
            .algorithm(algorithm)
            .auth_header(header_name)
            .build()
            .unwrap();
        for iss in values {
            for aud in values {
                for jti in values {
                    let mut login = auth.login("alice");
                    if let Some(iss) = iss {
                        login = login.issuer(iss);
                    }
                    if let Some(aud) = aud {
                        login = login.audience(aud);
                    }
                    if let Some(jti) = jti {
                        login = login.jti(jti);
                    }
                    let login = login.extra("email", "alice@example.com").extra("level", 3);
                    let reply = read(login.into_response()).await;
                    let jwt = reply.bearer(header_name);
                    if flow != Flow::Header {
                        assert_eq!(reply.set_cookie().value, jwt);
                    }
                    let token = auth.decode(&jwt).unwrap();
                    assert_eq!(token.sub, "alice");
                    assert_eq!(token.iss.as_deref(), iss);
                    assert_eq!(token.aud, aud.map(Audience::from));
                    let minted = token.jti.as_deref().expect("every token has a jti");
                    match jti {
                        Some(jti) => assert_eq!(minted, jti),
                        None => assert!(jwt_auth::session::family_of(minted).is_some()),
                    }
                    assert_eq!(token.extras["email"], "alice@example.com");
                    assert_eq!(token.extras["level"], 3);
                    assert_eq!(token.extras.len(), 2);
                }
            }
        }
    }
}

#[tokio::test]
async fn a_list_audience_round_trips() {
    let auth = backend(Flow::Header);
    let jwt = auth
        .token("alice")
        .audience(["api", "admin"])
        .encode()
        .unwrap();
    let token = auth.decode(&jwt).unwrap();
    assert_eq!(token.aud.unwrap().as_slice(), ["api", "admin"]);
}

#[tokio::test]
async fn create_token_lives_one_day_by_default() {
    let auth = backend(Flow::Header);
    let token = auth.decode(&auth.create_token("alice").unwrap()).unwrap();
    assert_eq!(token.sub, "alice");
    let iat = token.iat.expect("iat is set");
    assert_eq!(token.exp - iat, 86_400);
    assert!(iat.abs_diff(common::now()) <= 2);
    assert_eq!(token.extras, serde_json::Map::new());
}

#[tokio::test]
async fn cookie_flows_send_the_header_and_a_cookie_with_safe_defaults() {
    for flow in [Flow::Cookie, Flow::OAuth2Password] {
        let auth = backend(flow);
        let reply = read(auth.login("alice").into_response()).await;
        assert_eq!(reply.status, StatusCode::CREATED);
        let jwt = header_token(&reply);
        let cookie = reply.set_cookie();
        assert_eq!(cookie.name, "token");
        // The raw JWT, as Litestar since 2.20, not `Bearer <jwt>`.
        assert_eq!(cookie.value, jwt);
        assert!(cookie.has_flag("HttpOnly"), "{cookie:?}");
        // `Secure` by default (Litestar omits it unless asked).
        assert!(cookie.has_flag("Secure"), "{cookie:?}");
        assert_eq!(cookie.attribute("SameSite"), Some("Lax"));
        assert_eq!(cookie.attribute("Path"), Some("/"));
        assert_eq!(cookie.attribute("Max-Age"), Some("86400"));
        assert_eq!(cookie.attribute("Domain"), None);
        assert_eq!(cookie.attribute("Expires"), None);
        assert_eq!(cookie.attributes.len(), 5, "{cookie:?}");
        assert_eq!(auth.decode(&cookie.value).unwrap().sub, "alice");
    }
}

#[tokio::test]
async fn the_cookie_follows_its_settings() {
    for flow in [Flow::Cookie, Flow::OAuth2Password] {
        let auth = builder(flow)
            .cookie_name("accessToken")
            .cookie_path("/api")
            .cookie_domain("example.com")
            .cookie_same_site(SameSite::Strict)
            .cookie_secure(false)
            .build()
            .unwrap();
        let reply = read(auth.login("alice").into_response()).await;
        let cookie = reply.set_cookie();
        assert_eq!(cookie.name, "accessToken");
        assert_eq!(cookie.value, header_token(&reply));
        assert_eq!(cookie.attribute("Path"), Some("/api"));
        assert_eq!(cookie.attribute("Domain"), Some("example.com"));
        assert_eq!(cookie.attribute("SameSite"), Some("Strict"));
        assert!(cookie.has_flag("HttpOnly"));
        assert!(!cookie.has_flag("Secure"), "{cookie:?}");
    }
}

#[tokio::test]
async fn same_site_none_comes_with_secure() {
    let auth = builder(Flow::Cookie)
        .cookie_same_site(SameSite::None)
        .build()
        .unwrap();
    let cookie = read(auth.login("alice").into_response()).await.set_cookie();
    assert_eq!(cookie.attribute("SameSite"), Some("None"));
    assert!(cookie.has_flag("Secure"));
}

#[tokio::test]
async fn max_age_exp_and_expires_in_follow_a_custom_expiration() {
    let hour = builder(Flow::OAuth2Password)
        .expiration(Duration::from_hours(1))
        .build()
        .unwrap();
    let reply = read(hour.login("alice").into_response()).await;
    assert_eq!(reply.set_cookie().attribute("Max-Age"), Some("3600"));
    assert_eq!(reply.json()["expires_in"], 3600);
    let token = hour.decode(&header_token(&reply)).unwrap();
    assert_eq!(token.exp - token.iat.unwrap(), 3600);

    // Per login, and truncated to whole seconds as Litestar's `int(total_seconds())`.
    for (expiration, seconds) in [
        (Duration::from_millis(30_900), 30),
        (Duration::from_hours(7 * 24), 604_800),
    ] {
        let reply = read(hour.login("alice").expiration(expiration).into_response()).await;
        let max_age = seconds.to_string();
        assert_eq!(
            reply.set_cookie().attribute("Max-Age"),
            Some(max_age.as_str())
        );
        assert_eq!(reply.json()["expires_in"], seconds);
        let token = hour.decode(&header_token(&reply)).unwrap();
        assert_eq!(token.exp - token.iat.unwrap(), seconds);
    }
}

#[tokio::test]
async fn send_token_as_response_body_gives_the_token_body_of_each_flow() {
    for flow in [Flow::Header, Flow::Cookie] {
        let reply = read(
            backend(flow)
                .login("123")
                .send_token_as_response_body(true)
                .into_response(),
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED);
        assert_eq!(reply.header("content-type"), Some("application/json"));
        assert_eq!(
            reply.json(),
            json!({"token": header_token(&reply)}),
            "{flow:?}"
        );
    }
    // The OAuth2 flow sends its body by default.
    let auth = backend(Flow::OAuth2Password);
    for login in [
        auth.login("123"),
        auth.login("123").send_token_as_response_body(true),
    ] {
        let reply = read(login.into_response()).await;
        assert_eq!(reply.status, StatusCode::CREATED);
        assert_eq!(
            reply.json(),
            json!({
                "access_token": header_token(&reply),
                "token_type": "bearer",
                "refresh_token": null,
                "expires_in": 86_400,
            })
        );
    }
}

#[tokio::test]
async fn oauth2_body_can_be_turned_off_or_carry_a_refresh_token() {
    let auth = backend(Flow::OAuth2Password);
    let reply = read(
        auth.login("123")
            .send_token_as_response_body(false)
            .into_response(),
    )
    .await;
    assert_eq!(&reply.body[..], b"null");
    assert!(!header_token(&reply).is_empty());

    let reply = read(auth.login("123").refresh_token("r-1").into_response()).await;
    assert_eq!(reply.json()["refresh_token"], "r-1");
}

#[tokio::test]
async fn an_explicit_null_body_wins_over_the_token_body() {
    for flow in FLOWS {
        let reply = read(
            backend(flow)
                .login("123")
                .send_token_as_response_body(true)
                .body(None::<()>)
                .into_response(),
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED);
        assert_eq!(reply.header("content-type"), Some("application/json"));
        assert_eq!(&reply.body[..], b"null", "{flow:?}");
        assert!(!header_token(&reply).is_empty());
    }
}

#[tokio::test]
async fn an_application_body_replaces_the_default_body() {
    for flow in FLOWS {
        let reply = read(
            backend(flow)
                .login("alice")
                .body(user("alice"))
                .into_response(),
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED);
        assert_eq!(reply.json(), json!(user("alice")), "{flow:?}");
        assert!(!header_token(&reply).is_empty());
    }
}

#[tokio::test]
async fn an_extra_claim_with_a_registered_name_fails_the_login_with_500() {
    for name in ["sub", "exp", "iat", "nbf", "iss", "aud", "jti", "extras"] {
        let reply = read(
            backend(Flow::Cookie)
                .login("alice")
                .extra(name, "x")
                .into_response(),
        )
        .await;
        assert_error(
            &reply,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
        );
        assert!(reply.headers.get(header::AUTHORIZATION).is_none());
        assert!(reply.headers.get(header::SET_COOKIE).is_none());
    }
}

#[tokio::test]
async fn an_empty_identifier_fails_the_login_and_create_token() {
    let auth = backend(Flow::Header);
    let reply = read(auth.login("").into_response()).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(auth.create_token("").is_err());
}

#[tokio::test]
async fn logout_clears_the_cookie_of_the_cookie_flows_and_is_204() {
    for flow in [Flow::Cookie, Flow::OAuth2Password] {
        let reply = read(backend(flow).logout().into_response()).await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT);
        let cookie = reply.set_cookie();
        assert_eq!((cookie.name.as_str(), cookie.value.as_str()), ("token", ""));
        assert_eq!(cookie.attribute("Max-Age"), Some("0"));
        assert_eq!(cookie.attribute("Path"), Some("/"));
    }
    // A cookie with a path and domain is cleared on that path and domain, or browsers keep it.
    let auth = builder(Flow::Cookie)
        .cookie_name("accessToken")
        .cookie_path("/api")
        .cookie_domain("example.com")
        .build()
        .unwrap();
    let cookie = read(auth.logout().into_response()).await.set_cookie();
    assert_eq!(cookie.name, "accessToken");
    assert_eq!(cookie.attribute("Max-Age"), Some("0"));
    assert_eq!(cookie.attribute("Path"), Some("/api"));
    assert_eq!(cookie.attribute("Domain"), Some("example.com"));

    let reply = read(backend(Flow::Header).logout().into_response()).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(reply.headers.get(header::SET_COOKIE).is_none());

    let reply = read(
        backend(Flow::Cookie)
            .logout()
            .status(StatusCode::OK)
            .into_response(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
}

/// `POST /login` takes a JSON user and answers it, with the token (Litestar's docs examples).
async fn login_handler(auth: JwtAuth<User>, Json(user): Json<User>) -> Login {
    auth.login(user.id.clone()).body(&user)
}

/// Litestar's docs examples: `POST /login` excluded, `GET /some-path` protected.
fn docs_app(flow: Flow) -> Router {
    let auth = builder(flow).exclude(["^/login$"]).build().unwrap();
    let router = Router::new()
        .route("/login", post(login_handler))
        .route("/some-path", get(whoami));
    auth.install(router, ())
}

fn post_login(user: &User) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri("/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(serde_json::to_vec(user).unwrap()))
        .unwrap()
}

#[tokio::test]
async fn docs_example_header_flow() {
    let app = docs_app(Flow::Header);
    assert_unauthorized(
        &send(&app, get_plain("/some-path")).await,
        missing_detail(Flow::Header),
    );
    let login = send(&app, post_login(&user("alice"))).await;
    assert_eq!(login.status, StatusCode::CREATED);
    assert_eq!(login.json(), json!(user("alice")));
    let authorization = login.header("authorization").unwrap().to_owned();
    let reply = send(
        &app,
        get_with("/some-path", &[("authorization", &authorization)]),
    )
    .await;
    assert_user(&reply, "alice");
}

#[tokio::test]
async fn docs_example_cookie_flow_with_the_cookie_only() {
    let app = docs_app(Flow::Cookie);
    assert_unauthorized(
        &send(&app, get_plain("/some-path")).await,
        missing_detail(Flow::Cookie),
    );
    let login = send(&app, post_login(&user("bob"))).await;
    assert_eq!(login.status, StatusCode::CREATED);
    // What a browser sends back: `name=value`, without the attributes.
    let SetCookie { name, value, .. } = login.set_cookie();
    let reply = send(
        &app,
        get_with("/some-path", &[("cookie", &format!("{name}={value}"))]),
    )
    .await;
    assert_user(&reply, "bob");
}

#[tokio::test]
async fn docs_example_oauth2_flow() {
    let app = docs_app(Flow::OAuth2Password);
    assert_unauthorized(
        &send(&app, get_plain("/some-path")).await,
        missing_detail(Flow::OAuth2Password),
    );
    // The default body of the OAuth2 flow, from a handler that gives none.
    let auth = builder(Flow::OAuth2Password)
        .exclude(["^/login$"])
        .build()
        .unwrap();
    let router = Router::new()
        .route(
            "/login",
            post(|auth: JwtAuth<User>| async move { auth.login("alice") }),
        )
        .route("/some-path", get(whoami));
    let app = auth.install(router, ());
    let login = send(&app, post_login(&user("alice"))).await;
    assert_eq!(login.status, StatusCode::CREATED);
    let body: Value = login.json();
    assert_eq!(body["token_type"], "bearer");
    let access_token = body["access_token"].as_str().unwrap();
    assert_user(
        &send(&app, get_bearer("/some-path", access_token)).await,
        "alice",
    );
}

#[tokio::test]
async fn a_login_token_of_one_backend_is_refused_by_a_backend_with_another_secret() {
    let ours = backend(Flow::Header);
    let theirs = JwtAuth::<User>::builder()
        .secret(SECRET.replace('!', "?"))
        .retrieve_user_sync(|token, _state: &()| common::known_user(&token.sub))
        .build()
        .unwrap();
    let jwt = header_token(&read(theirs.login("alice").into_response()).await);
    common::assert_invalid_token(&send(&common::app(&ours), get_bearer("/protected", &jwt)).await);
}
