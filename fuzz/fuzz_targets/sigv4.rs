#![no_main]
// See tessera_wire::fuzzing and docs/security.md.
libfuzzer_sys::fuzz_target!(|data: &[u8]| tessera_wire::fuzzing::sigv4(data));
