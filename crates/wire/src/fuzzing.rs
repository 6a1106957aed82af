//! Fuzz targets of this crate, called by `fuzz/` (cargo-fuzz) and by the smoke test below,
//! which runs the saved corpus and a few thousand mutations of it on every `cargo test`.
//! See docs/security.md.

pub use crate::sigv4::fuzz::run as sigv4;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    include!("../../../fuzz/smoke.rs");

    #[test]
    fn sigv4_corpus_and_mutations() {
        smoke("sigv4", super::sigv4, 10_000);
    }
}
