//! Checking an access token presented to a user operation (`GetUser`, `GlobalSignOut`, ...).
//!
//! The RSA signature check is the expensive part, so tokens whose signature has been
//! checked are remembered in a bounded cache keyed by the SHA-256 of the whole token. The
//! cache only saves the signature check: expiry and revocation are checked on every use.

use std::sync::Arc;

use serde::Deserialize;

use super::{ADMIN_SCOPE, jwt};
use crate::cache::Bounded;
use crate::{CoreError, Tessera};

/// The claims of a verified access token that operations use.
#[derive(Debug, Clone, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    pub iss: String,
    pub client_id: String,
    pub origin_jti: String,
    pub token_use: String,
    #[serde(default)]
    pub scope: String,
    pub exp: i64,
    pub iat: i64,
    /// Absent from client-credentials tokens (they stand for no user).
    #[serde(default)]
    pub username: String,
    #[serde(skip)]
    pub pool_id: String,
}

/// Verified tokens by digest; at most `capacity` of them (expired ones go first).
pub struct VerifiedCache(Bounded<[u8; 32], AccessClaims>);

impl Default for VerifiedCache {
    fn default() -> Self {
        VerifiedCache::new(100_000)
    }
}

impl VerifiedCache {
    pub fn new(capacity: usize) -> Self {
        VerifiedCache(Bounded::new(capacity))
    }

    fn get(&self, key: &[u8; 32]) -> Option<Arc<AccessClaims>> {
        self.0.get(key)
    }

    fn put(&self, key: [u8; 32], claims: Arc<AccessClaims>, now_secs: i64) {
        self.0.put_evicting(key, claims, |_, c| c.exp > now_secs);
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An ID token whose signature and fixed claims (issuer, `aud`, `token_use`) checked out.
pub(crate) struct VerifiedId {
    pool_id: String,
    exp: i64,
    claims: serde_json::Map<String, serde_json::Value>,
}

/// Verified ID tokens by digest (identity pools' logins present the same ID token until it
/// expires); at most `capacity`, expired ones go first. Expiry and revocation are checked on
/// every use.
pub struct VerifiedIdCache(Bounded<[u8; 32], VerifiedId>);

impl Default for VerifiedIdCache {
    fn default() -> Self {
        VerifiedIdCache(Bounded::new(100_000))
    }
}

fn token_digest(token: &str) -> [u8; 32] {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
    let mut key = [0u8; 32];
    key.copy_from_slice(digest.as_ref());
    key
}

fn invalid() -> CoreError {
    CoreError::NotAuthorized("Invalid Access Token".into())
}

#[derive(Deserialize)]
struct Iss {
    iss: String,
}

impl Tessera {
    /// Verifies an access token for a user operation: signature (cached), issuer, use,
    /// expiry, revocation and the `aws.cognito.signin.user.admin` scope.
    pub async fn verify_access_token(&self, token: &str) -> Result<Arc<AccessClaims>, CoreError> {
        self.verify_access_token_scoped(token, ADMIN_SCOPE).await
    }

    /// Verifies an access token that must carry `scope` (and a user).
    pub async fn verify_access_token_scoped(
        &self,
        token: &str,
        scope: &str,
    ) -> Result<Arc<AccessClaims>, CoreError> {
        let key = token_digest(token);
        let claims = match self.verified.get(&key) {
            Some(c) => c,
            None => {
                let c = Arc::new(self.verify_signature(token).await?);
                self.verified.put(key, c.clone(), self.clock.now_secs());
                c
            }
        };
        if claims.exp <= self.clock.now_secs() {
            return Err(CoreError::NotAuthorized("Access Token has expired".into()));
        }
        if self.revocations.is_revoked(&claims.origin_jti) {
            return Err(CoreError::NotAuthorized(
                "Access Token has been revoked".into(),
            ));
        }
        if claims.username.is_empty() || !claims.scope.split(' ').any(|s| s == scope) {
            return Err(CoreError::NotAuthorized(
                "Access Token does not have required scopes".into(),
            ));
        }
        Ok(claims)
    }

    async fn verify_signature(&self, token: &str) -> Result<AccessClaims, CoreError> {
        let (pool_id, payload) = self.signed_payload(token).await?;
        let mut claims: AccessClaims = serde_json::from_slice(&payload).map_err(|_| invalid())?;
        let iss = format!(
            "{}/{pool_id}",
            self.settings.public_url.trim_end_matches('/')
        );
        if claims.token_use != "access" || claims.iss != iss {
            return Err(invalid());
        }
        claims.pool_id = pool_id;
        Ok(claims)
    }

    /// Checks a token's signature with the keys of the pool its issuer names; the pool id
    /// and the signed payload. Nothing else (use, expiry) is checked here.
    async fn signed_payload(&self, token: &str) -> Result<(String, Vec<u8>), CoreError> {
        self.signed_by_pool(token).await.map_err(|e| match e {
            IdTokenError::Storage(e) => e,
            _ => invalid(),
        })
    }

    async fn signed_by_pool(&self, token: &str) -> Result<(String, Vec<u8>), IdTokenError> {
        let parsed = jwt::parse(token).map_err(|_| IdTokenError::Malformed)?;
        // The issuer names the pool whose keys must have signed the token; it is only
        // trusted once the signature checks out with that pool's key.
        let payload = token.split('.').nth(1).ok_or(IdTokenError::Malformed)?;
        let payload = {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .map_err(|_| IdTokenError::Malformed)?
        };
        let Iss { iss } = serde_json::from_slice(&payload).map_err(|_| IdTokenError::Malformed)?;
        let prefix = format!("{}/", self.settings.public_url.trim_end_matches('/'));
        let pool_id = iss
            .strip_prefix(&prefix)
            .ok_or(IdTokenError::NotOurs)?
            .to_string();
        if pool_id.is_empty() || pool_id.contains('/') {
            return Err(IdTokenError::NotOurs);
        }
        let mut ring = self.key_ring(&pool_id).await.map_err(|e| match e {
            CoreError::ResourceNotFound(_) => IdTokenError::NotOurs,
            other => IdTokenError::Storage(other),
        })?;
        // An unknown kid may be a key rotated in by another node: reload, at most every
        // few seconds (unknown kids are also what forged tokens carry).
        if ring.verifying_key(&parsed.kid).is_none()
            && self.clock.now_millis() - ring.loaded_ms() > 5_000
        {
            ring = self
                .reload_key_ring(&pool_id)
                .await
                .map_err(IdTokenError::Storage)?;
        }
        let public = ring
            .verifying_key(&parsed.kid)
            .ok_or(IdTokenError::BadSignature)?;
        let payload = parsed
            .verify(&public)
            .map_err(|_| IdTokenError::BadSignature)?;
        Ok((pool_id, payload))
    }

    /// Checks an ID token of user pool `pool_id` for another service (identity pools):
    /// signature, issuer, `token_use`, expiry. Its claims, and whether its sign-in has been
    /// revoked (signed out) since.
    pub async fn verify_id_token(
        &self,
        pool_id: &str,
        token: &str,
    ) -> Result<(serde_json::Map<String, serde_json::Value>, bool), IdTokenError> {
        let key = token_digest(token);
        let verified = match self.verified_ids.0.get(&key) {
            Some(v) => v,
            None => {
                let v = Arc::new(self.verify_id_signature(token).await?);
                let now = self.clock.now_secs();
                self.verified_ids
                    .0
                    .put_evicting(key, v.clone(), |_, c| c.exp > now);
                v
            }
        };
        if verified.pool_id != pool_id {
            return Err(IdTokenError::OtherIssuer);
        }
        let now = self.clock.now_secs();
        if verified.exp <= now {
            return Err(IdTokenError::Expired {
                exp: verified.exp,
                now,
            });
        }
        let claims = verified.claims.clone();
        let revoked = claims
            .get("origin_jti")
            .and_then(|v| v.as_str())
            .is_some_and(|jti| self.revocations.is_revoked(jti));
        Ok((claims, revoked))
    }

    /// An ID token's signature (by the keys of the pool its issuer names) and fixed claims.
    async fn verify_id_signature(&self, token: &str) -> Result<VerifiedId, IdTokenError> {
        let (signed_by, payload) = self.signed_by_pool(token).await?;
        let claims: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&payload).map_err(|_| IdTokenError::Malformed)?;
        let iss = format!(
            "{}/{signed_by}",
            self.settings.public_url.trim_end_matches('/')
        );
        if claims.get("iss").and_then(|v| v.as_str()) != Some(iss.as_str()) {
            return Err(IdTokenError::OtherIssuer);
        }
        // An access token has no `aud`: Cognito names the missing claim.
        if !claims.contains_key("aud") {
            return Err(IdTokenError::MissingClaim("aud"));
        }
        if claims.get("token_use").and_then(|v| v.as_str()) != Some("id") {
            return Err(IdTokenError::Malformed);
        }
        Ok(VerifiedId {
            pool_id: signed_by,
            exp: claims.get("exp").and_then(|v| v.as_i64()).unwrap_or(0),
            claims,
        })
    }
}

/// Why an ID token was refused by [`Tessera::verify_id_token`].
#[derive(Debug)]
pub enum IdTokenError {
    /// Not a JWT, or not the claims of one.
    Malformed,
    /// Its issuer is no user pool of this server.
    NotOurs,
    /// The signature does not check out with the pool's keys.
    BadSignature,
    /// A valid token of another pool.
    OtherIssuer,
    MissingClaim(&'static str),
    Expired {
        exp: i64,
        now: i64,
    },
    /// Reading the pool's keys failed.
    Storage(CoreError),
}
