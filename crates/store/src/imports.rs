//! SQL for user import jobs' files and batched user inserts, shared by both backends
//! (instantiated by `impl_store!`). Table: migration 0010.

macro_rules! impl_import_store {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl tessera_core::store::ImportStore for $store {
            async fn put_import_file(&self, pool_id: &str, job_id: &str, content: &[u8]) -> Result<(), tessera_core::store::StoreError> {
                sqlx::query(
                    "INSERT INTO import_files (pool_id, job_id, content) VALUES ($1, $2, $3) \
                     ON CONFLICT (pool_id, job_id) DO UPDATE SET content = excluded.content",
                )
                .bind(pool_id)
                .bind(job_id)
                .bind(content)
                .execute(self.w())
                .await
                .map_err($crate::backend)?;
                Ok(())
            }

            async fn get_import_file(&self, pool_id: &str, job_id: &str) -> Result<Option<Vec<u8>>, tessera_core::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query("SELECT content FROM import_files WHERE pool_id = $1 AND job_id = $2")
                    .bind(pool_id)
                    .bind(job_id)
                    .fetch_optional(self.w())
                    .await
                    .map_err($crate::backend)?;
                row.map(|r| r.try_get("content").map_err($crate::backend)).transpose()
            }

            async fn delete_import_file(&self, pool_id: &str, job_id: &str) -> Result<(), tessera_core::store::StoreError> {
                sqlx::query("DELETE FROM import_files WHERE pool_id = $1 AND job_id = $2")
                    .bind(pool_id)
                    .bind(job_id)
                    .execute(self.w())
                    .await
                    .map_err($crate::backend)?;
                Ok(())
            }

            async fn bulk_loaded(&self) -> Result<(), tessera_core::store::StoreError> {
                self.refresh_statistics().await
            }

            fn bulk_work_in_process(&self) -> bool {
                Self::IN_PROCESS
            }

            async fn insert_users_if_absent(&self, users: &[tessera_core::store::UserRecord]) -> Result<Vec<bool>, tessera_core::store::StoreError> {
                use sqlx::Row;
                use $crate::users::attr;
                if users.is_empty() {
                    return Ok(Vec::new());
                }
                let mut q = sqlx::QueryBuilder::<$db>::new(format!(
                    "INSERT INTO users ({}) ",
                    $crate::users::USER_COLUMNS
                ));
                let mut docs = Vec::with_capacity(users.len());
                for u in users {
                    docs.push((doc(&u.attributes)?, doc(&u.extra)?));
                }
                q.push_values(users.iter().zip(docs), |mut b, (u, (attributes, extra))| {
                    b.push_bind(u.pool_id.clone())
                        .push_bind(u.sub.clone())
                        .push_bind(u.username.clone())
                        .push_bind(u.username_key.clone())
                        .push_bind(u.status.clone())
                        .push_bind(u.enabled)
                        .push_bind(attributes)
                        .push_bind(attr(u, "email"))
                        .push_bind(attr(u, "phone_number"))
                        .push_bind(attr(u, "name"))
                        .push_bind(attr(u, "given_name"))
                        .push_bind(attr(u, "family_name"))
                        .push_bind(attr(u, "preferred_username"))
                        .push_bind(u.alias_email.clone())
                        .push_bind(u.alias_phone.clone())
                        .push_bind(u.alias_preferred_username.clone())
                        .push_bind(u.password_hash.as_ref().map(|h| h.expose().clone()))
                        .push_bind(u.password_set_ms)
                        .push_bind(extra)
                        .push_bind(u.created_ms)
                        .push_bind(u.modified_ms)
                        .push_bind(u.version);
                });
                q.push(" ON CONFLICT DO NOTHING RETURNING sub");
                let rows = q
                    .build()
                    .fetch_all(self.w())
                    .await
                    .map_err($crate::backend)?;
                let mut inserted = std::collections::HashSet::with_capacity(rows.len());
                for r in &rows {
                    let sub: String = r.try_get("sub").map_err($crate::backend)?;
                    inserted.insert(sub);
                }
                Ok(users.iter().map(|u| inserted.contains(&u.sub)).collect())
            }
        }
    };
}

pub(crate) use impl_import_store;
