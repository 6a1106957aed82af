//! How user pools reach upstream identity providers (`tessera_core::federation::Upstream`):
//! reqwest for their endpoints, and `tessera-verify` for their ID tokens (RS256 against the
//! provider's JWKS, fetched and cached per issuer; iss, aud and exp checked there, the nonce
//! by core).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Map, Value};
use tessera_core::federation::{Upstream, UpstreamError};
use tessera_core::oauth::flow::percent;
use tessera_verify::{Config, JwksSource, Verifier};

pub struct HttpUpstream {
    client: reqwest::Client,
    /// One verifier per (issuer, JWKS, audience), so keys are fetched once and refreshed
    /// on an unknown `kid`.
    verifiers: Mutex<HashMap<(String, String, String), Arc<Verifier>>>,
}

impl HttpUpstream {
    pub fn new() -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(HttpUpstream {
            client,
            verifiers: Mutex::new(HashMap::new()),
        })
    }

    async fn answer(resp: reqwest::Response) -> Result<String, UpstreamError> {
        let status = resp.status();
        let body = resp
            .text()
            .await
            .map_err(|e| UpstreamError::Unreachable(e.without_url().to_string()))?;
        if status.is_success() {
            return Ok(body);
        }
        // The error code only: bodies may echo what was sent.
        let code = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_default();
        Err(UpstreamError::Refused(format!(
            "{} {code}",
            status.as_u16()
        )))
    }
}

fn unreachable(e: reqwest::Error) -> UpstreamError {
    UpstreamError::Unreachable(e.without_url().to_string())
}

#[async_trait]
impl Upstream for HttpUpstream {
    async fn get(&self, url: &str, bearer: Option<&str>) -> Result<String, UpstreamError> {
        let mut req = self.client.get(url).header("Accept", "application/json");
        if let Some(b) = bearer {
            req = req.bearer_auth(b);
        }
        Self::answer(req.send().await.map_err(unreachable)?).await
    }

    async fn post_form(
        &self,
        url: &str,
        form: &[(String, String)],
        basic: Option<(&str, &str)>,
        bearer: Option<&str>,
    ) -> Result<String, UpstreamError> {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", percent(k), percent(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut req = self
            .client
            .post(url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .body(body);
        if let Some((id, secret)) = basic {
            // RFC 6749 §2.3.1: each part form-encoded before Basic.
            req = req.basic_auth(percent(id), Some(percent(secret)));
        }
        if let Some(b) = bearer {
            req = req.bearer_auth(b);
        }
        Self::answer(req.send().await.map_err(unreachable)?).await
    }

    async fn verify_jwt(
        &self,
        issuer: &str,
        jwks_uri: &str,
        audience: &str,
        token: &str,
    ) -> Result<Map<String, Value>, UpstreamError> {
        let key = (
            issuer.to_string(),
            jwks_uri.to_string(),
            audience.to_string(),
        );
        let verifier = {
            let mut g = self
                .verifiers
                .lock()
                .map_err(|_| UpstreamError::Unavailable)?;
            g.entry(key)
                .or_insert_with(|| {
                    let mut cfg = Config::new(issuer).jwks(JwksSource::Url(jwks_uri.to_string()));
                    cfg.audiences = vec![audience.to_string()];
                    // Each sign-in's ID token is new: nothing to gain from remembering them.
                    cfg.cache_capacity = 0;
                    Arc::new(Verifier::new(cfg))
                })
                .clone()
        };
        let claims = verifier
            .verify_token(token)
            .await
            .map_err(|e| UpstreamError::InvalidToken(e.to_string()))?;
        Ok(claims.all.clone())
    }
}
