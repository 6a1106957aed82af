#!/usr/bin/env bash
# The whole test suite: unit and integration tests of every crate (SQLite always;
# PostgreSQL when TESSERA_TEST_POSTGRES_URL is set), then the end-to-end suites that drive
# the real binary with other clients (e2e/run.sh installs what they need). packaging/check.sh
# lints the Dockerfile and the systemd unit and checks the example configurations.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-deps.sh
cargo test --workspace
packaging/check.sh
e2e/run.sh
