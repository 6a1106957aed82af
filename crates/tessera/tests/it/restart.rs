//! Durability: pools and clients survive SIGKILL of the real binary.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::harness::{AKID, SECRET, idp_client};

fn spawn(dir: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env("TESSERA_ADMIN_ACCESS_KEY_ID", AKID)
        .env("TESSERA_ADMIN_SECRET_ACCESS_KEY", SECRET)
        .env_remove("TESSERA_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("tessera exited before printing its URL")
            .unwrap();
        if let Some(rest) = line.strip_prefix("Tessera is listening on ") {
            break rest.trim().to_string();
        }
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}

#[tokio::test]
async fn pools_and_clients_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, url) = spawn(dir.path());
    let c = idp_client(&url, "us-east-1", AKID, SECRET);
    let mut expected = Vec::new();
    for i in 0..5 {
        let pool = c
            .create_user_pool()
            .pool_name(format!("durable{i}"))
            .send()
            .await
            .unwrap()
            .user_pool
            .unwrap();
        let pool_id = pool.id.unwrap();
        let client = c
            .create_user_pool_client()
            .user_pool_id(&pool_id)
            .client_name(format!("app{i}"))
            .generate_secret(true)
            .send()
            .await
            .unwrap()
            .user_pool_client
            .unwrap();
        expected.push((
            pool_id,
            client.client_id.unwrap(),
            client.client_secret.unwrap(),
        ));
    }
    // SIGKILL: no chance to flush anything.
    child.kill().unwrap();
    child.wait().unwrap();

    let (mut child, url) = spawn(dir.path());
    let c = idp_client(&url, "us-east-1", AKID, SECRET);
    let pools = c.list_user_pools().max_results(60).send().await.unwrap();
    assert_eq!(pools.user_pools().len(), 5);
    for (pool_id, client_id, secret) in &expected {
        c.describe_user_pool()
            .user_pool_id(pool_id)
            .send()
            .await
            .unwrap();
        let d = c
            .describe_user_pool_client()
            .user_pool_id(pool_id)
            .client_id(client_id)
            .send()
            .await
            .unwrap()
            .user_pool_client
            .unwrap();
        assert_eq!(d.client_secret.as_deref(), Some(secret.as_str()));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}
