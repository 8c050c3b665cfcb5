//! The extractors: `CurrentUser`, `CurrentToken` (Litestar's `request.user` / `request.auth`),
//! their optional forms on excluded routes, the backend itself, typed claims, and the 500 that
//! names the fix when the layer is missing.

mod common;

use axum::Router;
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse as _;
use axum::routing::{get, post};
use common::{
    FLOWS, SECRET, User, assert_error, assert_invalid_token, assert_unauthorized, assert_user,
    backend, builder, get_bearer, get_cookie, get_plain, missing_detail, read, request, send, sign,
    token_for, user,
};
use jwt_auth::{CurrentToken, CurrentUser, Flow, JwtAuth, Login, Token};
use serde::{Deserialize, Serialize};
use serde_json::json;

async fn maybe_user(user: Option<CurrentUser<User>>) -> String {
    user.map_or_else(|| "anonymous".to_owned(), |CurrentUser(user)| user.id)
}

async fn maybe_token(token: Option<CurrentToken>) -> String {
    token.map_or_else(|| "no token".to_owned(), |token| token.sub.clone())
}

async fn me(user: CurrentUser<User>) -> String {
    // `CurrentUser` derefs to the user.
    user.name.clone()
}

/// `/maybe`, `/maybe-token` and `/me` excluded from the layer, `/protected` behind it.
fn app_with_open_routes(flow: Flow) -> (JwtAuth<User>, Router) {
    let auth = builder(flow).exclude(["^/maybe", "^/me$"]).build().unwrap();
    let router = Router::new()
        .route("/maybe", get(maybe_user))
        .route("/maybe-token", get(maybe_token))
        .route("/me", get(me))
        .route("/protected", get(common::whoami));
    let app = auth.install(router, ());
    (auth, app)
}

#[tokio::test]
async fn optional_user_on_an_excluded_route() {
    for flow in FLOWS {
        let (auth, app) = app_with_open_routes(flow);
        let reply = send(&app, get_plain("/maybe")).await;
        assert_eq!(
            (reply.status, reply.text().as_str()),
            (StatusCode::OK, "anonymous")
        );

        let jwt = token_for(&auth, "alice");
        let reply = send(&app, get_bearer("/maybe", &jwt)).await;
        assert_eq!(
            (reply.status, reply.text().as_str()),
            (StatusCode::OK, "alice")
        );
        if flow != Flow::Header {
            let reply = send(&app, get_cookie("/maybe", &jwt)).await;
            assert_eq!(reply.text(), "alice");
        }

        // A token that is sent must be valid: anonymous access is not a way around it.
        assert_invalid_token(&send(&app, get_bearer("/maybe", "junk")).await);
        let stranger = token_for(&auth, "mallory");
        assert_unauthorized(
            &send(&app, get_bearer("/maybe", &stranger)).await,
            "Unauthorized",
        );
    }
}

#[tokio::test]
async fn on_demand_failures_use_the_custom_error_response() {
    let auth = builder(Flow::Header)
        .exclude(["^/maybe$", "^/me$"])
        .error_response(|error| (StatusCode::FORBIDDEN, error.detail()).into_response())
        .build()
        .unwrap();
    let router = Router::new()
        .route("/maybe", get(maybe_user))
        .route("/me", get(me));
    let app = auth.install(router, ());
    let reply = send(&app, get_bearer("/maybe", "junk")).await;
    assert_eq!(
        (reply.status, reply.text().as_str()),
        (StatusCode::FORBIDDEN, "Invalid token")
    );
    let reply = send(&app, get_plain("/me")).await;
    assert_eq!(
        (reply.status, reply.text().as_str()),
        (
            StatusCode::FORBIDDEN,
            "No JWT token found in request header"
        )
    );
    // Still anonymous without a token.
    assert_eq!(send(&app, get_plain("/maybe")).await.text(), "anonymous");
}

#[tokio::test]
async fn optional_token_on_an_excluded_route() {
    let (auth, app) = app_with_open_routes(Flow::Header);
    assert_eq!(
        send(&app, get_plain("/maybe-token")).await.text(),
        "no token"
    );
    let jwt = token_for(&auth, "bob");
    assert_eq!(
        send(&app, get_bearer("/maybe-token", &jwt)).await.text(),
        "bob"
    );
    assert_invalid_token(&send(&app, get_bearer("/maybe-token", "junk")).await);
}

#[tokio::test]
async fn a_required_user_on_an_excluded_route_is_authenticated_on_demand() {
    for flow in FLOWS {
        let (auth, app) = app_with_open_routes(flow);
        assert_unauthorized(&send(&app, get_plain("/me")).await, missing_detail(flow));
        let reply = send(&app, get_bearer("/me", &token_for(&auth, "alice"))).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.text(), user("alice").name);
    }
}

#[tokio::test]
async fn the_protected_route_sees_the_same_user_and_token() {
    let (auth, app) = app_with_open_routes(Flow::Header);
    let jwt = auth
        .token("alice")
        .issuer("iss")
        .jti("j-1")
        .extra("role", "admin")
        .encode()
        .unwrap();
    let reply = send(&app, get_bearer("/protected", &jwt)).await;
    assert_user(&reply, "alice");
    let body = reply.json();
    assert_eq!(body["iss"], "iss");
    assert_eq!(body["jti"], "j-1");
    assert_eq!(body["extras"], json!({"role": "admin"}));
}

/// A route no layer saw is refused as an unauthenticated request is, never let through and
/// never a 500; the fix goes to the log.
fn assert_not_installed(reply: &common::Reply) {
    assert_error(reply, StatusCode::UNAUTHORIZED, "Unauthorized");
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
}

#[tokio::test]
async fn without_the_layer_the_extractors_answer_401() {
    let no_layer = Router::new()
        .route("/me", get(me))
        .route("/maybe", get(maybe_user))
        .route(
            "/token",
            get(|CurrentToken(token): CurrentToken| async move { token.sub.clone() }),
        )
        .route(
            "/backend",
            get(|_auth: JwtAuth<User>| async { "unreachable" }),
        );
    let jwt = token_for(&backend(Flow::Header), "alice");
    for path in ["/me", "/maybe", "/token", "/backend"] {
        assert_not_installed(&send(&no_layer, get_plain(path)).await);
        assert_not_installed(&send(&no_layer, get_bearer(path, &jwt)).await);
    }

    // A route added after `install` is outside the layer too.
    let auth = backend(Flow::Header);
    let app = auth
        .install(Router::new().route("/protected", get(common::whoami)), ())
        .route("/late", get(me));
    assert_not_installed(&send(&app, get_bearer("/late", &jwt)).await);
}

#[tokio::test]
async fn asking_for_another_user_type_is_500_naming_both_types() {
    let auth = backend(Flow::Header);
    let app = auth.install(
        Router::new().route(
            "/wrong",
            get(|CurrentUser(name): CurrentUser<String>| async move { name }),
        ),
        (),
    );
    let reply = send(&app, get_bearer("/wrong", &token_for(&auth, "alice"))).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    let detail = reply.json()["detail"].as_str().unwrap().to_owned();
    assert!(
        detail.contains("CurrentUser<alloc::string::String>"),
        "{detail}"
    );
    assert!(detail.contains("common::User"), "{detail}");
}

#[tokio::test]
async fn the_backend_is_an_extractor_for_login_handlers() {
    let auth = builder(Flow::Cookie).exclude(["^/login$"]).build().unwrap();
    let router = Router::new()
        .route(
            "/login",
            post(|auth: JwtAuth<User>| async move {
                auth.login("bob").send_token_as_response_body(true)
            }),
        )
        .route("/protected", get(common::whoami));
    let app = auth.install(router, ());
    let login = send(&app, request(Method::POST, "/login", &[])).await;
    assert_eq!(login.status, StatusCode::CREATED);
    let jwt = login.json()["token"].as_str().unwrap().to_owned();
    assert_user(&send(&app, get_bearer("/protected", &jwt)).await, "bob");
    assert_user(&send(&app, get_cookie("/protected", &jwt)).await, "bob");
}

/// Typed extra claims (Litestar's custom `token_cls` with `random_field: int = 1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Claims {
    email: String,
    #[serde(default = "one")]
    random_field: i64,
}

fn one() -> i64 {
    1
}

fn typed_backend(flow: Flow) -> JwtAuth<User, (), Claims> {
    let builder = JwtAuth::<User, (), Claims>::builder()
        .secret(SECRET)
        .flow(flow)
        // The retrieval function sees the typed claims.
        .retrieve_user_sync(|token: &Token<Claims>, _state: &()| {
            token
                .extras
                .email
                .ends_with("@example.com")
                .then(|| user(&token.sub))
        });
    let builder = if flow == Flow::OAuth2Password {
        builder.token_url("/login")
    } else {
        builder
    };
    builder.build().unwrap()
}

async fn typed(
    CurrentUser(user): CurrentUser<User>,
    token: CurrentToken<Claims>,
) -> axum::Json<serde_json::Value> {
    axum::Json(json!({"user": user.id, "claims": token.extras}))
}

#[tokio::test]
async fn typed_claims_for_the_three_flows() {
    for flow in FLOWS {
        let auth = typed_backend(flow);
        let app = auth.install(Router::new().route("/typed", get(typed)), ());
        let claims = Claims {
            email: "alice@example.com".into(),
            random_field: 2,
        };
        let login: Login<Claims> = auth.login("alice").claims(&claims);
        let jwt = read(login.into_response()).await.bearer("authorization");
        assert_eq!(auth.decode(&jwt).unwrap().extras, claims);

        let reply = send(&app, get_bearer("/typed", &jwt)).await;
        assert_eq!(reply.status, StatusCode::OK, "{flow:?}: {}", reply.text());
        assert_eq!(
            reply.json(),
            json!({"user": "alice", "claims": {"email": "alice@example.com", "random_field": 2}})
        );

        // A missing field with a default takes it; a missing required field is an invalid token.
        let defaulted = auth
            .token("alice")
            .extra("email", "alice@example.com")
            .encode()
            .unwrap();
        let reply = send(&app, get_bearer("/typed", &defaulted)).await;
        assert_eq!(reply.json()["claims"]["random_field"], 1);
        let untyped = sign(&json!({"sub": "alice", "exp": common::now() + 60}));
        assert_invalid_token(&send(&app, get_bearer("/typed", &untyped)).await);
        let wrong_type = sign(&json!({"sub": "alice", "exp": common::now() + 60, "email": 5}));
        assert_invalid_token(&send(&app, get_bearer("/typed", &wrong_type)).await);

        // The retrieval function decides from the claims.
        let outsider = auth
            .token("alice")
            .claims(&Claims {
                email: "alice@elsewhere.org".into(),
                random_field: 1,
            })
            .encode()
            .unwrap();
        assert_error(
            &send(&app, get_bearer("/typed", &outsider)).await,
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
        );
    }
}

#[tokio::test]
async fn typed_claims_accept_litestar_nested_extras() {
    let auth = typed_backend(Flow::Header);
    let app = auth.install(Router::new().route("/typed", get(typed)), ());
    let jwt = sign(&json!({
        "sub": "alice",
        "exp": common::now() + 60,
        "iat": common::now(),
        "extras": {"email": "alice@example.com", "random_field": 7},
    }));
    let reply = send(&app, get_bearer("/typed", &jwt)).await;
    assert_eq!(
        reply.json()["claims"],
        json!({"email": "alice@example.com", "random_field": 7})
    );
}

#[tokio::test]
async fn on_demand_authentication_runs_once_for_the_user_and_the_token() {
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = std::sync::Arc::clone(&calls);
    let auth = JwtAuth::<User>::builder()
        .secret(SECRET)
        .exclude(["^/open$"])
        .retrieve_user_sync(move |token, _state: &()| {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            common::known_user(&token.sub)
        })
        .build()
        .unwrap();
    let app = auth.install(Router::new().route("/open", get(common::whoami)), ());
    let reply = send(&app, get_bearer("/open", &token_for(&auth, "alice"))).await;
    assert_user(&reply, "alice");
    assert_eq!(reply.json()["sub"], "alice");
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test]
async fn nested_layers_of_different_types_each_give_their_own_user_and_backend() {
    let inner = backend(Flow::Header);
    let outer = JwtAuth::<String>::builder()
        .secret(SECRET)
        .retrieve_user_sync(|token, _state: &()| Some(format!("outer:{}", token.sub)))
        .build()
        .unwrap();
    let router = Router::new().route(
        "/both",
        get(
            |CurrentUser(user): CurrentUser<User>,
             CurrentUser(name): CurrentUser<String>,
             _inner: JwtAuth<User>,
             _outer: JwtAuth<String>| async move { format!("{} {name}", user.id) },
        ),
    );
    let app = inner.install(router, ()).layer(outer.layer(()));
    let reply = send(&app, get_bearer("/both", &token_for(&inner, "alice"))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.text(), "alice outer:alice");
}

#[tokio::test]
async fn the_backend_added_as_an_extension_is_still_an_extractor() {
    let auth = backend(Flow::Header);
    let app = Router::new()
        .route("/backend", get(|_auth: JwtAuth<User>| async { "found" }))
        .layer(axum::Extension(auth));
    let reply = send(&app, get_plain("/backend")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), "found");
}

/// An application's own middleware behind the layer reads the user with the extractor (the
/// layer keeps user and token in one request extension of its own, not one per type).
#[tokio::test]
async fn a_middleware_behind_the_layer_reads_the_user_with_the_extractor() {
    async fn tag_user(
        CurrentUser(user): CurrentUser<User>,
        request: axum::extract::Request,
        next: axum::middleware::Next,
    ) -> axum::response::Response {
        let mut response = next.run(request).await;
        let value = axum::http::HeaderValue::from_str(&user.id).unwrap();
        response.headers_mut().insert("x-user", value);
        response
    }
    let auth = backend(Flow::Header);
    let router = Router::new()
        .route("/protected", get(common::whoami))
        .layer(axum::middleware::from_fn(tag_user));
    let app = auth.install(router, ());
    let reply = send(&app, get_bearer("/protected", &token_for(&auth, "alice"))).await;
    assert_user(&reply, "alice");
    assert_eq!(reply.headers["x-user"], "alice");
    // Refused by the layer before the application's middleware runs.
    let reply = send(&app, get_plain("/protected")).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.headers.get("x-user").is_none());
}

/// Code that has the request rather than extractors reads user and token with
/// `from_extensions`; it never authenticates on demand.
#[tokio::test]
async fn from_extensions_reads_what_the_layer_found() {
    async fn tag(
        request: axum::extract::Request,
        next: axum::middleware::Next,
    ) -> axum::response::Response {
        let user = CurrentUser::<User>::from_extensions(request.extensions())
            .map_or_else(|| "none".to_owned(), |user| user.id.clone());
        let sub = CurrentToken::<jwt_auth::Extras>::from_extensions(request.extensions())
            .map_or_else(|| "none".to_owned(), |token| token.sub.clone());
        let mut response = next.run(request).await;
        let value = axum::http::HeaderValue::from_str(&format!("{user} {sub}")).unwrap();
        response.headers_mut().insert("x-found", value);
        response
    }
    let auth = builder(Flow::Header).exclude(["^/open$"]).build().unwrap();
    let router = Router::new()
        .route("/protected", get(common::whoami))
        .route("/open", get(|| async { "open" }))
        .layer(axum::middleware::from_fn(tag));
    let app = auth.install(router, ());
    let jwt = token_for(&auth, "alice");
    let reply = send(&app, get_bearer("/protected", &jwt)).await;
    assert_user(&reply, "alice");
    assert_eq!(reply.headers["x-found"], "alice alice");
    // Excluded: the layer authenticated nothing, and `from_extensions` does not either.
    let reply = send(&app, get_bearer("/open", &jwt)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers["x-found"], "none none");
}

/// As when each type had its own extension, the last insertion wins: a user, token or backend
/// the application inserts behind the layer replaces the layer's, and one inserted before the
/// layer is replaced by what the layer found.
#[tokio::test]
async fn the_last_insertion_of_a_user_token_or_backend_wins() {
    async fn backend_limit(auth: JwtAuth<User>) -> String {
        auth.max_token_size().to_string()
    }
    let auth = builder(Flow::Header).max_token_size(5000).build().unwrap();
    let other = builder(Flow::Header).max_token_size(6000).build().unwrap();
    let bob_token = std::sync::Arc::new(other.decode(&token_for(&other, "bob")).unwrap());
    let routes = || {
        Router::new()
            .route("/protected", get(common::whoami))
            .route("/backend", get(backend_limit))
    };
    let jwt = token_for(&auth, "alice");

    // Behind the layer: the application's values win.
    let behind = routes()
        .layer(axum::Extension(CurrentUser(user("bob"))))
        .layer(axum::Extension(CurrentToken(std::sync::Arc::clone(
            &bob_token,
        ))))
        .layer(axum::Extension(other.clone()));
    let app = auth.install(behind, ());
    let reply = send(&app, get_bearer("/protected", &jwt)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["user"]["id"], "bob");
    assert_eq!(reply.json()["sub"], "bob");
    assert_eq!(
        send(&app, get_bearer("/backend", &jwt)).await.text(),
        "6000"
    );

    // Before the layer: the layer's win.
    let app = auth
        .install(routes(), ())
        .layer(axum::Extension(CurrentUser(user("bob"))))
        .layer(axum::Extension(CurrentToken(bob_token)))
        .layer(axum::Extension(other));
    let reply = send(&app, get_bearer("/protected", &jwt)).await;
    assert_user(&reply, "alice");
    assert_eq!(reply.json()["sub"], "alice");
    assert_eq!(
        send(&app, get_bearer("/backend", &jwt)).await.text(),
        "5000"
    );
}
