//! The server under test: a release `tessera serve` child process on a fresh SQLite data
//! folder, pinned to [`SERVER_CPU`](super::SERVER_CPU) when pinned.

use std::process::Stdio;

use super::cognito::{AKID, SECRET};
use super::{listening_on, server_command};

pub struct Server {
    pub child: tokio::process::Child,
    pub pid: u32,
    pub url: String,
    /// The server's data folder (none for a server that is not Tessera).
    pub _dir: Option<tempfile::TempDir>,
}

impl Server {
    /// `tessera serve` (TESSERA_BIN, by default `tessera` beside this example's folder) with
    /// the benchmarks' admin key pair, on 127.0.0.1:0; `env` adds settings
    /// (`TESSERA_STS_ENDPOINT`, ...).
    pub async fn start(env: &[(&str, &str)]) -> Server {
        let bin = std::env::var("TESSERA_BIN")
            .map(Into::into)
            .unwrap_or_else(|_| {
                // target/release/examples/<bench> -> target/release/tessera
                let exe = std::env::current_exe().unwrap();
                exe.parent().unwrap().parent().unwrap().join("tessera")
            });
        let dir = tempfile::tempdir().unwrap();
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        // Pinned (the default): the server on SERVER_CPU, the load generator on the other,
        // so neither preempts the other and tail latency is the server's own. BENCH_PIN=0:
        // unpinned.
        let mut cmd = server_command(&bin);
        cmd.arg("serve")
            .env("TESSERA_LISTEN", "127.0.0.1:0")
            .env("TESSERA_DATA_DIR", dir.path())
            .env("TESSERA_ADMIN_ACCESS_KEY_ID", AKID)
            .env("TESSERA_ADMIN_SECRET_ACCESS_KEY", SECRET)
            .env_remove("TESSERA_DATABASE_URL")
            .env_remove("TESSERA_CONFIG");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let pid = child.id().unwrap();
        let Some(url) = listening_on(&mut child, "Tessera is listening on ").await else {
            let log = std::fs::read_to_string(dir.path().join("server.log"));
            panic!("the server did not start: {}", log.unwrap_or_default());
        };
        Server {
            child,
            pid,
            url,
            _dir: Some(dir),
        }
    }

    /// A `kB` line of /proc/<pid>/status (VmHWM, VmRSS), in MB.
    pub fn status_mb(&self, key: &str) -> f64 {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
        s.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}
