#![no_main]
// See tessera_server::fuzzing and docs/security.md.
libfuzzer_sys::fuzz_target!(|data: &[u8]| tessera_server::fuzzing::wire_json(data));
