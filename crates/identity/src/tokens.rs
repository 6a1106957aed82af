//! Tessera as the OpenID issuer for identities (`<public url>/identity`): the RS256 tokens of
//! `GetOpenIdToken` and `GetOpenIdTokenForDeveloperIdentity`, their JWKS and discovery
//! document. The key is made on first use, sealed with the server key and kept in the
//! identity store, so every node signs with and publishes the same keys.

use std::sync::{Arc, RwLock};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{ParsedPublicKey, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use tessera_core::sealing::Purpose;
use tessera_core::tokens::jwt;

use crate::store::IdentityKeyRow;
use crate::{IdentityError, IdentityPools};

/// Sealing context of the identity issuer's keys (pool keys use their pool id).
const KEY_AAD: &[u8] = b"cognito-identity issuer";
/// How long `GetOpenIdToken`'s token lasts (Cognito: ten minutes).
pub(crate) const OPEN_ID_TOKEN_SECS: i64 = 600;

pub(crate) struct Keys {
    /// The oldest key signs, so nodes that raced to make one agree.
    signing: (String, RsaKeyPair),
    verifying: Vec<(String, ParsedPublicKey)>,
    jwks: Arc<String>,
    /// When this copy was read from the store (milliseconds).
    loaded_ms: i64,
}

#[derive(Default)]
pub(crate) struct KeyHolder(RwLock<Option<Arc<Keys>>>);

fn internal(what: &str) -> IdentityError {
    IdentityError::Internal(what.to_string())
}

impl IdentityPools {
    async fn keys(&self) -> Result<Arc<Keys>, IdentityError> {
        // Read again now and then: a node that raced another for the first key publishes
        // the other's too within a minute.
        if let Some(k) = self.keys.0.read().ok().and_then(|g| g.clone())
            && self.clock.now_millis() - k.loaded_ms < 60_000
        {
            return Ok(k);
        }
        self.load_keys().await
    }

    /// Reads the keys from the store (making the first one if there is none).
    async fn load_keys(&self) -> Result<Arc<Keys>, IdentityError> {
        let mut rows = self.store.identity_signing_keys().await?;
        if rows.is_empty() {
            let key = tokio::task::spawn_blocking(|| RsaKeyPair::generate(KeySize::Rsa2048))
                .await
                .map_err(|_| internal("key generation task failed"))?
                .map_err(|_| internal("RSA key generation failed"))?;
            let der = key
                .as_der()
                .map_err(|_| internal("RSA key serialisation failed"))?;
            let kid = jwt::kid_of(&key);
            let row = IdentityKeyRow {
                kid: kid.clone(),
                created_ms: self.clock.now_millis(),
                private_sealed: STANDARD.encode(self.sealer.seal(
                    Purpose::SigningKey,
                    KEY_AAD,
                    der.as_ref(),
                    self.rng.as_ref(),
                )),
                public_jwk: jwt::jwk(&kid, &key).to_string(),
            };
            self.store.insert_identity_signing_key(&row).await?;
            rows = self.store.identity_signing_keys().await?;
        }
        rows.sort_by(|a, b| (a.created_ms, &a.kid).cmp(&(b.created_ms, &b.kid)));
        let mut signing = None;
        let mut verifying = Vec::new();
        let mut jwks = Vec::new();
        for r in &rows {
            let sealed = STANDARD
                .decode(&r.private_sealed)
                .map_err(|_| internal("corrupt identity key"))?;
            let der = self
                .sealer
                .open(Purpose::SigningKey, KEY_AAD, &sealed)
                .map_err(|_| internal("the identity key does not open with this server key"))?;
            let pair =
                RsaKeyPair::from_pkcs8(&der).map_err(|_| internal("corrupt identity key"))?;
            if let Some(public) = jwt::public_key(&pair) {
                verifying.push((r.kid.clone(), public));
            }
            jwks.push(
                serde_json::from_str::<Value>(&r.public_jwk)
                    .map_err(|_| internal("corrupt identity JWK"))?,
            );
            if signing.is_none() {
                signing = Some((r.kid.clone(), pair));
            }
        }
        let signing = signing.ok_or_else(|| internal("no identity key"))?;
        let keys = Arc::new(Keys {
            signing,
            verifying,
            jwks: Arc::new(json!({ "keys": jwks }).to_string()),
            loaded_ms: self.clock.now_millis(),
        });
        if let Ok(mut g) = self.keys.0.write() {
            *g = Some(keys.clone());
        }
        Ok(keys)
    }

    /// The identity issuer's JWKS document.
    pub async fn jwks(&self) -> Result<Arc<String>, IdentityError> {
        Ok(self.keys().await?.jwks.clone())
    }

    /// The identity issuer's OpenID discovery document.
    pub fn openid_configuration(&self) -> Value {
        let issuer = self.issuer();
        json!({
            "issuer": issuer,
            "jwks_uri": format!("{issuer}/.well-known/jwks_uri"),
            "response_types_supported": ["code", "id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["aud", "amr", "exp", "iat", "iss", "sub", "https://aws.amazon.com/tags"],
            "scopes_supported": ["openid"],
        })
    }

    /// Signs an OpenID token for an identity.
    pub(crate) async fn sign_open_id_token(
        &self,
        pool_id: &str,
        region: &str,
        identity_id: &str,
        amr: Vec<String>,
        principal_tags: Option<Map<String, Value>>,
        duration_secs: i64,
    ) -> Result<String, IdentityError> {
        let keys = self.keys().await?;
        let now = self.clock.now_secs();
        let mut claims = Map::new();
        claims.insert("sub".into(), Value::String(identity_id.to_string()));
        claims.insert("aud".into(), Value::String(pool_id.to_string()));
        claims.insert("amr".into(), json!(amr));
        claims.insert("iss".into(), Value::String(self.issuer()));
        claims.insert("exp".into(), json!(now + duration_secs));
        claims.insert("iat".into(), json!(now));
        claims.insert(
            "https://cognito-identity.amazonaws.com/identity-pool-arn".into(),
            Value::String(self.pool_arn(region, pool_id)),
        );
        if let Some(tags) = principal_tags.filter(|t| !t.is_empty()) {
            claims.insert(
                "https://aws.amazon.com/tags".into(),
                json!({ "principal_tags": tags }),
            );
        }
        let payload = serde_json::to_vec(&claims).map_err(|_| internal("encoding claims"))?;
        jwt::sign(&keys.signing.0, &payload, &keys.signing.1)
            .ok_or_else(|| internal("signing failed"))
    }

    /// Checks a token this issuer signed for an identity of `pool_id`: its claims.
    pub(crate) async fn verify_own_token(
        &self,
        token: &str,
        pool_id: &str,
    ) -> Result<Map<String, Value>, IdentityError> {
        let bad = || {
            IdentityError::NotAuthorized(
                "Invalid login token. Couldn't verify signed token.".into(),
            )
        };
        let parsed = jwt::parse(token).map_err(|_| bad())?;
        let mut keys = self.keys().await?;
        // A key another node made in a race for the first one: read the keys again, at most
        // every few seconds (unknown kids are also what forged tokens carry).
        if !keys.verifying.iter().any(|(kid, _)| *kid == parsed.kid)
            && self.clock.now_millis() - keys.loaded_ms > 5_000
        {
            keys = self.load_keys().await?;
        }
        let key = keys
            .verifying
            .iter()
            .find(|(kid, _)| *kid == parsed.kid)
            .map(|(_, k)| k)
            .ok_or_else(bad)?;
        let payload = parsed.verify(key).map_err(|_| bad())?;
        let claims: Map<String, Value> = serde_json::from_slice(&payload).map_err(|_| bad())?;
        if claims.get("iss").and_then(Value::as_str) != Some(self.issuer().as_str())
            || claims.get("aud").and_then(Value::as_str) != Some(pool_id)
        {
            return Err(bad());
        }
        let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
        let now = self.clock.now_secs();
        if exp <= now {
            return Err(IdentityError::NotAuthorized(format!(
                "Invalid login token. Token expired: {now} >= {exp}"
            )));
        }
        Ok(claims)
    }
}
