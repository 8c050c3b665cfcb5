//! The application's `/schema` page in headless Chromium through `playwright-core`
//! (`tests/browser/app_authorize.mjs`): "Authorize" with a registered username and password,
//! then "Try it out" on `GET /me` shows a 200 with the user. The screenshot is kept in
//! `target/artifacts/app-me.png`.
//!
//! `.ci/run` installs Chromium and `playwright-core`; a missing tool fails this test, it never
//! skips it.

#[path = "../../../tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use support::{SECRET, Server};

/// The workspace's root folder.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("examples/app is two folders down")
        .to_owned()
}

#[tokio::test]
async fn authorize_then_try_it_out_on_me_shows_the_user_in_headless_chromium() {
    let browser = root().join("tests").join("browser");
    let playwright = browser.join("node_modules").join("playwright-core");
    assert!(
        playwright.exists(),
        "{} is missing: run `bash .ci/run` (or `npm ci` in tests/browser)",
        playwright.display()
    );
    let artifacts = root().join("target").join("artifacts");
    std::fs::create_dir_all(&artifacts).expect("create target/artifacts");
    let database = artifacts.join("app-swagger-ui.db");
    for suffix in ["", "-shm", "-wal"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
    }
    let server = Server::start_program(
        Path::new(env!("CARGO_BIN_EXE_app")),
        &[
            ("JWT_SECRET", SECRET),
            (
                "DATABASE_URL",
                &format!("sqlite://{}?mode=rwc", database.display()),
            ),
        ],
    );
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
    let command = Command::new("node")
        .arg(browser.join("app_authorize.mjs"))
        .arg(format!("http://{}", server.addr))
        .arg(&screenshot)
        .args([username, password])
        .output();
    let output = command.unwrap_or_else(|error| panic!("cannot run node: {error}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    let seen: Value = stdout
        .lines()
        .last()
        .and_then(|line| serde_json::from_str(line).ok())
        .unwrap_or(Value::Null);
    assert!(
        output.status.success(),
        "the page check failed: {}",
        seen["failures"]
    );
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
