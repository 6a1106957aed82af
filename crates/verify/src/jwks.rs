//! The issuer's public keys: fetched, cached, refreshed when they age out or when a token
//! names a key that is not known yet (at most every `min_refresh`, since forged tokens carry
//! unknown kids too), and kept when a refresh fails.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::Deserialize;

use crate::VerifyError;

/// An RSA verification key from a JWKS, parsed once (RSASSA-PKCS1-v1_5 with SHA-256,
/// 2048 to 8192 bits).
pub struct Key {
    /// The algorithm the key declares (`alg`), if it declares one.
    pub alg: Option<String>,
    pub(crate) rsa: ParsedPublicKey,
}

#[derive(Deserialize)]
struct JwkSet {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    kid: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

/// Parses a JWKS document into its RSA signing keys by `kid` (other keys are skipped).
pub fn parse_jwks(json: &str) -> Result<HashMap<String, Arc<Key>>, VerifyError> {
    let set: JwkSet =
        serde_json::from_str(json).map_err(|e| VerifyError::Jwks(format!("not a JWKS: {e}")))?;
    let mut out = HashMap::new();
    for k in set.keys {
        if k.kty != "RSA" || k.use_.as_deref().is_some_and(|u| u != "sig") {
            continue;
        }
        let (Some(kid), Some(n), Some(e)) = (k.kid, k.n, k.e) else {
            continue;
        };
        let (Ok(n), Ok(e)) = (B64.decode(n), B64.decode(e)) else {
            continue;
        };
        let Ok(rsa) =
            RsaPublicKeyComponents { n, e }.to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
        else {
            continue;
        };
        out.insert(kid, Arc::new(Key { alg: k.alg, rsa }));
    }
    Ok(out)
}

/// Where the keys come from.
#[derive(Debug, Clone)]
pub enum JwksSource {
    /// Fetched over HTTP(S).
    Url(String),
    /// A fixed document (keys known in advance; nothing to refresh).
    Fixed(String),
}

struct Loaded {
    keys: HashMap<String, Arc<Key>>,
    at: Instant,
}

/// The cached key set of one issuer.
pub struct JwksCache {
    source: JwksSource,
    http: reqwest::Client,
    loaded: RwLock<Option<Arc<Loaded>>>,
    /// One fetch at a time; callers that waited use its result.
    fetching: tokio::sync::Mutex<()>,
    max_age: Duration,
    min_refresh: Duration,
}

impl JwksCache {
    /// `max_age`: keys older than this are fetched again before use; `min_refresh`: an
    /// unknown `kid` triggers a fetch at most this often.
    pub fn new(source: JwksSource, max_age: Duration, min_refresh: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        JwksCache {
            source,
            http,
            loaded: RwLock::new(None),
            fetching: tokio::sync::Mutex::new(()),
            max_age,
            min_refresh,
        }
    }

    fn current(&self) -> Option<Arc<Loaded>> {
        match self.loaded.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// The key named `kid`.
    pub async fn key(&self, kid: &str) -> Result<Arc<Key>, VerifyError> {
        let now = Instant::now();
        let current = self.current();
        if let Some(l) = &current
            && now.duration_since(l.at) < self.max_age
        {
            if let Some(k) = l.keys.get(kid) {
                return Ok(k.clone());
            }
            if now.duration_since(l.at) < self.min_refresh {
                return Err(VerifyError::UnknownKid(kid.to_string()));
            }
        }
        let loaded = self.refresh(current.as_ref().map(|l| l.at)).await;
        match loaded {
            Ok(l) => l
                .keys
                .get(kid)
                .cloned()
                .ok_or_else(|| VerifyError::UnknownKid(kid.to_string())),
            // Keep serving the keys we had while the issuer cannot be reached.
            Err(e) => current.and_then(|l| l.keys.get(kid).cloned()).ok_or(e),
        }
    }

    /// Fetches the keys unless another caller did since `seen` (the load time the caller saw).
    async fn refresh(&self, seen: Option<Instant>) -> Result<Arc<Loaded>, VerifyError> {
        let _one = self.fetching.lock().await;
        if let Some(l) = self.current()
            && Some(l.at) != seen
        {
            return Ok(l);
        }
        let json = match &self.source {
            JwksSource::Fixed(json) => json.clone(),
            JwksSource::Url(url) => {
                let r = self
                    .http
                    .get(url)
                    .send()
                    .await
                    .map_err(|e| VerifyError::Jwks(e.to_string()))?;
                if !r.status().is_success() {
                    return Err(VerifyError::Jwks(format!("{url} answered {}", r.status())));
                }
                r.text()
                    .await
                    .map_err(|e| VerifyError::Jwks(e.to_string()))?
            }
        };
        let loaded = Arc::new(Loaded {
            keys: parse_jwks(&json)?,
            at: Instant::now(),
        });
        match self.loaded.write() {
            Ok(mut g) => *g = Some(loaded.clone()),
            Err(p) => *p.into_inner() = Some(loaded.clone()),
        }
        Ok(loaded)
    }
}
