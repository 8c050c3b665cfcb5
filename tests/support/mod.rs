//! Runs an example binary on a free port and talks HTTP/1.1 to it over a real socket.

#![allow(dead_code, clippy::missing_panics_doc)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use serde_json::Value;

/// The secret the tests start the examples with.
pub const SECRET: &str = "test-secret-of-the-integration-tests-0123456789";

/// Where cargo put the example binaries: next to the `deps` folder of this test binary.
fn example_path(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(std::path::Path::parent)
        .expect("target/<profile>/deps");
    profile_dir.join("examples").join(name)
}

/// Builds the example, once per test process: `cargo test` built it with the tests, but
/// `cargo test --test examples` does not, and a binary left from an older build would test old
/// code. When it is up to date, cargo's check takes a fraction of a second.
fn ensure_built(name: &str) -> PathBuf {
    static BUILT: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut built = BUILT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !built.iter().any(|done| done == name) {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let status = Command::new(cargo)
            .args(["build", "--example", name])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo build --example");
        assert!(status.success(), "building example {name} failed");
        built.push(name.to_owned());
    }
    example_path(name)
}

/// A running example server; killed when dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    stderr: mpsc::Receiver<String>,
}

impl Server {
    /// Starts `example` with `PORT=0`, the test secret and `env`, and waits for its
    /// `listening on http://...` line.
    pub fn start(example: &str) -> Self {
        Self::start_with(example, &[("JWT_SECRET", SECRET)])
    }

    pub fn start_with(example: &str, env: &[(&str, &str)]) -> Self {
        Self::start_program(&ensure_built(example), env)
    }

    /// Starts the server `program` (a binary cargo built, say) like [`Server::start_with`].
    pub fn start_program(program: &std::path::Path, env: &[(&str, &str)]) -> Self {
        let name = program
            .file_name()
            .map_or_else(String::new, |name| name.to_string_lossy().into_owned());
        let mut command = Command::new(program);
        command
            .env_remove("JWT_SECRET")
            .env("HOST", "127.0.0.1")
            .env("PORT", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("start the example");
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let (line_tx, line_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = line_tx.send(line);
            }
        });
        let (err_tx, err_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = err_tx.send(line);
            }
        });
        let addr = loop {
            let line = line_rx
                .recv_timeout(Duration::from_mins(1))
                .unwrap_or_else(|_| panic!("{name} printed no listening line"));
            if let Some(rest) = line.split("listening on http://").nth(1) {
                break rest
                    .trim()
                    .parse()
                    .expect("an address after `listening on http://`");
            }
        };
        Self {
            child,
            addr,
            stderr: err_rx,
        }
    }

    /// Everything the server wrote on stderr so far. The thread that reads the pipe may lag
    /// behind the process (a line written before the listening line can still be in the pipe),
    /// so this waits until it has been quiet for 200 ms.
    pub fn stderr(&self) -> Vec<String> {
        let mut lines = Vec::new();
        while let Ok(line) = self.stderr.recv_timeout(Duration::from_millis(200)) {
            lines.push(line);
        }
        lines
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (`TERM`, `INT`) and waits up to `limit` for the exit status.
    pub fn stop(mut self, signal: &str, limit: Duration) -> Option<std::process::ExitStatus> {
        let status = Command::new("kill")
            .args([format!("-{signal}"), self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// A new HTTP/1.1 connection.
    pub async fn connect(&self) -> Connection {
        Connection::open(self.addr).await
    }

    /// One request on a new connection.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Response {
        self.connect()
            .await
            .request(method, path, headers, body)
            .await
    }

    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        self.request("GET", path, headers, "").await
    }

    /// `POST` with a JSON body.
    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.request(
            "POST",
            path,
            &[("content-type", "application/json")],
            &body.to_string(),
        )
        .await
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An open HTTP/1.1 connection (kept alive between requests).
pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
    host: String,
}

impl Connection {
    /// A new HTTP/1.1 connection to `addr`.
    pub async fn open(addr: SocketAddr) -> Self {
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("handshake");
        tokio::spawn(connection);
        Self {
            sender,
            host: addr.to_string(),
        }
    }

    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Response {
        let mut request = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).expect("method"))
            .uri(path)
            .header("host", &self.host);
        for (name, value) in headers {
            request = request.header(
                HeaderName::from_bytes(name.as_bytes()).expect("header name"),
                HeaderValue::from_bytes(value.as_bytes()).expect("header value"),
            );
        }
        let request = request
            .body(Full::new(Bytes::copy_from_slice(body.as_bytes())))
            .expect("request");
        self.sender.ready().await.expect("connection ready");
        let response = self.sender.send_request(request).await.expect("response");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        Response {
            status,
            headers,
            body,
        }
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The JWT of the `Authorization: Bearer <jwt>` header.
    pub fn bearer(&self) -> String {
        let value = self
            .header("authorization")
            .expect("an authorization header");
        value
            .strip_prefix("Bearer ")
            .expect("the Bearer scheme")
            .to_owned()
    }

    /// The `Set-Cookie` header, split into `name=value` and its attributes.
    pub fn set_cookie(&self) -> (String, Vec<String>) {
        let value = self.header("set-cookie").expect("a set-cookie header");
        let mut parts = value.split(';').map(|p| p.trim().to_owned());
        let pair = parts.next().expect("name=value");
        (pair, parts.collect())
    }
}

/// The workspace's root folder (the one with `Cargo.lock`), from the root package or a member.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|dir| dir.join("Cargo.lock").exists())
        .expect("the workspace root has Cargo.lock")
        .to_owned()
}

/// `target/artifacts/` of the workspace, created when needed.
pub fn artifacts() -> PathBuf {
    let dir = workspace_root().join("target").join("artifacts");
    std::fs::create_dir_all(&dir).expect("create target/artifacts");
    dir
}

/// Installs the outside tools `names` where they are missing (`tests/tools/install.sh`), once
/// per test process and tool; panics (the test fails, it never skips) when one cannot be had.
pub fn ensure_tools(names: &[&str]) {
    static DONE: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut done = DONE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|name| !done.iter().any(|d| d == name))
        .collect();
    if missing.is_empty() {
        return;
    }
    let script = workspace_root()
        .join("tests")
        .join("tools")
        .join("install.sh");
    let output = Command::new("bash")
        .arg(&script)
        .args(&missing)
        .output()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", script.display()));
    assert!(
        output.status.success(),
        "{} {missing:?} failed:\n{}\n{}",
        script.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    done.extend(missing.into_iter().map(str::to_owned));
}

/// A program of the tools' Python venv (`target/tools/venv`, or `$JWT_AUTH_TOOLS/venv`),
/// installed on first use.
pub fn python_tool(name: &str) -> PathBuf {
    ensure_tools(&["openapi-venv"]);
    let tools = std::env::var_os("JWT_AUTH_TOOLS").map_or_else(
        || workspace_root().join("target").join("tools"),
        PathBuf::from,
    );
    let path = tools.join("venv").join("bin").join(name);
    assert!(
        path.exists(),
        "{} is missing after its install",
        path.display()
    );
    path
}

/// Runs a command to its end, printing its output for the test log.
pub fn run(command: &mut Command) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"));
    println!("$ {command:?}\n{}", String::from_utf8_lossy(&output.stdout));
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    output
}

/// Runs `node tests/browser/<script> <args...>` (a headless-Chromium page check with
/// `playwright-core`, installed on first use), asserts that it succeeded, and returns the JSON
/// object of its last line of output: what the page showed (`failures` when it did not succeed).
pub fn browser_check<I, A>(script: &str, args: I) -> Value
where
    I: IntoIterator<Item = A>,
    A: AsRef<std::ffi::OsStr>,
{
    ensure_tools(&["chromium", "playwright"]);
    let browser = workspace_root().join("tests").join("browser");
    let output = run(Command::new("node").arg(browser.join(script)).args(args));
    let seen: Value = String::from_utf8_lossy(&output.stdout)
        .lines()
        .last()
        .and_then(|line| serde_json::from_str(line).ok())
        .unwrap_or(Value::Null);
    assert!(
        output.status.success(),
        "{script}: the page check failed: {}",
        seen["failures"]
    );
    seen
}

/// Runs schemathesis (`--checks all`, a fixed seed, no state left behind) against the server at
/// `base` with a bearer `token`, its `JUnit` report in `target/artifacts/schemathesis-<name>.junit.xml`;
/// asserts that it passed and that it ran `operations` operations.
pub fn schemathesis(
    base: &str,
    token: &str,
    name: &str,
    examples: u32,
    seed: u32,
    operations: usize,
) {
    let report = artifacts().join(format!("schemathesis-{name}.junit.xml"));
    let output = run(Command::new(python_tool("schemathesis"))
        .args(["run", &format!("{base}/schema/openapi.json")])
        .args(["--url", base])
        .args(["--checks", "all"])
        .args([
            "--max-examples",
            &examples.to_string(),
            "--seed",
            &seed.to_string(),
        ])
        .arg("--no-color")
        // Nothing is left in the work tree between runs.
        .args(["--generation-database", "none"])
        // Its crash cache (`.schemathesis/`) goes to the artifacts, not the work tree.
        .current_dir(artifacts())
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--report", "junit", "--report-junit-path"])
        .arg(&report)
        .env("NO_COLOR", "1"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis found problems (report: {})",
        report.display()
    );
    assert!(
        stdout.contains(&format!("{operations} selected / {operations} total")),
        "all {operations} operations"
    );
    assert!(stdout.contains(" passed"), "test cases ran");
}
