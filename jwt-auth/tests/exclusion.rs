//! What skips authentication: path patterns (Litestar's unanchored regex search), methods
//! (`OPTIONS` only by default; `HEAD` is not excluded), routing before authentication, routes
//! added after `install`, merged and nested routers.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::{Method, StatusCode};
use axum::routing::{get, post};
use common::{
    User, assert_unauthorized, assert_user, backend, builder, get_bearer, get_plain, request, send,
    token_for, whoami,
};
use jwt_auth::{Flow, JwtAuth};

const MISSING: &str = "No JWT token found in request header";

async fn open() -> &'static str {
    "open"
}

/// The card's `exclude = ["/login", "/schema"]` excludes those routes and the routes under
/// them, and nothing that merely looks like them: a protected route whose path contains `login`,
/// or whose path parameter is `login` or `schema-2024`, still needs a token.
#[tokio::test]
async fn the_cards_exclusions_match_routes_not_look_alikes() {
    let auth = builder(Flow::Header)
        .exclude(["/login", "/schema", "^/public$", "^/api/v[0-9]+/health$"])
        .build()
        .unwrap();
    let templates = [
        "/login",
        "/login/{step}",
        "/schema",
        "/schema/{*rest}",
        "/public",
        "/public/x",
        "/api/{version}/health",
        "/api/v2/health",
        "/admin/login-history",
        "/reports/{name}",
        "/loginx",
        "/secure",
    ];
    let router = templates.iter().fold(Router::new(), |router, route| {
        router.route(route, get(open))
    });
    let app = auth.install(router, ());
    for (path, excluded) in [
        ("/login", true),
        ("/login?x=1", true),
        ("/login/2fa", true),
        ("/schema", true),
        ("/schema/openapi.json", true),
        ("/public", true),
        ("/api/v2/health", true),
        ("/public/x", false),
        ("/admin/login-history", false),
        ("/reports/login", false),
        ("/reports/schema-2024", false),
        ("/loginx", false),
        // `/api/{version}/health` is another route than `/api/v2/health`, whatever the path.
        ("/api/v3/health", false),
        ("/secure", false),
        // The query string is not part of the route.
        ("/secure?q=/login", false),
    ] {
        let reply = send(&app, get_plain(path)).await;
        if excluded {
            assert_eq!(reply.status, StatusCode::OK, "{path}");
            assert_eq!(reply.text(), "open");
        } else {
            assert_unauthorized(&reply, MISSING);
        }
    }
}

/// Litestar's `exclude=["north", "south"]` test, with paths: the retrieval function is never
/// called on an excluded route, even when a valid token is sent.
#[tokio::test]
async fn the_retrieval_function_is_never_called_on_excluded_paths() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let auth = JwtAuth::<User>::builder()
        .secret(common::SECRET)
        .exclude(["/north", "/south"])
        .retrieve_user_sync(move |_token, _state: &()| {
            counter.fetch_add(1, Ordering::SeqCst);
            None::<User>
        })
        .build()
        .unwrap();
    let router = Router::new()
        .route("/north/{id}", get(open))
        .route("/south", get(open))
        .route("/west", get(open));
    let app = auth.install(router, ());
    let jwt = token_for(&auth, "alice");

    for path in ["/north/1", "/south"] {
        assert_eq!(send(&app, get_plain(path)).await.status, StatusCode::OK);
        assert_eq!(
            send(&app, get_bearer(path, &jwt)).await.status,
            StatusCode::OK
        );
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0);

    assert_unauthorized(&send(&app, get_plain("/west")).await, MISSING);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    assert_unauthorized(&send(&app, get_bearer("/west", &jwt)).await, "Unauthorized");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

/// CORS preflights pass (Litestar issues #2157, #2205): the handler answers, never a 401.
#[tokio::test]
async fn options_on_a_protected_route_reaches_the_handler() {
    let auth = backend(Flow::Header);
    let router = Router::new()
        .route(
            "/some-path",
            get(whoami).options(|| async { StatusCode::NO_CONTENT }),
        )
        .route("/get-only", get(whoami));
    let app = auth.install(router, ());
    let preflight = request(Method::OPTIONS, "/some-path", &[]);
    assert_eq!(send(&app, preflight).await.status, StatusCode::NO_CONTENT);
    assert_unauthorized(&send(&app, get_plain("/some-path")).await, MISSING);
    // Without an OPTIONS handler, axum's answer, not a 401.
    let reply = send(&app, request(Method::OPTIONS, "/get-only", &[])).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn no_excluded_methods_means_options_is_authenticated_too() {
    let auth = builder(Flow::Header)
        .exclude_methods(Vec::<Method>::new())
        .build()
        .unwrap();
    let router = Router::new().route(
        "/some-path",
        get(whoami).options(|| async { StatusCode::NO_CONTENT }),
    );
    let app = auth.install(router, ());
    let reply = send(&app, request(Method::OPTIONS, "/some-path", &[])).await;
    assert_unauthorized(&reply, MISSING);
}

/// Litestar excludes `HEAD` by default; axum answers `HEAD` with the `GET` handler, so that
/// would run every `GET` handler unauthenticated. Here `HEAD` is authenticated by default.
#[tokio::test]
async fn head_is_not_excluded_by_default() {
    let auth = backend(Flow::Header);
    let app = auth.install(
        Router::new().route("/report", get(|| async { "secret" })),
        (),
    );
    let reply = send(&app, request(Method::HEAD, "/report", &[])).await;
    // A HEAD response has no body; status and challenge are what the client sees.
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));

    let value = format!("Bearer {}", token_for(&auth, "alice"));
    let reply = send(
        &app,
        request(
            Method::HEAD,
            "/report",
            &[("authorization", value.as_bytes())],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.is_empty());

    // Litestar's default, on request.
    let litestar_like = builder(Flow::Header)
        .exclude_methods([Method::OPTIONS, Method::HEAD])
        .build()
        .unwrap();
    let app = litestar_like.install(
        Router::new().route("/report", get(|| async { "secret" })),
        (),
    );
    let reply = send(&app, request(Method::HEAD, "/report", &[])).await;
    assert_eq!(reply.status, StatusCode::OK);
}

/// Routing comes first, as in Litestar: an unknown path is 404 and a wrong method 405, without
/// a token.
#[tokio::test]
async fn routing_happens_before_authentication() {
    let app = common::app(&backend(Flow::Header));
    assert_eq!(
        send(&app, get_plain("/no-such-path")).await.status,
        StatusCode::NOT_FOUND
    );
    for (method, authorization) in [
        (Method::POST, &b""[..]),
        (Method::DELETE, b"Bearer junk"),
        (Method::PUT, b"Basic abc"),
    ] {
        let headers: &[(&str, &[u8])] = if authorization.is_empty() {
            &[]
        } else {
            &[("authorization", authorization)]
        };
        let reply = send(&app, request(method.clone(), "/protected", headers)).await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(reply.header("allow"), Some("GET,HEAD"));
        assert_eq!(reply.header("www-authenticate"), None);
    }
}

/// A method fallback written by the application is application code: it stays protected.
#[tokio::test]
async fn an_application_method_fallback_stays_protected() {
    let auth = backend(Flow::Header);
    let router = Router::new().route(
        "/thing",
        get(open).fallback(|| async { (StatusCode::IM_A_TEAPOT, "custom") }),
    );
    let app = auth.install(router, ());
    let reply = send(&app, request(Method::POST, "/thing", &[])).await;
    assert_unauthorized(&reply, MISSING);
    let value = format!("Bearer {}", token_for(&auth, "alice"));
    let reply = send(
        &app,
        request(
            Method::POST,
            "/thing",
            &[("authorization", value.as_bytes())],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::IM_A_TEAPOT);
}

/// With `Router::layer` instead of `install` (`route_layer`), the fallback is protected too.
#[tokio::test]
async fn with_router_layer_the_fallback_is_protected() {
    let auth = backend(Flow::Header);
    let app = Router::new()
        .route("/protected", get(whoami))
        .layer(auth.layer(()));
    assert_unauthorized(&send(&app, get_plain("/no-such-path")).await, MISSING);
    let jwt = token_for(&auth, "alice");
    assert_eq!(
        send(&app, get_bearer("/no-such-path", &jwt)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_user(&send(&app, get_bearer("/protected", &jwt)).await, "alice");
}

#[tokio::test]
async fn routes_added_after_install_are_public() {
    let auth = backend(Flow::Header);
    let app = auth
        .install(Router::new().route("/protected", get(whoami)), ())
        .route("/health", get(open));
    assert_eq!(send(&app, get_plain("/health")).await.text(), "open");
    assert_unauthorized(&send(&app, get_plain("/protected")).await, MISSING);
}

#[tokio::test]
async fn a_merged_public_router_stays_public() {
    let auth = backend(Flow::Header);
    let public = Router::new()
        .route("/docs", get(open))
        .route("/login", post(open));
    let app = common::app(&auth).merge(public);
    assert_eq!(send(&app, get_plain("/docs")).await.status, StatusCode::OK);
    let reply = send(&app, request(Method::POST, "/login", &[])).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_unauthorized(&send(&app, get_plain("/protected")).await, MISSING);
}

/// Exclusion patterns see the full route template, with the nesting prefix.
#[tokio::test]
async fn nested_routers_match_exclusions_against_the_full_path() {
    let inner = || {
        Router::new()
            .route("/login", get(open))
            .route("/me", get(whoami))
    };
    let full = builder(Flow::Header)
        .exclude(["^/api/login$"])
        .build()
        .unwrap();
    let inner_only = builder(Flow::Header).exclude(["^/login$"]).build().unwrap();
    let jwt = token_for(&full, "alice");

    // The layer on the nested router.
    let app = Router::new().nest("/api", full.install(inner(), ()));
    assert_eq!(send(&app, get_plain("/api/login")).await.text(), "open");
    assert_unauthorized(&send(&app, get_plain("/api/me")).await, MISSING);
    assert_user(&send(&app, get_bearer("/api/me", &jwt)).await, "alice");

    // A pattern written for the inner path does not match.
    let app = Router::new().nest("/api", inner_only.install(inner(), ()));
    assert_unauthorized(&send(&app, get_plain("/api/login")).await, MISSING);

    let reply = send(&app, request(Method::POST, "/api/me", &[])).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);

    // The layer around the outer router.
    let app = full.install(Router::new().nest("/api", inner()), ());
    assert_eq!(send(&app, get_plain("/api/login")).await.text(), "open");
    assert_unauthorized(&send(&app, get_plain("/api/me")).await, MISSING);
    let reply = send(&app, request(Method::POST, "/api/me", &[])).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
}
