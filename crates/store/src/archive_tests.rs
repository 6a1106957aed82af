//! The identity pools' archive records on SQLite: a round trip into another database, and
//! the refusals a restore makes before it writes anything. (Both backends, through the real
//! binary: the export tests of the integration suite.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use serde_json::json;
use tessera_core::store::{ArchiveRefusal, Store};
use tessera_identity::PoolDoc;
use tessera_identity::store::{IdentityPoolRow, IdentityRow, IdentityStore, Login};

async fn open(dir: &tempfile::TempDir, name: &str) -> (Arc<dyn Store>, Arc<dyn IdentityStore>) {
    let url = format!("sqlite://{}", dir.path().join(name).display());
    crate::open_both(&url, None, None).await.unwrap()
}

fn pool_row(id: &str) -> IdentityPoolRow {
    let mut doc = PoolDoc::default();
    doc.pool.identity_pool_id = id.into();
    doc.pool.identity_pool_name = "pool".into();
    doc.roles.insert(
        "authenticated".into(),
        "arn:aws:iam::123456789012:role/a".into(),
    );
    IdentityPoolRow {
        id: id.into(),
        name: "pool".into(),
        region: "us-east-1".into(),
        created_ms: 1,
        modified_ms: 2,
        version: 3,
        doc: serde_json::to_string(&doc).unwrap(),
    }
}

#[tokio::test]
async fn identity_pools_round_trip_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let (source, source_ids) = open(&dir, "a.db").await;
    let (target, target_ids) = open(&dir, "b.db").await;
    let id = "us-east-1:00000000-0000-4000-8000-000000000001";
    source_ids
        .insert_identity_pool(&pool_row(id))
        .await
        .unwrap();
    for n in 0..3 {
        source_ids
            .insert_identity(&IdentityRow {
                pool_id: id.into(),
                identity_id: format!("us-east-1:00000000-0000-4000-8000-00000000010{n}"),
                created_ms: 5,
                modified_ms: 6,
                logins: vec![Login {
                    provider: "accounts.google.com".into(),
                    subject: format!("g{n}"),
                }],
            })
            .await
            .unwrap();
    }
    let extra = source.archive_extra().unwrap();
    assert_eq!(extra.kinds(), ["identity_pool", "identity"]);
    let records = extra.export_records(None).await.unwrap();
    assert_eq!(records.len(), 4);
    assert_eq!(records[0]["kind"], "identity_pool");
    assert_eq!(extra.export_records(Some(id)).await.unwrap(), records);
    assert!(
        extra
            .export_records(Some("us-east-1_nope"))
            .await
            .unwrap()
            .is_empty()
    );

    let into = target.archive_extra().unwrap();
    assert_eq!(
        into.check_records(&records).await.unwrap(),
        vec![id.to_string()]
    );
    let counts = into.restore_records(&records).await.unwrap();
    assert_eq!(counts, vec![("identity pools", 1), ("identities", 3)]);
    let restored = target_ids.get_identity_pool(id).await.unwrap().unwrap();
    let (a, b): (PoolDoc, PoolDoc) = (
        serde_json::from_str(&restored.doc).unwrap(),
        serde_json::from_str(&pool_row(id).doc).unwrap(),
    );
    assert_eq!(a, b);
    assert_eq!((restored.created_ms, restored.modified_ms), (1, 2));
    let login = Login {
        provider: "accounts.google.com".into(),
        subject: "g2".into(),
    };
    assert_eq!(
        target_ids
            .find_identity_by_login(id, &login)
            .await
            .unwrap()
            .as_deref(),
        Some("us-east-1:00000000-0000-4000-8000-000000000102")
    );

    // Twice: the pool exists now.
    match into.check_records(&records).await {
        Err(ArchiveRefusal::Exists(m)) => assert!(m.contains(id), "{m}"),
        other => panic!("{other:?}"),
    }
    // An identity of a pool the records do not hold; a pool document naming another pool.
    let stray = vec![records[1].clone()];
    assert!(matches!(
        into.check_records(&stray).await,
        Err(ArchiveRefusal::Unreadable(_))
    ));
    let mut renamed = records[0].clone();
    renamed["id"] = json!("us-east-1:00000000-0000-4000-8000-000000000009");
    assert!(matches!(
        into.check_records(&[renamed]).await,
        Err(ArchiveRefusal::Unreadable(_))
    ));
    // An identity whose id is taken here (in another pool) is refused on restore, and the
    // pools written are removed.
    into.remove_pools(&[id.to_string()]).await.unwrap();
    assert!(target_ids.get_identity_pool(id).await.unwrap().is_none());
    let other = "us-east-1:00000000-0000-4000-8000-000000000002";
    target_ids
        .insert_identity_pool(&pool_row(other))
        .await
        .unwrap();
    target_ids
        .insert_identity(&IdentityRow {
            pool_id: other.into(),
            identity_id: "us-east-1:00000000-0000-4000-8000-000000000100".into(),
            created_ms: 5,
            modified_ms: 6,
            logins: vec![],
        })
        .await
        .unwrap();
    assert!(matches!(
        into.restore_records(&records).await,
        Err(ArchiveRefusal::Exists(_))
    ));
}
