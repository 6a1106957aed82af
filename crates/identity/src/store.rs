//! The identity pools' storage port. `tessera-store` implements it on SQLite and PostgreSQL
//! with the same SQL (tables: migration 0009). Every method is one atomic change.

use async_trait::async_trait;
pub use tessera_core::store::StoreError;

/// An identity pool as stored: indexed columns beside the JSON document ([`crate::pools::PoolDoc`]).
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityPoolRow {
    pub id: String,
    pub name: String,
    pub region: String,
    pub created_ms: i64,
    pub modified_ms: i64,
    /// Optimistic-concurrency version, bumped by every update.
    pub version: i64,
    pub doc: String,
}

/// One login linked to an identity: the provider (as the pool names it) and the user's
/// identifier at that provider.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Login {
    pub provider: String,
    pub subject: String,
}

/// An identity and its linked logins.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityRow {
    pub pool_id: String,
    pub identity_id: String,
    pub created_ms: i64,
    pub modified_ms: i64,
    pub logins: Vec<Login>,
}

/// The identity issuer's signing key (sealed with the server key, base64).
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityKeyRow {
    pub kid: String,
    pub created_ms: i64,
    pub private_sealed: String,
    pub public_jwk: String,
}

#[async_trait]
pub trait IdentityStore: Send + Sync + 'static {
    async fn insert_identity_pool(&self, p: &IdentityPoolRow) -> Result<(), StoreError>;
    async fn get_identity_pool(&self, id: &str) -> Result<Option<IdentityPoolRow>, StoreError>;
    /// Writes `p` if the stored version is still `expected_version`; `false` otherwise.
    async fn update_identity_pool(
        &self,
        p: &IdentityPoolRow,
        expected_version: i64,
    ) -> Result<bool, StoreError>;
    /// Deletes the pool, its identities and their logins. `false` when it did not exist.
    async fn delete_identity_pool(&self, id: &str) -> Result<bool, StoreError>;
    /// Pools in id order, after `after`.
    async fn list_identity_pools(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<IdentityPoolRow>, StoreError>;

    /// The identity a login is linked to in a pool.
    async fn find_identity_by_login(
        &self,
        pool_id: &str,
        login: &Login,
    ) -> Result<Option<String>, StoreError>;
    /// Creates an identity with its logins, all or nothing: `Conflict` when one of the logins
    /// is linked already (another request won).
    async fn insert_identity(&self, identity: &IdentityRow) -> Result<(), StoreError>;
    /// Links logins to an existing identity, all or nothing (`Conflict` when one is linked
    /// already); `false` when the identity is gone.
    async fn link_logins(
        &self,
        pool_id: &str,
        identity_id: &str,
        logins: &[Login],
        now_ms: i64,
    ) -> Result<bool, StoreError>;
    /// Removes the given logins from an identity; how many were removed.
    async fn unlink_logins(
        &self,
        identity_id: &str,
        logins: &[Login],
        now_ms: i64,
    ) -> Result<u64, StoreError>;
    async fn get_identity(&self, identity_id: &str) -> Result<Option<IdentityRow>, StoreError>;
    /// A pool's identities in id order after `after`, with their logins.
    async fn list_identities(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<IdentityRow>, StoreError>;
    async fn delete_identity(&self, pool_id: &str, identity_id: &str) -> Result<bool, StoreError>;
    /// Moves every login of `source` to `destination` and deletes `source`, atomically;
    /// `false` when either is gone.
    async fn merge_identities(
        &self,
        pool_id: &str,
        source: &str,
        destination: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError>;
    /// The logins of one provider in a pool, in subject order after `after` (developer
    /// lookups).
    async fn logins_of_identity(
        &self,
        identity_id: &str,
        provider: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<String>, StoreError>;

    async fn identity_signing_keys(&self) -> Result<Vec<IdentityKeyRow>, StoreError>;
    async fn insert_identity_signing_key(&self, k: &IdentityKeyRow) -> Result<(), StoreError>;
}
