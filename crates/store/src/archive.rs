//! The identity pools in a full export (`tessera export`, docs/export-format.md): their
//! records written and read here, where both the user pools' store and the identity pools'
//! are visible. `tessera-core` writes the archive, must not depend on `tessera-identity`, and
//! so knows these records only as JSON with a `kind` (its `ArchiveExtra` port). Of
//! `tessera-identity` only the store port and the pool document are used: nothing of an
//! identity pool is sealed with the server key or derived, so the rows are the whole state.
//!
//! Not exported: the identity issuer's signing keys (an installation's own; OpenID tokens of
//! the old installation expire within minutes, and the new one publishes its own JWKS).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tessera_core::store::{ArchiveRefusal, StoreError};
use tessera_identity::PoolDoc;
use tessera_identity::store::{IdentityPoolRow, IdentityRow, IdentityStore, Login};

const PAGE: u32 = 500;
const KINDS: &[&str] = &["identity_pool", "identity"];

/// One record (a JSON line of the archive's payload).
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Record {
    /// `doc`: the pool as DescribeIdentityPool returns it (`pool`), its roles
    /// (SetIdentityPoolRoles: `roles`, `role_mappings`) and principal-tag maps.
    IdentityPool {
        id: String,
        name: String,
        region: String,
        created_ms: i64,
        modified_ms: i64,
        doc: Box<PoolDoc>,
    },
    Identity {
        pool_id: String,
        identity_id: String,
        created_ms: i64,
        modified_ms: i64,
        logins: Vec<LoginRecord>,
    },
}

#[derive(Debug, Serialize, Deserialize)]
struct LoginRecord {
    provider: String,
    subject: String,
}

fn to_value(r: &Record) -> Result<Value, StoreError> {
    serde_json::to_value(r).map_err(|e| StoreError::Backend(e.to_string()))
}

fn parse(records: &[Value]) -> Result<Vec<Record>, ArchiveRefusal> {
    records
        .iter()
        .map(|v| serde_json::from_value(v.clone()))
        .collect::<Result<_, _>>()
        .map_err(|e| ArchiveRefusal::Unreadable(e.to_string()))
}

async fn export_pool(
    store: &dyn IdentityStore,
    p: IdentityPoolRow,
    out: &mut Vec<Value>,
) -> Result<(), StoreError> {
    let doc: PoolDoc =
        serde_json::from_str(&p.doc).map_err(|e| StoreError::Backend(e.to_string()))?;
    out.push(to_value(&Record::IdentityPool {
        id: p.id.clone(),
        name: p.name,
        region: p.region,
        created_ms: p.created_ms,
        modified_ms: p.modified_ms,
        doc: Box::new(doc),
    })?);
    let mut after: Option<String> = None;
    loop {
        let page = store.list_identities(&p.id, after.as_deref(), PAGE).await?;
        for i in &page {
            out.push(to_value(&Record::Identity {
                pool_id: p.id.clone(),
                identity_id: i.identity_id.clone(),
                created_ms: i.created_ms,
                modified_ms: i.modified_ms,
                logins: i
                    .logins
                    .iter()
                    .map(|l| LoginRecord {
                        provider: l.provider.clone(),
                        subject: l.subject.clone(),
                    })
                    .collect(),
            })?);
        }
        match page.last() {
            Some(last) if page.len() == PAGE as usize => after = Some(last.identity_id.clone()),
            _ => break,
        }
    }
    Ok(())
}

pub(crate) async fn export_records(
    store: &dyn IdentityStore,
    pool_id: Option<&str>,
) -> Result<Vec<Value>, StoreError> {
    let mut out = Vec::new();
    match pool_id {
        Some(id) => {
            if let Some(p) = store.get_identity_pool(id).await? {
                export_pool(store, p, &mut out).await?;
            }
        }
        None => {
            let mut after: Option<String> = None;
            loop {
                let page = store.list_identity_pools(after.as_deref(), 100).await?;
                let next = match page.last() {
                    Some(last) if page.len() == 100 => Some(last.id.clone()),
                    _ => None,
                };
                for p in page {
                    export_pool(store, p, &mut out).await?;
                }
                match next {
                    Some(n) => after = Some(n),
                    None => break,
                }
            }
        }
    }
    Ok(out)
}

/// The archive's identity pools; refuses a record of a pool it does not hold, a pool
/// document that names another pool, and (as the user pools) a pool that exists here.
pub(crate) async fn check_records(
    store: &dyn IdentityStore,
    records: &[Value],
) -> Result<Vec<String>, ArchiveRefusal> {
    let records = parse(records)?;
    let mut pools = BTreeSet::new();
    for r in &records {
        if let Record::IdentityPool { id, doc, .. } = r {
            if doc.pool.identity_pool_id != *id {
                return Err(ArchiveRefusal::Unreadable(format!(
                    "identity pool {id} describes pool {}",
                    doc.pool.identity_pool_id
                )));
            }
            pools.insert(id.clone());
        }
    }
    for r in &records {
        if let Record::Identity { pool_id, .. } = r
            && !pools.contains(pool_id)
        {
            return Err(ArchiveRefusal::Unreadable(format!(
                "a record of identity pool {pool_id}, which the archive does not hold"
            )));
        }
    }
    for id in &pools {
        if store.get_identity_pool(id).await?.is_some() {
            return Err(ArchiveRefusal::Exists(format!(
                "Identity pool {id} exists in this installation already: restore into another database, or delete it first."
            )));
        }
    }
    Ok(pools.into_iter().collect())
}

pub(crate) async fn restore_records(
    store: &dyn IdentityStore,
    records: &[Value],
) -> Result<Vec<(&'static str, u64)>, ArchiveRefusal> {
    let (mut pools, mut identities) = (0u64, 0u64);
    for r in parse(records)? {
        match r {
            Record::IdentityPool {
                id,
                name,
                region,
                created_ms,
                modified_ms,
                doc,
            } => {
                let doc = serde_json::to_string(&doc)
                    .map_err(|e| ArchiveRefusal::Unreadable(e.to_string()))?;
                store
                    .insert_identity_pool(&IdentityPoolRow {
                        id,
                        name,
                        region,
                        created_ms,
                        modified_ms,
                        version: 1,
                        doc,
                    })
                    .await?;
                pools += 1;
            }
            Record::Identity {
                pool_id,
                identity_id,
                created_ms,
                modified_ms,
                logins,
            } => {
                let row = IdentityRow {
                    pool_id,
                    identity_id,
                    created_ms,
                    modified_ms,
                    logins: logins
                        .into_iter()
                        .map(|l| Login {
                            provider: l.provider,
                            subject: l.subject,
                        })
                        .collect(),
                };
                match store.insert_identity(&row).await {
                    Ok(()) => identities += 1,
                    // Identity ids are unique across pools.
                    Err(StoreError::Conflict(_)) => {
                        return Err(ArchiveRefusal::Exists(format!(
                            "Identity {} of identity pool {} clashes with an identity here.",
                            row.identity_id, row.pool_id
                        )));
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
    }
    Ok(vec![("identity pools", pools), ("identities", identities)])
}

pub(crate) async fn remove_pools(
    store: &dyn IdentityStore,
    pool_ids: &[String],
) -> Result<(), StoreError> {
    for id in pool_ids {
        store.delete_identity_pool(id).await?;
    }
    Ok(())
}

/// `ArchiveExtra` for a store that is also the identity pools' store.
macro_rules! impl_archive_extra {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl tessera_core::store::ArchiveExtra for $store {
            fn kinds(&self) -> &'static [&'static str] {
                $crate::archive::kinds()
            }
            async fn export_records(
                &self,
                pool_id: Option<&str>,
            ) -> Result<Vec<serde_json::Value>, tessera_core::store::StoreError> {
                $crate::archive::export_records(self, pool_id).await
            }
            async fn check_records(
                &self,
                records: &[serde_json::Value],
            ) -> Result<Vec<String>, tessera_core::store::ArchiveRefusal> {
                $crate::archive::check_records(self, records).await
            }
            async fn restore_records(
                &self,
                records: &[serde_json::Value],
            ) -> Result<Vec<(&'static str, u64)>, tessera_core::store::ArchiveRefusal> {
                $crate::archive::restore_records(self, records).await
            }
            async fn remove_pools(
                &self,
                pool_ids: &[String],
            ) -> Result<(), tessera_core::store::StoreError> {
                $crate::archive::remove_pools(self, pool_ids).await
            }
        }
    };
}
pub(crate) use impl_archive_extra;

pub(crate) fn kinds() -> &'static [&'static str] {
    KINDS
}

#[cfg(test)]
#[path = "archive_tests.rs"]
mod tests;
