#![no_main]
// See tessera_core::federation::saml and docs/security.md.
libfuzzer_sys::fuzz_target!(|data: &[u8]| tessera_core::federation::saml::fuzz(data));
