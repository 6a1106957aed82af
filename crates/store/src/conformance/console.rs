//! The admin console's sessions: live until their expiry or their deletion, gone with the
//! purge once expired, kept by a reset of everything else.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

async fn console_suite(s: Arc<dyn Store>) {
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
}

#[tokio::test]
async fn sqlite_console_sessions_conform() {
    on_sqlite(console_suite).await;
}

#[tokio::test]
async fn postgres_console_sessions_conform() {
    on_postgres("confc", console_suite).await;
}
