//! The password-grant extractor behind a token endpoint: the form Swagger UI's "Authorize"
//! button posts (Litestar issue #3971), JSON, and RFC 6749 section 5.2 errors for bad input.

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use common::{SECRET, send};
use jwt_auth::{Flow, GrantError, JwtAuth, PasswordGrant};
use serde_json::{Value, json};

const FORM: &str = "application/x-www-form-urlencoded";

/// A token endpoint: `ada` / `lovelace` logs in; anything else is `invalid_grant`.
async fn token(
    axum::extract::State(auth): axum::extract::State<JwtAuth<common::User>>,
    grant: PasswordGrant,
) -> Response {
    if grant.username == "ada" && grant.password == "lovelace" {
        auth.login("alice").into_response()
    } else {
        GrantError::invalid_grant("wrong username or password").into_response()
    }
}

async fn echo(grant: PasswordGrant) -> axum::Json<Value> {
    axum::Json(json!({
        "username": grant.username,
        "password": grant.password,
        "scopes": grant.scopes,
        "client_id": grant.client_id,
        "client_secret": grant.client_secret,
    }))
}

fn app() -> Router {
    let auth = JwtAuth::<common::User>::builder()
        .secret(SECRET)
        .flow(Flow::OAuth2Password)
        .token_url("/token")
        .exclude(["^/token$", "^/echo$"])
        .retrieve_user_sync(|token, _state: &()| common::known_user(&token.sub))
        .build()
        .expect("a valid configuration");
    let router = Router::new()
        .route("/token", post(token))
        .route("/echo", post(echo))
        .with_state(auth.clone());
    auth.install(router, ())
}

fn post_body(path: &str, content_type: Option<&str>, body: &str) -> Request<Body> {
    let mut request = Request::builder().method(Method::POST).uri(path);
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    request
        .body(Body::from(body.to_owned()))
        .expect("a valid request")
}

fn assert_oauth2_error(reply: &common::Reply, error: &str) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["error"], error, "{body}");
    assert!(body["error_description"].is_string(), "{body}");
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert!(
        reply
            .header("content-type")
            .is_some_and(|value| value.starts_with("application/json"))
    );
}

#[tokio::test]
async fn the_form_swagger_ui_posts_logs_in() {
    // What Swagger UI's password flow sends: scope and client_id present, possibly empty.
    let body = "grant_type=password&username=ada&password=lovelace&scope=&client_id=";
    let reply = send(&app(), post_body("/token", Some(FORM), body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["token_type"], "bearer");
    assert!(
        body["access_token"]
            .as_str()
            .is_some_and(|jwt| !jwt.is_empty())
    );
    assert_eq!(body["expires_in"], 86400);
}

#[tokio::test]
async fn json_with_the_same_fields_logs_in() {
    let body = json!({"grant_type": "password", "username": "ada", "password": "lovelace"});
    let reply = send(
        &app(),
        post_body("/token", Some("application/json"), &body.to_string()),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    assert_eq!(reply.json()["token_type"], "bearer");
}

#[tokio::test]
async fn form_fields_are_percent_decoded_and_scopes_split() {
    let body = "grant_type=password&username=ada%40example.com&password=p%26ss+word\
                &scope=read%20write&client_id=swagger&client_secret=s3cret";
    let reply = send(
        &app(),
        post_body(
            "/echo",
            Some("application/x-www-form-urlencoded; charset=UTF-8"),
            body,
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(
        reply.json(),
        json!({
            "username": "ada@example.com", "password": "p&ss word", "scopes": ["read", "write"],
            "client_id": "swagger", "client_secret": "s3cret",
        })
    );
}

#[tokio::test]
async fn wrong_credentials_are_invalid_grant() {
    let body = "grant_type=password&username=ada&password=wrong";
    let reply = send(&app(), post_body("/token", Some(FORM), body)).await;
    assert_oauth2_error(&reply, "invalid_grant");
}

#[tokio::test]
async fn bad_input_is_invalid_request() {
    let cases = [
        (Some(FORM), "username=ada&password=lovelace"),
        (Some(FORM), "grant_type=password&password=lovelace"),
        (Some(FORM), "grant_type=password&username=ada"),
        (
            Some(FORM),
            "grant_type=password&username=&password=lovelace",
        ),
        (
            Some(FORM),
            "grant_type=password&username=ada&username=eve&password=x",
        ),
        (Some("application/json"), "{not json"),
        (Some("application/json"), r#"["password"]"#),
        (
            Some("application/json"),
            r#"{"grant_type":"password","username":"ada","password":42}"#,
        ),
        (
            Some("text/plain"),
            "grant_type=password&username=ada&password=lovelace",
        ),
        (None, "grant_type=password&username=ada&password=lovelace"),
    ];
    for (content_type, body) in cases {
        let reply = send(&app(), post_body("/token", content_type, body)).await;
        assert_oauth2_error(&reply, "invalid_request");
    }
}

#[tokio::test]
async fn another_grant_type_is_unsupported_grant_type() {
    for body in [
        "grant_type=client_credentials&username=ada&password=lovelace",
        "grant_type=authorization_code&code=abc",
    ] {
        let reply = send(&app(), post_body("/token", Some(FORM), body)).await;
        assert_oauth2_error(&reply, "unsupported_grant_type");
    }
}

#[tokio::test]
async fn invalid_client_is_a_401_with_a_challenge() {
    let reply = common::read(GrantError::invalid_client("unknown client").into_response()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json()["error"], "invalid_client");
    assert!(reply.header("www-authenticate").is_some());
}
