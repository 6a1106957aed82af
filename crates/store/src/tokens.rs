//! SQL for signing keys, refresh-token families, the revocation feed and the change feed,
//! shared by both backends (instantiated by `impl_store!`). Tables: migrations 0004, 0005.
//!
//! Each backend provides two inherent methods the shared code calls: `revocations_written`
//! (PostgreSQL: `NOTIFY` the other nodes) and `wait_signal` (PostgreSQL: `LISTEN`).

macro_rules! impl_token_store {
    ($store:ty, $db:ty) => {
        fn signing_key_from_row(row: &<$db as sqlx::Database>::Row) -> Result<tessera_core::store::SigningKeyRecord, tessera_core::store::StoreError> {
            use base64::Engine;
            use sqlx::Row;
            let sealed: String = row.try_get("private_sealed").map_err($crate::backend)?;
            Ok(tessera_core::store::SigningKeyRecord {
                pool_id: row.try_get("pool_id").map_err($crate::backend)?,
                kid: row.try_get("kid").map_err($crate::backend)?,
                created_ms: row.try_get("created_ms").map_err($crate::backend)?,
                private_sealed: base64::engine::general_purpose::STANDARD
                    .decode(sealed)
                    .map_err(|_| tessera_core::store::StoreError::Backend("corrupt signing key".into()))?,
                public_jwk: row.try_get("public_jwk").map_err($crate::backend)?,
                retire_after_ms: row.try_get("retire_after_ms").map_err($crate::backend)?,
            })
        }

        fn family_from_row(row: &<$db as sqlx::Database>::Row) -> Result<tessera_core::store::RefreshFamily, tessera_core::store::StoreError> {
            use sqlx::Row;
            Ok(tessera_core::store::RefreshFamily {
                origin_jti: row.try_get("origin_jti").map_err($crate::backend)?,
                pool_id: row.try_get("pool_id").map_err($crate::backend)?,
                sub: row.try_get("sub").map_err($crate::backend)?,
                client_id: row.try_get("client_id").map_err($crate::backend)?,
                auth_time: row.try_get("auth_time").map_err($crate::backend)?,
                created_ms: row.try_get("created_ms").map_err($crate::backend)?,
                expires_ms: row.try_get("expires_ms").map_err($crate::backend)?,
                revoked_ms: row.try_get("revoked_ms").map_err($crate::backend)?,
                generation: row.try_get("generation").map_err($crate::backend)?,
                previous_valid_until_ms: row.try_get("previous_valid_until_ms").map_err($crate::backend)?,
                scopes: row.try_get("scopes").map_err($crate::backend)?,
                device_key: row.try_get("device_key").map_err($crate::backend)?,
            })
        }

        #[async_trait::async_trait]
        impl tessera_core::store::TokenStore for $store {
            async fn insert_signing_key(&self, k: &tessera_core::store::SigningKeyRecord) -> Result<(), tessera_core::store::StoreError> {
                use base64::Engine;
                sqlx::query(
                    "INSERT INTO signing_keys (pool_id, kid, created_ms, private_sealed, public_jwk, retire_after_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&k.pool_id)
                .bind(&k.kid)
                .bind(k.created_ms)
                .bind(base64::engine::general_purpose::STANDARD.encode(&k.private_sealed))
                .bind(&k.public_jwk)
                .bind(k.retire_after_ms)
                .execute(self.w())
                .await
                .map_err($crate::backend)?;
                Ok(())
            }

            async fn list_signing_keys(&self, pool_id: &str, now_ms: i64) -> Result<Vec<tessera_core::store::SigningKeyRecord>, tessera_core::store::StoreError> {
                let rows = sqlx::query(
                    "SELECT * FROM signing_keys WHERE pool_id = $1 \
                     AND (retire_after_ms IS NULL OR retire_after_ms > $2) \
                     ORDER BY created_ms DESC, kid",
                )
                .bind(pool_id)
                .bind(now_ms)
                .fetch_all(self.w())
                .await
                .map_err($crate::backend)?;
                rows.iter().map(signing_key_from_row).collect()
            }

            async fn newest_signing_key(&self) -> Result<Option<tessera_core::store::SigningKeyRecord>, tessera_core::store::StoreError> {
                let row = sqlx::query("SELECT * FROM signing_keys ORDER BY created_ms DESC LIMIT 1")
                    .fetch_optional(self.w())
                    .await
                    .map_err($crate::backend)?;
                row.as_ref().map(signing_key_from_row).transpose()
            }

            async fn retire_signing_keys(&self, pool_id: &str, keep_kid: &str, retire_after_ms: i64) -> Result<u64, tessera_core::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE signing_keys SET retire_after_ms = $1 \
                     WHERE pool_id = $2 AND kid <> $3 AND retire_after_ms IS NULL",
                )
                .bind(retire_after_ms)
                .bind(pool_id)
                .bind(keep_kid)
                .execute(self.w())
                .await
                .map_err($crate::backend)?;
                Ok(done.rows_affected())
            }

            async fn list_pool_ids(&self) -> Result<Vec<String>, tessera_core::store::StoreError> {
                use sqlx::Row;
                let rows = sqlx::query("SELECT id FROM user_pools ORDER BY id")
                    .fetch_all(self.r())
                    .await
                    .map_err($crate::backend)?;
                rows.iter()
                    .map(|r| r.try_get("id").map_err($crate::backend))
                    .collect()
            }

            async fn insert_family(&self, f: &tessera_core::store::RefreshFamily) -> Result<(), tessera_core::store::StoreError> {
                sqlx::query(
                    "INSERT INTO token_families (pool_id, origin_jti, sub, client_id, auth_time, created_ms, \
                     expires_ms, revoked_ms, generation, previous_valid_until_ms, scopes, device_key) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(&f.pool_id)
                .bind(&f.origin_jti)
                .bind(&f.sub)
                .bind(&f.client_id)
                .bind(f.auth_time)
                .bind(f.created_ms)
                .bind(f.expires_ms)
                .bind(f.revoked_ms)
                .bind(f.generation)
                .bind(f.previous_valid_until_ms)
                .bind(&f.scopes)
                .bind(&f.device_key)
                .execute(self.w())
                .await
                .map_err($crate::backend)?;
                Ok(())
            }

            async fn get_family(&self, pool_id: &str, origin_jti: &str) -> Result<Option<tessera_core::store::RefreshFamily>, tessera_core::store::StoreError> {
                let row = sqlx::query("SELECT * FROM token_families WHERE pool_id = $1 AND origin_jti = $2")
                    .bind(pool_id)
                    .bind(origin_jti)
                    .fetch_optional(self.w())
                    .await
                    .map_err($crate::backend)?;
                row.as_ref().map(family_from_row).transpose()
            }

            async fn list_user_families(&self, pool_id: &str, sub: &str, now_ms: i64, limit: i64) -> Result<Vec<tessera_core::store::RefreshFamily>, tessera_core::store::StoreError> {
                let rows = sqlx::query(
                    "SELECT * FROM token_families WHERE pool_id = $1 AND sub = $2 AND expires_ms > $3 \
                     ORDER BY created_ms DESC, origin_jti LIMIT $4",
                )
                .bind(pool_id)
                .bind(sub)
                .bind(now_ms)
                .bind(limit)
                .fetch_all(self.w())
                .await
                .map_err($crate::backend)?;
                rows.iter().map(family_from_row).collect()
            }

            async fn rotate_family(&self, pool_id: &str, origin_jti: &str, from_generation: i64, previous_valid_until_ms: i64) -> Result<bool, tessera_core::store::StoreError> {
                changed_one(
                    self.w(),
                    sqlx::query(
                        "UPDATE token_families SET generation = generation + 1, previous_valid_until_ms = $1 \
                         WHERE pool_id = $2 AND origin_jti = $3 AND generation = $4 AND revoked_ms IS NULL",
                    )
                    .bind(previous_valid_until_ms)
                    .bind(pool_id)
                    .bind(origin_jti)
                    .bind(from_generation),
                )
                .await
            }

            async fn revoke_family(&self, pool_id: &str, origin_jti: &str, until_ms: i64, now_ms: i64) -> Result<bool, tessera_core::store::StoreError> {
                let mut tx = self.w().begin().await.map_err($crate::backend)?;
                let done = sqlx::query(
                    "UPDATE token_families SET revoked_ms = $1 \
                     WHERE pool_id = $2 AND origin_jti = $3 AND revoked_ms IS NULL",
                )
                .bind(now_ms)
                .bind(pool_id)
                .bind(origin_jti)
                .execute(&mut *tx)
                .await
                .map_err($crate::backend)?;
                if done.rows_affected() == 1 {
                    sqlx::query("INSERT INTO token_revocations (pool_id, origin_jti, until_ms, created_ms) VALUES ($1, $2, $3, $4)")
                        .bind(pool_id)
                        .bind(origin_jti)
                        .bind(until_ms)
                        .bind(now_ms)
                        .execute(&mut *tx)
                        .await
                        .map_err($crate::backend)?;
                }
                tx.commit().await.map_err($crate::backend)?;
                if done.rows_affected() == 1 {
                    self.revocations_written().await;
                }
                Ok(done.rows_affected() == 1)
            }

            async fn revoke_user_families(&self, pool_id: &str, sub: &str, until_ms: i64, now_ms: i64) -> Result<Vec<String>, tessera_core::store::StoreError> {
                use sqlx::Row;
                let mut tx = self.w().begin().await.map_err($crate::backend)?;
                let rows = sqlx::query(
                    "UPDATE token_families SET revoked_ms = $1 \
                     WHERE pool_id = $2 AND sub = $3 AND revoked_ms IS NULL RETURNING origin_jti",
                )
                .bind(now_ms)
                .bind(pool_id)
                .bind(sub)
                .fetch_all(&mut *tx)
                .await
                .map_err($crate::backend)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    let jti: String = r.try_get("origin_jti").map_err($crate::backend)?;
                    sqlx::query("INSERT INTO token_revocations (pool_id, origin_jti, until_ms, created_ms) VALUES ($1, $2, $3, $4)")
                        .bind(pool_id)
                        .bind(&jti)
                        .bind(until_ms)
                        .bind(now_ms)
                        .execute(&mut *tx)
                        .await
                        .map_err($crate::backend)?;
                    out.push(jti);
                }
                tx.commit().await.map_err($crate::backend)?;
                if !out.is_empty() {
                    self.revocations_written().await;
                }
                Ok(out)
            }

            async fn revocations_since(&self, since_ms: i64, now_ms: i64) -> Result<Vec<tessera_core::store::Revocation>, tessera_core::store::StoreError> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT origin_jti, until_ms, created_ms FROM token_revocations \
                     WHERE created_ms >= $1 AND until_ms > $2",
                )
                .bind(since_ms)
                .bind(now_ms)
                .fetch_all(self.r())
                .await
                .map_err($crate::backend)?;
                rows.iter()
                    .map(|r| {
                        Ok(tessera_core::store::Revocation {
                            origin_jti: r.try_get("origin_jti").map_err($crate::backend)?,
                            until_ms: r.try_get("until_ms").map_err($crate::backend)?,
                            created_ms: r.try_get("created_ms").map_err($crate::backend)?,
                        })
                    })
                    .collect()
            }

            async fn get_sign_in_failures(&self, pool_id: &str, key: &str) -> Result<Option<(i64, i64)>, tessera_core::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query("SELECT failures, last_ms FROM sign_in_failures WHERE pool_id = $1 AND lock_key = $2")
                    .bind(pool_id)
                    .bind(key)
                    .fetch_optional(self.w())
                    .await
                    .map_err($crate::backend)?;
                row.map(|r| Ok((r.try_get("failures").map_err($crate::backend)?, r.try_get("last_ms").map_err($crate::backend)?)))
                    .transpose()
            }

            async fn reserve_sign_in_attempt(&self, pool_id: &str, key: &str, now_ms: i64, rule: &tessera_core::store::LockoutRule) -> Result<Option<i64>, tessera_core::store::StoreError> {
                use sqlx::Row;
                // One conditional upsert: the row's lock is taken by the conflict, and the
                // WHERE sees the latest count, so parallel attempts are counted one by one
                // and those that arrive once the key is locked change nothing. The lockout
                // is LockoutRule::lockout_ms in SQL (a conformance test holds them equal).
                let row = sqlx::query(
                    "INSERT INTO sign_in_failures (pool_id, lock_key, failures, last_ms) VALUES ($1, $2, 1, $3) \
                     ON CONFLICT (pool_id, lock_key) DO UPDATE SET \
                     failures = CASE WHEN sign_in_failures.last_ms < $4 THEN 1 ELSE sign_in_failures.failures + 1 END, \
                     last_ms = $3 \
                     WHERE sign_in_failures.last_ms < $4 \
                        OR sign_in_failures.failures < $5 \
                        OR sign_in_failures.last_ms + CASE WHEN sign_in_failures.failures - $5 >= $6 THEN $7 \
                           ELSE CAST($8 AS BIGINT) << CAST(sign_in_failures.failures - $5 AS INTEGER) END <= $3 \
                     RETURNING failures",
                )
                .bind(pool_id)
                .bind(key)
                .bind(now_ms)
                .bind(now_ms - rule.reset_after_ms)
                .bind(rule.free_attempts)
                .bind(rule.cap_doublings())
                .bind(rule.max_ms)
                .bind(rule.first_ms)
                .fetch_optional(self.w())
                .await
                .map_err($crate::backend)?;
                row.map(|r| r.try_get("failures").map_err($crate::backend)).transpose()
            }

            async fn clear_sign_in_failures(&self, pool_id: &str, key: &str) -> Result<(), tessera_core::store::StoreError> {
                sqlx::query("DELETE FROM sign_in_failures WHERE pool_id = $1 AND lock_key = $2")
                    .bind(pool_id)
                    .bind(key)
                    .execute(self.w())
                    .await
                    .map_err($crate::backend)?;
                Ok(())
            }

            async fn insert_console_session(&self, id: &str, who: &str, expires_ms: i64) -> Result<(), tessera_core::store::StoreError> {
                sqlx::query("INSERT INTO console_sessions (id, who, expires_ms) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(who)
                    .bind(expires_ms)
                    .execute(self.w())
                    .await
                    .map_err($crate::backend)?;
                Ok(())
            }

            async fn console_session_live(&self, id: &str, now_ms: i64) -> Result<bool, tessera_core::store::StoreError> {
                let row = sqlx::query("SELECT 1 FROM console_sessions WHERE id = $1 AND expires_ms > $2")
                    .bind(id)
                    .bind(now_ms)
                    .fetch_optional(self.w())
                    .await
                    .map_err($crate::backend)?;
                Ok(row.is_some())
            }

            async fn delete_console_session(&self, id: &str) -> Result<(), tessera_core::store::StoreError> {
                sqlx::query("DELETE FROM console_sessions WHERE id = $1")
                    .bind(id)
                    .execute(self.w())
                    .await
                    .map_err($crate::backend)?;
                Ok(())
            }

            async fn record_change(&self, c: &tessera_core::store::RecordChange) -> Result<(), tessera_core::store::StoreError> {
                sqlx::query(
                    "INSERT INTO record_changes (kind, pool_id, record_id, created_ms) VALUES ($1, $2, $3, $4)",
                )
                .bind(c.kind.as_str())
                .bind(&c.pool_id)
                .bind(&c.id)
                .bind(c.created_ms)
                .execute(self.w())
                .await
                .map_err($crate::backend)?;
                self.revocations_written().await;
                Ok(())
            }

            async fn changes_since(&self, since_ms: i64) -> Result<Vec<tessera_core::store::RecordChange>, tessera_core::store::StoreError> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT kind, pool_id, record_id, created_ms FROM record_changes WHERE created_ms >= $1",
                )
                .bind(since_ms)
                .fetch_all(self.r())
                .await
                .map_err($crate::backend)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    let kind: String = r.try_get("kind").map_err($crate::backend)?;
                    // An unknown kind comes from a newer node: treat it as the whole pool.
                    out.push(tessera_core::store::RecordChange {
                        kind: tessera_core::store::ChangeKind::parse(&kind)
                            .unwrap_or(tessera_core::store::ChangeKind::Pool),
                        pool_id: r.try_get("pool_id").map_err($crate::backend)?,
                        id: r.try_get("record_id").map_err($crate::backend)?,
                        created_ms: r.try_get("created_ms").map_err($crate::backend)?,
                    });
                }
                Ok(out)
            }

            async fn purge_expired(&self, now_ms: i64) -> Result<(), tessera_core::store::StoreError> {
                // Failures older than a day neither lock out nor count any more.
                sqlx::query("DELETE FROM sign_in_failures WHERE last_ms < $1")
                    .bind(now_ms - 86_400_000)
                    .execute(self.w())
                    .await
                    .map_err($crate::backend)?;
                sqlx::query("DELETE FROM record_changes WHERE created_ms < $1")
                    .bind(now_ms - tessera_core::store::CHANGE_RETENTION_MS)
                    .execute(self.w())
                    .await
                    .map_err($crate::backend)?;
                sqlx::query("DELETE FROM token_revocations WHERE until_ms <= $1")
                    .bind(now_ms)
                    .execute(self.w())
                    .await
                    .map_err($crate::backend)?;
                // A family can go once its refresh token has expired and, if it was revoked,
                // its revocation no longer matters either.
                sqlx::query("DELETE FROM oauth_codes WHERE expires_ms <= $1")
                    .bind(now_ms)
                    .execute(self.w())
                    .await
                    .map_err($crate::backend)?;
                sqlx::query("DELETE FROM token_families WHERE expires_ms <= $1")
                    .bind(now_ms - 2 * 86_400_000)
                    .execute(self.w())
                    .await
                    .map_err($crate::backend)?;
                sqlx::query("DELETE FROM console_sessions WHERE expires_ms <= $1")
                    .bind(now_ms)
                    .execute(self.w())
                    .await
                    .map_err($crate::backend)?;
                Ok(())
            }

            async fn wait_for_revocations(&self, max: std::time::Duration) {
                self.wait_signal(max).await;
            }
        }
    };
}

pub(crate) use impl_token_store;
