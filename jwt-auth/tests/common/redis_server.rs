//! A real `redis-server` for a test: installed where missing (`tests/tools/install.sh redis`),
//! started on a free loopback port with its own temporary folder (append-only file on, so a
//! restart keeps the data, as a production Redis would), stopped and removed when dropped.
//! [`RedisServer::start_tls`] starts one that speaks TLS only, with certificates of a private
//! authority made for it, and asks clients for theirs (`redis-server`'s default).

#![allow(dead_code, reason = "each test uses its own part of the helper")]

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

/// A running `redis-server`; killed when dropped.
pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
    dir: PathBuf,
    /// With TLS: its authority and a client's certificate.
    pub tls: Option<Tls>,
}

/// The PEM texts a client of a TLS server needs: the private authority that signed the
/// server's certificate, and a client certificate it signed with its key.
pub struct Tls {
    pub root: String,
    pub client_certificate: String,
    pub client_key: String,
}

impl Tls {
    /// A new authority, the server's certificate for 127.0.0.1 (written to `dir`) and a
    /// client's.
    fn create(dir: &Path) -> Self {
        let root = crate::common::Authority::new();
        let (server_certificate, server_key) = root.issue("127.0.0.1");
        let (client_certificate, client_key) = root.issue("jwt-auth test client");
        std::fs::write(dir.join("root.pem"), root.root_pem()).expect("root.pem");
        std::fs::write(dir.join("server.pem"), server_certificate).expect("server.pem");
        std::fs::write(dir.join("server-key.pem"), server_key).expect("server-key.pem");
        Self {
            root: root.root_pem(),
            client_certificate,
            client_key,
        }
    }
}

/// Installs `redis-server` where missing, once per test process; the test fails (never skips)
/// when it cannot be had.
fn ensure_redis() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the workspace root");
        let script = root.join("tests").join("tools").join("install.sh");
        let output = Command::new("bash")
            .arg(&script)
            .arg("redis")
            .output()
            .unwrap_or_else(|error| panic!("cannot run {}: {error}", script.display()));
        assert!(
            output.status.success(),
            "{} redis failed:\n{}\n{}",
            script.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    });
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

impl RedisServer {
    /// A new server on a free port, ready to answer.
    pub fn start() -> Self {
        Self::start_with(false)
    }

    /// A new server that speaks TLS only (its certificates in [`RedisServer::tls`]) and asks
    /// clients for a certificate.
    pub fn start_tls() -> Self {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> Self {
        ensure_redis();
        let dir = std::env::temp_dir().join(format!(
            "jwt-auth-redis-{}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        let mut server = Self {
            child: None,
            port: free_port(),
            tls: tls.then(|| Tls::create(&dir)),
            dir,
        };
        server.spawn();
        server
    }

    /// `redis://127.0.0.1:<port>/`, or `rediss://` with TLS.
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() {
            "rediss"
        } else {
            "redis"
        };
        format!("{scheme}://127.0.0.1:{}/", self.port)
    }

    fn spawn(&mut self) {
        let mut command = Command::new("redis-server");
        let port = self.port.to_string();
        if self.tls.is_some() {
            command
                .args(["--port", "0", "--tls-port", &port])
                .arg("--tls-cert-file")
                .arg(self.dir.join("server.pem"))
                .arg("--tls-key-file")
                .arg(self.dir.join("server-key.pem"))
                .arg("--tls-ca-cert-file")
                .arg(self.dir.join("root.pem"));
        } else {
            command.args(["--port", &port]);
        }
        let child = command
            .args(["--bind", "127.0.0.1"])
            .arg("--dir")
            .arg(&self.dir)
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .args(["--daemonize", "no", "--loglevel", "warning"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.answers() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Whether the server answers `PING` (with TLS: whether it listens).
    pub fn answers(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        if self.tls.is_some() {
            return true;
        }
        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
        let mut reply = [0_u8; 7];
        stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut reply).is_ok()
            && &reply == b"+PONG\r\n"
    }

    /// Kills the server (as a crash or a lost host would) and waits for it to be gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and folder.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
