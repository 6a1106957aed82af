//! Storage for user import jobs: the uploaded CSV files (the jobs themselves are pool
//! documents, `DocKind::ImportJob`) and the batched insert that imports a page of users.

use async_trait::async_trait;

use super::{StoreError, UserRecord};

#[async_trait]
pub trait ImportStore: Send + Sync {
    /// Stores (or replaces) the file uploaded for a job. Fails if the pool does not exist.
    async fn put_import_file(
        &self,
        pool_id: &str,
        job_id: &str,
        content: &[u8],
    ) -> Result<(), StoreError>;
    async fn get_import_file(
        &self,
        pool_id: &str,
        job_id: &str,
    ) -> Result<Option<Vec<u8>>, StoreError>;
    async fn delete_import_file(&self, pool_id: &str, job_id: &str) -> Result<(), StoreError>;
    /// Inserts the users that take no username or unique alias already taken, in one
    /// transaction; for each user in order, whether it was inserted.
    async fn insert_users_if_absent(&self, users: &[UserRecord]) -> Result<Vec<bool>, StoreError>;
    /// Many users went in at once (an import job, a restore, a copy): refresh the planner's
    /// statistics so that lookups use their indexes at once. PostgreSQL plans from
    /// statistics that autovacuum refreshes only later: right after a million-row import a
    /// user lookup by name took 130 ms (a sequential scan) instead of a fraction of one.
    async fn bulk_loaded(&self) -> Result<(), StoreError>;
    /// Whether the database does its work for a bulk insert inside this process (SQLite),
    /// on the CPU that serves requests, rather than in a server of its own (PostgreSQL):
    /// then an import job rests between batches while requests are served (ADR 0025).
    fn bulk_work_in_process(&self) -> bool;
}
