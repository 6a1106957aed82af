//! SQL for a pool's managed-login documents and authorization codes, shared by both
//! backends (instantiated by `impl_store!`). Tables: migration 0007.

macro_rules! impl_document_store {
    ($store:ty, $db:ty) => {
        fn document_from_row(
            row: &<$db as sqlx::Database>::Row,
            kind: tessera_core::store::DocKind,
        ) -> Result<tessera_core::store::DocumentRecord, tessera_core::store::StoreError> {
            use sqlx::Row;
            Ok(tessera_core::store::DocumentRecord {
                pool_id: row.try_get("pool_id").map_err($crate::backend)?,
                kind,
                key: row.try_get("doc_key").map_err($crate::backend)?,
                doc: row.try_get("doc").map_err($crate::backend)?,
                created_ms: row.try_get("created_ms").map_err($crate::backend)?,
                modified_ms: row.try_get("modified_ms").map_err($crate::backend)?,
                version: row.try_get("version").map_err($crate::backend)?,
            })
        }

        #[async_trait::async_trait]
        impl tessera_core::store::DocumentStore for $store {
            async fn insert_document(&self, d: &tessera_core::store::DocumentRecord) -> Result<(), tessera_core::store::StoreError> {
                sqlx::query(
                    "INSERT INTO pool_documents (pool_id, kind, doc_key, doc, created_ms, modified_ms, version) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&d.pool_id)
                .bind(d.kind.as_str())
                .bind(&d.key)
                .bind(&d.doc)
                .bind(d.created_ms)
                .bind(d.modified_ms)
                .bind(d.version)
                .execute(self.w())
                .await
                .map_err($crate::backend)?;
                Ok(())
            }

            async fn get_document(&self, pool_id: &str, kind: tessera_core::store::DocKind, key: &str) -> Result<Option<tessera_core::store::DocumentRecord>, tessera_core::store::StoreError> {
                let row = sqlx::query("SELECT * FROM pool_documents WHERE pool_id = $1 AND kind = $2 AND doc_key = $3")
                    .bind(pool_id)
                    .bind(kind.as_str())
                    .bind(key)
                    .fetch_optional(self.w())
                    .await
                    .map_err($crate::backend)?;
                row.as_ref().map(|r| document_from_row(r, kind)).transpose()
            }

            async fn find_document(&self, kind: tessera_core::store::DocKind, key: &str) -> Result<Option<tessera_core::store::DocumentRecord>, tessera_core::store::StoreError> {
                let row = sqlx::query("SELECT * FROM pool_documents WHERE kind = $1 AND doc_key = $2 ORDER BY pool_id LIMIT 1")
                    .bind(kind.as_str())
                    .bind(key)
                    .fetch_optional(self.w())
                    .await
                    .map_err($crate::backend)?;
                row.as_ref().map(|r| document_from_row(r, kind)).transpose()
            }

            async fn update_document(&self, d: &tessera_core::store::DocumentRecord, expected_version: i64) -> Result<bool, tessera_core::store::StoreError> {
                let q = sqlx::query(
                    "UPDATE pool_documents SET doc = $1, modified_ms = $2, version = $3 \
                     WHERE pool_id = $4 AND kind = $5 AND doc_key = $6 AND version = $7",
                )
                .bind(&d.doc)
                .bind(d.modified_ms)
                .bind(d.version)
                .bind(&d.pool_id)
                .bind(d.kind.as_str())
                .bind(&d.key)
                .bind(expected_version);
                changed_one(self.w(), q).await
            }

            async fn delete_document(&self, pool_id: &str, kind: tessera_core::store::DocKind, key: &str) -> Result<bool, tessera_core::store::StoreError> {
                let q = sqlx::query("DELETE FROM pool_documents WHERE pool_id = $1 AND kind = $2 AND doc_key = $3")
                    .bind(pool_id)
                    .bind(kind.as_str())
                    .bind(key);
                changed_one(self.w(), q).await
            }

            async fn delete_document_at(&self, pool_id: &str, kind: tessera_core::store::DocKind, key: &str, expected_version: i64) -> Result<bool, tessera_core::store::StoreError> {
                let q = sqlx::query("DELETE FROM pool_documents WHERE pool_id = $1 AND kind = $2 AND doc_key = $3 AND version = $4")
                    .bind(pool_id)
                    .bind(kind.as_str())
                    .bind(key)
                    .bind(expected_version);
                changed_one(self.w(), q).await
            }

            async fn list_documents(&self, pool_id: &str, kind: tessera_core::store::DocKind, after: Option<&str>, limit: u32) -> Result<Vec<tessera_core::store::DocumentRecord>, tessera_core::store::StoreError> {
                // Keys are at least one character long, so '' sorts before them all.
                let rows = sqlx::query(
                    "SELECT * FROM pool_documents WHERE pool_id = $1 AND kind = $2 AND doc_key > COALESCE($3, '') \
                     ORDER BY doc_key LIMIT $4",
                )
                .bind(pool_id)
                .bind(kind.as_str())
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(self.w())
                .await
                .map_err($crate::backend)?;
                rows.iter().map(|r| document_from_row(r, kind)).collect()
            }

            async fn insert_code(&self, c: &tessera_core::store::AuthCodeRecord) -> Result<(), tessera_core::store::StoreError> {
                sqlx::query("INSERT INTO oauth_codes (code_hash, pool_id, expires_ms, payload) VALUES ($1, $2, $3, $4)")
                    .bind(&c.code_hash)
                    .bind(&c.pool_id)
                    .bind(c.expires_ms)
                    .bind(&c.payload)
                    .execute(self.w())
                    .await
                    .map_err($crate::backend)?;
                Ok(())
            }

            async fn take_code(&self, code_hash: &str) -> Result<Option<tessera_core::store::AuthCodeRecord>, tessera_core::store::StoreError> {
                use sqlx::Row;
                // One statement: of two concurrent takes, only one gets the row.
                let row = sqlx::query("DELETE FROM oauth_codes WHERE code_hash = $1 RETURNING code_hash, pool_id, expires_ms, payload")
                    .bind(code_hash)
                    .fetch_optional(self.w())
                    .await
                    .map_err($crate::backend)?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some(tessera_core::store::AuthCodeRecord {
                    code_hash: row.try_get("code_hash").map_err($crate::backend)?,
                    pool_id: row.try_get("pool_id").map_err($crate::backend)?,
                    expires_ms: row.try_get("expires_ms").map_err($crate::backend)?,
                    payload: row.try_get("payload").map_err($crate::backend)?,
                }))
            }
        }
    };
}
pub(crate) use impl_document_store;
