//! A real OpenID provider for a test: panva's `oidc-provider` (installed where missing by
//! `tests/tools/install.sh oidc`), run by `node tests/oidc/provider.mjs` over HTTPS on a free
//! loopback port, with a certificate signed by a root the test generates and trusts; stopped when
//! dropped. Access tokens are asked for as a service would, by the client credentials grant
//! (`tests/oidc/token.mjs`).

#![allow(dead_code, reason = "each test uses its own part of the helper")]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Once;

use rcgen::KeyPair;
use serde_json::{Value, json};

/// The secret of every client of the test providers.
pub const CLIENT_SECRET: &str = "a client secret of the OpenID provider tests, long enough";

/// The workspace's root folder.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
}

/// Installs node and `oidc-provider` where missing, once per test process; the test fails
/// (never skips) when they cannot be had.
fn ensure_oidc() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let script = root().join("tests").join("tools").join("install.sh");
        let output = Command::new("bash")
            .arg(&script)
            .arg("oidc")
            .output()
            .unwrap_or_else(|error| panic!("cannot run {}: {error}", script.display()));
        assert!(
            output.status.success(),
            "{} oidc failed:\n{}\n{}",
            script.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    });
}

/// A temporary folder with a root certificate and a server certificate for `127.0.0.1` that it
/// signed; removed when dropped.
pub struct Pki {
    pub dir: PathBuf,
    /// The root's certificate, PEM: what the backend and the token client trust.
    pub root_pem: String,
}

impl Pki {
    pub fn new(name: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "jwt-auth-oidc-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        let root = crate::common::Authority::new();
        let (certificate, key) = root.issue("127.0.0.1");
        std::fs::write(dir.join("root.pem"), root.root_pem()).expect("root.pem");
        std::fs::write(dir.join("cert.pem"), certificate).expect("cert.pem");
        std::fs::write(dir.join("key.pem"), key).expect("key.pem");
        Self {
            dir,
            root_pem: root.root_pem(),
        }
    }

    /// A new P-256 signing key named `kid`, its PKCS#8 PEM written beside the certificates.
    pub fn signing_key(&self, kid: &str) -> SigningKey {
        let pem = KeyPair::generate().expect("a signing key").serialize_pem();
        let path = self.dir.join(format!("{kid}.pem"));
        std::fs::write(&path, &pem).expect("the signing key's file");
        SigningKey {
            kid: kid.to_owned(),
            pem,
            path,
        }
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A signing key of a provider.
pub struct SigningKey {
    pub kid: String,
    pub pem: String,
    path: PathBuf,
}

/// A running provider; killed when dropped.
pub struct OidcProvider {
    child: Option<Child>,
    config: Value,
    config_path: PathBuf,
    root_path: PathBuf,
    stderr_path: PathBuf,
    /// `https://127.0.0.1:<port><path>`.
    pub issuer: String,
}

impl OidcProvider {
    /// A provider at `path` ("" or "/realms/a") on a free port, signing with `keys` (the first
    /// one signs), whose clients `clients` (each with [`CLIENT_SECRET`]) may ask for ES256
    /// tokens for the APIs `resources`.
    pub fn start(
        pki: &Pki,
        name: &str,
        keys: &[SigningKey],
        clients: &[&str],
        resources: &[&str],
    ) -> Self {
        ensure_oidc();
        let config = json!({
            "port": 0,
            "path": "",
            "cert": pki.dir.join("cert.pem"),
            "key": pki.dir.join("key.pem"),
            "keys": key_list(keys),
            "clients": clients
                .iter()
                .map(|id| json!({ "client_id": id, "client_secret": CLIENT_SECRET }))
                .collect::<Vec<_>>(),
            "resources": resources
                .iter()
                .map(|resource| ((*resource).to_owned(), json!("ES256")))
                .collect::<serde_json::Map<_, _>>(),
        });
        let mut provider = Self {
            child: None,
            config,
            config_path: pki.dir.join(format!("{name}.json")),
            root_path: pki.dir.join("root.pem"),
            stderr_path: pki.dir.join(format!("{name}.stderr")),
            issuer: String::new(),
        };
        provider.spawn();
        provider
    }

    fn spawn(&mut self) {
        std::fs::write(&self.config_path, self.config.to_string()).expect("the provider's config");
        let stderr = std::fs::File::create(&self.stderr_path).expect("the provider's log");
        let mut child = Command::new("node")
            .arg(root().join("tests").join("oidc").join("provider.mjs"))
            .arg(&self.config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start node tests/oidc/provider.mjs");
        let mut line = String::new();
        let read = BufReader::new(child.stdout.take().expect("the provider's stdout"))
            .read_line(&mut line);
        let started: Option<Value> = read.ok().and_then(|_| serde_json::from_str(&line).ok());
        let Some(issuer) = started.as_ref().and_then(|s| s["issuer"].as_str()) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the provider did not start: {line}\n{}",
                std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
            );
        };
        issuer.clone_into(&mut self.issuer);
        // A restart keeps the port, so that the issuer stays the same.
        let port = issuer
            .rsplit(':')
            .next()
            .and_then(|p| p.parse::<u16>().ok());
        self.config["port"] = json!(port.expect("the issuer's port"));
        self.child = Some(child);
    }

    /// Kills the provider (as an outage would) and waits for it to be gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Restarts the provider on the same port with another key set: a key rotation.
    pub fn rotate(&mut self, keys: &[SigningKey]) {
        self.stop();
        self.config["keys"] = key_list(keys);
        let issuer = std::mem::take(&mut self.issuer);
        self.spawn();
        assert_eq!(
            self.issuer, issuer,
            "the restarted provider kept its issuer"
        );
    }

    /// An access token for `client` and the API `resource`, by the client credentials grant.
    pub fn token(&self, client: &str, resource: &str) -> String {
        let output = Command::new("node")
            .arg(root().join("tests").join("oidc").join("token.mjs"))
            .args([&self.issuer, client, CLIENT_SECRET, resource])
            .env("NODE_EXTRA_CA_CERTS", &self.root_path)
            .output()
            .expect("run node tests/oidc/token.mjs");
        assert!(
            output.status.success(),
            "no token from {}: {}",
            self.issuer,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout)
            .expect("a token is ASCII")
            .trim()
            .to_owned()
    }
}

fn key_list(keys: &[SigningKey]) -> Value {
    keys.iter()
        .map(|key| json!({ "kid": key.kid, "pem": key.path }))
        .collect()
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        self.stop();
    }
}
