//! Remembered devices.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

pub(super) async fn device_suite(s: Arc<dyn Store>) {
    use tessera_core::store::DeviceRecord;
    let p = "us-east-1_v";
    s.insert_pool(&pool(p)).await.unwrap();
    for (sub, name) in [("sub-a", "ann"), ("sub-b", "bob")] {
        s.insert_user(&member(p, sub, name)).await.unwrap();
    }
    let dev = |key: &str, sub: &str| DeviceRecord {
        pool_id: p.into(),
        device_key: key.into(),
        sub: sub.into(),
        doc: "{}".into(),
        created_ms: 1,
        modified_ms: 1,
        last_authenticated_ms: None,
    };
    for (k, sub) in [("k2", "sub-a"), ("k1", "sub-a"), ("k3", "sub-b")] {
        s.insert_device(&dev(k, sub)).await.unwrap();
    }
    assert!(matches!(
        s.insert_device(&dev("k1", "sub-b")).await,
        Err(StoreError::Conflict(_))
    ));
    // A device needs its user.
    assert!(s.insert_device(&dev("k9", "sub-nobody")).await.is_err());
    let keys = |v: Vec<DeviceRecord>| v.into_iter().map(|d| d.device_key).collect::<Vec<_>>();
    assert_eq!(
        keys(s.list_devices(p, "sub-a", None, 10).await.unwrap()),
        ["k1", "k2"]
    );
    assert_eq!(
        keys(s.list_devices(p, "sub-a", Some("k1"), 10).await.unwrap()),
        ["k2"]
    );
    // The pool's devices, every user's, in key pages (export).
    assert_eq!(
        keys(s.page_pool_devices(p, None, 2).await.unwrap()),
        ["k1", "k2"]
    );
    assert_eq!(
        keys(s.page_pool_devices(p, Some("k2"), 2).await.unwrap()),
        ["k3"]
    );
    assert!(
        s.page_pool_devices("us-east-1_none", None, 2)
            .await
            .unwrap()
            .is_empty()
    );
    let mut d = dev("k1", "sub-a");
    d.doc = r#"{"remembered":"remembered"}"#.into();
    d.last_authenticated_ms = Some(5);
    assert!(s.update_device(&d).await.unwrap());
    assert_eq!(s.get_device(p, "k1").await.unwrap(), Some(d));
    assert!(s.delete_device(p, "k1").await.unwrap());
    assert!(!s.delete_device(p, "k1").await.unwrap());
    assert!(!s.update_device(&dev("k1", "sub-a")).await.unwrap());
    // Devices go with their user.
    s.delete_user(p, "sub-b").await.unwrap();
    assert_eq!(s.get_device(p, "k3").await.unwrap(), None);
}

#[tokio::test]
async fn sqlite_devices_conform() {
    on_sqlite(device_suite).await;
}

#[tokio::test]
async fn postgres_devices_conform() {
    on_postgres("confv", device_suite).await;
}
