//! Verifying a token: structure, algorithm, signature, then the claims.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::VerifyError;
use crate::jwks::{JwksCache, JwksSource};

/// Which Cognito token a verifier accepts (its `token_use` claim).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenUse {
    /// ID tokens: the audience is the `aud` claim.
    Id,
    /// Access tokens: the audience is the `client_id` claim.
    Access,
}

impl TokenUse {
    fn as_str(self) -> &'static str {
        match self {
            TokenUse::Id => "id",
            TokenUse::Access => "access",
        }
    }
}

/// What a verifier accepts.
#[derive(Debug, Clone)]
pub struct Config {
    /// The exact `iss` (Cognito: `https://cognito-idp.<region>.amazonaws.com/<pool id>`;
    /// Tessera: `<public URL>/<pool id>`).
    pub issuer: String,
    /// Where the keys are; `<issuer>/.well-known/jwks.json` when `None`.
    pub jwks: Option<JwksSource>,
    /// `Some`: only that kind of Cognito token. `None`: any token of the issuer (an OIDC
    /// issuer without `token_use`).
    pub token_use: Option<TokenUse>,
    /// Accepted app clients (`aud` for ID tokens, `client_id` for access tokens, `aud` or
    /// else `client_id` otherwise); empty accepts any.
    pub audiences: Vec<String>,
    /// Scopes every token must have (the `scope` claim, space-separated).
    pub scopes: Vec<String>,
    /// Groups the user must belong to, each of them (`cognito:groups`).
    pub groups: Vec<String>,
    /// Allowed clock difference for `exp`, `nbf` and `iat`.
    pub leeway: Duration,
    /// Longer tokens are refused before any decoding.
    pub max_token_len: usize,
    /// Keys older than this are fetched again.
    pub jwks_max_age: Duration,
    /// An unknown `kid` refreshes the keys at most this often.
    pub jwks_min_refresh: Duration,
    /// Verified tokens remembered (by SHA-256) to skip the signature check; 0 disables.
    pub cache_capacity: usize,
}

impl Config {
    /// Accepts `issuer`'s tokens of any kind, with the defaults: 5 s leeway, 16 KiB tokens,
    /// keys refreshed hourly or (for an unknown kid) at most every 10 s, 100,000 verified
    /// tokens cached.
    pub fn new(issuer: impl Into<String>) -> Self {
        Config {
            issuer: issuer.into().trim_end_matches('/').to_string(),
            jwks: None,
            token_use: None,
            audiences: Vec::new(),
            scopes: Vec::new(),
            groups: Vec::new(),
            leeway: Duration::from_secs(5),
            max_token_len: 16 * 1024,
            jwks_max_age: Duration::from_secs(3600),
            jwks_min_refresh: Duration::from_secs(10),
            cache_capacity: 100_000,
        }
    }

    /// An Amazon Cognito user pool.
    pub fn cognito(region: &str, user_pool_id: &str) -> Self {
        Config::new(format!(
            "https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"
        ))
    }

    /// A Tessera user pool served at `public_url`.
    pub fn tessera(public_url: &str, user_pool_id: &str) -> Self {
        Config::new(format!(
            "{}/{user_pool_id}",
            public_url.trim_end_matches('/')
        ))
    }

    pub fn token_use(mut self, t: TokenUse) -> Self {
        self.token_use = Some(t);
        self
    }

    pub fn audience(mut self, client_id: impl Into<String>) -> Self {
        self.audiences.push(client_id.into());
        self
    }

    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    pub fn group(mut self, group: impl Into<String>) -> Self {
        self.groups.push(group.into());
        self
    }

    pub fn jwks(mut self, source: JwksSource) -> Self {
        self.jwks = Some(source);
        self
    }
}

/// The claims of a verified token.
#[derive(Debug, Clone, PartialEq)]
pub struct Claims {
    /// Every claim, as the token carries it.
    pub all: Map<String, Value>,
    /// `exp`, seconds since the epoch.
    pub exp: i64,
}

impl Claims {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.all.get(name)
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        self.all.get(name).and_then(Value::as_str)
    }

    pub fn sub(&self) -> Option<&str> {
        self.str("sub")
    }

    /// The `scope` claim's scopes.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.str("scope")
            .unwrap_or_default()
            .split(' ')
            .filter(|s| !s.is_empty())
    }

    /// The `cognito:groups` claim.
    pub fn groups(&self) -> impl Iterator<Item = &str> {
        self.get("cognito:groups")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
    }

    /// Checks scopes and groups a route requires (`Err` is a 403, not a 401).
    pub fn require(&self, scopes: &[String], groups: &[String]) -> Result<(), VerifyError> {
        if let Some(s) = scopes
            .iter()
            .find(|s| !self.scopes().any(|have| have == *s))
        {
            return Err(VerifyError::MissingScope(s.clone()));
        }
        if let Some(g) = groups
            .iter()
            .find(|g| !self.groups().any(|have| have == *g))
        {
            return Err(VerifyError::MissingGroup(g.clone()));
        }
        Ok(())
    }
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Tokens whose signature and fixed claims checked out, by SHA-256; bounded.
struct VerifiedCache {
    map: RwLock<HashMap<[u8; 32], Arc<Claims>>>,
    capacity: usize,
}

impl VerifiedCache {
    fn get(&self, key: &[u8; 32]) -> Option<Arc<Claims>> {
        match self.map.read() {
            Ok(g) => g.get(key).cloned(),
            Err(p) => p.into_inner().get(key).cloned(),
        }
    }

    fn put(&self, key: [u8; 32], claims: Arc<Claims>, now: i64) {
        if self.capacity == 0 {
            return;
        }
        let mut g = match self.map.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if g.len() >= self.capacity {
            g.retain(|_, c| c.exp > now);
            if g.len() >= self.capacity {
                g.clear();
            }
        }
        g.insert(key, claims);
    }

    fn remove(&self, key: &[u8; 32]) {
        match self.map.write() {
            Ok(mut g) => g.remove(key),
            Err(p) => p.into_inner().remove(key),
        };
    }
}

/// Verifies one issuer's tokens. Cheap to share (`Arc`); caches keys and verified tokens.
pub struct Verifier {
    cfg: Config,
    jwks: JwksCache,
    verified: VerifiedCache,
}

fn digest(token: &str) -> [u8; 32] {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
    let mut key = [0u8; 32];
    key.copy_from_slice(d.as_ref());
    key
}

impl Verifier {
    pub fn new(cfg: Config) -> Self {
        let source = cfg
            .jwks
            .clone()
            .unwrap_or_else(|| JwksSource::Url(format!("{}/.well-known/jwks.json", cfg.issuer)));
        Verifier {
            jwks: JwksCache::new(source, cfg.jwks_max_age, cfg.jwks_min_refresh),
            verified: VerifiedCache {
                map: RwLock::new(HashMap::new()),
                capacity: cfg.cache_capacity,
            },
            cfg,
        }
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Verifies `token` against the configuration, including its scopes and groups.
    pub async fn verify(&self, token: &str) -> Result<Arc<Claims>, VerifyError> {
        let claims = self.verify_token(token).await?;
        claims.require(&self.cfg.scopes, &self.cfg.groups)?;
        Ok(claims)
    }

    /// Verifies `token` without the configured scope and group requirements (for callers
    /// whose requirements differ per route: check them with [`Claims::require`]).
    pub async fn verify_token(&self, token: &str) -> Result<Arc<Claims>, VerifyError> {
        if token.is_empty() {
            return Err(VerifyError::Missing);
        }
        if token.len() > self.cfg.max_token_len {
            return Err(VerifyError::TooLarge {
                limit: self.cfg.max_token_len,
            });
        }
        let key = digest(token);
        let now = now_secs();
        if let Some(c) = self.verified.get(&key) {
            // Never past expiry, whatever the cache holds.
            if c.exp.saturating_add(self.leeway()) <= now {
                self.verified.remove(&key);
                return Err(VerifyError::Expired);
            }
            return Ok(c);
        }
        let claims = Arc::new(self.verify_uncached(token, now).await?);
        self.verified.put(key, claims.clone(), now);
        Ok(claims)
    }

    /// Forgets a token verified earlier (for example one known to be revoked).
    pub fn forget(&self, token: &str) {
        self.verified.remove(&digest(token));
    }

    fn leeway(&self) -> i64 {
        i64::try_from(self.cfg.leeway.as_secs()).unwrap_or(i64::MAX)
    }

    async fn verify_uncached(&self, token: &str, now: i64) -> Result<Claims, VerifyError> {
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(VerifyError::Malformed);
        };
        let header = B64.decode(h).map_err(|_| VerifyError::MalformedBase64)?;
        let header: Header =
            serde_json::from_slice(&header).map_err(|_| VerifyError::MalformedJson)?;
        if header.alg.eq_ignore_ascii_case("none") {
            return Err(VerifyError::AlgNone);
        }
        if header.alg.starts_with("HS") {
            return Err(VerifyError::HmacAlgorithm(header.alg));
        }
        if header.alg != "RS256" {
            return Err(VerifyError::UnsupportedAlgorithm(header.alg));
        }
        let kid = header.kid.ok_or(VerifyError::MissingKid)?;
        let key = self.jwks.key(&kid).await?;
        if let Some(declared) = &key.alg
            && *declared != header.alg
        {
            return Err(VerifyError::AlgorithmNotDeclared {
                kid,
                declared: declared.clone(),
                used: header.alg,
            });
        }
        let signature = B64.decode(s).map_err(|_| VerifyError::MalformedBase64)?;
        let signed = &token.as_bytes()[..h.len() + 1 + p.len()];
        key.rsa
            .verify_sig(signed, &signature)
            .map_err(|_| VerifyError::BadSignature)?;
        let payload = B64.decode(p).map_err(|_| VerifyError::MalformedBase64)?;
        let all: Map<String, Value> =
            serde_json::from_slice(&payload).map_err(|_| VerifyError::MalformedJson)?;
        self.check_claims(all, now)
    }

    pub(crate) fn check_claims(
        &self,
        all: Map<String, Value>,
        now: i64,
    ) -> Result<Claims, VerifyError> {
        let leeway = self.leeway();
        let exp = all
            .get("exp")
            .and_then(Value::as_i64)
            .ok_or(VerifyError::MissingClaim("exp"))?;
        // Saturating: the claims are the issuer's, but any i64 must be refused or accepted,
        // not overflow (exp = i64::MAX panicked with overflow checks on).
        if exp.saturating_add(leeway) <= now {
            return Err(VerifyError::Expired);
        }
        if let Some(nbf) = all.get("nbf").and_then(Value::as_i64)
            && nbf.saturating_sub(leeway) > now
        {
            return Err(VerifyError::NotYetValid);
        }
        if let Some(iat) = all.get("iat").and_then(Value::as_i64)
            && iat.saturating_sub(leeway) > now
        {
            return Err(VerifyError::IssuedInFuture);
        }
        let iss = all
            .get("iss")
            .and_then(Value::as_str)
            .ok_or(VerifyError::MissingClaim("iss"))?;
        if iss != self.cfg.issuer {
            return Err(VerifyError::WrongIssuer(iss.to_string()));
        }
        let token_use = all.get("token_use").and_then(Value::as_str);
        if let Some(want) = self.cfg.token_use
            && token_use != Some(want.as_str())
        {
            return Err(VerifyError::WrongTokenUse(
                token_use.unwrap_or_default().to_string(),
            ));
        }
        if !self.cfg.audiences.is_empty() && !self.audience_ok(&all) {
            return Err(VerifyError::WrongAudience);
        }
        Ok(Claims { all, exp })
    }

    fn audience_ok(&self, all: &Map<String, Value>) -> bool {
        let accepted = |v: &str| self.cfg.audiences.iter().any(|a| a == v);
        let aud = || match all.get("aud") {
            Some(Value::String(s)) => accepted(s),
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).any(accepted),
            _ => false,
        };
        let client_id = || {
            all.get("client_id")
                .and_then(Value::as_str)
                .is_some_and(accepted)
        };
        match self.cfg.token_use {
            Some(TokenUse::Id) => aud(),
            Some(TokenUse::Access) => client_id(),
            None if all.contains_key("aud") => aud(),
            None => client_id(),
        }
    }
}
