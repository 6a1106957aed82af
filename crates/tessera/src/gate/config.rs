//! `gate.toml`: what `tessera gate` listens on, whose tokens it accepts, and its routes.
//!
//! ```toml
//! listen = "127.0.0.1:8080"
//! # Where nginx `auth_request`, Traefik ForwardAuth or Envoy ext_authz ask (optional).
//! forward_auth_path = "/_tessera/auth"
//! # Optional: serve https, reloading the certificate when the files change (ADR 0015);
//! # --tls-cert-file/--tls-key-file or TESSERA_GATE_TLS_CERT_FILE/_KEY_FILE override these.
//! # tls_cert_file = "/etc/tessera/gate.pem"
//! # tls_key_file = "/etc/tessera/gate.key"
//! # After SIGTERM, how long requests in flight have to finish (default 10).
//! # shutdown_grace_secs = 10
//!
//! [issuer]
//! # Exactly the tokens' `iss`: Tessera's `<public URL>/<pool id>`, or Cognito's
//! # `https://cognito-idp.<region>.amazonaws.com/<pool id>`, or any OIDC issuer.
//! issuer = "http://localhost:9229/us-east-1_AbCdEfGhI"
//! # jwks_url = "..."            # default <issuer>/.well-known/jwks.json
//! audiences = ["1example23456789"]   # app clients accepted (empty: any)
//! leeway_secs = 5
//!
//! # Verified claims go to the backend in these headers; a request that brings any of
//! # them itself has them removed first. (These are the defaults.)
//! [claim_headers]
//! sub = "x-auth-sub"
//! username = "x-auth-username"
//! "cognito:username" = "x-auth-username"   # ID tokens' name for it
//! "cognito:groups" = "x-auth-groups"
//! scope = "x-auth-scope"
//! client_id = "x-auth-client-id"
//! email = "x-auth-email"
//!
//! # Backends are plain http:// (the gateway sits next to them); TLS ends at the gate or in
//! # front of it.
//! [[route]]
//! path = "/health"              # exact, or a prefix ending in "/*", or with {segments}
//! backend = "http://127.0.0.1:3000"
//! auth = "public"               # public | access | id | any (default access)
//!
//! # Optional: refuse revoked tokens (RevokeToken, GlobalSignOut, disabled or deleted users)
//! # within a poll interval, without asking Tessera about every request.
//! [revocation]
//! url = "http://localhost:9229/tessera/revocations"
//! access_key_id = "AKID..."          # an admin key of that Tessera
//! # secret_access_key = "..."        # or TESSERA_GATE_REVOCATION_SECRET
//! poll_secs = 2
//!
//! # Optional browser mode: the gate runs the code + PKCE sign-in itself and keeps tokens in
//! # sealed HttpOnly cookies; routes then accept a signed-in browser without a bearer token.
//! [browser]
//! client_id = "1example23456789"
//! # client_secret = "..."          # or TESSERA_GATE_CLIENT_SECRET
//! public_url = "https://app.example.com"   # the gate as browsers reach it
//! scopes = ["openid", "email"]
//! # login_path = "/_tessera/login"; callback_path = "/_tessera/callback"
//! # logout_path = "/_tessera/logout"; after_logout = "/"
//! # cookie_key = "<base64 of 32 bytes>"   # or TESSERA_GATE_COOKIE_KEY; shared by replicas
//!
//! [[route]]
//! methods = ["GET"]
//! path = "/orders/*"
//! backend = "http://127.0.0.1:3000"
//! scopes = ["orders/read"]
//! groups = ["staff"]
//! ```

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateConfig {
    pub listen: SocketAddr,
    #[serde(default)]
    pub forward_auth_path: Option<String>,
    /// PEM certificate chain: serve https (with `tls_key_file`), as `tessera serve` does.
    #[serde(default)]
    pub tls_cert_file: Option<PathBuf>,
    /// PEM private key of the certificate.
    #[serde(default)]
    pub tls_key_file: Option<PathBuf>,
    /// After a stop is asked for, how long requests in flight have to finish (seconds).
    #[serde(default = "default_shutdown_grace")]
    pub shutdown_grace_secs: u64,
    pub issuer: IssuerConfig,
    #[serde(default = "default_claim_headers")]
    pub claim_headers: BTreeMap<String, String>,
    #[serde(default, rename = "route")]
    pub routes: Vec<RouteConfig>,
    #[serde(default)]
    pub revocation: Option<RevocationConfig>,
    #[serde(default)]
    pub browser: Option<BrowserConfig>,
}

/// Browser mode: the gate signs browsers in through the issuer's hosted login and keeps
/// their tokens in sealed HttpOnly cookies, so page JavaScript never holds a token.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrowserConfig {
    /// An app client allowing the code flow, with `<public_url><callback_path>` among its
    /// CallbackURLs and `<public_url><after_logout>` among its LogoutURLs.
    pub client_id: String,
    /// Its secret; `TESSERA_GATE_CLIENT_SECRET` in the environment overrides it.
    #[serde(default)]
    pub client_secret: Option<String>,
    /// The gate's own URL as browsers reach it (`https://app.example.com`).
    pub public_url: String,
    #[serde(default = "default_browser_scopes")]
    pub scopes: Vec<String>,
    #[serde(default = "default_login_path")]
    pub login_path: String,
    #[serde(default = "default_callback_path")]
    pub callback_path: String,
    #[serde(default = "default_logout_path")]
    pub logout_path: String,
    /// Where the browser lands after signing out (a path of the gate).
    #[serde(default = "default_after_logout")]
    pub after_logout: String,
    /// Base64 of 32 bytes sealing the cookies; `TESSERA_GATE_COOKIE_KEY` overrides it.
    /// Without one, a key is made at start and sessions end with the process.
    #[serde(default)]
    pub cookie_key: Option<String>,
    /// How long the session cookie lives (hours; the refresh token may end it sooner).
    #[serde(default = "default_session_hours")]
    pub session_hours: i64,
    /// Refresh the access token this long before it expires (seconds).
    #[serde(default = "default_refresh_before")]
    pub refresh_before_secs: i64,
}

fn default_refresh_before() -> i64 {
    30
}

fn default_browser_scopes() -> Vec<String> {
    vec!["openid".into()]
}
fn default_login_path() -> String {
    "/_tessera/login".into()
}
fn default_callback_path() -> String {
    "/_tessera/callback".into()
}
fn default_logout_path() -> String {
    "/_tessera/logout".into()
}
fn default_after_logout() -> String {
    "/".into()
}
fn default_session_hours() -> i64 {
    12
}

/// Where the gate learns of revoked sign-ins: Tessera's admin-only `/tessera/revocations`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevocationConfig {
    /// `<Tessera URL>/tessera/revocations`.
    pub url: String,
    /// An admin key of that Tessera.
    pub access_key_id: String,
    /// Its secret; `TESSERA_GATE_REVOCATION_SECRET` in the environment overrides it (so
    /// the file need not hold it).
    #[serde(default)]
    pub secret_access_key: Option<String>,
    /// How often to ask (seconds, fractions allowed; default 2).
    #[serde(default = "default_poll")]
    pub poll_secs: f64,
}

fn default_poll() -> f64 {
    2.0
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerConfig {
    pub issuer: String,
    #[serde(default)]
    pub jwks_url: Option<String>,
    #[serde(default)]
    pub audiences: Vec<String>,
    #[serde(default = "default_leeway")]
    pub leeway_secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Auth {
    Public,
    #[default]
    Access,
    Id,
    Any,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    #[serde(default)]
    pub methods: Vec<String>,
    pub path: String,
    pub backend: String,
    #[serde(default)]
    pub auth: Auth,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub groups: Vec<String>,
}

fn default_shutdown_grace() -> u64 {
    crate::config::DEFAULT_SHUTDOWN_GRACE_SECONDS
}

fn default_leeway() -> u64 {
    5
}

fn default_claim_headers() -> BTreeMap<String, String> {
    [
        ("sub", "x-auth-sub"),
        ("username", "x-auth-username"),
        // ID tokens name the user `cognito:username`.
        ("cognito:username", "x-auth-username"),
        ("cognito:groups", "x-auth-groups"),
        ("scope", "x-auth-scope"),
        ("client_id", "x-auth-client-id"),
        ("email", "x-auth-email"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

impl GateConfig {
    /// Puts the certificate and key given on the command line (or in
    /// `TESSERA_GATE_TLS_CERT_FILE` / `TESSERA_GATE_TLS_KEY_FILE`) in place of the file's.
    pub fn override_tls(
        &mut self,
        cert: Option<PathBuf>,
        key: Option<PathBuf>,
    ) -> anyhow::Result<()> {
        if cert.is_some() || key.is_some() {
            self.tls_cert_file = cert;
            self.tls_key_file = key;
        }
        self.check_tls()
    }

    fn check_tls(&self) -> anyhow::Result<()> {
        if self.tls_cert_file.is_some() != self.tls_key_file.is_some() {
            bail!(
                "TLS needs both a certificate and a key file \
                 (tls_cert_file and tls_key_file, or TESSERA_GATE_TLS_CERT_FILE and \
                 TESSERA_GATE_TLS_KEY_FILE)"
            );
        }
        Ok(())
    }

    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let cfg: GateConfig = toml::from_str(text)?;
        cfg.check_tls()?;
        for r in &cfg.routes {
            if !r.path.starts_with('/') {
                bail!("route path {:?} must start with /", r.path);
            }
            if !r.backend.starts_with("http://") {
                bail!(
                    "route {}: backend {:?} must be an http:// URL",
                    r.path,
                    r.backend
                );
            }
            if r.auth == Auth::Public && !(r.scopes.is_empty() && r.groups.is_empty()) {
                bail!(
                    "route {}: a public route cannot require scopes or groups",
                    r.path
                );
            }
        }
        if let Some(r) = &cfg.revocation
            && !(r.poll_secs > 0.0 && r.poll_secs <= 3600.0)
        {
            bail!("revocation.poll_secs must be between 0 and 3600");
        }
        if let Some(b) = &cfg.browser {
            if !(b.public_url.starts_with("http://") || b.public_url.starts_with("https://")) {
                bail!("browser.public_url must be an http:// or https:// URL");
            }
            for p in [
                &b.login_path,
                &b.callback_path,
                &b.logout_path,
                &b.after_logout,
            ] {
                if !p.starts_with('/') {
                    bail!("browser paths must start with /: {p:?}");
                }
            }
            if !(1..=24 * 90).contains(&b.session_hours) {
                bail!("browser.session_hours must be between 1 and 2160");
            }
        }
        for h in cfg.claim_headers.values() {
            axum::http::HeaderName::try_from(h.as_str())
                .with_context(|| format!("claim header {h:?} is not a valid header name"))?;
        }
        Ok(cfg)
    }
}
