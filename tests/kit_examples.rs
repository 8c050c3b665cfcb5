//! The test kit (`jwt_auth::testing`) on the seed examples' own handlers, one example per flow,
//! through `tower::ServiceExt::oneshot`: each example's file is compiled here as a module, its
//! backend built with a known secret, and its protected route called with the kit's tokens.

// Each example brings `examples/common` as in its own binary: three copies of the module, as
// three binaries have.
#![allow(clippy::duplicate_mod)]

#[allow(dead_code, reason = "the example's `main` is not this test's")]
#[path = "../examples/jwt_auth.rs"]
mod header_example;

#[allow(dead_code, reason = "the example's `main` is not this test's")]
#[path = "../examples/jwt_cookie_auth.rs"]
mod cookie_example;

#[allow(dead_code, reason = "the example's `main` is not this test's")]
#[path = "../examples/oauth2_password_bearer.rs"]
mod oauth2_example;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use jwt_auth::JwtAuth;
use jwt_auth::testing::{RequestBuilderExt as _, TokenBuilderExt as _};
use tower::ServiceExt as _;

const SECRET: &str = "the kit's secret, of at least thirty-two bytes";
const ADA: &str = "6a1f6f3c-3b5e-4a9e-9f0e-8d2b1c3a4e5f";

fn ada() -> header_example::common::User {
    serde_json::from_value(serde_json::json!({
        "id": ADA, "name": "Ada", "email": "ada@example.com"
    }))
    .unwrap()
}

/// Calls `GET /some-path` with `headers`: the status and the body.
async fn some_path(app: &Router, headers: HeaderMap) -> (StatusCode, serde_json::Value) {
    let mut request = Request::get("/some-path").body(Body::empty()).unwrap();
    *request.headers_mut() = headers;
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, serde_json::from_slice(&body).unwrap_or_default())
}

/// The kit's valid token, sent as the flow reads it, reaches the example's handler, which
/// answers the user; the kit's negative tokens and no token are 401s.
async fn the_protected_route_answers_the_kits_tokens<U, S, C>(auth: &JwtAuth<U, S, C>, app: Router)
where
    U: Clone + Send + Sync + 'static,
    S: Clone + Send + Sync + 'static,
    C: serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
{
    let jwt = auth.token(ADA).encode().unwrap();
    let (status, body) = some_path(&app, auth.test_headers(&jwt)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], ADA);
    // `with_token` on a request builder carries the same.
    let request = Request::get("/some-path")
        .with_token(auth, &jwt)
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        app.clone().oneshot(request).await.unwrap().status(),
        StatusCode::OK
    );
    for jwt in [
        auth.token(ADA).expired().encode().unwrap(),
        auth.token(ADA).not_yet_valid().encode().unwrap(),
        auth.token(ADA).encode_wrongly_signed().unwrap(),
    ] {
        let (status, body) = some_path(&app, auth.test_headers(&jwt)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["detail"], "Invalid token");
    }
    let (status, _) = some_path(&app, HeaderMap::new()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// The application of `$example` (a module above) with its backend built on the kit's secret and
/// Ada in its users.
macro_rules! example_app {
    ($example:ident) => {{
        use $example::{AppState, RetrieveUserHandler, app};
        let built = RetrieveUserHandler::builder()
            .secret(SECRET)
            .build()
            .unwrap();
        let auth = RetrieveUserHandler::from(built);
        let state = AppState::default();
        let user = serde_json::to_value(ada()).unwrap();
        state.users.insert(serde_json::from_value(user).unwrap());
        let app = app(&auth, state.clone()).with_state(state);
        (auth, app)
    }};
}

#[tokio::test]
async fn the_header_examples_handler_with_the_kit() {
    let (auth, app) = example_app!(header_example);
    the_protected_route_answers_the_kits_tokens(&auth, app).await;
}

#[tokio::test]
async fn the_cookie_examples_handler_with_the_kit() {
    let (auth, app) = example_app!(cookie_example);
    // The kit sends the cookie (`test_headers`: the cookie flow's own way).
    assert!(auth.test_headers("x").contains_key("cookie"));
    the_protected_route_answers_the_kits_tokens(&auth, app).await;
}

#[tokio::test]
async fn the_oauth2_examples_handler_with_the_kit() {
    let (auth, app) = example_app!(oauth2_example);
    the_protected_route_answers_the_kits_tokens(&auth, app.clone()).await;
    // The bearer header works in this flow too.
    let jwt = auth.token(ADA).encode().unwrap();
    let request = Request::get("/some-path")
        .with_bearer(&jwt)
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.oneshot(request).await.unwrap().status(), StatusCode::OK);
}
