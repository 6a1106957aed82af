//! Durability: what the real binary acknowledged survives SIGKILL, on both backends.

use crate::harness::{AKID, Binary, SECRET, Spawn, idp_client, spawn_binary};

fn spawn(dir: &std::path::Path) -> Binary {
    spawn_binary(Spawn {
        args: vec!["--data-dir".into(), dir.into()],
        ..Spawn::default()
    })
}

#[tokio::test]
async fn pools_and_clients_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let bin = spawn(dir.path());
    let c = idp_client(&bin.url, "us-east-1", AKID, SECRET);
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
    bin.kill();

    let bin = spawn(dir.path());
    let c = idp_client(&bin.url, "us-east-1", AKID, SECRET);
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
    bin.kill();
}

/// Writer tasks per round, and the most requests each sends.
const WRITERS: usize = 6;
const PER_WRITER: usize = 60;
/// The server is killed once this many writes of the round are acknowledged: the load is
/// then in full swing, with writes in flight.
const KILL_AFTER: usize = 40;
const ROUNDS: usize = 3;

/// What a writer saw of one request.
enum Write {
    /// AdminCreateUser (`admin`) or SignUp acknowledged.
    Created { user: String, admin: bool },
    /// AdminUpdateUserAttributes acknowledged: `name` is `value`.
    Updated { user: String, value: String },
    /// A request that failed (the server was killed): the update, if it was one, may or
    /// may not have been applied.
    Failed { update: Option<(String, String)> },
}

/// What the database must hold for one user.
struct Expected {
    status: &'static str,
    email: String,
    /// The last acknowledged `name`, and one whose update was in flight at the kill.
    name: Option<String>,
    maybe_name: Option<String>,
}

fn email(user: &str) -> String {
    format!("{user}@example.com")
}

/// One writer: creates users (AdminCreateUser and SignUp in turn) and renames the ones it
/// created, until a request fails or it has sent `PER_WRITER`.
async fn writer(
    c: aws_sdk_cognitoidentityprovider::Client,
    pool: String,
    client: String,
    round: usize,
    w: usize,
    acked: std::sync::Arc<std::sync::atomic::AtomicUsize>,
) -> Vec<Write> {
    use crate::users::attr;
    use aws_sdk_cognitoidentityprovider::types::MessageActionType;
    let mut seen = Vec::new();
    let mut mine: Vec<String> = Vec::new();
    for i in 0..PER_WRITER {
        let user = format!("r{round}w{w}n{i}");
        let write = match (i % 3, mine.last()) {
            (2, Some(target)) => {
                let value = format!("name {round}.{w}.{i}");
                let r = c
                    .admin_update_user_attributes()
                    .user_pool_id(&pool)
                    .username(target)
                    .user_attributes(attr("name", &value))
                    .send()
                    .await;
                match r {
                    Ok(_) => Write::Updated {
                        user: target.clone(),
                        value,
                    },
                    Err(_) => Write::Failed {
                        update: Some((target.clone(), value)),
                    },
                }
            }
            (1, _) => {
                let r = c
                    .sign_up()
                    .client_id(&client)
                    .username(&user)
                    .password("Passw0rd!")
                    .user_attributes(attr("email", &email(&user)))
                    .send()
                    .await;
                match r {
                    Ok(_) => Write::Created { user, admin: false },
                    Err(_) => Write::Failed { update: None },
                }
            }
            _ => {
                let r = c
                    .admin_create_user()
                    .user_pool_id(&pool)
                    .username(&user)
                    .user_attributes(attr("email", &email(&user)))
                    .message_action(MessageActionType::Suppress)
                    .send()
                    .await;
                match r {
                    Ok(_) => Write::Created { user, admin: true },
                    Err(_) => Write::Failed { update: None },
                }
            }
        };
        let failed = matches!(write, Write::Failed { .. });
        if let Write::Created { user, .. } = &write {
            mine.push(user.clone());
        }
        seen.push(write);
        if failed {
            break;
        }
        acked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
    seen
}

/// Checks every expected user against ListUsers, then pins what the server chose for the
/// updates that were in flight.
async fn check(
    c: &aws_sdk_cognitoidentityprovider::Client,
    pool: &str,
    expected: &mut std::collections::HashMap<String, Expected>,
) {
    let mut found = std::collections::HashMap::new();
    let mut token: Option<String> = None;
    loop {
        let page = c
            .list_users()
            .user_pool_id(pool)
            .limit(60)
            .set_pagination_token(token.take())
            .send()
            .await
            .unwrap();
        for u in page.users() {
            let attrs: std::collections::HashMap<String, String> = u
                .attributes()
                .iter()
                .map(|a| {
                    (
                        a.name().to_string(),
                        a.value().unwrap_or_default().to_string(),
                    )
                })
                .collect();
            let status = u.user_status().map(|s| s.as_str().to_string());
            found.insert(u.username().unwrap().to_string(), (status, attrs));
        }
        token = page.pagination_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    for (user, want) in expected.iter_mut() {
        let Some((status, attrs)) = found.get(user) else {
            panic!("acknowledged user {user} is gone");
        };
        assert_eq!(status.as_deref(), Some(want.status), "{user}");
        assert_eq!(attrs.get("email"), Some(&want.email), "{user}");
        let name = attrs.get("name");
        assert!(
            name == want.name.as_ref() || (name.is_some() && name == want.maybe_name.as_ref()),
            "{user}: name {name:?}, acknowledged {:?} (in flight {:?})",
            want.name,
            want.maybe_name
        );
        want.name = name.cloned();
        want.maybe_name = None;
    }
}

/// Rounds of: start the binary, write from several tasks at once, SIGKILL it mid-load,
/// restart on the same data, check every acknowledged write, and that new writes work.
async fn acknowledged_writes_survive_sigkill(args: Vec<std::ffi::OsString>) {
    use aws_sdk_cognitoidentityprovider::config::retry::RetryConfig;
    use aws_sdk_cognitoidentityprovider::types::VerifiedAttributeType;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let start = || {
        spawn_binary(Spawn {
            args: args.clone(),
            ..Spawn::default()
        })
    };
    let mut bin = start();
    let c = idp_client(&bin.url, "us-east-1", AKID, SECRET);
    let pool = c
        .create_user_pool()
        .pool_name("crash")
        .auto_verified_attributes(VerifiedAttributeType::Email)
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
    let mut expected = std::collections::HashMap::new();
    for round in 0..ROUNDS {
        // No retries: a request the kill cut off fails at once and is not sent again.
        let load = aws_sdk_cognitoidentityprovider::Client::from_conf(
            idp_client(&bin.url, "us-east-1", AKID, SECRET)
                .config()
                .to_builder()
                .retry_config(RetryConfig::disabled())
                .build(),
        );
        let acked = Arc::new(AtomicUsize::new(0));
        let began = std::time::Instant::now();
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                tokio::spawn(writer(
                    load.clone(),
                    pool.clone(),
                    client.clone(),
                    round,
                    w,
                    acked.clone(),
                ))
            })
            .collect();
        while acked.load(Ordering::SeqCst) < KILL_AFTER && !writers.iter().all(|w| w.is_finished())
        {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let load_time = began.elapsed();
        bin.kill();
        let mut in_flight = 0;
        for w in writers {
            for write in w.await.unwrap() {
                match write {
                    Write::Created { user, admin } => {
                        let email = email(&user);
                        expected.insert(
                            user,
                            Expected {
                                status: if admin {
                                    "FORCE_CHANGE_PASSWORD"
                                } else {
                                    "UNCONFIRMED"
                                },
                                email,
                                name: None,
                                maybe_name: None,
                            },
                        );
                    }
                    Write::Updated { user, value } => {
                        let e = expected.get_mut(&user).unwrap();
                        e.name = Some(value);
                        e.maybe_name = None;
                    }
                    Write::Failed { update } => {
                        in_flight += 1;
                        if let Some((user, value)) = update {
                            expected.get_mut(&user).unwrap().maybe_name = Some(value);
                        }
                    }
                }
            }
        }
        assert!(
            acked.load(Ordering::SeqCst) >= KILL_AFTER,
            "round {round}: the load stopped early"
        );
        eprintln!(
            "round {round}: {} writes acknowledged in {load_time:?}, {in_flight} cut off by the kill",
            acked.load(Ordering::SeqCst)
        );

        bin = start();
        let c = idp_client(&bin.url, "us-east-1", AKID, SECRET);
        check(&c, &pool, &mut expected).await;
        // Still serving writes after the crash.
        let user = format!("after{round}");
        c.admin_create_user()
            .user_pool_id(&pool)
            .username(&user)
            .user_attributes(crate::users::attr("email", &email(&user)))
            .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
        c.admin_update_user_attributes()
            .user_pool_id(&pool)
            .username(&user)
            .user_attributes(crate::users::attr("name", "still writing"))
            .send()
            .await
            .unwrap();
        expected.insert(
            user.clone(),
            Expected {
                status: "FORCE_CHANGE_PASSWORD",
                email: email(&user),
                name: Some("still writing".into()),
                maybe_name: None,
            },
        );
        let got = c
            .admin_get_user()
            .user_pool_id(&pool)
            .username(&user)
            .send()
            .await
            .unwrap();
        assert!(
            got.user_attributes()
                .iter()
                .any(|a| a.name() == "name" && a.value() == Some("still writing"))
        );
    }
    bin.kill();
}

#[tokio::test]
async fn acknowledged_writes_survive_sigkill_under_load_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    acknowledged_writes_survive_sigkill(vec!["--data-dir".into(), dir.path().into()]).await;
}

#[tokio::test]
async fn acknowledged_writes_survive_sigkill_under_load_postgres() {
    let Some(url) = crate::harness::postgres_url() else {
        eprintln!("skipping: TESSERA_TEST_POSTGRES_URL is not set");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let schema = format!("it_{}", uuid::Uuid::new_v4().simple());
    acknowledged_writes_survive_sigkill(vec![
        "--data-dir".into(),
        dir.path().into(),
        "--database-url".into(),
        url.clone().into(),
        "--postgres-schema".into(),
        schema.clone().into(),
    ])
    .await;
    tessera_store::PgStore::drop_schema(&url, &schema)
        .await
        .unwrap();
}
