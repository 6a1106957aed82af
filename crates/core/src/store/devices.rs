//! The storage port for remembered devices. A device belongs to a user (by `sub`) and goes
//! away with the user or the pool.

use async_trait::async_trait;

use super::StoreError;

#[derive(Debug, Clone, PartialEq)]
pub struct DeviceRecord {
    pub pool_id: String,
    pub device_key: String,
    pub sub: String,
    /// Everything else, as JSON text.
    pub doc: String,
    pub created_ms: i64,
    pub modified_ms: i64,
    pub last_authenticated_ms: Option<i64>,
}

#[async_trait]
pub trait DeviceStore: Send + Sync {
    /// `Conflict` if the key exists; fails if the user does not.
    async fn insert_device(&self, device: &DeviceRecord) -> Result<(), StoreError>;
    async fn get_device(
        &self,
        pool_id: &str,
        device_key: &str,
    ) -> Result<Option<DeviceRecord>, StoreError>;
    /// Replaces the device's document and times. `false` if it is gone.
    async fn update_device(&self, device: &DeviceRecord) -> Result<bool, StoreError>;
    async fn delete_device(&self, pool_id: &str, device_key: &str) -> Result<bool, StoreError>;
    /// One page of the pool's devices (every user's) ordered by key, strictly after `after`,
    /// at most `limit` (export).
    async fn page_pool_devices(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<DeviceRecord>, StoreError>;
    /// A user's devices ordered by key, strictly after `after`, at most `limit`.
    async fn list_devices(
        &self,
        pool_id: &str,
        sub: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<DeviceRecord>, StoreError>;
}
