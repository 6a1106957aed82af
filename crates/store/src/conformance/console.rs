//! The admin console's sessions (live until their expiry or their deletion, gone with the
//! purge once expired, and with a reset) and a user's sign-ins as its user page lists them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use tessera_core::store::RefreshFamily;

pub(super) async fn console_suite(s: Arc<dyn Store>) {
    s.insert_console_session("s1", "AKIAADMIN", 10_000)
        .await
        .unwrap();
    s.insert_console_session("s2", "user:ops", 20_000)
        .await
        .unwrap();
    // The same id twice is refused: a session id names one session.
    assert!(
        s.insert_console_session("s1", "other", 30_000)
            .await
            .is_err()
    );
    assert!(s.console_session_live("s1", 9_999).await.unwrap());
    assert!(
        !s.console_session_live("s1", 10_000).await.unwrap(),
        "expired"
    );
    assert!(!s.console_session_live("nope", 0).await.unwrap());
    s.delete_console_session("s2").await.unwrap();
    assert!(
        !s.console_session_live("s2", 0).await.unwrap(),
        "signed out"
    );
    s.delete_console_session("s2").await.unwrap();
    s.purge_expired(10_000).await.unwrap();
    // Purged: the id may be used again.
    s.insert_console_session("s1", "AKIAADMIN", 40_000)
        .await
        .unwrap();
    assert!(s.console_session_live("s1", 30_000).await.unwrap());
    // A reset (test mode) forgets every record, these too.
    s.reset().await.unwrap();
    assert!(!s.console_session_live("s1", 30_000).await.unwrap());
}

#[tokio::test]
async fn sqlite_console_sessions_conform() {
    on_sqlite(console_suite).await;
}

#[tokio::test]
async fn postgres_console_sessions_conform() {
    on_postgres("confc", console_suite).await;
}

fn family(jti: &str, sub: &str, created_ms: i64, expires_ms: i64) -> RefreshFamily {
    RefreshFamily {
        origin_jti: jti.into(),
        pool_id: "us-east-1_f".into(),
        sub: sub.into(),
        client_id: "client".into(),
        auth_time: created_ms / 1000,
        created_ms,
        expires_ms,
        revoked_ms: None,
        generation: 0,
        previous_valid_until_ms: 0,
        scopes: None,
        device_key: None,
    }
}

/// A user's unexpired sign-ins, revoked ones included, newest first, at most the limit;
/// nobody else's.
pub(super) async fn families_suite(s: Arc<dyn Store>) {
    let p = "us-east-1_f";
    s.insert_pool(&pool(p)).await.unwrap();
    for f in [
        family("old", "ann", 1_000, 5_000),
        family("a", "ann", 2_000, 90_000),
        family("b", "ann", 3_000, 90_000),
        family("c", "ann", 4_000, 90_000),
        family("other", "bob", 5_000, 90_000),
    ] {
        s.insert_family(&f).await.unwrap();
    }
    assert!(s.revoke_family(p, "b", 90_000, 6_000).await.unwrap());
    let jtis = |list: Vec<RefreshFamily>| -> Vec<String> {
        list.into_iter().map(|f| f.origin_jti).collect()
    };
    let all = s.list_user_families(p, "ann", 10_000, 10).await.unwrap();
    assert_eq!(
        all.iter().find(|f| f.origin_jti == "b").unwrap().revoked_ms,
        Some(6_000)
    );
    assert_eq!(jtis(all), ["c", "b", "a"]);
    let two = s.list_user_families(p, "ann", 10_000, 2).await.unwrap();
    assert_eq!(jtis(two), ["c", "b"]);
    let early = s.list_user_families(p, "ann", 4_999, 10).await.unwrap();
    assert_eq!(jtis(early), ["c", "b", "a", "old"]);
    assert!(
        s.list_user_families(p, "eve", 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn sqlite_user_families_conform() {
    on_sqlite(families_suite).await;
}

#[tokio::test]
async fn postgres_user_families_conform() {
    on_postgres("conff", families_suite).await;
}
