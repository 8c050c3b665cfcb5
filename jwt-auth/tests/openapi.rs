//! The OpenAPI side over a real router: the document an app serves carries the security
//! schemes, and a requirement on exactly the operations that the middleware answers with 401
//! without a token.

#![cfg(feature = "openapi")]

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use axum::routing::{get, post};
use common::{backend, builder, get_plain, send, token_for};
use jwt_auth::{Flow, JwtAuth};
use serde_json::{Value, json};
use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::{OpenApi, OpenApiBuilder, PathItem, PathsBuilder};

async fn ok() -> &'static str {
    "ok"
}

/// The operations of the app below, as a document would list them.
fn document() -> OpenApi {
    let mut items = PathItem::new(HttpMethod::Get, Operation::new());
    items.delete = Some(Operation::new());
    items.options = Some(Operation::new());
    let mut login = PathItem::new(HttpMethod::Post, Operation::new());
    login.get = Some(Operation::new());
    let paths = PathsBuilder::new()
        .path("/login", login)
        .path("/items/{id}", items)
        .path(
            "/public/info",
            PathItem::new(HttpMethod::Get, Operation::new()),
        )
        .path("/me", PathItem::new(HttpMethod::Get, Operation::new()))
        .path(
            "/schema/openapi.json",
            PathItem::new(HttpMethod::Get, Operation::new()),
        );
    OpenApiBuilder::new().paths(paths).build()
}

fn app(auth: &JwtAuth<common::User>) -> Router {
    let document = serde_json::to_value(auth.openapi(document())).expect("serializable");
    let router = Router::new()
        .route("/login", post(ok).get(ok))
        .route("/items/{id}", get(ok).delete(ok).options(ok))
        .route("/public/info", get(ok))
        .route("/me", get(ok))
        .route(
            "/schema/openapi.json",
            get(move || std::future::ready(axum::Json(document.clone()))),
        );
    auth.install(router, ())
}

fn configured(flow: Flow) -> JwtAuth<common::User> {
    builder(flow)
        .exclude(["^/login$", "^/public/", "^/schema"])
        .build()
        .expect("a valid configuration")
}

#[tokio::test]
async fn the_served_document_requires_auth_exactly_where_the_middleware_does() {
    for flow in common::FLOWS {
        let auth = configured(flow);
        let app = app(&auth);
        let reply = send(&app, get_plain("/schema/openapi.json")).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{flow:?}: the schema is excluded"
        );
        let document = reply.json();
        assert!(
            document.get("security").is_none(),
            "{flow:?}: no root requirement"
        );
        let mut protected = Vec::new();
        for (path, item) in document["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("path item") {
                let uri = path.replace("{id}", "7");
                let method =
                    Method::from_bytes(method.to_ascii_uppercase().as_bytes()).expect("a method");
                let request = Request::builder()
                    .method(method.clone())
                    .uri(&uri)
                    .body(Body::empty())
                    .expect("a request");
                let status = send(&app, request).await.status;
                let documented = operation.get("security").is_some();
                assert_eq!(
                    documented,
                    status == StatusCode::UNAUTHORIZED,
                    "{flow:?}: {method} {path} answered {status}"
                );
                if documented {
                    protected.push(format!("{method} {path}"));
                }
            }
        }
        protected.sort();
        assert_eq!(
            protected,
            ["DELETE /items/{id}", "GET /items/{id}", "GET /me"],
            "{flow:?}"
        );
        // With a token, the protected operations answer.
        let jwt = token_for(&auth, "alice");
        let reply = send(&app, common::get_bearer("/me", &jwt)).await;
        assert_eq!(reply.status, StatusCode::OK, "{flow:?}");
    }
}

#[tokio::test]
async fn each_flow_names_its_schemes_in_the_requirement() {
    let cases = [
        (Flow::Header, json!([{"BearerToken": []}])),
        (
            Flow::Cookie,
            json!([{"BearerToken": []}, {"BearerTokenHeader": []}]),
        ),
        (
            Flow::OAuth2Password,
            json!([{"BearerToken": []}, {"BearerTokenCookie": []}]),
        ),
    ];
    for (flow, requirement) in cases {
        let document = send(&app(&configured(flow)), get_plain("/schema/openapi.json"))
            .await
            .json();
        assert_eq!(document["paths"]["/me"]["get"]["security"], requirement);
        let schemes: Vec<&String> = document["components"]["securitySchemes"]
            .as_object()
            .expect("schemes")
            .keys()
            .collect();
        let names: Vec<String> = requirement
            .as_array()
            .expect("requirements")
            .iter()
            .flat_map(|r| r.as_object().expect("requirement").keys().cloned())
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(schemes, sorted.iter().collect::<Vec<_>>(), "{flow:?}");
    }
}

#[test]
fn scheme_name_description_and_scopes_come_from_the_configuration() {
    let auth = builder(Flow::OAuth2Password)
        .token_url("/token")
        .scheme_name("Jwt")
        .description("Tokens from /token.")
        .oauth_scopes([("read", "Read things"), ("write", "Write things")])
        .build()
        .expect("a valid configuration");
    let document = serde_json::to_value(auth.openapi(OpenApi::default())).expect("serializable");
    assert_eq!(
        document["components"]["securitySchemes"]["Jwt"],
        json!({
            "type": "oauth2",
            "description": "Tokens from /token.",
            "flows": {"password": {
                "tokenUrl": "/token",
                "scopes": {"read": "Read things", "write": "Write things"},
            }},
        })
    );
}

#[test]
fn a_custom_header_is_still_a_bearer_scheme_and_the_cookie_name_follows_the_configuration() {
    let auth = builder(Flow::Cookie)
        .cookie_name("session")
        .build()
        .expect("a valid configuration");
    let document = serde_json::to_value(auth.openapi(OpenApi::default())).expect("serializable");
    let schemes: &Value = &document["components"]["securitySchemes"];
    assert_eq!(schemes["BearerToken"]["name"], "session");
    assert_eq!(schemes["BearerTokenHeader"]["bearerFormat"], "JWT");
    // Existing components are kept.
    let mut openapi = OpenApi::default();
    openapi.components = Some(
        utoipa::openapi::ComponentsBuilder::new()
            .schema("Thing", utoipa::openapi::ObjectBuilder::new())
            .build(),
    );
    let auth = backend(Flow::Header);
    let document = serde_json::to_value(auth.openapi(openapi)).expect("serializable");
    assert!(document["components"]["schemas"]["Thing"].is_object());
    assert!(document["components"]["securitySchemes"]["BearerToken"].is_object());
}
