#![no_main]
// See tessera_verify::fuzzing and docs/security.md.
libfuzzer_sys::fuzz_target!(|data: &[u8]| tessera_verify::fuzzing::jwt(data));
