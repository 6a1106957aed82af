//! `/health/live` and `/health/ready` (issue 20, item 2), and graceful shutdown of the real
//! binary on SIGTERM: the readiness probe fails first, a request in flight finishes, new
//! connections are refused, and the process exits 0.

use std::io::{Read, Write};

use serde_json::Value;

use crate::harness::{AKID, Backend, SECRET, Spawn, TestServer, both, idp_client, spawn_binary};

async fn get(url: &str) -> (u16, Value) {
    let r = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
        .get(url)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

both!(
    live_and_ready_answer_with_their_checks,
    |srv: &TestServer| {
        let base = srv.url.clone();
        let idp = srv.idp.clone();
        async move {
            for path in ["/health", "/health/live"] {
                let (status, body) = get(&format!("{base}{path}")).await;
                assert_eq!(status, 200, "{path}");
                assert_eq!(body["status"], "ok");
            }
            // A pool, so that the keys check opens a real signing key.
            idp.create_user_pool()
                .pool_name("probed")
                .send()
                .await
                .unwrap();
            let (status, body) = get(&format!("{base}/health/ready")).await;
            assert_eq!(status, 200, "{body}");
            assert_eq!(body["status"], "ok");
            for check in ["database", "migrations", "keys", "change_feed"] {
                assert_eq!(body["checks"][check]["status"], "ok", "{check}: {body}");
            }
        }
    }
);

/// PostgreSQL only: dropping the node's schema makes the database check fail, at once and
/// deterministically (a SQLite file stays readable to root whatever its mode).
#[tokio::test]
async fn ready_fails_when_the_database_is_gone() {
    let Some(srv) = TestServer::start(Backend::Postgres).await else {
        eprintln!("skipping: TESSERA_TEST_POSTGRES_URL is not set");
        return;
    };
    let ready = format!("{}/health/ready", srv.url);
    assert_eq!(get(&ready).await.0, 200);
    let schema = srv.settings.postgres_schema.clone().unwrap();
    tessera_store::PgStore::drop_schema(&srv.settings.database_url, &schema)
        .await
        .unwrap();
    let (status, body) = get(&ready).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "fail");
    assert_eq!(body["checks"]["database"]["status"], "fail");
    // No connection details in the public answer.
    assert!(!body.to_string().contains("postgres"), "{body}");
    // Liveness is about the process only.
    assert_eq!(get(&format!("{}/health/live", srv.url)).await.0, 200);
    srv.stop().await;
}

#[cfg(unix)]
#[tokio::test]
async fn sigterm_drains_then_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let bin = spawn_binary(Spawn {
        args: vec![
            "--data-dir".into(),
            dir.path().into(),
            "--shutdown-delay-seconds".into(),
            "3".into(),
            "--shutdown-grace-seconds".into(),
            "120".into(),
        ],
        ..Spawn::default()
    });
    let url = bin.url.clone();
    let addr = url.trim_start_matches("http://").to_string();
    let c = idp_client(&url, "us-east-1", AKID, SECRET);
    let pool = c
        .create_user_pool()
        .pool_name("draining")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let client = c
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("app")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    assert_eq!(get(&format!("{url}/health/ready")).await.0, 200);

    // A SignUp whose body is still being sent when the signal arrives.
    let body = serde_json::json!({
        "ClientId": client,
        "Username": "late-arrival",
        "Password": "Passw0rd!late",
    })
    .to_string();
    let (head, tail) = body.split_at(body.len() / 2);
    let mut slow = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        slow,
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: AWSCognitoIdentityProviderService.SignUp\r\nContent-Length: {}\r\n\r\n{head}",
        body.len()
    )
    .unwrap();
    slow.flush().unwrap();
    // Let the server read the request head before the signal (it then counts as in flight).
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let killed = std::process::Command::new("kill")
        .args(["-TERM", &bin.pid().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());

    // First the readiness probe fails, while connections are still accepted.
    loop {
        let (status, body) = get(&format!("{url}/health/ready")).await;
        if status == 503 {
            assert_eq!(body["status"], "draining");
            break;
        }
        assert_eq!(status, 200);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // Then the listener closes: new connections are refused.
    loop {
        match std::net::TcpStream::connect(&addr) {
            Err(e) => {
                assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused);
                break;
            }
            Ok(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
        }
    }
    // The request in flight still completes.
    slow.write_all(tail.as_bytes()).unwrap();
    let mut answer = String::new();
    slow.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("UserSub"), "{answer}");

    let status = bin.wait();
    assert_eq!(status.code(), Some(0), "{status:?}");
}

/// A PostgreSQL that does not answer fails the start within seconds (the pool's acquire
/// timeout), not after sqlx's default 30 s.
#[tokio::test]
async fn an_unreachable_database_fails_fast() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = crate::harness::settings(dir.path());
    // TEST-NET-1 (RFC 5737): nothing answers there.
    s.database_url = "postgres://postgres@192.0.2.1:5432/test".into();
    let began = std::time::Instant::now();
    let r = tessera::open_store(&s).await;
    assert!(r.is_err());
    assert!(
        began.elapsed() < std::time::Duration::from_secs(15),
        "{:?}",
        began.elapsed()
    );
}
