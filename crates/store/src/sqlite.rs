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
    /// The connections every query uses: one file is reader and writer alike.
    fn w(&self) -> &SqlitePool {
        &self.pool
    }

    /// See [`SqliteStore::w`].
    fn r(&self) -> &SqlitePool {
        &self.pool
    }

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
    /// The engine runs in this process (`ImportStore::bulk_work_in_process`).
    const IN_PROCESS: bool = true;

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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use tessera_core::store::{FilterAttribute, FilterOp, UserCursor, UserFilter};

    /// Every ListUsers statement is served by the filter's own index (SQLite has no
    /// statistics here, so the plan is the schema's and the statement's alone): never a walk
    /// of the whole pool in username order, which at a million users takes a second.
    #[tokio::test]
    async fn every_list_users_filter_uses_its_index() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = super::SqliteStore::open(&url).await.unwrap();
        let cursor = UserCursor {
            sort_value: "m".into(),
            username_key: "m".into(),
        };
        let attributes = [
            (FilterAttribute::Username, "users_username"),
            (FilterAttribute::Email, "users_by_email"),
            (FilterAttribute::PhoneNumber, "users_by_phone_number"),
            (FilterAttribute::Name, "users_by_name"),
            (FilterAttribute::GivenName, "users_by_given_name"),
            (FilterAttribute::FamilyName, "users_by_family_name"),
            (
                FilterAttribute::PreferredUsername,
                "users_by_preferred_username",
            ),
            (FilterAttribute::UserStatus, "users_by_status"),
            (FilterAttribute::Status, "users_by_enabled"),
            (FilterAttribute::Sub, "sqlite_autoindex_users_1"),
        ];
        for (attribute, index) in attributes {
            for op in [FilterOp::Equals, FilterOp::StartsWith] {
                if attribute == FilterAttribute::Status && op == FilterOp::StartsWith {
                    continue;
                }
                for after in [None, Some(&cursor)] {
                    let filter = UserFilter {
                        attribute,
                        op,
                        value: "a".into(),
                    };
                    let q = crate::users::list_users_query(Some(&filter), after);
                    let sql = format!("EXPLAIN QUERY PLAN {}", q.sql);
                    let mut explain =
                        sqlx::query_as::<_, (i64, i64, i64, String)>(&sql).bind("us-east-1_x");
                    if let Some(f) = q.flag {
                        explain = explain.bind(f);
                    }
                    for t in &q.text {
                        explain = explain.bind(t.clone());
                    }
                    let plan: Vec<String> = explain
                        .bind(60_i64)
                        .fetch_all(&store.pool)
                        .await
                        .unwrap()
                        .into_iter()
                        .map(|r| r.3)
                        .collect();
                    let plan = plan.join(" | ");
                    assert!(
                        plan.contains(&format!("USING INDEX {index} ")),
                        "{attribute:?} {op:?} after {after:?}: {plan}\n{}",
                        q.sql
                    );
                    assert!(!plan.contains("TEMP B-TREE"), "{plan}");
                }
            }
        }
    }
}
