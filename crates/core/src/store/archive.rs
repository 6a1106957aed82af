//! The database's other records in a full export: the identity pools (`tessera-identity`)
//! share the user pools' database but not their crate, so core carries their records through
//! an archive without reading them. The store, which holds both, writes and reads them
//! (the same way [`super::Store::reset`] already spans both).

use async_trait::async_trait;
use serde_json::Value;

use super::StoreError;

/// Why records of an archive are not restored.
#[derive(Debug)]
pub enum ArchiveRefusal {
    /// A record cannot be read, or belongs to a pool the archive does not hold.
    Unreadable(String),
    /// A pool of the archive exists here already (the client message).
    Exists(String),
    Store(StoreError),
}

impl From<StoreError> for ArchiveRefusal {
    fn from(e: StoreError) -> Self {
        ArchiveRefusal::Store(e)
    }
}

/// Records of the database beside the user pools, each a JSON object with a `kind` of
/// [`ArchiveExtra::kinds`]. docs/export-format.md documents them.
#[async_trait]
pub trait ArchiveExtra: Send + Sync {
    /// The `kind`s of the records it writes and reads back.
    fn kinds(&self) -> &'static [&'static str];
    /// The records of each of its pools, or of the one pool `pool_id` names (none when it
    /// names none of them).
    async fn export_records(&self, pool_id: Option<&str>) -> Result<Vec<Value>, StoreError>;
    /// Checks an archive's records before anything is written: the ids of the pools they
    /// hold, or a refusal.
    async fn check_records(&self, records: &[Value]) -> Result<Vec<String>, ArchiveRefusal>;
    /// Writes checked records: what was written, by name, for the report.
    async fn restore_records(
        &self,
        records: &[Value],
    ) -> Result<Vec<(&'static str, u64)>, ArchiveRefusal>;
    /// Removes pools (with everything in them) of a restore that failed part way.
    async fn remove_pools(&self, pool_ids: &[String]) -> Result<(), StoreError>;
}
