#!/usr/bin/env bash
# JavaScript end-to-end suites: amazon-cognito-identity-js and aws-jwt-verify in Node, the AWS
# SDK for JavaScript v3, Amplify JS v6 bundled by esbuild in Debian's Chromium (driven by
# playwright-core, which never downloads a browser here), and openid-client as the relying
# party of the managed login, with the user in that same Chromium. Identity pools through
# client-cognito-identity, fromCognitoIdentityPool and Amplify's fetchAuthSession, with npm's
# oidc-provider as an external OpenID provider (identity-pools.test.mjs, amplify-identity.test.mjs).
# User-pool federation (federation.test.mjs): oidc-provider as the upstream of an OIDC identity
# provider and of a Google one, openid-client as the relying party, the user in Chromium.
# SAML federation (saml.test.mjs): npm's samlify as the SAML identity provider (its keys made with
# the openssl command), Tessera as the service provider, the user in Chromium.
#
# Needs a running tessera: TESSERA_URL, TESSERA_AKID and TESSERA_SECRET, as e2e/run.sh exports
# them, and TESSERA_BIN, the tessera binary (gate-browser.test.mjs starts `tessera gate`,
# triggers.test.mjs a `tessera serve` of its own with [[trigger]] webhooks, tls.test.mjs one over
# https with a `tessera dev-cert` certificate, identity-pools.test.mjs one with an
# [[identity_oidc_provider]], federation.test.mjs one whose [[federation_endpoint]] points Google's
# endpoints at oidc-provider). The identity-pool suites also need the STS e2e/run.sh starts
# (moto's server behind e2e/sts_recorder.py, given to tessera as --sts-endpoint):
# TESSERA_E2E_MOTO_URL and TESSERA_E2E_STS_TOKENS.
# Installs what it needs itself: the npm packages pinned in package-lock.json, and Debian's
# chromium package when it is missing and we are root.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

for var in TESSERA_URL TESSERA_AKID TESSERA_SECRET; do
  if [ -z "${!var:-}" ]; then
    echo "$var is not set: run e2e/run.sh, or export TESSERA_URL, TESSERA_AKID and TESSERA_SECRET for a running tessera" >&2
    exit 2
  fi
done
if [ -z "${TESSERA_BIN:-}" ] || [ ! -x "$TESSERA_BIN" ]; then
  echo "TESSERA_BIN is not set or not executable (${TESSERA_BIN:-unset}): run e2e/run.sh, or export" >&2
  echo "TESSERA_BIN=<path to the tessera binary, e.g. target/debug/tessera> for gate-browser.test.mjs and triggers.test.mjs" >&2
  exit 2
fi
export TESSERA_BIN

major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$major" -lt 20 ]; then
  echo "these suites need Node.js 20 or later (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 2
fi

# --- npm packages (exact versions from package-lock.json) --------------------------------
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
npm ci --prefer-offline --no-audit --no-fund --loglevel=error

# --- Debian's Chromium ----------------------------------------------------------------------
chromium="${TESSERA_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian's chromium package" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q chromium >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }
  fi
  if [ ! -x "$chromium" ]; then
    echo "$chromium is missing: install Debian's chromium package (apt-get install -y chromium, as root)," >&2
    echo "or point TESSERA_CHROMIUM at a Chromium binary. Playwright's own browser downloads are not used." >&2
    exit 1
  fi
fi
export TESSERA_CHROMIUM="$chromium"

# --- the Amplify page ---------------------------------------------------------------------
node build.mjs

# --- the suites -----------------------------------------------------------------------------
# The SDK's notice about Node versions it will need in 2027 says nothing about these pinned
# versions; keep it out of the test output.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
exec node --test --test-concurrency=1 --test-timeout=180000 \
  smoke.test.mjs identity-js.test.mjs mfa.test.mjs devices.test.mjs jwt-verify.test.mjs tokens.test.mjs amplify.test.mjs passkeys.test.mjs oauth.test.mjs gate-browser.test.mjs triggers.test.mjs tls.test.mjs \
  identity-pools.test.mjs amplify-identity.test.mjs federation.test.mjs saml.test.mjs console.test.mjs console-admin-pool.test.mjs migration.test.mjs
