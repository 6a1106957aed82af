//! The server under test (a release `tessera serve` child process) and the raw cryptography
//! measured in this process.

use super::*;
// ---------------------------------------------------------------------------------------
// The server under test.

pub(crate) struct Server {
    pub(crate) child: tokio::process::Child,
    pub(crate) pid: u32,
    pub(crate) url: String,
    /// The server's data folder (none for the floor server).
    pub(crate) _dir: Option<tempfile::TempDir>,
}

impl Server {
    pub(crate) async fn start() -> Server {
        let bin = std::env::var("TESSERA_BIN")
            .map(Into::into)
            .unwrap_or_else(|_| {
                // target/release/examples/bench_auth -> target/release/tessera
                let exe = std::env::current_exe().unwrap();
                exe.parent().unwrap().parent().unwrap().join("tessera")
            });
        let dir = tempfile::tempdir().unwrap();
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        // Pinned (the default): the server on CPU 0, this load generator on CPU 1, so neither
        // preempts the other and tail latency is the server's own. BENCH_PIN=0: unpinned.
        let mut child = server_command(&bin)
            .arg("serve")
            .env("TESSERA_LISTEN", "127.0.0.1:0")
            .env("TESSERA_DATA_DIR", dir.path())
            .env("TESSERA_ADMIN_ACCESS_KEY_ID", AKID)
            .env("TESSERA_ADMIN_SECRET_ACCESS_KEY", SECRET)
            .env_remove("TESSERA_DATABASE_URL")
            .env_remove("TESSERA_CONFIG")
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
    pub(crate) fn status_mb(&self, key: &str) -> f64 {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
        s.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    }

    /// The floor server: this bench binary with `--floor-server`, on the server's CPU.
    pub(crate) async fn start_floor() -> Server {
        let mut child = server_command(&std::env::current_exe().unwrap())
            .arg("--floor-server")
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let pid = child.id().unwrap();
        let url = listening_on(&mut child, FLOOR_LISTENING)
            .await
            .expect("the floor server did not start");
        Server {
            child,
            pid,
            url,
            _dir: None,
        }
    }

    pub(crate) async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

// ---------------------------------------------------------------------------------------
// Raw cryptography, in this process.

pub(crate) struct Crypto {
    pub(crate) rs256_per_sec: f64,
    pub(crate) argon2_ms: f64,
    pub(crate) argon2_cpu_ms: f64,
    pub(crate) argon2_faults: u64,
    pub(crate) modexp_ms: f64,
    /// The same exponentiation with crypto-bigint (what sign-ins used before OpenSSL).
    pub(crate) modexp_crypto_bigint_ms: f64,
}

/// Minor page faults of this process so far.
pub(crate) fn minor_faults() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let f: Vec<&str> = after.split_whitespace().collect();
    f.get(7).and_then(|v| v.parse().ok()).unwrap_or(0)
}

pub(crate) async fn crypto() -> Crypto {
    use aws_lc_rs::rsa::{KeyPair, KeySize};
    use aws_lc_rs::signature::RSA_PKCS1_SHA256;
    let key = KeyPair::generate(KeySize::Rsa2048).unwrap();
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let msg = vec![b'x'; 600];
    let mut sig = vec![0u8; key.public_modulus_len()];
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < Duration::from_secs(1) {
        key.sign(&RSA_PKCS1_SHA256, &rng, &msg, &mut sig).unwrap();
        n += 1;
    }
    let rs256_per_sec = f64::from(n) / start.elapsed().as_secs_f64();

    let mut hashes = Vec::new();
    let (cpu0, faults0) = (cpu_ticks("self"), minor_faults());
    for _ in 0..11 {
        let s = Instant::now();
        tessera_core::users::password::hash(PASSWORD, &tessera_core::rand::SystemRng)
            .await
            .unwrap();
        hashes.push(s.elapsed().as_secs_f64() * 1e3);
    }
    let argon2_cpu_ms = (cpu_ticks("self") - cpu0) as f64 * 1e3 / clock_ticks() / 11.0;
    let argon2_faults = (minor_faults() - faults0) / 11;
    // Alternating, so that drift of the machine's speed affects both alike.
    let (mut exps, mut exps_cb) = (Vec::new(), Vec::new());
    let mut b = [0u8; 32];
    for _ in 0..51 {
        tessera_core::rand::SystemRng.fill(&mut b);
        let s = Instant::now();
        std::hint::black_box(tessera_core::srp::bench_modexp(&b));
        exps.push(s.elapsed().as_secs_f64() * 1e3);
        let s = Instant::now();
        std::hint::black_box(tessera_core::srp::bench_modexp_crypto_bigint(&b));
        exps_cb.push(s.elapsed().as_secs_f64() * 1e3);
    }
    Crypto {
        rs256_per_sec,
        argon2_ms: median(&mut hashes),
        argon2_cpu_ms,
        argon2_faults,
        modexp_ms: median(&mut exps),
        modexp_crypto_bigint_ms: median(&mut exps_cb),
    }
}

const FLOOR_LISTENING: &str = "floor server listening on ";

/// A server that does nothing, for the latency floor: the HTTP stack Tessera serves with
/// (axum on hyper, one tokio worker when pinned, TCP_NODELAY) answering every request with a
/// fixed 600-byte JSON body. What its p99 is on an open-loop schedule is what this machine
/// (its scheduling stalls, the load generator, loopback TCP) costs any server at that rate.
pub(crate) async fn serve_floor() {
    use axum::serve::ListenerExt;
    let body = json!({ "floor": "x".repeat(580) }).to_string();
    let app = axum::Router::new().fallback(move || {
        let body = body.clone();
        async move { ([("content-type", "application/x-amz-json-1.1")], body) }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    println!("{FLOOR_LISTENING}http://{addr}");
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app).await.unwrap();
}
