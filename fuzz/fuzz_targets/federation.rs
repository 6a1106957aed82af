#![no_main]
// See tessera_core::federation::fuzz and docs/security.md.
libfuzzer_sys::fuzz_target!(|data: &[u8]| tessera_core::federation::fuzz(data));
