//! The store conformance suite: the same checks against every backend.
//! PostgreSQL runs when `TESSERA_TEST_POSTGRES_URL` is set; under `CI=true` its absence fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use tessera_core::secret::Secret;
use tessera_core::store::{ClientRecord, PoolRecord, Store, StoreError};
use tessera_wire::idp::{UserPoolClientType, UserPoolType};

/// Runs a suite against a fresh SQLite file.
async fn on_sqlite<F: std::future::Future<Output = ()>>(suite: impl FnOnce(Arc<dyn Store>) -> F) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    suite(crate::open(&url, None).await.unwrap()).await;
}

/// Runs a suite against PostgreSQL in a schema of its own (named `<prefix>_<uuid>`, dropped
/// afterwards). Skipped without `TESSERA_TEST_POSTGRES_URL`, except under CI.
async fn on_postgres<F: std::future::Future<Output = ()>>(
    prefix: &str,
    suite: impl FnOnce(Arc<dyn Store>) -> F,
) {
    on_postgres_as(prefix, false, suite).await;
}

/// [`on_postgres`]; when `split`, as a secondary site's node on a standby: the store reads
/// through sessions that refuse every write (`default_transaction_read_only`, as a hot
/// standby does) and writes through others, to the same database. A write sent to the
/// reader fails the suite with "cannot execute … in a read-only transaction".
async fn on_postgres_as<F: std::future::Future<Output = ()>>(
    prefix: &str,
    split: bool,
    suite: impl FnOnce(Arc<dyn Store>) -> F,
) {
    let Ok(url) = std::env::var("TESSERA_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "TESSERA_TEST_POSTGRES_URL must be set under CI"
        );
        eprintln!("skipping: TESSERA_TEST_POSTGRES_URL is not set");
        return;
    };
    let schema = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
    let store = if split {
        let sep = if url.contains('?') { '&' } else { '?' };
        let reader = format!("{url}{sep}options=-c%20default_transaction_read_only%3Don");
        crate::PgStore::open_site(&reader, Some(&url), Some(&schema))
            .await
            .unwrap()
    } else {
        crate::PgStore::open(&url, Some(&schema)).await.unwrap()
    };
    suite(Arc::new(store)).await;
    crate::PgStore::drop_schema(&url, &schema).await.unwrap();
}

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

/// A user of `pool_id` (a group member, a device owner).
fn member(pool_id: &str, sub: &str, username: &str) -> tessera_core::store::UserRecord {
    tessera_core::store::UserRecord {
        pool_id: pool_id.into(),
        sub: sub.into(),
        username: username.into(),
        username_key: username.into(),
        status: "CONFIRMED".into(),
        enabled: true,
        attributes: Default::default(),
        alias_email: None,
        alias_phone: None,
        alias_preferred_username: None,
        password_hash: None,
        password_set_ms: None,
        extra: serde_json::json!({}),
        created_ms: 9,
        modified_ms: 9,
        version: 1,
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
    on_sqlite(suite).await;
}

#[tokio::test]
async fn postgres_conforms() {
    on_postgres("conf", suite).await;
}

/// Every suite, on a node whose reads go to a read-only database (a standby) and writes to
/// another (its primary; here the same database through writable sessions).
#[tokio::test]
async fn postgres_standby_site_conforms() {
    on_postgres_as("confs", true, suite).await;
    on_postgres_as("confs", true, groups::group_suite).await;
    on_postgres_as("confs", true, auth_state_suite).await;
    on_postgres_as("confs", true, document_suite).await;
    on_postgres_as("confs", true, devices::device_suite).await;
    on_postgres_as("confs", true, console::console_suite).await;
    on_postgres_as("confs", true, console::families_suite).await;
}

/// SQLite works in this process, PostgreSQL in its own: only SQLite's import jobs rest.
#[tokio::test]
async fn only_sqlite_does_its_bulk_work_in_process() {
    on_sqlite(async |s: Arc<dyn Store>| assert!(s.bulk_work_in_process())).await;
    on_postgres("bulk", async |s: Arc<dyn Store>| {
        assert!(!s.bulk_work_in_process())
    })
    .await;
}

// ---- Groups and memberships ----------------------------------------------------------

/// Runs `n` copies of a future as tasks released together by a barrier; their results.
async fn together<T, F>(n: usize, make: impl Fn() -> F) -> Vec<T>
where
    T: Send + 'static,
    F: std::future::Future<Output = T> + Send + 'static,
{
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let barrier = barrier.clone();
            let fut = make();
            tokio::spawn(async move {
                barrier.wait().await;
                fut.await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

// ---- Sign-in failures and the change feed -----------------------------------------------

async fn auth_state_suite(s: Arc<dyn Store>) {
    use tessera_core::store::{ChangeKind, RecordChange};
    s.insert_pool(&pool("us-east-1_f")).await.unwrap();
    let p = "us-east-1_f";
    assert_eq!(s.get_sign_in_failures(p, "sub:a").await.unwrap(), None);
    // Counted before the check, per key; the count starts over after a quiet spell.
    let rule = tessera_core::store::LockoutRule {
        free_attempts: 2,
        first_ms: 100,
        max_ms: 350,
        reset_after_ms: 900,
    };
    let reserve = |key: &'static str, at: i64| {
        let s = s.clone();
        async move { s.reserve_sign_in_attempt(p, key, at, &rule).await.unwrap() }
    };
    assert_eq!(reserve("sub:a", 1_000).await, Some(1));
    assert_eq!(reserve("sub:a", 1_001).await, Some(2));
    assert_eq!(reserve("name:ghost", 1_001).await, Some(1));
    assert_eq!(
        s.get_sign_in_failures(p, "sub:a").await.unwrap(),
        Some((2, 1_001))
    );
    // Locked for rule.lockout_ms(2) = 100 ms after the last counted attempt: refused and
    // not counted while locked, counted once it has passed.
    assert_eq!(rule.lockout_ms(2), 100);
    assert_eq!(reserve("sub:a", 1_100).await, None);
    assert_eq!(reserve("sub:a", 1_101).await, Some(3));
    // The store's SQL follows LockoutRule::lockout_ms through the doublings to the cap.
    let mut at = 1_101;
    for n in 3..8 {
        let wait = rule.lockout_ms(n);
        assert_eq!(reserve("sub:a", at + wait - 1).await, None, "failure {n}");
        assert_eq!(
            reserve("sub:a", at + wait).await,
            Some(n + 1),
            "failure {n}"
        );
        at += wait;
    }
    assert_eq!(rule.lockout_ms(7), 350);
    // A quiet spell longer than reset_after_ms starts the count again.
    assert_eq!(reserve("sub:a", at + 901).await, Some(1));
    s.clear_sign_in_failures(p, "sub:a").await.unwrap();
    assert_eq!(s.get_sign_in_failures(p, "sub:a").await.unwrap(), None);
    assert_eq!(
        s.get_sign_in_failures(p, "name:ghost").await.unwrap(),
        Some((1, 1_001))
    );
    // Released together, 40 attempts on a fresh key: exactly the free ones are counted.
    let counted: Vec<i64> = together(40, || reserve("sub:burst", 50_000))
        .await
        .into_iter()
        .flatten()
        .collect();
    let mut sorted = counted.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, vec![1, 2], "{counted:?}");

    // One-time codes: attempts are reserved before the comparison, the code is consumed
    // by one conditional delete.
    use tessera_core::store::{CodeAttempt, CodeRecord};
    s.insert_user(&member(p, "sub-c", "carol")).await.unwrap();
    let code = CodeRecord {
        pool_id: p.into(),
        sub: "sub-c".into(),
        purpose: "signup".into(),
        code_hash: "digest-1".into(),
        expires_ms: 9_000,
        attempts: 0,
        created_ms: 1_000,
    };
    s.put_code(&code).await.unwrap();
    match s
        .reserve_code_attempt(p, "sub-c", "signup", 2)
        .await
        .unwrap()
    {
        CodeAttempt::Reserved(c) => assert_eq!(c.attempts, 1),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        s.reserve_code_attempt(p, "sub-c", "signup", 2)
            .await
            .unwrap(),
        CodeAttempt::Reserved(CodeRecord { attempts: 2, .. })
    ));
    assert_eq!(
        s.reserve_code_attempt(p, "sub-c", "signup", 2)
            .await
            .unwrap(),
        CodeAttempt::Exhausted
    );
    assert_eq!(
        s.reserve_code_attempt(p, "sub-c", "reset", 2)
            .await
            .unwrap(),
        CodeAttempt::Missing
    );
    assert!(
        !s.consume_code(p, "sub-c", "signup", "digest-2")
            .await
            .unwrap()
    );
    // A new code replaces the old one and its count.
    s.put_code(&code).await.unwrap();
    let won = together(20, || {
        let s = s.clone();
        async move {
            s.consume_code(p, "sub-c", "signup", "digest-1")
                .await
                .unwrap()
        }
    })
    .await
    .into_iter()
    .filter(|w| *w)
    .count();
    assert_eq!(won, 1);
    assert_eq!(s.get_code(p, "sub-c", "signup").await.unwrap(), None);

    let change = |kind, id: &str, at| RecordChange {
        kind,
        pool_id: p.into(),
        id: id.into(),
        created_ms: at,
    };
    s.record_change(&change(ChangeKind::User, "sub-1", 10_000))
        .await
        .unwrap();
    s.record_change(&change(ChangeKind::Groups, "admins", 20_000))
        .await
        .unwrap();
    assert_eq!(
        s.changes_since(15_000).await.unwrap(),
        vec![change(ChangeKind::Groups, "admins", 20_000)]
    );
    assert_eq!(s.changes_since(0).await.unwrap().len(), 2);
    // Feed entries and old failures go with the purge; the pool's deletion does not hide
    // its change entries (another node must still learn of it).
    s.purge_expired(20_000 + tessera_core::store::CHANGE_RETENTION_MS)
        .await
        .unwrap();
    assert_eq!(s.changes_since(0).await.unwrap().len(), 1);
    s.purge_expired(90_000_000).await.unwrap();
    assert_eq!(s.get_sign_in_failures(p, "name:ghost").await.unwrap(), None);
    s.record_change(&change(ChangeKind::Pool, p, 90_000_000))
        .await
        .unwrap();
    s.delete_pool(p).await.unwrap();
    assert_eq!(s.changes_since(90_000_000).await.unwrap().len(), 1);
}

#[tokio::test]
async fn sqlite_auth_state_conforms() {
    on_sqlite(auth_state_suite).await;
}

#[tokio::test]
async fn postgres_auth_state_conforms() {
    on_postgres("confa", auth_state_suite).await;
}

// ---- Managed-login documents and authorization codes ----------------------------------

async fn document_suite(s: Arc<dyn Store>) {
    use tessera_core::store::{AuthCodeRecord, DocKind, DocumentRecord};
    for id in ["us-east-1_d", "us-east-1_e"] {
        s.insert_pool(&pool(id)).await.unwrap();
    }
    let doc = |pool: &str, kind, key: &str| DocumentRecord {
        pool_id: pool.into(),
        kind,
        key: key.into(),
        doc: format!("{{\"k\":\"{key}\"}}"),
        created_ms: 1,
        modified_ms: 1,
        version: 1,
    };
    let d = doc("us-east-1_d", DocKind::Domain, "app");
    s.insert_document(&d).await.unwrap();
    // A domain is unique across pools; other kinds only within their pool.
    assert!(matches!(
        s.insert_document(&doc("us-east-1_e", DocKind::Domain, "app"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    s.insert_document(&doc("us-east-1_e", DocKind::ResourceServer, "app"))
        .await
        .unwrap();
    assert!(matches!(
        s.insert_document(&doc("us-east-1_e", DocKind::ResourceServer, "app"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.find_document(DocKind::Domain, "app").await.unwrap(),
        Some(d.clone())
    );
    assert_eq!(
        s.find_document(DocKind::Domain, "nope").await.unwrap(),
        None
    );
    // Optimistic update; keyset listing in byte order.
    let mut next = d.clone();
    next.doc = "{}".into();
    next.version = 2;
    assert!(s.update_document(&next, 1).await.unwrap());
    assert!(!s.update_document(&next, 1).await.unwrap());
    // A conditional delete: the stale version deletes nothing, the current one the document.
    let mut gone = doc("us-east-1_e", DocKind::Replica, "secondary");
    s.insert_document(&gone).await.unwrap();
    gone.version = 2;
    assert!(s.update_document(&gone, 1).await.unwrap());
    for (version, deleted) in [(1, false), (2, true), (2, false)] {
        let at = s.delete_document_at("us-east-1_e", DocKind::Replica, "secondary", version);
        assert_eq!(at.await.unwrap(), deleted, "version {version}");
    }
    assert_eq!(
        s.get_document("us-east-1_d", DocKind::Domain, "app")
            .await
            .unwrap()
            .unwrap()
            .doc,
        "{}"
    );
    for key in ["b", "B", "a/x"] {
        s.insert_document(&doc("us-east-1_e", DocKind::ResourceServer, key))
            .await
            .unwrap();
    }
    let keys = |v: Vec<DocumentRecord>| v.into_iter().map(|d| d.key).collect::<Vec<_>>();
    let all = s
        .list_documents("us-east-1_e", DocKind::ResourceServer, None, 10)
        .await
        .unwrap();
    assert_eq!(keys(all), ["B", "a/x", "app", "b"]);
    let after = s
        .list_documents("us-east-1_e", DocKind::ResourceServer, Some("a/x"), 1)
        .await
        .unwrap();
    assert_eq!(keys(after), ["app"]);
    assert!(
        s.delete_document("us-east-1_e", DocKind::ResourceServer, "b")
            .await
            .unwrap()
    );
    assert!(
        !s.delete_document("us-east-1_e", DocKind::ResourceServer, "b")
            .await
            .unwrap()
    );

    // A code can be taken once.
    let code = AuthCodeRecord {
        code_hash: "h1".into(),
        pool_id: "us-east-1_d".into(),
        expires_ms: 500,
        payload: "{}".into(),
    };
    s.insert_code(&code).await.unwrap();
    assert_eq!(s.take_code("h1").await.unwrap(), Some(code.clone()));
    assert_eq!(s.take_code("h1").await.unwrap(), None);
    s.insert_code(&code).await.unwrap();
    s.purge_expired(1_000).await.unwrap();
    assert_eq!(s.take_code("h1").await.unwrap(), None);

    // Everything goes with the pool.
    s.insert_code(&code).await.unwrap();
    s.delete_pool("us-east-1_d").await.unwrap();
    assert_eq!(s.find_document(DocKind::Domain, "app").await.unwrap(), None);
    assert_eq!(s.take_code("h1").await.unwrap(), None);
}

#[tokio::test]
async fn sqlite_documents_conform() {
    on_sqlite(document_suite).await;
}

#[tokio::test]
async fn postgres_documents_conform() {
    on_postgres("confd", document_suite).await;
}

mod console;
mod devices;
mod groups;
