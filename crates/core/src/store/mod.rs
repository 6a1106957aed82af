//! The storage port. Adapters (SQLite, PostgreSQL) live in `tessera-store` and must pass the
//! same conformance suite. Every method is one atomic change.

use async_trait::async_trait;
use tessera_wire::idp::{UserPoolClientType, UserPoolType};
use thiserror::Error;

use crate::secret::Secret;

#[derive(Debug, Error)]
pub enum StoreError {
    /// A uniqueness constraint refused the write (the key exists already).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The backend failed; the text is for logs.
    #[error("{0}")]
    Backend(String),
}

/// A user pool as stored. `config` is the pool as `DescribeUserPool` returns it; the
/// store keeps the identifying fields in their own columns and restores them on read.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolRecord {
    pub id: String,
    pub name: String,
    pub region: String,
    pub created_ms: i64,
    pub modified_ms: i64,
    /// Optimistic-concurrency version, bumped by every update.
    pub version: i64,
    pub config: UserPoolType,
}

/// An app client as stored. The secret is kept apart from `config`.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientRecord {
    pub pool_id: String,
    pub client_id: String,
    pub client_name: String,
    pub secret: Option<Secret<String>>,
    pub created_ms: i64,
    pub modified_ms: i64,
    pub version: i64,
    pub config: UserPoolClientType,
}

mod archive;
mod devices;
mod documents;
mod groups;
mod imports;
mod tokens;
mod users;
pub use archive::*;
pub use devices::*;
pub use documents::*;
pub use groups::*;
pub use imports::*;
pub use tokens::*;
pub use users::*;

/// Everything Tessera stores. Each area has its own trait; adapters implement them all.
#[async_trait]
pub trait Store:
    PoolStore
    + UserStore
    + GroupStore
    + TokenStore
    + DocumentStore
    + DeviceStore
    + ImportStore
    + Send
    + Sync
    + 'static
{
    /// Deletes every record (test mode only). Every table cascades from `user_pools`.
    async fn reset(&self) -> Result<(), StoreError>;
    /// One cheap query for the readiness probe: the database answers, and which of this
    /// build's migrations it has applied.
    async fn health(&self) -> Result<StoreHealth, StoreError>;
    /// The records of the same database that a full export carries beside the user pools
    /// (the identity pools), when the adapter holds any.
    fn archive_extra(&self) -> Option<&dyn ArchiveExtra> {
        None
    }
}

/// What [`Store::health`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreHealth {
    /// The newest migration the database has applied (0: none).
    pub applied_migration: i64,
    /// The newest migration this build knows.
    pub latest_migration: i64,
}

/// User pools and app clients.
#[async_trait]
pub trait PoolStore: Send + Sync {
    /// Inserts a new pool; `Conflict` if its id exists.
    async fn insert_pool(&self, pool: &PoolRecord) -> Result<(), StoreError>;
    async fn get_pool(&self, id: &str) -> Result<Option<PoolRecord>, StoreError>;
    /// Replaces the pool if its stored version is `expected_version` (the record's own
    /// `version` is written as the new one). Returns `false` if the pool is gone or changed.
    async fn update_pool(
        &self,
        pool: &PoolRecord,
        expected_version: i64,
    ) -> Result<bool, StoreError>;
    /// Deletes the pool and everything that belongs to it. `false` if it did not exist.
    async fn delete_pool(&self, id: &str) -> Result<bool, StoreError>;
    /// Pools ordered by id, strictly after `after`, at most `limit`.
    async fn list_pools(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<PoolRecord>, StoreError>;

    /// Inserts a client; `Conflict` if its id exists; fails if the pool does not exist.
    async fn insert_client(&self, client: &ClientRecord) -> Result<(), StoreError>;
    /// A client by id, whatever its pool (auth flows know only the client id).
    async fn get_client(&self, client_id: &str) -> Result<Option<ClientRecord>, StoreError>;
    async fn update_client(
        &self,
        client: &ClientRecord,
        expected_version: i64,
    ) -> Result<bool, StoreError>;
    async fn delete_client(&self, pool_id: &str, client_id: &str) -> Result<bool, StoreError>;
    /// Clients of a pool ordered by id, strictly after `after`, at most `limit`.
    async fn list_clients(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<ClientRecord>, StoreError>;
    async fn count_clients(&self, pool_id: &str) -> Result<u64, StoreError>;
}
