//! PostgreSQL, for several Tessera nodes sharing one database.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use tessera_core::store::StoreError;

use crate::queries::impl_store;

pub struct PgStore {
    pool: PgPool,
}

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
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .connect_with(options)
            .await
            .map_err(crate::backend)?;
        sqlx::migrate!("migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(format!("migration failed: {e}")))?;
        Ok(PgStore { pool })
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

impl_store!(PgStore, sqlx::Postgres);
