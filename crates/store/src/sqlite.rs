//! The embedded default: one SQLite file in WAL mode with `synchronous = FULL`, so a
//! successful response means the change is on disk (it survives `kill -9` and power loss).

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use tessera_core::store::StoreError;

use crate::queries::impl_store;

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file a `sqlite://` URL names and migrates it.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(crate::backend)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // A local file cannot drop a connection: no ping before each use.
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(crate::backend)?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(format!("migration failed: {e}")))?;
        Ok(SqliteStore { pool })
    }
}

impl SqliteStore {
    /// SQLite picks its unique indexes for equality lookups without statistics, and its
    /// `ANALYZE` would hold the one writer for seconds on a large file: nothing to do.
    async fn refresh_statistics(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// One SQLite file serves one node: there is no one else to tell.
    async fn revocations_written(&self) {}

    async fn wait_signal(&self, max: Duration) {
        tokio::time::sleep(max).await;
    }
}

/// This backend's migrations, built into the binary.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

impl SqliteStore {
    /// The newest migration this build knows (what the readiness probe expects applied).
    fn latest_migration() -> i64 {
        MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
    }
}

impl_store!(SqliteStore, sqlx::Sqlite);
