#![no_main]
// See tessera_core::users and docs/security.md.
libfuzzer_sys::fuzz_target!(|data: &[u8]| tessera_core::users::fuzz_filter(data));
