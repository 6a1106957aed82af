//! Test server and clients.

use aws_credential_types::Credentials;
use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Region};
use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use tessera::{Running, Settings};

pub const AKID: &str = "AKIDTESSERATEST00001";
pub const SECRET: &str = "test-secret-access-key-0123456789abcdef";

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestServer {
    pub url: String,
    pub idp: aws_sdk_cognitoidentityprovider::Client,
    /// The settings it was started with (same database, data folder and server key).
    pub settings: Settings,
    running: Option<Running>,
    pg: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

pub fn postgres_url() -> Option<String> {
    match std::env::var("TESSERA_TEST_POSTGRES_URL") {
        Ok(u) => Some(u),
        Err(_) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "TESSERA_TEST_POSTGRES_URL must be set under CI"
            );
            None
        }
    }
}

pub fn settings(dir: &std::path::Path) -> Settings {
    let mut s = Settings::resolve(tessera::ServeArgs::default()).unwrap();
    s.listen = "127.0.0.1:0".into();
    s.data_dir = dir.to_path_buf();
    s.database_url = format!("sqlite://{}", dir.join("tessera.db").display());
    s.admin = Some((
        AKID.into(),
        tessera_core::secret::Secret::new(SECRET.into()),
    ));
    s.account_id = "123456789012".into();
    s
}

pub fn idp_client(
    url: &str,
    region: &str,
    akid: &str,
    secret: &str,
) -> aws_sdk_cognitoidentityprovider::Client {
    let conf = aws_sdk_cognitoidentityprovider::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(url)
        .credentials_provider(Credentials::new(akid, secret, None, None, "tessera-tests"))
        .build();
    aws_sdk_cognitoidentityprovider::Client::from_conf(conf)
}

impl TestServer {
    /// Starts a server on `backend`; `None` when that backend is not available here.
    pub async fn start(backend: Backend) -> Option<TestServer> {
        Self::start_with_clock(
            backend,
            std::sync::Arc::new(tessera_core::clock::SystemClock),
        )
        .await
    }

    /// Like [`TestServer::start`], with the domain running on `clock`.
    pub async fn start_with_clock(
        backend: Backend,
        clock: std::sync::Arc<dyn tessera_core::clock::Clock>,
    ) -> Option<TestServer> {
        Self::start_custom(backend, clock, |_| {}).await
    }

    /// Like [`TestServer::start`], with settings changed by `edit` first.
    pub async fn start_custom(
        backend: Backend,
        clock: std::sync::Arc<dyn tessera_core::clock::Clock>,
        edit: impl FnOnce(&mut Settings),
    ) -> Option<TestServer> {
        let dir = tempfile::tempdir().unwrap();
        let mut s = settings(dir.path());
        edit(&mut s);
        let mut pg = None;
        if let Backend::Postgres = backend {
            let url = postgres_url()?;
            let schema = format!("it_{}", uuid::Uuid::new_v4().simple());
            s.database_url = url.clone();
            s.postgres_schema = Some(schema.clone());
            pg = Some((url, schema));
        }
        let running = tessera::start_with_clock(&s, clock).await.unwrap();
        let url = format!("http://{}", running.addr);
        Some(TestServer {
            idp: idp_client(&url, "us-east-1", AKID, SECRET),
            settings: s,
            url,
            running: Some(running),
            pg,
            _dir: dir,
        })
    }

    /// Another node on the same database and server key (its own port, its own caches).
    /// Its tokens carry the first node's URL as issuer, as nodes behind one public URL do.
    pub async fn second_node(&self) -> (Running, aws_sdk_cognitoidentityprovider::Client) {
        let mut s = self.settings.clone();
        s.public_url = Some(self.url.clone());
        let running = tessera::start(&s).await.unwrap();
        let url = format!("http://{}", running.addr);
        (running, idp_client(&url, "us-east-1", AKID, SECRET))
    }

    /// Another node like [`TestServer::second_node`], with its settings changed by `edit`;
    /// its URL.
    pub async fn node_with(&self, edit: impl FnOnce(&mut Settings)) -> (Running, String) {
        let mut s = self.settings.clone();
        s.public_url = Some(self.url.clone());
        edit(&mut s);
        let running = tessera::start(&s).await.unwrap();
        let url = format!("http://{}", running.addr);
        (running, url)
    }

    pub fn client_in(&self, region: &str) -> aws_sdk_cognitoidentityprovider::Client {
        idp_client(&self.url, region, AKID, SECRET)
    }

    /// Messages the development outbox delivered, newest last (from `<data-dir>/outbox.jsonl`).
    pub fn outbox(&self) -> Vec<serde_json::Value> {
        let path = self._dir.path().join("outbox.jsonl");
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// The newest code (or temporary password) sent to `destination`.
    pub fn last_code(&self, destination: &str) -> String {
        self.outbox()
            .iter()
            .rev()
            .find(|m| m["destination"] == destination)
            .and_then(|m| m["code"].as_str().map(str::to_owned))
            .unwrap_or_else(|| panic!("no message to {destination} in the outbox"))
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await.unwrap();
        }
        if let Some((url, schema)) = self.pg.take() {
            tessera_store::PgStore::drop_schema(&url, &schema)
                .await
                .unwrap();
        }
    }
}

/// Runs `n` futures as tasks released together by a barrier; their results in order.
pub async fn together<T, F>(n: usize, make: impl Fn(usize) -> F) -> Vec<T>
where
    T: Send + 'static,
    F: std::future::Future<Output = T> + Send + 'static,
{
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let barrier = barrier.clone();
            let fut = make(i);
            tokio::spawn(async move {
                barrier.wait().await;
                fut.await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// The modeled error code of a failed call (panics if the call succeeded).
pub fn code<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    r: Result<T, E>,
) -> String {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.code().unwrap_or("<no code>").to_string(),
    }
}

/// The message of a failed call.
pub fn message<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    r: Result<T, E>,
) -> String {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.message().unwrap_or_default().to_string(),
    }
}

/// Declares one test per backend: `both!(name, |srv| async move { ... })`.
macro_rules! both {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                let srv = $crate::harness::TestServer::start($crate::harness::Backend::Sqlite)
                    .await
                    .unwrap();
                let f = $body;
                f(&srv).await;
                srv.stop().await;
            }
            #[tokio::test]
            async fn postgres() {
                let Some(srv) =
                    $crate::harness::TestServer::start($crate::harness::Backend::Postgres).await
                else {
                    eprintln!("skipping: TESSERA_TEST_POSTGRES_URL is not set");
                    return;
                };
                let f = $body;
                f(&srv).await;
                srv.stop().await;
            }
        }
    };
}
pub(crate) use both;

/// Like `both!`, with the domain on a manual clock: `both_clocked!(name, async |srv, clock| ..)`.
macro_rules! both_clocked {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            async fn run(backend: $crate::harness::Backend) {
                use tessera_core::clock::Clock;
                let clock = std::sync::Arc::new(tessera_core::clock::ManualClock::new(
                    tessera_core::clock::SystemClock.now_millis(),
                ));
                let Some(srv) =
                    $crate::harness::TestServer::start_with_clock(backend, clock.clone()).await
                else {
                    eprintln!("skipping: TESSERA_TEST_POSTGRES_URL is not set");
                    return;
                };
                let f = $body;
                f(&srv, clock.clone()).await;
                srv.stop().await;
            }
            #[tokio::test]
            async fn sqlite() {
                run($crate::harness::Backend::Sqlite).await;
            }
            #[tokio::test]
            async fn postgres() {
                run($crate::harness::Backend::Postgres).await;
            }
        }
    };
}
pub(crate) use both_clocked;

/// The real `tessera` binary, started as `tessera serve` by [`spawn_binary`]. Dropping it
/// kills the process.
pub struct Binary {
    child: std::process::Child,
    pub url: String,
    /// The admin key pair printed at start when the binary generated it.
    pub generated_admin: Option<(String, String)>,
    stderr: Option<std::thread::JoinHandle<String>>,
}

/// How to start the binary.
#[derive(Default)]
pub struct Spawn {
    /// Arguments after `serve --listen 127.0.0.1:0`.
    pub args: Vec<std::ffi::OsString>,
    /// The umask to run it under (e.g. "022"), through `sh -c 'umask ...; exec ...'`.
    pub umask: Option<&'static str>,
    /// Leave the admin key unconfigured, so the binary generates and prints one.
    pub generate_admin: bool,
}

/// Starts the real binary (no `TESSERA_*` settings from the environment but the test
/// admin key) and waits for its banner.
pub fn spawn_binary(spawn: Spawn) -> Binary {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};
    let bin = env!("CARGO_BIN_EXE_tessera");
    let mut cmd = match spawn.umask {
        Some(mask) => {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(format!("umask {mask}; exec \"$0\" \"$@\""))
                .arg(bin);
            c
        }
        None => Command::new(bin),
    };
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .args(&spawn.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("NO_COLOR", "1");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("TESSERA_") {
            cmd.env_remove(key);
        }
    }
    if !spawn.generate_admin {
        cmd.env("TESSERA_ADMIN_ACCESS_KEY_ID", AKID)
            .env("TESSERA_ADMIN_SECRET_ACCESS_KEY", SECRET);
    }
    let mut child = cmd.spawn().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut url, mut akid, mut secret) = (None, None, None);
    loop {
        let Some(line) = lines.next() else {
            let _ = child.wait();
            panic!(
                "tessera exited before printing its banner:\n{}",
                stderr.join().unwrap_or_default()
            );
        };
        let line = line.unwrap();
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("Tessera is listening on ") {
            url = Some(rest.to_string());
        } else if let Some(rest) = line.strip_prefix("AWS_ACCESS_KEY_ID=") {
            akid = Some(rest.to_string());
        } else if let Some(rest) = line.strip_prefix("AWS_SECRET_ACCESS_KEY=") {
            secret = Some(rest.to_string());
        } else if line.starts_with("Try:") {
            break;
        }
    }
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Binary {
        child,
        url: url.unwrap(),
        generated_admin: akid.zip(secret),
        stderr: Some(stderr),
    }
}

impl Binary {
    /// The process id (to send it signals).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to exit by itself; its status.
    pub fn wait(mut self) -> std::process::ExitStatus {
        self.child.wait().unwrap()
    }

    /// SIGKILL: no chance to flush anything. Returns what the process wrote to stderr.
    pub fn kill(mut self) -> String {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        self.stderr
            .take()
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default()
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
