#!/usr/bin/env bash
# End-to-end suites: start the real `tessera` binary on a fresh data folder and drive it
# with clients nobody here wrote. Installs what it needs itself (a Python venv with boto3
# and pytest from PyPI, under e2e/.venv).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

# --- clients -------------------------------------------------------------------------
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"

# Debian's nginx for the gate's forward-auth test (test_gate_nginx.py), when missing and root.
if [ ! -x /usr/sbin/nginx ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's nginx-light package" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends nginx-light >/dev/null \
    || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends nginx-light >/dev/null; }
fi

# --- server --------------------------------------------------------------------------
cargo build --quiet --bin tessera
target_dir="$(cargo metadata --format-version 1 --no-deps | "$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
bin="$target_dir/debug/tessera"
export TESSERA_BIN="$bin"  # suites that start a tessera of their own (test_smtp.py)

data="$(mktemp -d)"
log="$data/stdout.log"

# A real STS for identity pools' credentials: moto's server, behind a hop that records the
# web identity tokens Tessera sends (e2e/sts_recorder.py).
moto_port="$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$venv/bin/moto_server" -H 127.0.0.1 -p "$moto_port" >"$data/moto.log" 2>&1 &
moto_pid=$!
"$venv/bin/python" "$here/sts_recorder.py" "http://127.0.0.1:$moto_port" "$data/sts-tokens.txt" "$data/sts-port" &
recorder_pid=$!
for _ in $(seq 1 100); do
  [ -s "$data/sts-port" ] && curl -s -o /dev/null "http://127.0.0.1:$moto_port/moto-api/" && break
  sleep 0.1
done
sts_url="http://127.0.0.1:$(cat "$data/sts-port")"
export TESSERA_E2E_MOTO_URL="http://127.0.0.1:$moto_port" TESSERA_E2E_STS_TOKENS="$data/sts-tokens.txt"

# No admin credentials configured: the server must generate and print them.
env -u TESSERA_ADMIN_ACCESS_KEY_ID -u TESSERA_ADMIN_SECRET_ACCESS_KEY -u TESSERA_DATABASE_URL \
  "$bin" serve --listen 127.0.0.1:0 --data-dir "$data" --sts-endpoint "$sts_url" >"$log" 2>"$data/stderr.log" &
pid=$!
cleanup() {
  kill "$pid" "$moto_pid" "$recorder_pid" 2>/dev/null || true
  wait "$pid" "$moto_pid" "$recorder_pid" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  grep -q '^  AWS_SECRET_ACCESS_KEY=' "$log" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$data/stderr.log" >&2; echo "tessera exited early" >&2; exit 1; }
  sleep 0.1
done
url="$(sed -n 's/^Tessera is listening on //p' "$log")"
akid="$(sed -n 's/^  AWS_ACCESS_KEY_ID=//p' "$log")"
secret="$(sed -n 's/^  AWS_SECRET_ACCESS_KEY=//p' "$log")"
[ -n "$url" ] && [ -n "$akid" ] && [ -n "$secret" ] || { echo "tessera did not print its URL and credentials" >&2; cat "$log" >&2; exit 1; }

# The generated credentials are kept in the data folder, readable by the owner only.
mode="$(stat -c %a "$data/admin-credentials.json")"
[ "$mode" = "600" ] || { echo "admin-credentials.json has mode $mode, want 600" >&2; exit 1; }

status=0
TESSERA_URL="$url" TESSERA_AKID="$akid" TESSERA_SECRET="$secret" \
  "$venv/bin/python" -m pytest -q -p no:cacheprovider "$here/boto3" || status=$?

# JavaScript clients (amazon-cognito-identity-js, aws-jwt-verify, AWS SDK v3, Amplify JS v6 in
# Chromium) against the same server; they run even when pytest failed, and either failing fails.
TESSERA_URL="$url" TESSERA_AKID="$akid" TESSERA_SECRET="$secret" \
  bash "$here/js/run.sh" || status=$?

# SRP known answers, re-derived by amazon-cognito-identity-js and pycognito.
bash "$here/srp/check.sh" || status=$?
exit "$status"
