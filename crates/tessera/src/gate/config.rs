//! `gate.toml`: what `tessera gate` listens on, whose tokens it accepts, and its routes.
//!
//! ```toml
//! listen = "127.0.0.1:8080"
//! # Where nginx `auth_request`, Traefik ForwardAuth or Envoy ext_authz ask (optional).
//! forward_auth_path = "/_tessera/auth"
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
//! "cognito:groups" = "x-auth-groups"
//! scope = "x-auth-scope"
//! client_id = "x-auth-client-id"
//! email = "x-auth-email"
//!
//! # Backends are plain http:// (the gateway sits next to them); TLS ends in front of it.
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
//! [[route]]
//! methods = ["GET"]
//! path = "/orders/*"
//! backend = "http://127.0.0.1:3000"
//! scopes = ["orders/read"]
//! groups = ["staff"]
//! ```

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, bail};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateConfig {
    pub listen: SocketAddr,
    #[serde(default)]
    pub forward_auth_path: Option<String>,
    pub issuer: IssuerConfig,
    #[serde(default = "default_claim_headers")]
    pub claim_headers: BTreeMap<String, String>,
    #[serde(default, rename = "route")]
    pub routes: Vec<RouteConfig>,
    #[serde(default)]
    pub revocation: Option<RevocationConfig>,
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

fn default_leeway() -> u64 {
    5
}

fn default_claim_headers() -> BTreeMap<String, String> {
    [
        ("sub", "x-auth-sub"),
        ("username", "x-auth-username"),
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
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let cfg: GateConfig = toml::from_str(text)?;
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
        for h in cfg.claim_headers.values() {
            axum::http::HeaderName::try_from(h.as_str())
                .with_context(|| format!("claim header {h:?} is not a valid header name"))?;
        }
        Ok(cfg)
    }
}
