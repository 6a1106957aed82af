//! SQL for remembered devices, shared by both backends (instantiated by `impl_store!`).
//! Table: migration 0008.

macro_rules! impl_device_store {
    ($store:ty, $db:ty) => {
        fn device_from_row(row: &<$db as sqlx::Database>::Row) -> Result<tessera_core::store::DeviceRecord, tessera_core::store::StoreError> {
            use sqlx::Row;
            Ok(tessera_core::store::DeviceRecord {
                pool_id: row.try_get("pool_id").map_err($crate::backend)?,
                device_key: row.try_get("device_key").map_err($crate::backend)?,
                sub: row.try_get("sub").map_err($crate::backend)?,
                doc: row.try_get("doc").map_err($crate::backend)?,
                created_ms: row.try_get("created_ms").map_err($crate::backend)?,
                modified_ms: row.try_get("modified_ms").map_err($crate::backend)?,
                last_authenticated_ms: row.try_get("last_authenticated_ms").map_err($crate::backend)?,
            })
        }

        #[async_trait::async_trait]
        impl tessera_core::store::DeviceStore for $store {
            async fn insert_device(&self, d: &tessera_core::store::DeviceRecord) -> Result<(), tessera_core::store::StoreError> {
                sqlx::query(
                    "INSERT INTO devices (pool_id, device_key, sub, doc, created_ms, modified_ms, last_authenticated_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&d.pool_id)
                .bind(&d.device_key)
                .bind(&d.sub)
                .bind(&d.doc)
                .bind(d.created_ms)
                .bind(d.modified_ms)
                .bind(d.last_authenticated_ms)
                .execute(self.w())
                .await
                .map_err($crate::backend)?;
                Ok(())
            }

            async fn get_device(&self, pool_id: &str, device_key: &str) -> Result<Option<tessera_core::store::DeviceRecord>, tessera_core::store::StoreError> {
                let row = sqlx::query("SELECT * FROM devices WHERE pool_id = $1 AND device_key = $2")
                    .bind(pool_id)
                    .bind(device_key)
                    .fetch_optional(self.w())
                    .await
                    .map_err($crate::backend)?;
                row.as_ref().map(device_from_row).transpose()
            }

            async fn update_device(&self, d: &tessera_core::store::DeviceRecord) -> Result<bool, tessera_core::store::StoreError> {
                let q = sqlx::query(
                    "UPDATE devices SET doc = $1, modified_ms = $2, last_authenticated_ms = $3 \
                     WHERE pool_id = $4 AND device_key = $5",
                )
                .bind(&d.doc)
                .bind(d.modified_ms)
                .bind(d.last_authenticated_ms)
                .bind(&d.pool_id)
                .bind(&d.device_key);
                changed_one(self.w(), q).await
            }

            async fn delete_device(&self, pool_id: &str, device_key: &str) -> Result<bool, tessera_core::store::StoreError> {
                let q = sqlx::query("DELETE FROM devices WHERE pool_id = $1 AND device_key = $2")
                    .bind(pool_id)
                    .bind(device_key);
                changed_one(self.w(), q).await
            }

            async fn page_pool_devices(&self, pool_id: &str, after: Option<&str>, limit: u32) -> Result<Vec<tessera_core::store::DeviceRecord>, tessera_core::store::StoreError> {
                let rows = sqlx::query(
                    "SELECT * FROM devices WHERE pool_id = $1 AND device_key > COALESCE($2, '') \
                     ORDER BY device_key LIMIT $3",
                )
                .bind(pool_id)
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(self.w())
                .await
                .map_err($crate::backend)?;
                rows.iter().map(device_from_row).collect()
            }

            async fn list_devices(&self, pool_id: &str, sub: &str, after: Option<&str>, limit: u32) -> Result<Vec<tessera_core::store::DeviceRecord>, tessera_core::store::StoreError> {
                let rows = sqlx::query(
                    "SELECT * FROM devices WHERE pool_id = $1 AND sub = $2 AND device_key > COALESCE($3, '') \
                     ORDER BY device_key LIMIT $4",
                )
                .bind(pool_id)
                .bind(sub)
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(self.w())
                .await
                .map_err($crate::backend)?;
                rows.iter().map(device_from_row).collect()
            }
        }
    };
}
pub(crate) use impl_device_store;
