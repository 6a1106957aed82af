//! Which sign-ins have been revoked, known to every node without a query per request.
//!
//! Revoking (RevokeToken, GlobalSignOut, AdminUserGlobalSignOut, disabling or deleting a
//! user) marks refresh-token families revoked in the store and appends them to a feed in
//! the same transaction. Each node keeps the revoked `origin_jti`s in memory: its own
//! revocations at once, other nodes' by reading the feed in the background (woken by
//! PostgreSQL `NOTIFY`, and at least every `POLL`). Entries are dropped once every token
//! of the family has expired.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use crate::{CoreError, Tessera};

/// The longest an access or ID token can live (1 day), plus slack for clock skew.
pub const TOKEN_MAX_LIFETIME_MS: i64 = 24 * 3_600_000 + 300_000;
/// How often a node reads the feed when nothing wakes it.
pub const POLL: Duration = Duration::from_millis(1_000);
/// How far back each read looks again, so rows that committed late (PostgreSQL assigns
/// times before commit) are not missed.
const OVERLAP_MS: i64 = 10_000;

/// The revoked families this node knows of (also what `tessera gate` keeps of the feed).
#[derive(Default)]
pub struct RevocationSet {
    revoked: RwLock<HashMap<String, i64>>,
    /// Feed rows written at or after this instant have not been read yet.
    read_up_to_ms: AtomicI64,
}

impl RevocationSet {
    pub fn is_revoked(&self, origin_jti: &str) -> bool {
        crate::lock::read(&self.revoked).contains_key(origin_jti)
    }

    /// Adds a revoked family; it stays until `until_ms`, when its tokens have all expired.
    pub fn insert(&self, origin_jti: String, until_ms: i64) {
        let mut g = crate::lock::write(&self.revoked);
        g.insert(origin_jti, until_ms);
    }

    /// Drops the families whose tokens have all expired by `now_ms`.
    pub fn forget_expired(&self, now_ms: i64) {
        let mut g = crate::lock::write(&self.revoked);
        g.retain(|_, until| *until > now_ms);
    }

    /// When the feed was last read successfully (0: never).
    pub fn read_up_to_ms(&self) -> i64 {
        self.read_up_to_ms.load(Ordering::SeqCst)
    }

    pub fn len(&self) -> usize {
        crate::lock::read(&self.revoked).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Tessera {
    /// Reads revocations and record changes written since the last read (by any node):
    /// revoked families into memory, changed records out of the record cache. If the
    /// change feed cannot be read, the record cache is cleared (it may have missed one).
    pub async fn sync_revocations(&self) -> Result<usize, CoreError> {
        let now = self.clock.now_millis();
        let since = self.revocations.read_up_to_ms.load(Ordering::SeqCst);
        let from = since.saturating_sub(OVERLAP_MS);
        if since > 0 && now - since > crate::store::CHANGE_RETENTION_MS - OVERLAP_MS {
            self.cache.clear();
        }
        let read = async {
            let changes = self.store.changes_since(from).await?;
            let rows = self.store.revocations_since(from, now).await?;
            Ok::<_, crate::store::StoreError>((changes, rows))
        };
        let (changes, rows) = match read.await {
            Ok(r) => r,
            Err(e) => {
                self.cache.clear();
                return Err(e.into());
            }
        };
        for c in changes {
            if matches!(c.kind, crate::store::ChangeKind::Pool) {
                // The pool's signing keys may have been rotated (`tessera keys rotate`).
                self.keys.forget(&c.pool_id);
            }
            self.cache.invalidate(c.kind, &c.pool_id, &c.id);
        }
        let n = rows.len();
        for r in rows {
            self.cache.forget_family(&r.origin_jti);
            self.revocations.insert(r.origin_jti, r.until_ms);
        }
        self.revocations.read_up_to_ms.store(now, Ordering::SeqCst);
        self.revocations.forget_expired(now);
        Ok(n)
    }

    /// Keeps this node's revocation set current until the process ends. Also purges
    /// expired families and feed rows now and then.
    pub async fn run_revocation_sync(self: std::sync::Arc<Self>) {
        let mut rounds: u64 = 0;
        loop {
            if let Err(e) = self.sync_revocations().await {
                tracing::warn!(error = %e, "reading the revocation feed failed");
            }
            if rounds.is_multiple_of(600)
                && let Err(e) = self.store.purge_expired(self.clock.now_millis()).await
            {
                tracing::warn!(error = %e, "purging expired token families failed");
            }
            rounds += 1;
            self.store.wait_for_revocations(POLL).await;
        }
    }

    /// The revocations written at or after `since_ms` that still matter, with the time of
    /// the read (for gateways that keep their own revocation set).
    pub async fn revocation_feed(
        &self,
        since_ms: i64,
    ) -> Result<(i64, Vec<crate::store::Revocation>), CoreError> {
        let now = self.clock.now_millis();
        Ok((now, self.store.revocations_since(since_ms, now).await?))
    }

    /// Revokes one sign-in (its refresh token and every access and ID token it issued).
    pub(crate) async fn revoke_family(
        &self,
        pool_id: &str,
        origin_jti: &str,
    ) -> Result<(), CoreError> {
        let now = self.clock.now_millis();
        let until = now + TOKEN_MAX_LIFETIME_MS;
        self.store
            .revoke_family(pool_id, origin_jti, until, now)
            .await?;
        self.cache.forget_family(origin_jti);
        self.revocations.insert(origin_jti.to_string(), until);
        Ok(())
    }

    /// Revokes every sign-in of a user (global sign-out, disable, delete).
    pub(crate) async fn revoke_user(&self, pool_id: &str, sub: &str) -> Result<(), CoreError> {
        let now = self.clock.now_millis();
        let until = now + TOKEN_MAX_LIFETIME_MS;
        for jti in self
            .store
            .revoke_user_families(pool_id, sub, until, now)
            .await?
        {
            self.cache.forget_family(&jti);
            self.revocations.insert(jti, until);
        }
        Ok(())
    }
}
