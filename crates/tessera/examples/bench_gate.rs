//! Benchmark: `tessera gate` in front of a trivial backend. Verified requests per second per
//! core of the gate's CPU, and the latency the gate adds at p99 at 70 % of its peak, against
//! direct calls to the same backend at the same rate in the same run.
//!
//!     cargo build --release --bin tessera --example bench_gate
//!     target/release/examples/bench_gate [--concurrency 16] [--seconds 5]
//!
//! This process serves the backend (a fixed small JSON answer) and the issuer's JWKS, mints
//! 200 access tokens (RS256, Tessera's claim set) and drives the load with ready-made
//! HTTP/1.1 requests on keep-alive connections. The gate runs as a child process, pinned to
//! CPU 1 (one tokio worker) with this process on CPU 0, as `bench_auth` does (BENCH_PIN=0
//! unpins). Every request carries a bearer token the route checks (signature and claims;
//! the same 200 tokens come back, so after the first round they come from the gate's
//! verified-token cache, as they would for a client that reuses its token for an hour).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::json;

#[path = "common/mod.rs"]
mod common;
use common::*;

const ISSUER: &str = "http://issuer.invalid/us-east-1_Bench";
const CLIENT: &str = "bench-client";

/// Requests to one address, cycling through ready-made requests.
struct Hit {
    name: &'static str,
    addr: String,
    reqs: Vec<Vec<u8>>,
}

impl Target for Hit {
    fn key(&self) -> String {
        self.name.to_string()
    }

    async fn one(&self, conn: &mut Option<RawConn>, i: usize) -> Result<(), String> {
        if conn.is_none() {
            *conn = Some(RawConn::connect(&self.addr).await?);
        }
        let c = conn.as_mut().ok_or("no connection")?;
        match c.send(&self.reqs[i % self.reqs.len()]).await {
            Ok((200, _)) => Ok(()),
            Ok((s, body)) => Err(format!("status {s}: {}", String::from_utf8_lossy(&body))),
            Err(e) => {
                *conn = None;
                Err(e)
            }
        }
    }
}

fn token(key: &KeyPair, n: usize) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let payload = json!({
        "sub": format!("0b3e4f9a-1c2d-4e5f-8a9b-{n:012}"), "iss": ISSUER, "client_id": CLIENT,
        "origin_jti": format!("5f0e8d7c-6b5a-4938-8271-{n:012}"), "event_id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
        "token_use": "access", "scope": "aws.cognito.signin.user.admin", "auth_time": now,
        "exp": now + 3600, "iat": now, "jti": format!("1a2b3c4d-5e6f-4a7b-8c9d-{n:012}"), "username": format!("user{n}"),
    });
    let signed = format!(
        "{}.{}",
        B64.encode(json!({ "kid": "k1", "alg": "RS256" }).to_string()),
        B64.encode(payload.to_string())
    );
    let mut sig = vec![0u8; key.public_modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &aws_lc_rs::rand::SystemRandom::new(),
        signed.as_bytes(),
        &mut sig,
    )
    .unwrap();
    format!("{signed}.{}", B64.encode(sig))
}

fn show(name: &str, p: &Phase) {
    println!(
        "{name:<34} {:>8.0}/s  gate cpu {:>6.1} µs/req  p50 {:.3} ms  p99 {:.3} ms  gate {:.2} cores, bench {:.2} cores  errors {}{}",
        p.per_sec,
        p.cpu_us,
        p.p50_ms,
        p.p99_ms,
        p.server_cores,
        p.bench_cores,
        p.errors,
        p.first_error
            .as_deref()
            .map(|e| format!(" ({e})"))
            .unwrap_or_default()
    );
}

// One worker thread: pinned to one CPU, a second worker would only preempt the first.
#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let c = arg("--concurrency", "BENCH_CONCURRENCY", 16.0) as usize;
    let d = Duration::from_secs_f64(arg("--seconds", "BENCH_SECONDS", 5.0));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if pinned() {
        pin_self(GENERATOR_CPU);
    }

    // The backend and the JWKS, in this process.
    let key = KeyPair::generate(KeySize::Rsa2048).unwrap();
    let public = key.public_key();
    let jwks = json!({ "keys": [{ "kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
        "n": B64.encode(public.modulus().big_endian_without_leading_zero()),
        "e": B64.encode(public.exponent().big_endian_without_leading_zero()) }] })
    .to_string();
    let app = axum::Router::new()
        .route(
            "/jwks.json",
            axum::routing::get(move || async move { jwks.clone() }),
        )
        .fallback(|| async { axum::Json(json!({ "ok": true, "items": [1, 2, 3] })) });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let backend = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move { axum::serve(listener, app).await });

    // The gate.
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("gate.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"
listen = "127.0.0.1:0"
[issuer]
issuer = "{ISSUER}"
jwks_url = "http://{backend}/jwks.json"
audiences = ["{CLIENT}"]
[[route]]
methods = ["GET"]
path = "/api/*"
backend = "http://{backend}"
scopes = ["aws.cognito.signin.user.admin"]
"#
        ),
    )
    .unwrap();
    let bin = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("tessera");
    let mut child = server_command(&bin)
        .arg("gate")
        .arg("--config")
        .arg(&cfg)
        .env("TESSERA_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
    let pid = child.id().unwrap();
    let gate = listening_on(&mut child, "Tessera gate is listening on http://")
        .await
        .expect("the gate did not start");
    println!(
        "machine: {cores} cores; gate pid {pid}{}",
        if pinned() {
            ", pinned: gate on CPU 1, generator and backend on CPU 0"
        } else {
            ""
        }
    );

    let tokens: Vec<String> = (0..200).map(|n| token(&key, n)).collect();
    let reqs = |host: &str| -> Vec<Vec<u8>> {
        tokens
            .iter()
            .map(|t| {
                format!("GET /api/items?page=1 HTTP/1.1\r\nhost: {host}\r\nauthorization: Bearer {t}\r\n\r\n")
                    .into_bytes()
            })
            .collect()
    };
    let via_gate = Arc::new(Hit {
        name: "gate",
        addr: gate.clone(),
        reqs: reqs(&gate),
    });
    let direct = Arc::new(Hit {
        name: "direct",
        addr: backend.clone(),
        reqs: reqs(&backend),
    });

    let direct_peak = closed(&direct, pid, c, d).await;
    show("direct, closed loop", &direct_peak);
    let peak = closed(&via_gate, pid, c, d).await;
    show("through the gate, closed loop", &peak);
    let rate = 0.7 * peak.per_sec;
    let at70 = open(&via_gate, pid, rate, d).await;
    show("through the gate, open loop at 70 %", &at70);
    let direct70 = open(&direct, pid, rate, d).await;
    show("direct, open loop at the same rate", &direct70);
    let at35 = open(&via_gate, pid, rate / 2.0, d).await;
    show("through the gate, open loop at 35 %", &at35);
    let direct35 = open(&direct, pid, rate / 2.0, d).await;
    show("direct, open loop at the same rate", &direct35);

    let added = at70.p99_ms - direct70.p99_ms;
    println!();
    println!("| measure | result | target | |");
    println!("|---|---|---|---|");
    println!(
        "| verified requests per second per core of the gate | {:.0}/s ({:.1} µs each) | ≥ 20,000/s | {} |",
        peak.per_core(),
        peak.cpu_us,
        if peak.per_core() >= 20_000.0 {
            "PASS"
        } else {
            "FAIL"
        }
    );
    println!(
        "| added p99 at 70 % of peak ({rate:.0}/s) | {added:.3} ms ({:.3} vs {:.3} ms direct) | < 0.3 ms | {} |",
        at70.p99_ms,
        direct70.p99_ms,
        if added < 0.3 { "PASS" } else { "FAIL" }
    );
    println!(
        "json: {}",
        json!({
            "per_core": peak.per_core(), "cpu_us": peak.cpu_us, "peak_per_sec": peak.per_sec,
            "direct_peak_per_sec": direct_peak.per_sec, "rate70": rate,
            "p50_gate": at70.p50_ms, "p99_gate": at70.p99_ms,
            "p50_direct": direct70.p50_ms, "p99_direct": direct70.p99_ms, "added_p99": added,
            "p99_gate35": at35.p99_ms, "p99_direct35": direct35.p99_ms,
            "p50_gate35": at35.p50_ms, "p50_direct35": direct35.p50_ms,
            "errors": peak.errors + at70.errors + direct70.errors + direct_peak.errors,
        })
    );
    let _ = child.kill().await;
}
