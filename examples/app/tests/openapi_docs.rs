//! The application's OpenAPI side checked with outside tools, on a real socket:
//! `openapi-spec-validator` (the document is valid OpenAPI 3.1), schemathesis (no 5xx, no
//! response that contradicts the document) and headless Chromium through `playwright-core`
//! (`tests/browser/app_authorize.mjs`: "Authorize" on the `/schema` page with a registered
//! username and password, then "Try it out" on `GET /me` shows a 200 with the user; the
//! screenshot is kept in `target/artifacts/app-me.png`).
//!
//! The tools are installed on first use by `tests/tools/install.sh` (which `.ci/run` also runs):
//! the Python ones in `target/tools/venv`, `playwright-core` in `tests/browser/node_modules`,
//! Debian's `chromium`. A tool that cannot be installed fails these tests; it never skips them.
//! `JWT_AUTH_TOOLS` names another folder holding `venv/`.

#[path = "../../../tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use support::{SECRET, Server, artifacts, python_tool, run};

/// The app on a fresh database file `target/artifacts/<name>.db`.
fn start(name: &str) -> Server {
    let database = artifacts().join(format!("{name}.db"));
    for suffix in ["", "-shm", "-wal"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
    }
    Server::start_program(
        Path::new(env!("CARGO_BIN_EXE_app")),
        &[
            ("JWT_SECRET", SECRET),
            (
                "DATABASE_URL",
                &format!("sqlite://{}?mode=rwc", database.display()),
            ),
        ],
    )
}

#[tokio::test]
async fn the_document_is_valid_openapi_3_1() {
    let server = start("app-openapi");
    let response = server.get("/schema/openapi.json", &[]).await;
    assert_eq!(response.status, 200);
    let file = artifacts().join("openapi-app.json");
    std::fs::write(&file, response.text()).expect("write the document");
    let output = run(Command::new(python_tool("openapi-spec-validator")).arg(&file));
    assert!(output.status.success(), "the validator refused it");
}

#[tokio::test]
async fn schemathesis_finds_no_server_error_and_no_contradiction() {
    let server = start("app-schemathesis");
    // A user and a token, so that the protected operations are exercised beyond their 401.
    let registered = server
        .post_json(
            "/register",
            &json!({"username": "ada", "password": "correct horse"}),
        )
        .await;
    assert_eq!(registered.status, 201);
    let login = server
        .request(
            "POST",
            "/token",
            &[("content-type", "application/x-www-form-urlencoded")],
            "grant_type=password&username=ada&password=correct+horse",
        )
        .await;
    assert_eq!(login.status, 200);
    let token = login.json()["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned();
    let base = format!("http://{}", server.addr);
    support::schemathesis(&base, &token, "app", 30, 20_261_128, 10);
}

#[tokio::test]
async fn authorize_then_try_it_out_on_me_shows_the_user_in_headless_chromium() {
    let artifacts = artifacts();
    let server = start("app-swagger-ui");
    let (username, password) = ("grace", "correct horse battery");
    let registered = server
        .post_json(
            "/register",
            &json!({"username": username, "password": password}),
        )
        .await;
    assert_eq!(registered.status, 201);

    let screenshot = artifacts.join("app-me.png");
    let _ = std::fs::remove_file(&screenshot);
    let base = format!("http://{}", server.addr);
    let shot = screenshot.to_string_lossy();
    let seen = support::browser_check("app_authorize.mjs", [&*base, &*shot, username, password]);
    assert_eq!(seen["tokenStatus"], 200);
    assert_eq!(seen["meAuthorization"], "Bearer");
    assert_eq!(seen["meStatus"], "200");
    let shown: Value =
        serde_json::from_str(seen["meBody"].as_str().expect("the body shown")).expect("JSON shown");
    assert_eq!(shown, registered.json());
    assert_eq!(seen["blocked"], json!([]));
    assert!(screenshot.exists(), "no screenshot");
    println!("screenshot: {}", screenshot.display());
}
