//! The store conformance suite: the same checks against every backend.
//! PostgreSQL runs when `TESSERA_TEST_POSTGRES_URL` is set; under `CI=true` its absence fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use tessera_core::secret::Secret;
use tessera_core::store::{ClientRecord, PoolRecord, Store, StoreError};
use tessera_wire::idp::{UserPoolClientType, UserPoolType};

fn pool(id: &str) -> PoolRecord {
    PoolRecord {
        id: id.into(),
        name: format!("name-{id}"),
        region: "us-east-1".into(),
        created_ms: 1_000,
        modified_ms: 1_000,
        version: 1,
        config: UserPoolType {
            mfa_configuration: Some("OFF".into()),
            ..Default::default()
        },
    }
}

fn client(pool_id: &str, id: &str, secret: Option<&str>) -> ClientRecord {
    ClientRecord {
        pool_id: pool_id.into(),
        client_id: id.into(),
        client_name: format!("client-{id}"),
        secret: secret.map(|s| Secret::new(s.to_string())),
        created_ms: 5,
        modified_ms: 5,
        version: 1,
        config: UserPoolClientType {
            explicit_auth_flows: Some(vec!["ALLOW_USER_SRP_AUTH".into()]),
            ..Default::default()
        },
    }
}

pub(crate) async fn suite(s: Arc<dyn Store>) {
    s.reset().await.unwrap();
    // Pools: insert, conflict, get, optimistic update, list with keyset pagination.
    for id in ["us-east-1_c", "us-east-1_a", "us-east-1_b"] {
        s.insert_pool(&pool(id)).await.unwrap();
    }
    assert!(matches!(
        s.insert_pool(&pool("us-east-1_a")).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.get_pool("us-east-1_a").await.unwrap(),
        Some(pool("us-east-1_a"))
    );
    assert_eq!(s.get_pool("nope").await.unwrap(), None);

    let mut p = pool("us-east-1_a");
    p.version = 2;
    p.name = "renamed".into();
    p.modified_ms = 2_000;
    assert!(s.update_pool(&p, 1).await.unwrap());
    assert!(
        !s.update_pool(&p, 1).await.unwrap(),
        "stale version must lose"
    );
    assert_eq!(
        s.get_pool("us-east-1_a").await.unwrap().unwrap().name,
        "renamed"
    );

    let page: Vec<_> = s
        .list_pools(None, 2)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(page, ["us-east-1_a", "us-east-1_b"]);
    let page: Vec<_> = s
        .list_pools(Some("us-east-1_b"), 2)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(page, ["us-east-1_c"]);

    // Clients: secret kept apart, lookups, pagination, cascade on pool delete.
    s.insert_client(&client("us-east-1_a", "c2", Some("s3cr3t")))
        .await
        .unwrap();
    s.insert_client(&client("us-east-1_a", "c1", None))
        .await
        .unwrap();
    s.insert_client(&client("us-east-1_b", "c3", None))
        .await
        .unwrap();
    assert!(matches!(
        s.insert_client(&client("us-east-1_b", "c1", None)).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(
        s.insert_client(&client("missing_pool", "c9", None))
            .await
            .is_err()
    );
    let got = s.get_client("c2").await.unwrap().unwrap();
    assert_eq!(got, client("us-east-1_a", "c2", Some("s3cr3t")));
    assert_eq!(
        got.secret.as_ref().map(|s| s.expose().as_str()),
        Some("s3cr3t")
    );
    assert_eq!(s.count_clients("us-east-1_a").await.unwrap(), 2);
    let ids: Vec<_> = s
        .list_clients("us-east-1_a", None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.client_id)
        .collect();
    assert_eq!(ids, ["c1", "c2"]);
    let ids: Vec<_> = s
        .list_clients("us-east-1_a", Some("c1"), 10)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.client_id)
        .collect();
    assert_eq!(ids, ["c2"]);

    let mut c = client("us-east-1_a", "c1", None);
    c.version = 2;
    c.client_name = "changed".into();
    assert!(s.update_client(&c, 1).await.unwrap());
    assert!(!s.update_client(&c, 1).await.unwrap());
    assert!(
        !s.delete_client("us-east-1_b", "c1").await.unwrap(),
        "wrong pool must not delete"
    );
    assert!(s.delete_client("us-east-1_a", "c1").await.unwrap());
    assert_eq!(s.get_client("c1").await.unwrap(), None);

    assert!(s.delete_pool("us-east-1_a").await.unwrap());
    assert!(!s.delete_pool("us-east-1_a").await.unwrap());
    assert_eq!(
        s.get_client("c2").await.unwrap(),
        None,
        "clients cascade with their pool"
    );
    assert_eq!(
        s.get_client("c3")
            .await
            .unwrap()
            .map(|c| c.pool_id)
            .as_deref(),
        Some("us-east-1_b")
    );

    s.reset().await.unwrap();
    assert!(s.list_pools(None, 10).await.unwrap().is_empty());
    assert_eq!(s.get_client("c3").await.unwrap(), None);
}

#[tokio::test]
async fn sqlite_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    suite(crate::open(&url, None).await.unwrap()).await;
}

#[tokio::test]
async fn postgres_conforms() {
    let Ok(url) = std::env::var("TESSERA_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "TESSERA_TEST_POSTGRES_URL must be set under CI"
        );
        eprintln!("skipping: TESSERA_TEST_POSTGRES_URL is not set");
        return;
    };
    let schema = format!("conf_{}", uuid::Uuid::new_v4().simple());
    let store = crate::PgStore::open(&url, Some(&schema)).await.unwrap();
    suite(Arc::new(store)).await;
    crate::PgStore::drop_schema(&url, &schema).await.unwrap();
}
