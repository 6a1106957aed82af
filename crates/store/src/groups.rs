//! SQL for groups and memberships, shared by both backends (instantiated by `impl_store!`).
//!
//! Tables (migration 0003): `user_pool_groups` keyed by `(pool_id, group_name)` and
//! `user_groups` (memberships) keyed by `(pool_id, group_name, sub)`, which cascade from
//! the group, the user and the pool.

macro_rules! impl_group_store {
    ($store:ty, $db:ty) => {
        fn group_from_row(row: &<$db as sqlx::Database>::Row) -> Result<tessera_core::store::GroupRecord, tessera_core::store::StoreError> {
            use sqlx::Row;
            Ok(tessera_core::store::GroupRecord {
                pool_id: row.try_get("pool_id").map_err($crate::backend)?,
                name: row.try_get("group_name").map_err($crate::backend)?,
                description: row.try_get("description").map_err($crate::backend)?,
                precedence: row.try_get("precedence").map_err($crate::backend)?,
                role_arn: row.try_get("role_arn").map_err($crate::backend)?,
                created_ms: row.try_get("created_ms").map_err($crate::backend)?,
                modified_ms: row.try_get("modified_ms").map_err($crate::backend)?,
                version: row.try_get("version").map_err($crate::backend)?,
            })
        }

        #[async_trait::async_trait]
        impl tessera_core::store::GroupStore for $store {
            async fn insert_group(&self, g: &tessera_core::store::GroupRecord) -> Result<(), tessera_core::store::StoreError> {
                sqlx::query(
                    "INSERT INTO user_pool_groups \
                     (pool_id, group_name, description, precedence, role_arn, created_ms, modified_ms, version) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&g.pool_id)
                .bind(&g.name)
                .bind(&g.description)
                .bind(g.precedence)
                .bind(&g.role_arn)
                .bind(g.created_ms)
                .bind(g.modified_ms)
                .bind(g.version)
                .execute(self.w())
                .await
                .map_err($crate::backend)?;
                Ok(())
            }

            async fn get_group(&self, pool_id: &str, name: &str) -> Result<Option<tessera_core::store::GroupRecord>, tessera_core::store::StoreError> {
                let row = sqlx::query("SELECT * FROM user_pool_groups WHERE pool_id = $1 AND group_name = $2")
                    .bind(pool_id)
                    .bind(name)
                    .fetch_optional(self.w())
                    .await
                    .map_err($crate::backend)?;
                row.as_ref().map(group_from_row).transpose()
            }

            async fn update_group(&self, g: &tessera_core::store::GroupRecord, expected_version: i64) -> Result<bool, tessera_core::store::StoreError> {
                let q = sqlx::query(
                    "UPDATE user_pool_groups SET description = $1, precedence = $2, role_arn = $3, \
                     modified_ms = $4, version = $5 WHERE pool_id = $6 AND group_name = $7 AND version = $8",
                )
                .bind(&g.description)
                .bind(g.precedence)
                .bind(&g.role_arn)
                .bind(g.modified_ms)
                .bind(g.version)
                .bind(&g.pool_id)
                .bind(&g.name)
                .bind(expected_version);
                changed_one(self.w(), q).await
            }

            async fn delete_group(&self, pool_id: &str, name: &str) -> Result<bool, tessera_core::store::StoreError> {
                // Memberships cascade (one statement, so one transaction).
                let q = sqlx::query("DELETE FROM user_pool_groups WHERE pool_id = $1 AND group_name = $2")
                    .bind(pool_id)
                    .bind(name);
                changed_one(self.w(), q).await
            }

            async fn list_groups(&self, pool_id: &str, after: Option<&str>, limit: u32) -> Result<Vec<tessera_core::store::GroupRecord>, tessera_core::store::StoreError> {
                // Group names are at least one character long, so '' sorts before them all.
                let rows = sqlx::query(
                    "SELECT * FROM user_pool_groups WHERE pool_id = $1 AND group_name > COALESCE($2, '') \
                     ORDER BY group_name LIMIT $3",
                )
                .bind(pool_id)
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(self.r())
                .await
                .map_err($crate::backend)?;
                rows.iter().map(group_from_row).collect()
            }

            async fn count_groups(&self, pool_id: &str) -> Result<u64, tessera_core::store::StoreError> {
                count_in_pool(self.w(), "SELECT COUNT(*) AS n FROM user_pool_groups WHERE pool_id = $1", pool_id).await
            }

            async fn add_member(&self, pool_id: &str, group: &str, sub: &str) -> Result<bool, tessera_core::store::StoreError> {
                let done = sqlx::query(
                    "INSERT INTO user_groups (pool_id, group_name, sub) \
                     SELECT g.pool_id, g.group_name, u.sub \
                     FROM user_pool_groups g JOIN users u ON u.pool_id = g.pool_id AND u.sub = $3 \
                     WHERE g.pool_id = $1 AND g.group_name = $2 \
                     ON CONFLICT (pool_id, group_name, sub) DO NOTHING",
                )
                .bind(pool_id)
                .bind(group)
                .bind(sub)
                .execute(self.w())
                .await;
                match done {
                    Ok(d) if d.rows_affected() == 1 => Ok(true),
                    // Nothing inserted: a member already, or the group or the user is missing.
                    Ok(_) => self.is_member(pool_id, group, sub).await,
                    // The group or the user went away between the SELECT and the INSERT.
                    Err(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => Ok(false),
                    Err(e) => Err($crate::backend(e)),
                }
            }

            async fn remove_member(&self, pool_id: &str, group: &str, sub: &str) -> Result<bool, tessera_core::store::StoreError> {
                let q = sqlx::query("DELETE FROM user_groups WHERE pool_id = $1 AND group_name = $2 AND sub = $3")
                    .bind(pool_id)
                    .bind(group)
                    .bind(sub);
                changed_one(self.w(), q).await
            }

            async fn page_groups_for_user(&self, pool_id: &str, sub: &str, after: Option<&str>, limit: u32) -> Result<Vec<tessera_core::store::GroupRecord>, tessera_core::store::StoreError> {
                let rows = sqlx::query(
                    "SELECT g.* FROM user_groups m JOIN user_pool_groups g \
                     ON g.pool_id = m.pool_id AND g.group_name = m.group_name \
                     WHERE m.pool_id = $1 AND m.sub = $2 AND m.group_name > COALESCE($3, '') \
                     ORDER BY m.group_name LIMIT $4",
                )
                .bind(pool_id)
                .bind(sub)
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(self.r())
                .await
                .map_err($crate::backend)?;
                rows.iter().map(group_from_row).collect()
            }

            async fn list_groups_for_user(&self, pool_id: &str, sub: &str) -> Result<Vec<tessera_core::store::GroupRecord>, tessera_core::store::StoreError> {
                // `precedence IS NULL` first so that groups without one come last on both
                // backends (SQLite sorts NULL first, PostgreSQL last).
                let rows = sqlx::query(
                    "SELECT g.* FROM user_groups m JOIN user_pool_groups g \
                     ON g.pool_id = m.pool_id AND g.group_name = m.group_name \
                     WHERE m.pool_id = $1 AND m.sub = $2 \
                     ORDER BY (g.precedence IS NULL), g.precedence, g.group_name",
                )
                .bind(pool_id)
                .bind(sub)
                .fetch_all(self.w())
                .await
                .map_err($crate::backend)?;
                rows.iter().map(group_from_row).collect()
            }

            async fn page_memberships(&self, pool_id: &str, after: Option<(&str, &str)>, limit: u32) -> Result<Vec<(String, String)>, tessera_core::store::StoreError> {
                use sqlx::Row;
                let (group, sub) = after.unwrap_or(("", ""));
                let rows = sqlx::query(
                    "SELECT group_name, sub FROM user_groups \
                     WHERE pool_id = $1 AND (group_name, sub) > ($2, $3) \
                     ORDER BY group_name, sub LIMIT $4",
                )
                .bind(pool_id)
                .bind(group)
                .bind(sub)
                .bind(i64::from(limit))
                .fetch_all(self.r())
                .await
                .map_err($crate::backend)?;
                rows.iter()
                    .map(|r| Ok((r.try_get("group_name").map_err($crate::backend)?, r.try_get("sub").map_err($crate::backend)?)))
                    .collect()
            }

            async fn list_users_in_group(&self, pool_id: &str, group: &str, after: Option<&str>, limit: u32) -> Result<Vec<tessera_core::store::UserRecord>, tessera_core::store::StoreError> {
                let rows = sqlx::query(
                    "SELECT u.* FROM user_groups m JOIN users u ON u.pool_id = m.pool_id AND u.sub = m.sub \
                     WHERE m.pool_id = $1 AND m.group_name = $2 AND u.username_key > COALESCE($3, '') \
                     ORDER BY u.username_key LIMIT $4",
                )
                .bind(pool_id)
                .bind(group)
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(self.r())
                .await
                .map_err($crate::backend)?;
                rows.iter().map(user_from_row).collect()
            }
        }

        impl $store {
            async fn is_member(&self, pool_id: &str, group: &str, sub: &str) -> Result<bool, tessera_core::store::StoreError> {
                let row = sqlx::query("SELECT 1 AS one FROM user_groups WHERE pool_id = $1 AND group_name = $2 AND sub = $3")
                    .bind(pool_id)
                    .bind(group)
                    .bind(sub)
                    .fetch_optional(self.w())
                    .await
                    .map_err($crate::backend)?;
                Ok(row.is_some())
            }
        }
    };
}

pub(crate) use impl_group_store;
