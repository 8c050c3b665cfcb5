//! A test of a handler of your own, with `jwt_auth::testing` (feature `testing`).

use axum::http::{Request, StatusCode};
use axum::{Json, Router, body::Body, routing::get};
use jwt_auth::testing::{RequestBuilderExt as _, TokenBuilderExt as _};
use jwt_auth::{CurrentUser, Token, jwt_auth};
use tower::ServiceExt as _;

#[derive(Clone, serde::Serialize)]
struct User {
    id: String,
}

#[jwt_auth(secret = env("JWT_SECRET"), flow = "cookie")]
fn retrieve_user(token: &Token) -> Option<User> {
    (token.sub == "alice").then(|| User {
        id: token.sub.clone(),
    })
}

async fn me(CurrentUser(user): CurrentUser<User>) -> Json<User> {
    Json(user)
}

#[tokio::test]
async fn me_answers_the_user_of_a_valid_token_only() {
    let auth = RetrieveUser::from(
        RetrieveUser::builder()
            .secret("a secret for tests, of 32 bytes or more")
            .build()
            .unwrap(),
    );
    let app = auth.install(Router::new().route("/me", get(me)), ());
    let status = async |jwt: String| {
        // The token as the flow reads it: here the cookie, with what the CSRF check wants.
        let request = Request::get("/me")
            .with_token(&auth, &jwt)
            .body(Body::empty())
            .unwrap();
        app.clone().oneshot(request).await.unwrap().status()
    };
    assert_eq!(
        status(auth.token("alice").encode().unwrap()).await,
        StatusCode::OK
    );
    for jwt in [
        auth.token("alice").expired().encode().unwrap(),
        auth.token("alice").not_yet_valid().encode().unwrap(),
        auth.token("alice").encode_wrongly_signed().unwrap(),
        auth.token("mallory").encode().unwrap(),
    ] {
        assert_eq!(status(jwt).await, StatusCode::UNAUTHORIZED);
    }
}
