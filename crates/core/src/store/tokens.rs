//! The storage port for what tokens need: the pools' signing keys, refresh-token families
//! (one per sign-in; every token of a sign-in carries its `origin_jti`), the feed of
//! revocations that every node reads into its in-memory revocation set, and the feed of
//! changed records that tells every node what to drop from its record cache.

use async_trait::async_trait;

use super::StoreError;

/// One RSA signing key of a pool.
#[derive(Debug, Clone, PartialEq)]
pub struct SigningKeyRecord {
    pub pool_id: String,
    pub kid: String,
    pub created_ms: i64,
    /// PKCS#8 DER of the private key, sealed with the server key (`Purpose::SigningKey`).
    pub private_sealed: Vec<u8>,
    /// The public key as a JWK (`kty`, `n`, `e`, ...), JSON text.
    pub public_jwk: String,
    /// Once set: the key no longer signs, and leaves the JWKS after this instant (when every
    /// token it signed has expired).
    pub retire_after_ms: Option<i64>,
}

/// A sign-in: the refresh token family that every token of that sign-in belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct RefreshFamily {
    /// The `origin_jti` of every token issued for this sign-in.
    pub origin_jti: String,
    pub pool_id: String,
    pub sub: String,
    pub client_id: String,
    /// `auth_time` (seconds) of the sign-in.
    pub auth_time: i64,
    pub created_ms: i64,
    /// When the refresh token stops working.
    pub expires_ms: i64,
    pub revoked_ms: Option<i64>,
    /// The refresh token generation now valid (rotation bumps it).
    pub generation: i64,
    /// When the previous generation stops being accepted (rotation's grace period).
    pub previous_valid_until_ms: i64,
    /// The scopes an OAuth sign-in granted, space-separated; `None` for API sign-ins.
    pub scopes: Option<String>,
    /// The device the sign-in was made on, if the pool tracks devices.
    pub device_key: Option<String>,
}

/// A revoked family, as the revocation feed carries it.
#[derive(Debug, Clone, PartialEq)]
pub struct Revocation {
    pub origin_jti: String,
    /// After this instant every token of the family has expired anyway; the entry may go.
    pub until_ms: i64,
    pub created_ms: i64,
}

/// What kind of record a change-feed entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// A pool (its id is `pool_id`); also stands for everything in it.
    Pool,
    /// An app client (`id` is the client id).
    Client,
    /// A user (`id` is the `sub`), including its group memberships.
    User,
    /// The pool's groups themselves (a precedence or role changed, a group went).
    Groups,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Pool => "pool",
            ChangeKind::Client => "client",
            ChangeKind::User => "user",
            ChangeKind::Groups => "groups",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pool" => ChangeKind::Pool,
            "client" => ChangeKind::Client,
            "user" => ChangeKind::User,
            "groups" => ChangeKind::Groups,
            _ => return None,
        })
    }
}

/// An entry of the change feed: a record that nodes must stop serving from memory.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordChange {
    pub kind: ChangeKind,
    pub pool_id: String,
    pub id: String,
    pub created_ms: i64,
}

/// The sign-in lockout schedule, as data both core and the SQL of a store apply: after
/// `free_attempts` failures a key is locked out for `first_ms`, doubling with each further
/// failure up to `max_ms`; `reset_after_ms` without a failure starts the count again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutRule {
    pub free_attempts: i64,
    pub first_ms: i64,
    pub max_ms: i64,
    pub reset_after_ms: i64,
}

impl LockoutRule {
    /// The lockout that follows failure number `n` (1-based), in ms.
    pub fn lockout_ms(&self, n: i64) -> i64 {
        if n < self.free_attempts {
            return 0;
        }
        let doublings = (n - self.free_attempts).min(self.cap_doublings());
        (self.first_ms << doublings).min(self.max_ms)
    }

    /// The number of doublings at which the lockout reaches `max_ms` (stores use it to
    /// keep their shift in range).
    pub fn cap_doublings(&self) -> i64 {
        let mut d = 0;
        while d < 40 && (self.first_ms << d) < self.max_ms {
            d += 1;
        }
        d
    }
}

/// How long change-feed entries are kept; a node that could not read the feed for longer
/// than this clears its caches instead (it does after any failed read anyway).
pub const CHANGE_RETENTION_MS: i64 = 600_000;

#[async_trait]
pub trait TokenStore: Send + Sync {
    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> Result<(), StoreError>;
    /// Every key of the pool that has not left the JWKS yet at `now_ms`, newest first.
    async fn list_signing_keys(
        &self,
        pool_id: &str,
        now_ms: i64,
    ) -> Result<Vec<SigningKeyRecord>, StoreError>;
    /// Marks every key of the pool except `keep_kid` as retiring after `retire_after_ms`
    /// (keys already retiring keep their earlier date).
    async fn retire_signing_keys(
        &self,
        pool_id: &str,
        keep_kid: &str,
        retire_after_ms: i64,
    ) -> Result<u64, StoreError>;
    /// The most recently created signing key of any pool (the readiness probe opens it).
    async fn newest_signing_key(&self) -> Result<Option<SigningKeyRecord>, StoreError>;
    /// Every pool id (for `tessera keys rotate` over all pools).
    async fn list_pool_ids(&self) -> Result<Vec<String>, StoreError>;

    async fn insert_family(&self, family: &RefreshFamily) -> Result<(), StoreError>;
    async fn get_family(
        &self,
        pool_id: &str,
        origin_jti: &str,
    ) -> Result<Option<RefreshFamily>, StoreError>;
    /// A user's sign-ins whose refresh token still works at `now_ms` or was revoked before
    /// it would have expired, newest first, at most `limit`.
    async fn list_user_families(
        &self,
        pool_id: &str,
        sub: &str,
        now_ms: i64,
        limit: i64,
    ) -> Result<Vec<RefreshFamily>, StoreError>;
    /// Moves a family from `from_generation` to `from_generation + 1`, keeping the old one
    /// valid until `previous_valid_until_ms`. `false` if the family changed meanwhile.
    async fn rotate_family(
        &self,
        pool_id: &str,
        origin_jti: &str,
        from_generation: i64,
        previous_valid_until_ms: i64,
    ) -> Result<bool, StoreError>;
    /// Revokes one family and adds it to the revocation feed, atomically. `false` if it was
    /// unknown or already revoked.
    async fn revoke_family(
        &self,
        pool_id: &str,
        origin_jti: &str,
        until_ms: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError>;
    /// Revokes every live family of a user and adds them to the feed, atomically. Returns
    /// the revoked `origin_jti`s.
    async fn revoke_user_families(
        &self,
        pool_id: &str,
        sub: &str,
        until_ms: i64,
        now_ms: i64,
    ) -> Result<Vec<String>, StoreError>;
    /// Revocations written at or after `since_ms` that still matter at `now_ms`.
    async fn revocations_since(
        &self,
        since_ms: i64,
        now_ms: i64,
    ) -> Result<Vec<Revocation>, StoreError>;
    /// Failed sign-ins under a lockout key: `(failures, last failure ms)`.
    async fn get_sign_in_failures(
        &self,
        pool_id: &str,
        key: &str,
    ) -> Result<Option<(i64, i64)>, StoreError>;
    /// Counts a sign-in attempt under a lockout key **before** its password or code is
    /// checked, in one conditional write: `None` (nothing counted) while the key is locked
    /// out at `now_ms` under `rule`, else the new count (an attempt counts as a failure
    /// until a success clears it). N parallel attempts cost N.
    async fn reserve_sign_in_attempt(
        &self,
        pool_id: &str,
        key: &str,
        now_ms: i64,
        rule: &LockoutRule,
    ) -> Result<Option<i64>, StoreError>;
    async fn clear_sign_in_failures(&self, pool_id: &str, key: &str) -> Result<(), StoreError>;
    /// Appends to the change feed and wakes the other nodes.
    async fn record_change(&self, change: &RecordChange) -> Result<(), StoreError>;
    /// Change-feed entries written at or after `since_ms`.
    async fn changes_since(&self, since_ms: i64) -> Result<Vec<RecordChange>, StoreError>;
    /// Records a new admin console session, live until `expires_ms` or its deletion.
    async fn insert_console_session(
        &self,
        id: &str,
        who: &str,
        expires_ms: i64,
    ) -> Result<(), StoreError>;
    /// Whether the console session `id` is live at `now_ms`.
    async fn console_session_live(&self, id: &str, now_ms: i64) -> Result<bool, StoreError>;
    /// Ends the console session `id` (sign-out); ending an ended one is no error.
    async fn delete_console_session(&self, id: &str) -> Result<(), StoreError>;
    /// Forgets revocations, families, change-feed entries and console sessions that can no
    /// longer matter.
    async fn purge_expired(&self, now_ms: i64) -> Result<(), StoreError>;
    /// Waits until another node may have written a revocation (PostgreSQL `LISTEN`), or
    /// until `max` has passed. Backends without notifications just sleep.
    async fn wait_for_revocations(&self, max: std::time::Duration) {
        tokio::time::sleep(max).await;
    }
}
