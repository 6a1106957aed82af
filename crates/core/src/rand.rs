//! Randomness as a port: production uses the OS CSPRNG through aws-lc-rs; tests may seed.

use std::sync::Mutex;

pub trait Rng: Send + Sync {
    /// Fills `buf` with cryptographically secure random bytes.
    fn fill(&self, buf: &mut [u8]);
}

/// The operating system's CSPRNG (via aws-lc-rs).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemRng;

impl Rng for SystemRng {
    fn fill(&self, buf: &mut [u8]) {
        use aws_lc_rs::rand::SecureRandom;
        // SystemRandom only fails when the OS entropy source is broken; there is no safe
        // way to continue issuing identifiers then.
        if aws_lc_rs::rand::SystemRandom::new().fill(buf).is_err() {
            std::process::abort();
        }
    }
}

/// A deterministic generator for tests (xorshift; never for production).
#[derive(Debug)]
pub struct SeededRng(Mutex<u64>);

impl SeededRng {
    pub fn new(seed: u64) -> Self {
        SeededRng(Mutex::new(seed.max(1)))
    }
}

impl Rng for SeededRng {
    fn fill(&self, buf: &mut [u8]) {
        let mut s = crate::lock::mutex(&self.0);
        for b in buf.iter_mut() {
            *s ^= *s << 13;
            *s ^= *s >> 7;
            *s ^= *s << 17;
            *b = (*s >> 24) as u8;
        }
    }
}

/// A random (version 4) UUID in its hyphenated form, from `rng`.
pub fn uuid_v4(rng: &dyn Rng) -> String {
    let mut bytes = [0u8; 16];
    rng.fill(&mut bytes);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// A time-ordered (version 7) UUID in its hyphenated form: `unix_ms` in its first 48 bits,
/// then 74 random bits from `rng`. Keys made this way sort by creation time, so a bulk insert
/// lands on the right edge of a B-tree index instead of on a random page per row (ADR 0023).
pub fn uuid_v7(unix_ms: i64, rng: &dyn Rng) -> String {
    let mut bytes = [0u8; 10];
    rng.fill(&mut bytes);
    uuid::Builder::from_unix_timestamp_millis(unix_ms.max(0) as u64, &bytes)
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// Draws `len` characters uniformly from `alphabet` (rejection sampling, no modulo bias).
pub fn random_string(rng: &dyn Rng, alphabet: &[u8], len: usize) -> String {
    let n = alphabet.len();
    debug_assert!((1..=256).contains(&n));
    let limit = 256 - (256 % n);
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        rng.fill(&mut buf);
        for &b in &buf {
            if (b as usize) < limit {
                out.push(alphabet[b as usize % n] as char);
                if out.len() == len {
                    break;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_v4_is_a_hyphenated_version_4_uuid() {
        let rng = SeededRng::new(7);
        let (a, b) = (uuid_v4(&rng), uuid_v4(&rng));
        assert_ne!(a, b);
        let parsed = uuid::Uuid::parse_str(&a).ok();
        assert_eq!(parsed.map(|u| u.get_version_num()), Some(4));
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
        assert_eq!(a, a.to_ascii_lowercase());
    }

    #[test]
    fn uuid_v7_sorts_by_its_millisecond_and_is_a_version_7_uuid() {
        let rng = SeededRng::new(7);
        let ms = 1_796_000_000_000; // 2026-11
        let (a, b, later) = (uuid_v7(ms, &rng), uuid_v7(ms, &rng), uuid_v7(ms + 1, &rng));
        assert_ne!(a, b);
        let parsed = uuid::Uuid::parse_str(&a).ok();
        assert_eq!(parsed.map(|u| u.get_version_num()), Some(7));
        assert_eq!(
            parsed
                .and_then(|u| u.get_timestamp())
                .map(|t| t.to_unix().0),
            Some(ms as u64 / 1000)
        );
        assert!(a < later && b < later, "{a} {b} {later}");
        assert_eq!(a, a.to_ascii_lowercase());
        assert_eq!(a.len(), 36);
    }
}
