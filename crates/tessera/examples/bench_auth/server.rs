//! The server under test (a release `tessera serve` child process) and the raw cryptography
//! measured in this process.

use super::*;
// ---------------------------------------------------------------------------------------
// The server under test: `common::server::Server`, and the floor.

impl Server {
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
    let rs256_per_sec = rs256_per_sec();

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
