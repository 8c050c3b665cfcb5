//! The examples' OpenAPI side checked with outside tools, on a real socket:
//! `openapi-spec-validator` (the documents are valid OpenAPI 3.1), headless Chromium through
//! `playwright-core` (the `/schema` page works with the network cut off from all but the
//! example) and schemathesis (no 5xx, no response that contradicts the document).
//!
//! The tools are installed on first use by `tests/tools/install.sh` (which `.ci/run` also runs):
//! the Python ones in `target/tools/venv`, `playwright-core` in `tests/browser/node_modules`,
//! Debian's `chromium`. A tool that cannot be installed fails these tests; it never skips them.
//! `JWT_AUTH_TOOLS` names another folder holding `venv/`.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};
use support::{Server, artifacts, python_tool, run};

/// Each example with its open and its protected operations (`METHOD /path`).
const EXAMPLES: [(&str, &[&str], &[&str]); 3] = [
    ("jwt_auth", &["POST /login"], &["GET /some-path"]),
    ("jwt_cookie_auth", &["POST /login"], &["GET /some-path"]),
    (
        "oauth2_password_bearer",
        &["POST /login", "POST /login_custom"],
        &["GET /some-path"],
    ),
];

fn validate(document: &Path) -> Output {
    run(Command::new(python_tool("openapi-spec-validator")).arg(document))
}

fn user() -> Value {
    json!({
        "id": "6a1f6f3c-3b5e-4a9e-9f0e-8d2b1c3a4e5f",
        "name": "Ada",
        "email": "ada@example.com",
    })
}

fn operation<'a>(document: &'a Value, operation: &str) -> &'a Value {
    let (method, path) = operation.split_once(' ').expect("METHOD /path");
    &document["paths"][path][method.to_ascii_lowercase()]
}

#[tokio::test]
async fn documents_are_valid_openapi_3_1_with_schemes_and_per_operation_requirements() {
    for (example, open, protected) in EXAMPLES {
        let server = Server::start(example);
        let response = server.get("/schema/openapi.json", &[]).await;
        assert_eq!(response.status, 200, "{example}");
        let document = response.json();
        let file = artifacts().join(format!("openapi-{example}.json"));
        std::fs::write(&file, response.text()).expect("write the document");
        let output = validate(&file);
        assert!(
            output.status.success(),
            "{example}: the validator refused it"
        );
        assert_eq!(document["openapi"], "3.1.0");

        let schemes = &document["components"]["securitySchemes"];
        let bearer = json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT"});
        let cookie = json!({"type": "apiKey", "in": "cookie", "name": "token"});
        let (expected, requirement) = match example {
            "jwt_auth" => (json!({"BearerToken": bearer}), json!([{"BearerToken": []}])),
            "jwt_cookie_auth" => (
                json!({"BearerToken": cookie, "BearerTokenHeader": bearer}),
                json!([{"BearerToken": []}, {"BearerTokenHeader": []}]),
            ),
            _ => (
                json!({
                    "BearerToken": {
                        "type": "oauth2",
                        "flows": {"password": {"tokenUrl": "/login", "scopes": {}}},
                    },
                    "BearerTokenCookie": cookie,
                }),
                json!([{"BearerToken": []}, {"BearerTokenCookie": []}]),
            ),
        };
        let mut without_descriptions = schemes.clone();
        for scheme in without_descriptions
            .as_object_mut()
            .expect("schemes")
            .values_mut()
        {
            let description = scheme
                .as_object_mut()
                .and_then(|scheme| scheme.remove("description"));
            assert!(
                description.is_some(),
                "{example}: a scheme without description"
            );
        }
        assert_eq!(without_descriptions, expected, "{example}");

        assert!(
            document.get("security").is_none(),
            "{example}: no root requirement"
        );
        for op in open {
            let operation = operation(&document, op);
            assert!(operation.is_object(), "{example}: {op} is documented");
            assert!(
                operation.get("security").is_none(),
                "{example}: {op} is open"
            );
        }
        for op in protected {
            let operation = operation(&document, op);
            assert_eq!(operation["security"], requirement, "{example}: {op}");
            assert!(
                operation["responses"]["401"].is_object(),
                "{example}: {op} 401"
            );
        }
        let documented: usize = document["paths"]
            .as_object()
            .expect("paths")
            .values()
            .map(|item| item.as_object().expect("path item").len())
            .sum();
        assert_eq!(documented, open.len() + protected.len(), "{example}");
    }
}

/// The validator is no rubber stamp: Litestar's OAuth2 scheme without `scopes` is refused.
#[test]
fn the_validator_refuses_an_oauth2_scheme_without_scopes() {
    let document = json!({
        "openapi": "3.1.0",
        "info": {"title": "Litestar API", "version": "1.0.0"},
        "paths": {},
        "components": {"securitySchemes": {"BearerToken": {
            "type": "oauth2",
            "flows": {"password": {"tokenUrl": "/login"}},
        }}},
    });
    let file = artifacts().join("openapi-oauth2-without-scopes.json");
    std::fs::write(&file, document.to_string()).expect("write the document");
    assert!(!validate(&file).status.success());
}

#[tokio::test]
async fn schema_page_renders_offline_in_headless_chromium() {
    for (example, open, protected) in EXAMPLES {
        let server = Server::start(example);
        let screenshot = artifacts().join(format!("schema-{example}.png"));
        let seen = support::browser_check(
            "schema_page.mjs",
            [
                format!("http://{}", server.addr),
                screenshot.to_string_lossy().into_owned(),
                serde_json::to_string(open).expect("json"),
                serde_json::to_string(protected).expect("json"),
            ],
        );
        assert_eq!(seen["authorize"], true, "{example}");
        assert_eq!(seen["blocked"], json!([]), "{example}");
        assert!(screenshot.exists(), "{example}: no screenshot");
        println!("screenshot: {}", screenshot.display());
    }
}

#[tokio::test]
async fn schemathesis_finds_no_server_error_and_no_contradiction_in_the_oauth2_example() {
    let server = Server::start("oauth2_password_bearer");
    // A token, so that the protected operation is exercised beyond its 401.
    let login = server.post_json("/login", &user()).await;
    assert_eq!(login.status, 201);
    let token = login.json()["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned();
    let base = format!("http://{}", server.addr);
    support::schemathesis(&base, &token, "oauth2_password_bearer", 60, 20_261_127, 3);
}
