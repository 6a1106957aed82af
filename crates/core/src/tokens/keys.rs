//! The pools' RS256 signing keys: created with the pool, sealed with the server key in the
//! store, cached per pool in memory, rotated by `tessera keys rotate`.
//!
//! A rotated-out key stops signing at once but stays in the JWKS until every token it can
//! have signed has expired (the longest ID/access token validity, one day, plus the cache
//! lifetime of other nodes). Nodes reload a pool's keys every `RELOAD_MS`, at once when they
//! meet a `kid` they do not know, and when the change feed reports a change of the pool (a
//! rotation writes one, so every node signs with the new key within a second).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{ParsedPublicKey, RsaKeyPair};

use super::jwt;
use crate::sealing::Purpose;
use crate::store::SigningKeyRecord;
use crate::{CoreError, Tessera};

/// How long a node trusts its cached copy of a pool's keys.
pub const RELOAD_MS: i64 = 60_000;
/// How long a retired key stays published: the longest token validity plus slack for
/// nodes that keep signing with it until their next reload.
pub const RETIRED_KEY_LIFETIME_MS: i64 = 24 * 3_600_000 + 2 * RELOAD_MS;

/// One pool's keys as a node holds them.
pub struct KeyRing {
    /// The key that signs new tokens.
    pub active: Option<(String, Arc<RsaKeyPair>)>,
    verify: HashMap<String, Arc<ParsedPublicKey>>,
    /// The JWKS document, serialised once.
    pub jwks: Arc<String>,
    loaded_ms: i64,
}

impl KeyRing {
    pub fn verifying_key(&self, kid: &str) -> Option<Arc<ParsedPublicKey>> {
        self.verify.get(kid).cloned()
    }

    /// When this copy was read from the store.
    pub fn loaded_ms(&self) -> i64 {
        self.loaded_ms
    }
}

/// Per-pool cache of key rings.
#[derive(Default)]
pub struct KeyCache {
    rings: RwLock<HashMap<String, Arc<KeyRing>>>,
}

impl KeyCache {
    fn get(&self, pool_id: &str) -> Option<Arc<KeyRing>> {
        crate::lock::read(&self.rings).get(pool_id).cloned()
    }
    fn put(&self, pool_id: &str, ring: Arc<KeyRing>) {
        let mut g = crate::lock::write(&self.rings);
        g.insert(pool_id.to_string(), ring);
    }
    pub(crate) fn forget(&self, pool_id: &str) {
        let mut g = crate::lock::write(&self.rings);
        g.remove(pool_id);
    }
}

fn internal(what: &str) -> CoreError {
    CoreError::Storage(crate::store::StoreError::Backend(what.to_string()))
}

impl Tessera {
    /// Makes a new signing key for the pool and stores it (sealed). RSA key generation takes
    /// tens of milliseconds, so it runs off the async threads.
    pub(crate) async fn create_signing_key(&self, pool_id: &str) -> Result<String, CoreError> {
        let key = tokio::task::spawn_blocking(|| RsaKeyPair::generate(KeySize::Rsa2048))
            .await
            .map_err(|_| internal("key generation task failed"))?
            .map_err(|_| internal("RSA key generation failed"))?;
        let der = key
            .as_der()
            .map_err(|_| internal("RSA key serialisation failed"))?;
        let kid = jwt::kid_of(&key);
        let record = SigningKeyRecord {
            pool_id: pool_id.to_string(),
            kid: kid.clone(),
            created_ms: self.clock.now_millis(),
            private_sealed: self.sealer.seal(
                Purpose::SigningKey,
                pool_id.as_bytes(),
                der.as_ref(),
                self.rng.as_ref(),
            ),
            public_jwk: jwt::jwk(&kid, &key).to_string(),
            retire_after_ms: None,
        };
        self.store.insert_signing_key(&record).await?;
        Ok(kid)
    }

    /// Adds a new signing key to the pool and retires the others (they stay in the JWKS
    /// until the tokens they signed have expired). Returns the new key id.
    pub async fn rotate_signing_key(&self, pool_id: &str) -> Result<String, CoreError> {
        self.load_pool(pool_id).await?;
        let kid = self.create_signing_key(pool_id).await?;
        self.store
            .retire_signing_keys(
                pool_id,
                &kid,
                self.clock.now_millis() + RETIRED_KEY_LIFETIME_MS,
            )
            .await?;
        self.keys.forget(pool_id);
        // Tells the running nodes (this one may be `tessera keys rotate`) to reload the keys.
        self.changed(crate::store::ChangeKind::Pool, pool_id, pool_id)
            .await?;
        Ok(kid)
    }

    /// Rotates the signing key of every pool. Returns (pool id, new kid) pairs.
    pub async fn rotate_all_signing_keys(&self) -> Result<Vec<(String, String)>, CoreError> {
        let mut out = Vec::new();
        for pool_id in self.store.list_pool_ids().await? {
            let kid = self.rotate_signing_key(&pool_id).await?;
            out.push((pool_id, kid));
        }
        Ok(out)
    }

    /// The pool's keys, from the cache while fresh. A pool made before it had keys gets one.
    pub(crate) async fn key_ring(&self, pool_id: &str) -> Result<Arc<KeyRing>, CoreError> {
        let now = self.clock.now_millis();
        if let Some(ring) = self.keys.get(pool_id)
            && now - ring.loaded_ms < RELOAD_MS
            && now >= ring.loaded_ms
        {
            return Ok(ring);
        }
        self.reload_key_ring(pool_id).await
    }

    pub(crate) async fn reload_key_ring(&self, pool_id: &str) -> Result<Arc<KeyRing>, CoreError> {
        let now = self.clock.now_millis();
        let mut records = self.store.list_signing_keys(pool_id, now).await?;
        if !records.iter().any(|r| r.retire_after_ms.is_none()) {
            // Only a pool that exists gets a key (a forged `iss` must not make keys).
            self.load_pool(pool_id).await?;
            self.create_signing_key(pool_id).await?;
            records = self.store.list_signing_keys(pool_id, now).await?;
        }
        let mut active = None;
        let mut verify = HashMap::new();
        let mut keys = Vec::new();
        for r in &records {
            let der = self
                .sealer
                .open(Purpose::SigningKey, pool_id.as_bytes(), &r.private_sealed)
                .map_err(|_| internal("a signing key does not open with this server key"))?;
            let pair = RsaKeyPair::from_pkcs8(&der).map_err(|_| internal("corrupt signing key"))?;
            if let Some(public) = jwt::public_key(&pair) {
                verify.insert(r.kid.clone(), Arc::new(public));
            }
            if active.is_none() && r.retire_after_ms.is_none() {
                active = Some((r.kid.clone(), Arc::new(pair)));
            }
            if let Ok(jwk) = serde_json::from_str::<serde_json::Value>(&r.public_jwk) {
                keys.push(jwk);
            }
        }
        let ring = Arc::new(KeyRing {
            active,
            verify,
            jwks: Arc::new(serde_json::json!({ "keys": keys }).to_string()),
            loaded_ms: now,
        });
        self.keys.put(pool_id, ring.clone());
        Ok(ring)
    }

    /// The pool's JWKS document (`/<pool id>/.well-known/jwks.json`).
    pub async fn jwks(&self, pool_id: &str) -> Result<Arc<String>, CoreError> {
        Ok(self.key_ring(pool_id).await?.jwks.clone())
    }
}
