#!/usr/bin/env bash
# System packages the Rust build needs beyond the toolchain: OpenSSL's headers and
# pkg-config, because webauthn-rs (passkeys, docs/adr/0011) links OpenSSL. Installed from
# Debian when missing and we are root; otherwise says what to install.
set -euo pipefail
if pkg-config --exists openssl 2>/dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's libssl-dev and pkg-config (OpenSSL for webauthn-rs)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q libssl-dev pkg-config >/dev/null \
    || { apt-get update -q >/dev/null && apt-get install -y -q libssl-dev pkg-config >/dev/null; }
else
  echo "the build needs OpenSSL's headers and pkg-config: apt-get install -y libssl-dev pkg-config (as root)" >&2
  exit 1
fi
