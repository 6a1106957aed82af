//! Benchmark: token verifications per second on one core, uncached (the whole check with
//! the signature) and cached (a token seen before), next to the raw aws-lc-rs RS256
//! verification of the same token measured in the same run.
//!
//!     cargo run --release -p tessera-verify --example bench_verify [-- <seconds per phase>]
//!
//! Each phase runs for the given time (default 3 s) on a current-thread runtime; the figures
//! are per second of that one thread. Run it three times and quote the medians
//! (docs/benchmarks.md).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaPublicKeyComponents};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::json;
use tessera_verify::{Config, JwksSource, TokenUse, Verifier};

fn rate(secs: f64, mut f: impl FnMut()) -> f64 {
    let end = Instant::now() + Duration::from_secs_f64(secs);
    let start = Instant::now();
    let mut n = 0u64;
    while Instant::now() < end {
        for _ in 0..64 {
            f();
        }
        n += 64;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let secs: f64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3.0);
    let key = KeyPair::generate(KeySize::Rsa2048).unwrap();
    let public = key.public_key();
    let (n, e) = (
        public.modulus().big_endian_without_leading_zero(),
        public.exponent().big_endian_without_leading_zero(),
    );
    let jwks = json!({ "keys": [{ "kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
        "n": B64.encode(n), "e": B64.encode(e) }] });
    let iss = "http://127.0.0.1:9229/us-east-1_Bench";
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // An access token shaped like Tessera's (and Cognito's).
    let payload = json!({
        "sub": "0b3e4f9a-1c2d-4e5f-8a9b-0c1d2e3f4a5b", "iss": iss, "client_id": "7f2h3k4m5n6p7q8r9s0t1u2v3w",
        "origin_jti": "5f0e8d7c-6b5a-4938-8271-605f4e3d2c1b", "event_id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
        "token_use": "access", "scope": "aws.cognito.signin.user.admin", "auth_time": now,
        "exp": now + 3600, "iat": now, "jti": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "username": "bench-user",
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
    let token = format!("{signed}.{}", B64.encode(&sig));

    // The fastest aws-lc-rs path: the key parsed once, then one verification per token.
    let raw_key = RsaPublicKeyComponents {
        n: n.to_vec(),
        e: e.to_vec(),
    }
    .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
    .unwrap();
    let raw = rate(secs, || {
        raw_key.verify_sig(signed.as_bytes(), &sig).unwrap();
    });

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let cfg = Config::new(iss)
        .jwks(JwksSource::Fixed(jwks.to_string()))
        .token_use(TokenUse::Access)
        .audience("7f2h3k4m5n6p7q8r9s0t1u2v3w")
        .scope("aws.cognito.signin.user.admin");
    let mut uncached_cfg = cfg.clone();
    uncached_cfg.cache_capacity = 0;
    let uncached = Verifier::new(uncached_cfg);
    let cached = Verifier::new(cfg);
    let (u, c) = rt.block_on(async {
        uncached.verify(&token).await.unwrap();
        cached.verify(&token).await.unwrap();
        // `verify` never waits once the keys are loaded, so polling it to completion with
        // `now_or_never`-style blocking measures the work alone.
        let u = rate(secs, || {
            futures_block(uncached.verify(&token)).unwrap();
        });
        let c = rate(secs, || {
            futures_block(cached.verify(&token)).unwrap();
        });
        (u, c)
    });
    println!("token: {} bytes", token.len());
    println!("raw aws-lc-rs RS256 verify:      {raw:>12.0}/s");
    println!(
        "tessera-verify, uncached:        {u:>12.0}/s  ({:.2} × raw)",
        u / raw
    );
    println!("tessera-verify, cached:          {c:>12.0}/s");
    println!(
        "json: {}",
        json!({ "raw_per_sec": raw, "uncached_per_sec": u, "cached_per_sec": c, "token_bytes": token.len() })
    );
}

/// Polls a future that is ready at its first poll (as `verify` is with loaded keys).
fn futures_block<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match f.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => v,
        std::task::Poll::Pending => panic!("verify waited with the keys loaded"),
    }
}
