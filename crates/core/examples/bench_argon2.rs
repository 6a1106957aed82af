//! Benchmark: the cost of one argon2id password hash at a few parameter sets, to choose
//! Tessera's (`tessera_core::users::password`). Prints the median wall and CPU time per hash
//! and hashes per second per core.
//!
//!     cargo run --release -p tessera-core --example bench_argon2
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

fn main() {
    let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
    println!("| memory | passes | median wall per hash | CPU per hash | hashes/s per core |");
    println!("|---|---|---|---|---|");
    for (m, t) in [
        (19 * 1024, 2),
        (46 * 1024, 1),
        (12 * 1024, 3),
        (64 * 1024, 3),
    ] {
        let a = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(m, t, 1, None).unwrap(),
        );
        let mut times = Vec::new();
        let cpu0 = cpu_time();
        for _ in 0..40 {
            let s = Instant::now();
            let _ = a.hash_password(b"Correct horse battery 1!", &salt).unwrap();
            times.push(s.elapsed());
        }
        let cpu = (cpu_time() - cpu0).as_secs_f64() / times.len() as f64;
        times.sort();
        let med = times[times.len() / 2].as_secs_f64();
        println!(
            "| {} MiB | {t} | {:.1} ms | {:.1} ms | {:.0} |",
            m / 1024,
            med * 1e3,
            cpu * 1e3,
            1.0 / cpu.max(med)
        );
    }
}
