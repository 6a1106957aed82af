//! The SQL shared by both backends, instantiated once per backend by `impl_store!`.
//! Placeholders are `$N`, which SQLite and PostgreSQL both accept.

macro_rules! impl_store {
    ($store:ty, $db:ty) => {
        fn pool_from_row(row: &<$db as sqlx::Database>::Row) -> Result<tessera_core::store::PoolRecord, tessera_core::store::StoreError> {
            use sqlx::Row;
            let config: String = row.try_get("config").map_err($crate::backend)?;
            Ok(tessera_core::store::PoolRecord {
                id: row.try_get("id").map_err($crate::backend)?,
                name: row.try_get("name").map_err($crate::backend)?,
                region: row.try_get("region").map_err($crate::backend)?,
                created_ms: row.try_get("created_ms").map_err($crate::backend)?,
                modified_ms: row.try_get("modified_ms").map_err($crate::backend)?,
                version: row.try_get("version").map_err($crate::backend)?,
                config: serde_json::from_str(&config)
                    .map_err(|e| tessera_core::store::StoreError::Backend(format!("corrupt pool document: {e}")))?,
            })
        }

        fn client_from_row(row: &<$db as sqlx::Database>::Row) -> Result<tessera_core::store::ClientRecord, tessera_core::store::StoreError> {
            use sqlx::Row;
            let config: String = row.try_get("config").map_err($crate::backend)?;
            let secret: Option<String> = row.try_get("client_secret").map_err($crate::backend)?;
            Ok(tessera_core::store::ClientRecord {
                pool_id: row.try_get("pool_id").map_err($crate::backend)?,
                client_id: row.try_get("client_id").map_err($crate::backend)?,
                client_name: row.try_get("client_name").map_err($crate::backend)?,
                secret: secret.map(tessera_core::secret::Secret::new),
                created_ms: row.try_get("created_ms").map_err($crate::backend)?,
                modified_ms: row.try_get("modified_ms").map_err($crate::backend)?,
                version: row.try_get("version").map_err($crate::backend)?,
                config: serde_json::from_str(&config)
                    .map_err(|e| tessera_core::store::StoreError::Backend(format!("corrupt client document: {e}")))?,
            })
        }

        /// Runs a write; `true` when it changed exactly one row.
        async fn changed_one<'q>(
            pool: &sqlx::Pool<$db>,
            q: sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>>,
        ) -> Result<bool, tessera_core::store::StoreError> {
            let done = q.execute(pool).await.map_err($crate::backend)?;
            Ok(done.rows_affected() == 1)
        }

        /// The newest migration applied to the database `pool` reaches.
        async fn applied_migration(pool: &sqlx::Pool<$db>) -> Result<i64, tessera_core::store::StoreError> {
            let (v,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success")
                .fetch_one(pool)
                .await
                .map_err($crate::backend)?;
            Ok(v)
        }

        /// Runs a `SELECT COUNT(*) AS n ... WHERE pool_id = $1`.
        async fn count_in_pool(
            pool: &sqlx::Pool<$db>,
            sql: &'static str,
            pool_id: &str,
        ) -> Result<u64, tessera_core::store::StoreError> {
            use sqlx::Row;
            let row = sqlx::query(sql)
                .bind(pool_id)
                .fetch_one(pool)
                .await
                .map_err($crate::backend)?;
            let n: i64 = row.try_get("n").map_err($crate::backend)?;
            Ok(n.max(0) as u64)
        }

        fn doc<T: serde::Serialize>(v: &T) -> Result<String, tessera_core::store::StoreError> {
            serde_json::to_string(v).map_err(|e| tessera_core::store::StoreError::Backend(e.to_string()))
        }

        /// The client document is stored without the secret, which has its own column.
        fn client_doc(c: &tessera_core::store::ClientRecord) -> Result<String, tessera_core::store::StoreError> {
            let mut config = c.config.clone();
            config.client_secret = None;
            doc(&config)
        }

        #[async_trait::async_trait]
        impl tessera_core::store::Store for $store {
            async fn reset(&self) -> Result<(), tessera_core::store::StoreError> {
                // Every table cascades from user_pools or (identities) identity_pools, but the
                // console's sessions.
                sqlx::query("DELETE FROM user_pools")
                    .execute(self.w())
                    .await
                    .map_err($crate::backend)?;
                sqlx::query("DELETE FROM identity_pools")
                    .execute(self.w())
                    .await
                    .map_err($crate::backend)?;
                sqlx::query("DELETE FROM console_sessions")
                    .execute(self.w())
                    .await
                    .map_err($crate::backend)?;
                Ok(())
            }

            async fn health(&self) -> Result<tessera_core::store::StoreHealth, tessera_core::store::StoreError> {
                // The database requests read (a standby has the migrations once it replayed
                // them), and the one they write to when that is another.
                if !std::ptr::eq(self.r(), self.w()) {
                    sqlx::query("SELECT 1").execute(self.w()).await.map_err($crate::backend)?;
                }
                Ok(tessera_core::store::StoreHealth {
                    applied_migration: applied_migration(self.r()).await?,
                    latest_migration: Self::latest_migration(),
                })
            }

            fn archive_extra(&self) -> Option<&dyn tessera_core::store::ArchiveExtra> {
                Some(self)
            }
        }

        $crate::users::impl_user_store!($store, $db);
        $crate::groups::impl_group_store!($store, $db);
        $crate::tokens::impl_token_store!($store, $db);
        $crate::documents::impl_document_store!($store, $db);
        $crate::devices::impl_device_store!($store, $db);
        $crate::identity::impl_identity_store!($store, $db);
        $crate::archive::impl_archive_extra!($store);
        $crate::imports::impl_import_store!($store, $db);

        #[async_trait::async_trait]
        impl tessera_core::store::PoolStore for $store {
            async fn insert_pool(&self, p: &tessera_core::store::PoolRecord) -> Result<(), tessera_core::store::StoreError> {
                sqlx::query(
                    "INSERT INTO user_pools (id, name, region, config, created_ms, modified_ms, version) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&p.id)
                .bind(&p.name)
                .bind(&p.region)
                .bind(doc(&p.config)?)
                .bind(p.created_ms)
                .bind(p.modified_ms)
                .bind(p.version)
                .execute(self.w())
                .await
                .map_err($crate::backend)?;
                Ok(())
            }

            async fn get_pool(&self, id: &str) -> Result<Option<tessera_core::store::PoolRecord>, tessera_core::store::StoreError> {
                let row = sqlx::query("SELECT * FROM user_pools WHERE id = $1")
                    .bind(id)
                    .fetch_optional(self.w())
                    .await
                    .map_err($crate::backend)?;
                row.as_ref().map(pool_from_row).transpose()
            }

            async fn update_pool(&self, p: &tessera_core::store::PoolRecord, expected_version: i64) -> Result<bool, tessera_core::store::StoreError> {
                let q = sqlx::query(
                    "UPDATE user_pools SET name = $1, config = $2, modified_ms = $3, version = $4 \
                     WHERE id = $5 AND version = $6",
                )
                .bind(&p.name)
                .bind(doc(&p.config)?)
                .bind(p.modified_ms)
                .bind(p.version)
                .bind(&p.id)
                .bind(expected_version);
                changed_one(self.w(), q).await
            }

            async fn delete_pool(&self, id: &str) -> Result<bool, tessera_core::store::StoreError> {
                let q = sqlx::query("DELETE FROM user_pools WHERE id = $1")
                    .bind(id);
                changed_one(self.w(), q).await
            }

            async fn list_pools(&self, after: Option<&str>, limit: u32) -> Result<Vec<tessera_core::store::PoolRecord>, tessera_core::store::StoreError> {
                let rows = sqlx::query("SELECT * FROM user_pools WHERE id > COALESCE($1, '') ORDER BY id LIMIT $2")
                    .bind(after)
                    .bind(i64::from(limit))
                    .fetch_all(self.r())
                    .await
                    .map_err($crate::backend)?;
                rows.iter().map(pool_from_row).collect()
            }

            async fn insert_client(&self, c: &tessera_core::store::ClientRecord) -> Result<(), tessera_core::store::StoreError> {
                sqlx::query(
                    "INSERT INTO user_pool_clients \
                     (client_id, pool_id, client_name, client_secret, config, created_ms, modified_ms, version) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&c.client_id)
                .bind(&c.pool_id)
                .bind(&c.client_name)
                .bind(c.secret.as_ref().map(|s| s.expose().as_str()))
                .bind(client_doc(c)?)
                .bind(c.created_ms)
                .bind(c.modified_ms)
                .bind(c.version)
                .execute(self.w())
                .await
                .map_err($crate::backend)?;
                Ok(())
            }

            async fn get_client(&self, client_id: &str) -> Result<Option<tessera_core::store::ClientRecord>, tessera_core::store::StoreError> {
                let row = sqlx::query("SELECT * FROM user_pool_clients WHERE client_id = $1")
                    .bind(client_id)
                    .fetch_optional(self.w())
                    .await
                    .map_err($crate::backend)?;
                row.as_ref().map(client_from_row).transpose()
            }

            async fn update_client(&self, c: &tessera_core::store::ClientRecord, expected_version: i64) -> Result<bool, tessera_core::store::StoreError> {
                let q = sqlx::query(
                    "UPDATE user_pool_clients SET client_name = $1, client_secret = $2, config = $3, \
                     modified_ms = $4, version = $5 WHERE client_id = $6 AND pool_id = $7 AND version = $8",
                )
                .bind(&c.client_name)
                .bind(c.secret.as_ref().map(|s| s.expose().as_str()))
                .bind(client_doc(c)?)
                .bind(c.modified_ms)
                .bind(c.version)
                .bind(&c.client_id)
                .bind(&c.pool_id)
                .bind(expected_version);
                changed_one(self.w(), q).await
            }

            async fn delete_client(&self, pool_id: &str, client_id: &str) -> Result<bool, tessera_core::store::StoreError> {
                let q = sqlx::query("DELETE FROM user_pool_clients WHERE pool_id = $1 AND client_id = $2")
                    .bind(pool_id)
                    .bind(client_id);
                changed_one(self.w(), q).await
            }

            async fn list_clients(&self, pool_id: &str, after: Option<&str>, limit: u32) -> Result<Vec<tessera_core::store::ClientRecord>, tessera_core::store::StoreError> {
                let rows = sqlx::query(
                    "SELECT * FROM user_pool_clients WHERE pool_id = $1 AND client_id > COALESCE($2, '') \
                     ORDER BY client_id LIMIT $3",
                )
                .bind(pool_id)
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(self.r())
                .await
                .map_err($crate::backend)?;
                rows.iter().map(client_from_row).collect()
            }

            async fn count_clients(&self, pool_id: &str) -> Result<u64, tessera_core::store::StoreError> {
                count_in_pool(self.w(), "SELECT COUNT(*) AS n FROM user_pool_clients WHERE pool_id = $1", pool_id).await
            }
        }
    };
}

pub(crate) use impl_store;
