//! SQL for identity pools (`tessera_identity::IdentityStore`), shared by both backends
//! (instantiated by `impl_store!`). Tables: migration 0009.

macro_rules! impl_identity_store {
    ($store:ty, $db:ty) => {
        fn identity_pool_from_row(
            row: &<$db as sqlx::Database>::Row,
        ) -> Result<tessera_identity::store::IdentityPoolRow, tessera_core::store::StoreError> {
            use sqlx::Row;
            Ok(tessera_identity::store::IdentityPoolRow {
                id: row.try_get("id").map_err($crate::backend)?,
                name: row.try_get("name").map_err($crate::backend)?,
                region: row.try_get("region").map_err($crate::backend)?,
                created_ms: row.try_get("created_ms").map_err($crate::backend)?,
                modified_ms: row.try_get("modified_ms").map_err($crate::backend)?,
                version: row.try_get("version").map_err($crate::backend)?,
                doc: row.try_get("doc").map_err($crate::backend)?,
            })
        }

        /// Identities with their logins, from rows of `identities LEFT JOIN identity_logins`
        /// ordered by identity id.
        fn identities_from_rows(
            rows: &[<$db as sqlx::Database>::Row],
        ) -> Result<Vec<tessera_identity::store::IdentityRow>, tessera_core::store::StoreError> {
            use sqlx::Row;
            let mut out: Vec<tessera_identity::store::IdentityRow> = Vec::new();
            for r in rows {
                let id: String = r.try_get("identity_id").map_err($crate::backend)?;
                if out.last().map(|l| l.identity_id != id).unwrap_or(true) {
                    out.push(tessera_identity::store::IdentityRow {
                        pool_id: r.try_get("pool_id").map_err($crate::backend)?,
                        identity_id: id,
                        created_ms: r.try_get("created_ms").map_err($crate::backend)?,
                        modified_ms: r.try_get("modified_ms").map_err($crate::backend)?,
                        logins: Vec::new(),
                    });
                }
                let provider: Option<String> = r.try_get("provider").map_err($crate::backend)?;
                let subject: Option<String> = r.try_get("subject").map_err($crate::backend)?;
                if let (Some(provider), Some(subject), Some(last)) = (provider, subject, out.last_mut()) {
                    last.logins.push(tessera_identity::store::Login { provider, subject });
                }
            }
            Ok(out)
        }

        #[async_trait::async_trait]
        impl tessera_identity::store::IdentityStore for $store {
            async fn insert_identity_pool(&self, p: &tessera_identity::store::IdentityPoolRow) -> Result<(), tessera_core::store::StoreError> {
                sqlx::query(
                    "INSERT INTO identity_pools (id, name, region, doc, created_ms, modified_ms, version) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&p.id)
                .bind(&p.name)
                .bind(&p.region)
                .bind(&p.doc)
                .bind(p.created_ms)
                .bind(p.modified_ms)
                .bind(p.version)
                .execute(self.w())
                .await
                .map_err($crate::backend)?;
                Ok(())
            }

            async fn get_identity_pool(&self, id: &str) -> Result<Option<tessera_identity::store::IdentityPoolRow>, tessera_core::store::StoreError> {
                let row = sqlx::query("SELECT * FROM identity_pools WHERE id = $1")
                    .bind(id)
                    .fetch_optional(self.w())
                    .await
                    .map_err($crate::backend)?;
                row.as_ref().map(identity_pool_from_row).transpose()
            }

            async fn update_identity_pool(&self, p: &tessera_identity::store::IdentityPoolRow, expected_version: i64) -> Result<bool, tessera_core::store::StoreError> {
                let q = sqlx::query(
                    "UPDATE identity_pools SET name = $1, doc = $2, modified_ms = $3, version = $4 \
                     WHERE id = $5 AND version = $6",
                )
                .bind(&p.name)
                .bind(&p.doc)
                .bind(p.modified_ms)
                .bind(p.version)
                .bind(&p.id)
                .bind(expected_version);
                changed_one(self.w(), q).await
            }

            async fn delete_identity_pool(&self, id: &str) -> Result<bool, tessera_core::store::StoreError> {
                let q = sqlx::query("DELETE FROM identity_pools WHERE id = $1").bind(id);
                changed_one(self.w(), q).await
            }

            async fn list_identity_pools(&self, after: Option<&str>, limit: u32) -> Result<Vec<tessera_identity::store::IdentityPoolRow>, tessera_core::store::StoreError> {
                let rows = sqlx::query("SELECT * FROM identity_pools WHERE id > $1 ORDER BY id LIMIT $2")
                    .bind(after.unwrap_or(""))
                    .bind(i64::from(limit))
                    .fetch_all(self.w())
                    .await
                    .map_err($crate::backend)?;
                rows.iter().map(identity_pool_from_row).collect()
            }

            async fn find_identity_by_login(&self, pool_id: &str, login: &tessera_identity::store::Login) -> Result<Option<String>, tessera_core::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT identity_id FROM identity_logins WHERE pool_id = $1 AND provider = $2 AND subject = $3",
                )
                .bind(pool_id)
                .bind(&login.provider)
                .bind(&login.subject)
                .fetch_optional(self.w())
                .await
                .map_err($crate::backend)?;
                row.map(|r| r.try_get("identity_id").map_err($crate::backend)).transpose()
            }

            async fn insert_identity(&self, i: &tessera_identity::store::IdentityRow) -> Result<(), tessera_core::store::StoreError> {
                let mut tx = self.w().begin().await.map_err($crate::backend)?;
                sqlx::query(
                    "INSERT INTO identities (identity_id, pool_id, created_ms, modified_ms) VALUES ($1, $2, $3, $4)",
                )
                .bind(&i.identity_id)
                .bind(&i.pool_id)
                .bind(i.created_ms)
                .bind(i.modified_ms)
                .execute(&mut *tx)
                .await
                .map_err($crate::backend)?;
                for l in &i.logins {
                    sqlx::query(
                        "INSERT INTO identity_logins (pool_id, provider, subject, identity_id, created_ms) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&i.pool_id)
                    .bind(&l.provider)
                    .bind(&l.subject)
                    .bind(&i.identity_id)
                    .bind(i.created_ms)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::backend)?;
                }
                tx.commit().await.map_err($crate::backend)?;
                Ok(())
            }

            async fn link_logins(&self, pool_id: &str, identity_id: &str, logins: &[tessera_identity::store::Login], now_ms: i64) -> Result<bool, tessera_core::store::StoreError> {
                let mut tx = self.w().begin().await.map_err($crate::backend)?;
                let done = sqlx::query("UPDATE identities SET modified_ms = $1 WHERE identity_id = $2 AND pool_id = $3")
                    .bind(now_ms)
                    .bind(identity_id)
                    .bind(pool_id)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::backend)?;
                if done.rows_affected() != 1 {
                    return Ok(false);
                }
                for l in logins {
                    sqlx::query(
                        "INSERT INTO identity_logins (pool_id, provider, subject, identity_id, created_ms) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(pool_id)
                    .bind(&l.provider)
                    .bind(&l.subject)
                    .bind(identity_id)
                    .bind(now_ms)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::backend)?;
                }
                tx.commit().await.map_err($crate::backend)?;
                Ok(true)
            }

            async fn unlink_logins(&self, identity_id: &str, logins: &[tessera_identity::store::Login], now_ms: i64) -> Result<u64, tessera_core::store::StoreError> {
                let mut tx = self.w().begin().await.map_err($crate::backend)?;
                let mut n = 0;
                for l in logins {
                    n += sqlx::query("DELETE FROM identity_logins WHERE identity_id = $1 AND provider = $2 AND subject = $3")
                        .bind(identity_id)
                        .bind(&l.provider)
                        .bind(&l.subject)
                        .execute(&mut *tx)
                        .await
                        .map_err($crate::backend)?
                        .rows_affected();
                }
                if n > 0 {
                    sqlx::query("UPDATE identities SET modified_ms = $1 WHERE identity_id = $2")
                        .bind(now_ms)
                        .bind(identity_id)
                        .execute(&mut *tx)
                        .await
                        .map_err($crate::backend)?;
                }
                tx.commit().await.map_err($crate::backend)?;
                Ok(n)
            }

            async fn get_identity(&self, identity_id: &str) -> Result<Option<tessera_identity::store::IdentityRow>, tessera_core::store::StoreError> {
                let rows = sqlx::query(
                    "SELECT i.identity_id, i.pool_id, i.created_ms, i.modified_ms, l.provider, l.subject \
                     FROM identities i LEFT JOIN identity_logins l ON l.identity_id = i.identity_id \
                     WHERE i.identity_id = $1 ORDER BY l.provider, l.subject",
                )
                .bind(identity_id)
                .fetch_all(self.w())
                .await
                .map_err($crate::backend)?;
                Ok(identities_from_rows(&rows)?.pop())
            }

            async fn list_identities(&self, pool_id: &str, after: Option<&str>, limit: u32) -> Result<Vec<tessera_identity::store::IdentityRow>, tessera_core::store::StoreError> {
                let rows = sqlx::query(
                    "SELECT i.identity_id, i.pool_id, i.created_ms, i.modified_ms, l.provider, l.subject \
                     FROM (SELECT * FROM identities WHERE pool_id = $1 AND identity_id > $2 ORDER BY identity_id LIMIT $3) i \
                     LEFT JOIN identity_logins l ON l.identity_id = i.identity_id \
                     ORDER BY i.identity_id, l.provider, l.subject",
                )
                .bind(pool_id)
                .bind(after.unwrap_or(""))
                .bind(i64::from(limit))
                .fetch_all(self.w())
                .await
                .map_err($crate::backend)?;
                identities_from_rows(&rows)
            }

            async fn delete_identity(&self, pool_id: &str, identity_id: &str) -> Result<bool, tessera_core::store::StoreError> {
                let q = sqlx::query("DELETE FROM identities WHERE pool_id = $1 AND identity_id = $2")
                    .bind(pool_id)
                    .bind(identity_id);
                changed_one(self.w(), q).await
            }

            async fn merge_identities(&self, pool_id: &str, source: &str, destination: &str, now_ms: i64) -> Result<bool, tessera_core::store::StoreError> {
                let mut tx = self.w().begin().await.map_err($crate::backend)?;
                let dest = sqlx::query("UPDATE identities SET modified_ms = $1 WHERE identity_id = $2 AND pool_id = $3")
                    .bind(now_ms)
                    .bind(destination)
                    .bind(pool_id)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::backend)?;
                if dest.rows_affected() != 1 {
                    return Ok(false);
                }
                sqlx::query("UPDATE identity_logins SET identity_id = $1 WHERE identity_id = $2 AND pool_id = $3")
                    .bind(destination)
                    .bind(source)
                    .bind(pool_id)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::backend)?;
                let gone = sqlx::query("DELETE FROM identities WHERE identity_id = $1 AND pool_id = $2")
                    .bind(source)
                    .bind(pool_id)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::backend)?;
                if gone.rows_affected() != 1 {
                    return Ok(false);
                }
                tx.commit().await.map_err($crate::backend)?;
                Ok(true)
            }

            async fn logins_of_identity(&self, identity_id: &str, provider: &str, after: Option<&str>, limit: u32) -> Result<Vec<String>, tessera_core::store::StoreError> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT subject FROM identity_logins WHERE identity_id = $1 AND provider = $2 AND subject > $3 \
                     ORDER BY subject LIMIT $4",
                )
                .bind(identity_id)
                .bind(provider)
                .bind(after.unwrap_or(""))
                .bind(i64::from(limit))
                .fetch_all(self.w())
                .await
                .map_err($crate::backend)?;
                rows.iter().map(|r| r.try_get("subject").map_err($crate::backend)).collect()
            }

            async fn identity_signing_keys(&self) -> Result<Vec<tessera_identity::store::IdentityKeyRow>, tessera_core::store::StoreError> {
                use sqlx::Row;
                let rows = sqlx::query("SELECT * FROM identity_signing_keys ORDER BY created_ms, kid")
                    .fetch_all(self.w())
                    .await
                    .map_err($crate::backend)?;
                rows.iter()
                    .map(|r| {
                        Ok(tessera_identity::store::IdentityKeyRow {
                            kid: r.try_get("kid").map_err($crate::backend)?,
                            created_ms: r.try_get("created_ms").map_err($crate::backend)?,
                            private_sealed: r.try_get("private_sealed").map_err($crate::backend)?,
                            public_jwk: r.try_get("public_jwk").map_err($crate::backend)?,
                        })
                    })
                    .collect()
            }

            async fn insert_identity_signing_key(&self, k: &tessera_identity::store::IdentityKeyRow) -> Result<(), tessera_core::store::StoreError> {
                sqlx::query(
                    "INSERT INTO identity_signing_keys (kid, created_ms, private_sealed, public_jwk) VALUES ($1, $2, $3, $4)",
                )
                .bind(&k.kid)
                .bind(k.created_ms)
                .bind(&k.private_sealed)
                .bind(&k.public_jwk)
                .execute(self.w())
                .await
                .map_err($crate::backend)?;
                Ok(())
            }
        }
    };
}

pub(crate) use impl_identity_store;
