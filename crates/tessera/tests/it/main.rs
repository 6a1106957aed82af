//! Tessera's one integration-test binary: starts the real server in-process (through the
//! same `tessera::start` the binary uses) and drives it with the AWS SDK for Rust, against
//! SQLite and, when `TESSERA_TEST_POSTGRES_URL` is set, PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod auth;
mod clients;
mod console;
#[cfg(unix)]
mod data_files;
mod devices;
mod export;
mod federation;
mod federation_saml;
mod fidelity_config;
mod fidelity_managed_login;
mod fidelity_schema;
mod fidelity_sign_in;
mod fidelity_users;
mod fidelity_users_audit;
mod gate;
mod gate_browser;
mod groups;
mod harness;
mod health;
mod identity;
mod mfa;
mod migration;
mod oauth;
mod outbox;
mod packaging_examples;
mod passkeys;
mod pools;
mod protocol;
mod races;
mod replicas;
mod restart;
mod settings_table;
mod tags;
mod tls;
mod trigger_paths;
mod triggers;
mod users;
mod verify;
