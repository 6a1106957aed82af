//! Benchmark: the database work of each operation on PostgreSQL (issue 20): transactions,
//! table accesses, rows written, WAL bytes and the database's CPU per SignUp,
//! USER_PASSWORD_AUTH, USER_SRP_AUTH, REFRESH_TOKEN_AUTH, GetUser and RevokeToken.
//!
//!     cargo build --release --bin tessera --example bench_db
//!     target/release/examples/bench_db [--n 200] [--concurrency 4]
//!
//! (or BENCH_N / BENCH_CONCURRENCY; TESSERA_BIN names the server binary, by default `tessera`
//! next to this example's folder; TESSERA_TEST_POSTGRES_URL the database, by default
//! postgres://postgres@127.0.0.1:5432/test). The server runs as a child process on a fresh
//! schema `bench_<random>`, dropped at the end. Each phase runs N requests of one kind; before
//! and after it the tool reads, with `psql`:
//! - `pg_current_wal_lsn()` (WAL bytes, from `pg_wal_lsn_diff`),
//! - `pg_stat_database` of the database (`xact_commit`, `xact_rollback`),
//! - `pg_stat_user_tables` of the schema (rows inserted, updated, deleted; sequential and
//!   index scans, i.e. how many times a statement reached a table),
//! - utime + stime of every process owned by the cluster's user (`postgres` unless
//!   BENCH_PG_USER says otherwise), from /proc: the database's CPU.
//!
//! pg_stat_statements is not assumed (it needs a restart of the cluster). The statistics are
//! flushed by backends at most once a second, so each reading waits 3 s after the phase.
//! An idle phase (nothing sent for 2 s) first and last shows the background work (the
//! change feed, the sweeper) that the per-operation figures include. Each reading costs one
//! `psql` transaction, subtracted. The database and the server share this machine's cores:
//! the CPU figures are per operation, not a throughput.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tessera_core::rand::Rng;

#[path = "common/mod.rs"]
mod common;
use common::cognito::*;
use common::*;

fn pg_url() -> String {
    std::env::var("TESSERA_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn psql(sql: &str) -> String {
    let o = std::process::Command::new("psql")
        .args([&pg_url(), "-XAtq", "-F", " ", "-c", sql])
        .output()
        .expect("psql");
    assert!(
        o.status.success(),
        "psql: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap().trim().to_string()
}

/// The cluster's CPU (utime + stime of every process of its user), in clock ticks.
fn pg_cpu_ticks() -> u64 {
    let user = std::env::var("BENCH_PG_USER").unwrap_or_else(|_| "postgres".into());
    let o = std::process::Command::new("pgrep")
        .args(["-u", &user])
        .output()
        .expect("pgrep");
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|pid| cpu_ticks(pid.trim()))
        .sum()
}

#[derive(Clone, Copy, Default)]
struct Reading {
    wal: f64,
    xact: f64,
    inserted: f64,
    updated: f64,
    deleted: f64,
    scans: f64,
    pg_ticks: f64,
    server_ticks: f64,
}

fn read(schema: &str, server_pid: u32) -> Reading {
    std::thread::sleep(Duration::from_millis(3000));
    let pg_ticks = pg_cpu_ticks() as f64;
    let server_ticks = cpu_ticks(&server_pid.to_string()) as f64;
    let out = psql(&format!(
        "select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0'), \
         (select xact_commit + xact_rollback from pg_stat_database where datname = current_database()), \
         coalesce(sum(n_tup_ins), 0), coalesce(sum(n_tup_upd), 0), coalesce(sum(n_tup_del), 0), \
         coalesce(sum(coalesce(seq_scan, 0) + coalesce(idx_scan, 0)), 0) \
         from pg_stat_user_tables where schemaname = '{schema}'"
    ));
    let f: Vec<f64> = out.split_whitespace().map(|v| v.parse().unwrap()).collect();
    Reading {
        wal: f[0],
        xact: f[1],
        inserted: f[2],
        updated: f[3],
        deleted: f[4],
        scans: f[5],
        pg_ticks,
        server_ticks,
    }
}

struct Ctx {
    http: reqwest::Client,
    url: String,
    pool: String,
    client: String,
}

/// Runs `f(i)` for i in 0..n, `c` at a time; panics on the first error. Returns the answers
/// in order.
async fn run<F, Fut>(n: usize, c: usize, f: F) -> Vec<Value>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<Value, String>> + Send + 'static,
{
    let sem = Arc::new(tokio::sync::Semaphore::new(c));
    let mut set = tokio::task::JoinSet::new();
    for i in 0..n {
        let fut = f(i);
        let sem = sem.clone();
        set.spawn(async move {
            let _p = sem.acquire_owned().await.unwrap();
            (i, fut.await)
        });
    }
    let mut out = vec![Value::Null; n];
    while let Some(r) = set.join_next().await {
        let (i, v) = r.unwrap();
        out[i] = v.unwrap_or_else(|e| panic!("request {i}: {e}"));
    }
    out
}

#[tokio::main]
async fn main() {
    let n = arg("--n", "BENCH_N", 200.0) as usize;
    let c = arg("--concurrency", "BENCH_CONCURRENCY", 4.0) as usize;
    let ticks = clock_ticks();
    let mut suffix = [0u8; 6];
    tessera_core::rand::SystemRng.fill(&mut suffix);
    let schema = format!(
        "bench_{}",
        suffix
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    println!("{}", psql("select version()"));
    println!("schema: {schema}; N = {n} per operation, {c} at a time");

    let bin = std::env::var("TESSERA_BIN")
        .map(Into::into)
        .unwrap_or_else(|_| {
            let exe = std::env::current_exe().unwrap();
            exe.parent().unwrap().parent().unwrap().join("tessera")
        });
    let dir = tempfile::tempdir().unwrap();
    let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    let mut child = tokio::process::Command::new(&bin)
        .arg("serve")
        .env("TESSERA_LISTEN", "127.0.0.1:0")
        .env("TESSERA_DATA_DIR", dir.path())
        .env("TESSERA_DATABASE_URL", pg_url())
        .env("TESSERA_POSTGRES_SCHEMA", &schema)
        .env("TESSERA_ADMIN_ACCESS_KEY_ID", AKID)
        .env("TESSERA_ADMIN_SECRET_ACCESS_KEY", SECRET)
        .env_remove("TESSERA_CONFIG")
        .stdout(Stdio::piped())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
    let pid = child.id().unwrap();
    let Some(url) = listening_on(&mut child, "Tessera is listening on ").await else {
        let log = std::fs::read_to_string(dir.path().join("server.log"));
        panic!("the server did not start: {}", log.unwrap_or_default());
    };
    println!("server: {url} (pid {pid})");

    let idp = admin(&url);
    let pool = idp
        .create_user_pool()
        .pool_name("bench")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let client = create_client(&idp, &pool, "bench", false).await;
    create_users(&idp, &pool, n).await;
    let ctx = Arc::new(Ctx {
        http: reqwest::Client::new(),
        url: url.clone(),
        pool,
        client,
    });
    // One sign-in each first, so the measured phases find warm caches and connections.
    let warm = run(n, c, |i| {
        let ctx = ctx.clone();
        async move {
            srp_sign_in(
                &ctx.http,
                &ctx.url,
                &ctx.pool,
                &ctx.client,
                &format!("user{i:04}"),
            )
            .await
        }
    })
    .await;
    drop(warm);

    let phases = [
        "idle (2 s)",
        "SignUp",
        "USER_PASSWORD_AUTH",
        "USER_SRP_AUTH (both round trips)",
        "REFRESH_TOKEN_AUTH",
        "GetUser",
        "RevokeToken",
        "idle (2 s), at the end",
    ];
    let mut rows = Vec::new();
    let mut access = Vec::new();
    let mut refresh = Vec::new();
    let mut json_out = serde_json::Map::new();
    for (k, phase) in phases.iter().enumerate() {
        let before = read(&schema, pid);
        let ctx2 = ctx.clone();
        match k {
            0 | 7 => tokio::time::sleep(Duration::from_secs(2)).await,
            1 => {
                run(n, c, move |i| {
                    let ctx = ctx2.clone();
                    async move {
                        let body = json!({
                            "ClientId": ctx.client,
                            "Username": format!("signup{i:04}"),
                            "Password": PASSWORD,
                        });
                        call(&ctx.http, &ctx.url, "SignUp", &body).await
                    }
                })
                .await;
            }
            2 => {
                let v = run(n, c, move |i| {
                    let ctx = ctx2.clone();
                    async move {
                        let body = json!({
                            "AuthFlow": "USER_PASSWORD_AUTH",
                            "ClientId": ctx.client,
                            "AuthParameters": { "USERNAME": format!("user{i:04}"), "PASSWORD": PASSWORD },
                        });
                        call(&ctx.http, &ctx.url, "InitiateAuth", &body).await
                    }
                })
                .await;
                (access, refresh) = v.iter().map(|t| tokens(t).unwrap()).unzip();
            }
            3 => {
                run(n, c, move |i| {
                    let ctx = ctx2.clone();
                    async move {
                        srp_sign_in(
                            &ctx.http,
                            &ctx.url,
                            &ctx.pool,
                            &ctx.client,
                            &format!("user{i:04}"),
                        )
                        .await
                    }
                })
                .await;
            }
            4 => {
                let r = Arc::new(refresh.clone());
                run(n, c, move |i| {
                    let (ctx, r) = (ctx2.clone(), r.clone());
                    async move {
                        let body = json!({
                            "AuthFlow": "REFRESH_TOKEN_AUTH",
                            "ClientId": ctx.client,
                            "AuthParameters": { "REFRESH_TOKEN": r[i] },
                        });
                        call(&ctx.http, &ctx.url, "InitiateAuth", &body).await
                    }
                })
                .await;
            }
            5 => {
                let a = Arc::new(access.clone());
                run(n, c, move |i| {
                    let (ctx, a) = (ctx2.clone(), a.clone());
                    async move {
                        call(
                            &ctx.http,
                            &ctx.url,
                            "GetUser",
                            &json!({ "AccessToken": a[i] }),
                        )
                        .await
                    }
                })
                .await;
            }
            6 => {
                let r = Arc::new(refresh.clone());
                run(n, c, move |i| {
                    let (ctx, r) = (ctx2.clone(), r.clone());
                    async move {
                        let body = json!({ "ClientId": ctx.client, "Token": r[i] });
                        call(&ctx.http, &ctx.url, "RevokeToken", &body).await
                    }
                })
                .await;
            }
            _ => unreachable!(),
        }
        let after = read(&schema, pid);
        let per = if k == 0 || k == 7 { 1.0 } else { n as f64 };
        // One psql transaction per reading: the `after` one is inside the window.
        let xact = (after.xact - before.xact - 1.0) / per;
        let row = [
            xact,
            (after.scans - before.scans) / per,
            (after.inserted - before.inserted) / per,
            (after.updated - before.updated) / per,
            (after.deleted - before.deleted) / per,
            (after.wal - before.wal) / per,
            (after.pg_ticks - before.pg_ticks) / ticks * 1e6 / per,
            (after.server_ticks - before.server_ticks) / ticks * 1e6 / per,
        ];
        json_out.insert(phase.to_string(), json!(row));
        rows.push((phase, row));
    }
    let _ = child.kill().await;
    psql(&format!("drop schema {schema} cascade"));

    println!();
    println!(
        "| per operation (idle: per 2 s) | transactions | table accesses | rows inserted | rows updated | rows deleted | WAL bytes | PostgreSQL CPU µs | server CPU µs |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (phase, r) in &rows {
        println!(
            "| {phase} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.0} | {:.0} | {:.0} |",
            r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]
        );
    }
    println!("json: {}", Value::Object(json_out));
}
