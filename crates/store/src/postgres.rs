//! PostgreSQL, for several Tessera nodes sharing one database.

use std::str::FromStr;

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions};
use tessera_core::store::StoreError;

use crate::queries::impl_store;

pub struct PgStore {
    pool: PgPool,
    /// `LISTEN`s for revocations written by other nodes; connected on first use.
    listener: tokio::sync::Mutex<Option<PgListener>>,
}

/// The channel revocations are announced on (database-wide; a wake-up too many is harmless).
const REVOCATIONS_CHANNEL: &str = "tessera_revocations";

/// How long a connection (or a free one from the pool) may take before the call fails: an
/// unreachable database fails requests and readiness in seconds, not sqlx's default 30 s.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

impl PgStore {
    /// Connects and migrates. `schema`, when given, is created if missing and used as the
    /// search path (tests isolate themselves this way).
    pub async fn open(url: &str, schema: Option<&str>) -> Result<Self, StoreError> {
        let mut options = PgConnectOptions::from_str(url).map_err(crate::backend)?;
        if let Some(schema) = schema {
            if !schema
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return Err(StoreError::Backend("invalid schema name".into()));
            }
            let admin = PgPoolOptions::new()
                .max_connections(1)
                .acquire_timeout(CONNECT_TIMEOUT)
                .connect_with(options.clone())
                .await
                .map_err(crate::backend)?;
            sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .execute(&admin)
                .await
                .map_err(crate::backend)?;
            admin.close().await;
            options = options.options([("search_path", schema)]);
        }
        // No ping round trip before every query: a connection the server dropped fails
        // one query and is then discarded by the pool.
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(CONNECT_TIMEOUT)
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(crate::backend)?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(format!("migration failed: {e}")))?;
        Ok(PgStore {
            pool,
            listener: tokio::sync::Mutex::new(None),
        })
    }

    /// Drops a schema made by [`PgStore::open`] (test clean-up).
    pub async fn drop_schema(url: &str, schema: &str) -> Result<(), StoreError> {
        if !schema
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(StoreError::Backend("invalid schema name".into()));
        }
        let options = PgConnectOptions::from_str(url).map_err(crate::backend)?;
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(crate::backend)?;
        sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .execute(&admin)
            .await
            .map_err(crate::backend)?;
        admin.close().await;
        Ok(())
    }
}

impl PgStore {
    /// The database works in its own processes (`ImportStore::bulk_work_in_process`).
    const IN_PROCESS: bool = false;

    /// After a bulk load: the users table's planner statistics (`ANALYZE`), so that lookups
    /// by name use their index at once instead of after autovacuum's next pass.
    async fn refresh_statistics(&self) -> Result<(), StoreError> {
        sqlx::query("ANALYZE users")
            .execute(&self.pool)
            .await
            .map_err(crate::backend)?;
        Ok(())
    }

    /// Wakes the other nodes' revocation readers.
    async fn revocations_written(&self) {
        if let Err(e) = sqlx::query("SELECT pg_notify($1, '')")
            .bind(REVOCATIONS_CHANNEL)
            .execute(&self.pool)
            .await
        {
            tracing::warn!(error = %e, "NOTIFY of a revocation failed; other nodes will poll");
        }
    }

    /// Returns when a revocation is announced, or after `max`.
    async fn wait_signal(&self, max: Duration) {
        let mut guard = self.listener.lock().await;
        if guard.is_none() {
            match PgListener::connect_with(&self.pool).await {
                Ok(mut l) => match l.listen(REVOCATIONS_CHANNEL).await {
                    Ok(()) => *guard = Some(l),
                    Err(e) => tracing::warn!(error = %e, "LISTEN failed; polling"),
                },
                Err(e) => tracing::warn!(error = %e, "LISTEN connection failed; polling"),
            }
        }
        match guard.as_mut() {
            Some(l) => {
                if let Ok(Err(e)) = tokio::time::timeout(max, l.recv()).await {
                    tracing::warn!(error = %e, "LISTEN connection lost; reconnecting");
                    *guard = None;
                }
            }
            None => tokio::time::sleep(max).await,
        }
    }
}

/// This backend's migrations, built into the binary.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl PgStore {
    /// The newest migration this build knows (what the readiness probe expects applied).
    fn latest_migration() -> i64 {
        MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
    }
}

impl_store!(PgStore, sqlx::Postgres);
