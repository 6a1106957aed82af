#!/usr/bin/env bash
# Cross-checks Tessera's SRP known-answer vectors (crates/core/src/srp/vectors.json) with two
# real Cognito clients:
#   1. regenerates them with amazon-cognito-identity-js (vectors.mjs, pinned in
#      package-lock.json) and diffs the result with the committed file;
#   2. replays every vector with pycognito (vectors_pycognito.py, pinned in
#      e2e/requirements.txt).
# The Rust unit tests (cargo test -p tessera-core srp) check the server against the same file.
# Installs what it needs itself: node_modules here, the Python venv at e2e/.venv.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
committed="$root/crates/core/src/srp/vectors.json"

# --- amazon-cognito-identity-js ---------------------------------------------------------
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fresh="$(mktemp)"
trap 'rm -f "$fresh"' EXIT
node "$here/vectors.mjs" >"$fresh"
if ! diff -u "$committed" "$fresh"; then
  echo "vectors.json differs from what amazon-cognito-identity-js produces;" \
    "regenerate with: node e2e/srp/vectors.mjs > crates/core/src/srp/vectors.json" >&2
  exit 1
fi
echo "amazon-cognito-identity-js: vectors.json reproduced"

# --- pycognito ----------------------------------------------------------------------------
venv="$root/e2e/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/e2e/requirements.txt"
"$venv/bin/python" "$here/vectors_pycognito.py" "$committed"
