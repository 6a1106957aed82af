//! Pools, app clients, users and group claims read on the sign-in and token hot paths,
//! kept in memory so that `GetUser` or a refresh does not cost a query per record.
//!
//! Correctness rules (docs/adr/0008-record-cache.md):
//! - Only reads that do not write the record back use the cache; read-modify-write paths
//!   read the store, so optimistic concurrency never sees a cached version.
//! - Every write through core calls `Tessera::changed`, which drops the entry here at once
//!   and appends the change to the store's change feed; the other nodes read the feed with
//!   the revocation feed (woken by PostgreSQL `NOTIFY`) and drop their entries too.
//! - A read that raced with a write is not cached: each invalidation bumps an epoch, and an
//!   entry loaded before the bump is thrown away instead of stored.
//! - When the feed cannot be read, every cache is cleared (and stays cold until it can).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use crate::groups::GroupClaims;
use crate::store::{ChangeKind, ClientRecord, PoolRecord, RecordChange, RefreshFamily, UserRecord};
use crate::{CoreError, Tessera};

/// A bounded map; when full it drops what `put_evicting` says may go, or else starts over
/// (the hot set refills it within a moment).
pub(crate) struct Bounded<K, V> {
    map: RwLock<HashMap<K, Arc<V>>>,
    capacity: usize,
}

impl<K: Eq + Hash, V> Bounded<K, V> {
    pub(crate) fn new(capacity: usize) -> Self {
        Bounded {
            map: RwLock::new(HashMap::new()),
            capacity,
        }
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<K, Arc<V>>> {
        crate::lock::write(&self.map)
    }

    pub(crate) fn get<Q>(&self, key: &Q) -> Option<Arc<V>>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        crate::lock::read(&self.map).get(key).cloned()
    }

    fn put(&self, key: K, value: Arc<V>) {
        self.put_evicting(key, value, |_, _| false);
    }

    /// Inserts; when the map is full, first drops the entries `keep` refuses, and if that
    /// does not make room, everything.
    pub(crate) fn put_evicting(
        &self,
        key: K,
        value: Arc<V>,
        keep: impl FnMut(&K, &mut Arc<V>) -> bool,
    ) {
        let mut g = self.write();
        if g.len() >= self.capacity {
            g.retain(keep);
            if g.len() >= self.capacity {
                g.clear();
            }
        }
        g.insert(key, value);
    }

    pub(crate) fn len(&self) -> usize {
        crate::lock::read(&self.map).len()
    }

    fn remove<Q>(&self, key: &Q)
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.write().remove(key);
    }

    fn retain(&self, keep: impl FnMut(&K, &mut Arc<V>) -> bool) {
        self.write().retain(keep);
    }

    fn clear(&self) {
        self.write().clear();
    }
}

/// The records this node holds in memory.
pub struct RecordCache {
    epoch: AtomicU64,
    pools: Bounded<String, PoolRecord>,
    clients: Bounded<String, ClientRecord>,
    /// Users by (pool id, sub).
    users: Bounded<(String, String), UserRecord>,
    /// Group claims by (pool id, sub).
    groups: Bounded<(String, String), GroupClaims>,
    /// Refresh-token families of clients without rotation, by `origin_jti`. Such a family
    /// only ever changes by being revoked, and every revocation this node learns of (its
    /// own or through the feed) drops the entry.
    families: Bounded<String, RefreshFamily>,
    /// Each pool's secondary Region (`None`: it has none), by pool id.
    replicas: Bounded<String, Option<crate::replicas::Replica>>,
}

impl Default for RecordCache {
    fn default() -> Self {
        RecordCache {
            epoch: AtomicU64::new(0),
            pools: Bounded::new(10_000),
            clients: Bounded::new(10_000),
            users: Bounded::new(100_000),
            groups: Bounded::new(100_000),
            families: Bounded::new(100_000),
            replicas: Bounded::new(10_000),
        }
    }
}

impl RecordCache {
    fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// Drops whatever a change may have made stale.
    pub(crate) fn invalidate(&self, kind: ChangeKind, pool_id: &str, id: &str) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        match kind {
            ChangeKind::Pool => {
                self.pools.remove(pool_id);
                self.replicas.remove(pool_id);
                self.clients.retain(|_, c| c.pool_id != pool_id);
                self.users.retain(|(p, _), _| p != pool_id);
                self.groups.retain(|(p, _), _| p != pool_id);
                self.families.retain(|_, f| f.pool_id != pool_id);
            }
            ChangeKind::Client => {
                // The client may have turned refresh-token rotation on (or off).
                self.clients.remove(id);
                self.families.retain(|_, f| f.client_id != id);
            }
            ChangeKind::User => {
                let key = (pool_id.to_string(), id.to_string());
                self.users.remove(&key);
                self.groups.remove(&key);
            }
            ChangeKind::Groups => self.groups.retain(|(p, _), _| p != pool_id),
        }
    }

    /// Drops a family that was just revoked.
    pub(crate) fn forget_family(&self, origin_jti: &str) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.families.remove(origin_jti);
    }

    /// Forgets everything (the feed could not be read, or the store was reset).
    pub(crate) fn clear(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.pools.clear();
        self.clients.clear();
        self.users.clear();
        self.groups.clear();
        self.families.clear();
        self.replicas.clear();
    }
}

/// Loads through `bounded`: a hit, or a store read cached unless a change came meanwhile.
async fn through<K, V, F>(
    cache: &RecordCache,
    map: &Bounded<K, V>,
    key: K,
    load: F,
) -> Result<Option<Arc<V>>, CoreError>
where
    K: Eq + Hash,
    F: std::future::Future<Output = Result<Option<V>, CoreError>>,
{
    if let Some(v) = map.get(&key) {
        return Ok(Some(v));
    }
    let before = cache.epoch();
    let Some(v) = load.await? else {
        return Ok(None);
    };
    let v = Arc::new(v);
    if cache.epoch() == before {
        map.put(key, v.clone());
    }
    Ok(Some(v))
}

impl Tessera {
    /// A pool as this site sees it (a secondary's own settings applied, `seen_here`), for
    /// reading only. The replica document's writes record a pool change, so the entry goes
    /// with either.
    pub(crate) async fn cached_pool(
        &self,
        pool_id: &str,
    ) -> Result<Option<Arc<PoolRecord>>, CoreError> {
        if let Some(p) = self.cache.pools.get(pool_id) {
            return Ok(Some(p));
        }
        let load = async {
            match self.store.get_pool(pool_id).await? {
                Some(rec) => Ok(Some(self.seen_here(rec).await?)),
                None => Ok(None),
            }
        };
        through(&self.cache, &self.cache.pools, pool_id.to_string(), load).await
    }

    /// A pool's replica record, through `load` on a miss.
    pub(crate) async fn cached_replica(
        &self,
        pool_id: &str,
        load: impl std::future::Future<
            Output = Result<Option<Option<crate::replicas::Replica>>, CoreError>,
        >,
    ) -> Result<Option<Arc<Option<crate::replicas::Replica>>>, CoreError> {
        through(&self.cache, &self.cache.replicas, pool_id.to_string(), load).await
    }

    /// An app client, for reading only.
    pub(crate) async fn cached_client(
        &self,
        client_id: &str,
    ) -> Result<Option<Arc<ClientRecord>>, CoreError> {
        if let Some(c) = self.cache.clients.get(client_id) {
            return Ok(Some(c));
        }
        let load = self.read_client(client_id);
        through(
            &self.cache,
            &self.cache.clients,
            client_id.to_string(),
            load,
        )
        .await
    }

    /// A user by `sub`, for reading only.
    pub(crate) async fn cached_user(
        &self,
        pool_id: &str,
        sub: &str,
    ) -> Result<Option<Arc<UserRecord>>, CoreError> {
        let key = (pool_id.to_string(), sub.to_string());
        let load = async { Ok(self.store.get_user_by_sub(pool_id, sub).await?) };
        through(&self.cache, &self.cache.users, key, load).await
    }

    /// A refresh-token family of a client that does not rotate refresh tokens (rotation
    /// changes the family at every refresh: those are read from the store).
    pub(crate) async fn cached_family(
        &self,
        pool_id: &str,
        origin_jti: &str,
    ) -> Result<Option<Arc<RefreshFamily>>, CoreError> {
        if let Some(f) = self.cache.families.get(origin_jti) {
            return Ok((f.pool_id == pool_id).then_some(f));
        }
        let load = async { Ok(self.store.get_family(pool_id, origin_jti).await?) };
        through(
            &self.cache,
            &self.cache.families,
            origin_jti.to_string(),
            load,
        )
        .await
    }

    /// The group claims of a user's tokens.
    pub(crate) async fn cached_group_claims(
        &self,
        pool: &PoolRecord,
        sub: &str,
    ) -> Result<Arc<GroupClaims>, CoreError> {
        let key = (pool.id.clone(), sub.to_string());
        let load = async { self.group_claims_for(pool, sub).await.map(Some) };
        Ok(through(&self.cache, &self.cache.groups, key, load)
            .await?
            .unwrap_or_default())
    }

    /// Records that a pool, client, user or a pool's groups changed (call it after the
    /// write): this node forgets the stale entries now, the others when they read the feed.
    /// Reads that began before the write cannot cache what they read (the epoch moved).
    pub(crate) async fn changed(
        &self,
        kind: ChangeKind,
        pool_id: &str,
        id: &str,
    ) -> Result<(), CoreError> {
        self.cache.invalidate(kind, pool_id, id);
        let change = RecordChange {
            kind,
            pool_id: pool_id.to_string(),
            id: id.to_string(),
            created_ms: self.clock.now_millis(),
        };
        Ok(self.store.record_change(&change).await?)
    }
}
