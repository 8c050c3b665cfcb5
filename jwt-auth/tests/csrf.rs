//! CSRF protection of the cookie flows over HTTP: an unsafe request or a WebSocket handshake
//! authenticated by the cookie must come from our origin (a trusted origin, else
//! `Sec-Fetch-Site`, else `Origin` against `Host`); header tokens, safe methods and clients that
//! send neither header (curl) pass. Login handlers (those taking the backend) are checked too.

mod common;

use axum::Router;
use axum::http::{Method, StatusCode};
use axum::routing::{get, post};
use common::{FLOWS, User, assert_error, assert_user, builder, request, send, token_for, whoami};
use jwt_auth::{Flow, JwtAuth};

fn app(auth: &JwtAuth<User>) -> Router {
    auth.install(
        Router::new().route("/protected", get(whoami).post(whoami).delete(whoami)),
        (),
    )
}

const REFUSED: &str = "Cross-site request refused";

async fn call(app: &Router, method: Method, headers: &[(&str, &str)]) -> common::Reply {
    let headers: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (*n, v.as_bytes())).collect();
    send(app, request(method, "/protected", &headers)).await
}

#[tokio::test]
async fn cookie_tokens_on_unsafe_methods_must_be_same_origin() {
    for flow in [Flow::Cookie, Flow::OAuth2Password] {
        let auth = builder(flow).build().unwrap();
        let app = app(&auth);
        let cookie = format!("token={}", token_for(&auth, "alice"));
        let cookie = ("cookie", cookie.as_str());
        let host = ("host", "app.example");
        for (method, extra, ok) in [
            (Method::POST, vec![("sec-fetch-site", "cross-site")], false),
            (Method::POST, vec![("sec-fetch-site", "same-site")], false),
            (
                Method::DELETE,
                vec![("origin", "https://evil.example")],
                false,
            ),
            (Method::POST, vec![("origin", "null")], false),
            (Method::POST, vec![("sec-fetch-site", "same-origin")], true),
            (Method::POST, vec![("sec-fetch-site", "none")], true),
            (Method::POST, vec![("origin", "https://app.example")], true),
            // curl: neither header.
            (Method::POST, vec![], true),
            (Method::DELETE, vec![], true),
            // Safe methods are never refused.
            (Method::GET, vec![("sec-fetch-site", "cross-site")], true),
        ] {
            let mut headers = vec![cookie, host];
            headers.extend(extra.iter().copied());
            let reply = call(&app, method.clone(), &headers).await;
            if ok {
                assert_user(&reply, "alice");
            } else {
                assert_error(&reply, StatusCode::FORBIDDEN, REFUSED);
                assert!(reply.header("www-authenticate").is_none());
            }
        }
    }
}

#[tokio::test]
async fn header_tokens_are_not_subject_to_the_check() {
    for flow in FLOWS {
        let auth = builder(flow).build().unwrap();
        let bearer = format!("Bearer {}", token_for(&auth, "alice"));
        let reply = call(
            &app(&auth),
            Method::POST,
            &[("authorization", &bearer), ("sec-fetch-site", "cross-site")],
        )
        .await;
        assert_user(&reply, "alice");
    }
}

#[tokio::test]
async fn the_check_comes_before_decoding() {
    let auth = builder(Flow::Cookie).build().unwrap();
    let reply = call(
        &app(&auth),
        Method::POST,
        &[("cookie", "token=junk"), ("sec-fetch-site", "cross-site")],
    )
    .await;
    assert_error(&reply, StatusCode::FORBIDDEN, REFUSED);
}

#[tokio::test]
async fn it_can_be_configured() {
    let off = builder(Flow::Cookie)
        .csrf_protection(false)
        .build()
        .unwrap();
    let cookie = format!("token={}", token_for(&off, "alice"));
    let cross = [
        ("cookie", cookie.as_str()),
        ("sec-fetch-site", "cross-site"),
    ];
    assert_user(&call(&app(&off), Method::POST, &cross).await, "alice");

    let trusted = builder(Flow::Cookie)
        .csrf_trusted_origins(["https://front.example"])
        .build()
        .unwrap();
    let app = app(&trusted);
    let from = |origin| {
        [
            ("cookie", cookie.as_str()),
            ("host", "api.example"),
            ("origin", origin),
        ]
    };
    assert_user(
        &call(&app, Method::POST, &from("https://front.example")).await,
        "alice",
    );
    assert_error(
        &call(&app, Method::POST, &from("https://other.example")).await,
        StatusCode::FORBIDDEN,
        REFUSED,
    );
}

/// A browser calls a front end on a trusted origin `cross-site`; it passes all the same.
#[tokio::test]
async fn trusted_origins_pass_with_fetch_metadata() {
    let trusted = builder(Flow::Cookie)
        .csrf_trusted_origins(["https://front.example"])
        .build()
        .unwrap();
    let cookie = format!("token={}", token_for(&trusted, "alice"));
    let app = app(&trusted);
    let from = |origin| {
        [
            ("cookie", cookie.as_str()),
            ("host", "api.example"),
            ("origin", origin),
            ("sec-fetch-site", "cross-site"),
        ]
    };
    assert_user(
        &call(&app, Method::POST, &from("https://front.example")).await,
        "alice",
    );
    assert_error(
        &call(&app, Method::POST, &from("https://other.example")).await,
        StatusCode::FORBIDDEN,
        REFUSED,
    );
}

/// Cross-site WebSocket hijacking: a handshake is a `GET`, but one that opens a stream with the
/// victim's cookie.
#[tokio::test]
async fn a_cross_site_websocket_handshake_with_the_cookie_is_refused() {
    let auth = builder(Flow::Cookie).build().unwrap();
    let app = app(&auth);
    let cookie = format!("token={}", token_for(&auth, "alice"));
    let handshake = |origin, site| {
        [
            ("cookie", cookie.as_str()),
            ("host", "app.example"),
            ("connection", "upgrade"),
            ("upgrade", "websocket"),
            ("origin", origin),
            ("sec-fetch-site", site),
        ]
    };
    let cross = handshake("http://evil.example", "cross-site");
    assert_error(
        &call(&app, Method::GET, &cross).await,
        StatusCode::FORBIDDEN,
        REFUSED,
    );
    let same = handshake("http://app.example", "same-origin");
    assert_user(&call(&app, Method::GET, &same).await, "alice");
}

/// Login CSRF: a cross-site form posted to a handler that sets the cookie is refused, in the
/// cookie flows; the header flow sets no cookie and is not checked.
#[tokio::test]
async fn login_handlers_refuse_cross_site_posts_in_the_cookie_flows() {
    async fn login(auth: JwtAuth<User>) -> jwt_auth::Login {
        auth.login("alice")
    }
    for flow in FLOWS {
        let auth = builder(flow).exclude(["^/login$"]).build().unwrap();
        let app = auth.install(Router::new().route("/login", post(login)), ());
        let post_from = |site| {
            request(
                Method::POST,
                "/login",
                &[("host", b"app.example"), ("sec-fetch-site", site)],
            )
        };
        let cross = send(&app, post_from(b"cross-site")).await;
        if flow.uses_cookie() {
            assert_error(&cross, StatusCode::FORBIDDEN, REFUSED);
        } else {
            assert_eq!(cross.status, StatusCode::CREATED, "{flow:?}");
        }
        let same = send(&app, post_from(b"same-origin")).await;
        assert_eq!(same.status, StatusCode::CREATED, "{flow:?}");
        let curl = send(&app, request(Method::POST, "/login", &[])).await;
        assert_eq!(curl.status, StatusCode::CREATED, "{flow:?}");
    }
}
