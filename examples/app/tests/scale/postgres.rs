//! A real PostgreSQL for a test: Debian's server binaries (installed where missing,
//! `tests/tools/install.sh postgres`), a cluster made by `initdb` in a temporary folder and
//! started by `pg_ctl` on a free loopback port, stopped and removed when dropped.
//!
//! PostgreSQL refuses to run as root: a test running as root runs `initdb` and `pg_ctl` as the
//! `postgres` user (which Debian's package creates), in a folder that user owns. The cluster's
//! superuser is `app`, trusted on loopback, so the URL carries no password.

use std::net::TcpListener;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::ensure_tools;

/// A running PostgreSQL; stopped when dropped.
pub struct Postgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    /// Whether the test runs as root: the server's programs then run as the `postgres` user.
    as_root: bool,
}

/// The `bin` folder of the newest PostgreSQL installed (`/usr/lib/postgresql/<version>/bin`).
fn server_bin() -> PathBuf {
    let root = Path::new("/usr/lib/postgresql");
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .unwrap_or_else(|error| panic!("{}: {error}", root.display()))
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found
        .pop()
        .unwrap_or_else(|| panic!("no initdb under {}", root.display()))
        .1
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

impl Postgres {
    /// A new cluster on a free port, accepting connections.
    pub fn start() -> Self {
        ensure_tools(&["postgres"]);
        let as_root = std::fs::metadata("/proc/self").expect("/proc/self").uid() == 0;
        let port = free_port();
        let dir =
            std::env::temp_dir().join(format!("jwt-auth-postgres-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        let server = Self {
            bin: server_bin(),
            dir,
            port,
            as_root,
        };
        if as_root {
            server.expect(
                Command::new("chown").arg("postgres:").arg(&server.dir),
                "chown",
            );
        }
        let data = server.dir.join("data");
        server.expect(
            server
                .program("initdb")
                .arg("-D")
                .arg(&data)
                .args(["-U", "app", "--auth=trust", "--encoding=UTF8"])
                .args(["--locale=C.UTF-8", "--no-sync"]),
            "initdb",
        );
        // Durability is not under test: no fsync, for speed. The socket file goes in the
        // cluster's folder rather than /var/run/postgresql.
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off -c max_connections=100",
            server.dir.display()
        );
        server.expect(
            server
                .program("pg_ctl")
                .arg("-D")
                .arg(&data)
                .args(["-o", &options, "-l"])
                .arg(server.dir.join("server.log"))
                .args(["-w", "-t", "60", "start"]),
            "pg_ctl start",
        );
        server
    }

    /// `postgres://app@127.0.0.1:<port>/postgres`.
    pub fn url(&self) -> String {
        format!("postgres://app@127.0.0.1:{}/postgres", self.port)
    }

    /// One of the server's programs, as the user that may run it.
    fn program(&self, name: &str) -> Command {
        let program = self.bin.join(name);
        if self.as_root {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }

    fn expect(&self, command: &mut Command, what: &str) -> Output {
        let output = command
            .output()
            .unwrap_or_else(|error| panic!("cannot run {what}: {error}"));
        assert!(
            output.status.success(),
            "{what} failed:\n{}\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
        );
        output
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self
            .program("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
