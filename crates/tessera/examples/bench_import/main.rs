//! Benchmark: issue 21's speed targets for CSV user import jobs and `tessera export`.
//!
//!     cargo build --release --bin tessera --example bench_import
//!     target/release/examples/bench_import [--backend sqlite|postgres|both] [--rows 500000]
//!         [--jobs 2] [--loaded-jobs 1] [--concurrency 16] [--seconds 5] [--users 64]
//!         [--export 1] [--export-timeout 900]
//!
//! (or BENCH_BACKEND / BENCH_ROWS / BENCH_JOBS / BENCH_LOADED_JOBS / BENCH_CONCURRENCY /
//! BENCH_SECONDS / BENCH_USERS / BENCH_EXPORT / BENCH_EXPORT_TIMEOUT; TESSERA_BIN names the server binary, by default `tessera` next to this
//! example's folder; TESSERA_TEST_POSTGRES_URL the database, by default
//! postgres://postgres@127.0.0.1:5432/test.)
//!
//! Per backend, a release `tessera serve` child on a fresh data folder (SQLite) or a fresh
//! schema `bench_import_<random>` (PostgreSQL, dropped at the end), pinned to CPU 1 like
//! `bench_auth` (one tokio worker; this process on CPU 0; PostgreSQL unpinned). One pool
//! (email auto-verified), a client and `--users` users with passwords and tokens. One file
//! is limited to 500,000 rows (Cognito's limit), so 1,000,000 users are `--jobs` files of
//! `--rows` rows each, GetCSVHeader's columns (username, email, email_verified, given and
//! family name filled, the rest empty), all uploaded to their PreSignedUrl before anything
//! is timed. Then:
//!
//! 1. the sign-in load alone: GetUser, REFRESH_TOKEN_AUTH and USER_PASSWORD_AUTH, each
//!    `--concurrency` tasks back to back for `--seconds` after a 1 s warm-up;
//! 2. the jobs one after the other, from StartUserImportJob until DescribeUserImportJob says
//!    Succeeded (polled every 100 ms). The first runs alone; the last (`--loaded-jobs`) run
//!    under the same sign-in load, its phases repeated in turn while the job runs (a phase
//!    that ends after the job is dropped). `--loaded-jobs 0`: every job alone, no load;
//! 3. the sign-in load alone again (the baseline is the mean of before and after);
//! 4. the admin console's pages with the pool's users (issue 22): overview, the pool's first
//!    page of users, an email-prefix filter, a user's page, the pool's settings, clients,
//!    groups, resource servers, domain and identity providers, and the identity pools; 20
//!    times each, wall and server CPU;
//! 5. `tessera export --pool-id` of the pool (wall time and the child's CPU time; stopped
//!    after BENCH_EXPORT_TIMEOUT seconds, 900 by default).
//!
//! The server's CPU (utime + stime, /proc) and PostgreSQL's (every process of the `postgres`
//! user, or BENCH_PG_USER) are read around each job and the export.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_cognitoidentityprovider::types::{UserImportJobStatusType, VerifiedAttributeType};
use serde_json::json;
use tessera_core::rand::Rng;

#[path = "../common/mod.rs"]
mod common;
mod console;
mod jobs;
mod meter;
use common::cognito::*;
use common::*;
use console::*;
use jobs::*;
use meter::*;

const ROLE: &str = "arn:aws:iam::123456789012:role/CognitoImport";
const PASSPHRASE: &str = "bench import export passphrase";

struct Opts {
    rows: usize,
    jobs: usize,
    /// The last this many jobs run under the sign-in load (0: no load phases at all).
    loaded_jobs: usize,
    c: usize,
    d: Duration,
    users: usize,
    export: bool,
}

async fn bench(backend: Backend, o: &Opts) {
    let Opts {
        rows,
        jobs,
        loaded_jobs,
        c,
        d,
        users,
        export,
    } = *o;
    println!("== {} ==", backend.name());
    let mut srv = start_server(backend).await;
    println!(
        "server {} (pid {}){}",
        srv.url,
        srv.pid,
        srv.schema
            .as_deref()
            .map(|s| format!(", schema {s}"))
            .unwrap_or_default()
    );
    let idp = admin(&srv.url);
    let pool = idp
        .create_user_pool()
        .pool_name("bench")
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let client = create_client(&idp, &pool, "bench", false).await;
    create_users(&idp, &pool, users).await;
    let http = reqwest::Client::new();
    let addr = srv.url.trim_start_matches("http://").to_string();
    let (mut get_user, mut refresh, mut password) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..users {
        let name = format!("user{i:04}");
        let v = password_sign_in(&http, &srv.url, &client, &name, PASSWORD)
            .await
            .unwrap();
        let (access, rt) = tokens(&v).unwrap();
        get_user.push(raw_request(
            &addr,
            "POST",
            "/",
            Some("GetUser"),
            &json!({ "AccessToken": access }).to_string(),
        ));
        let body = json!({
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "ClientId": client,
            "AuthParameters": { "REFRESH_TOKEN": rt },
        });
        refresh.push(raw_request(
            &addr,
            "POST",
            "/",
            Some("InitiateAuth"),
            &body.to_string(),
        ));
        let body = json!({
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": client,
            "AuthParameters": { "USERNAME": name, "PASSWORD": PASSWORD },
        });
        password.push(raw_request(
            &addr,
            "POST",
            "/",
            Some("InitiateAuth"),
            &body.to_string(),
        ));
    }
    let ctx = Arc::new(Ctx {
        addr,
        get_user,
        refresh,
        password,
    });

    // The files, uploaded before anything is timed.
    let header = idp
        .get_csv_header()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap()
        .csv_header
        .unwrap();
    let mut job_ids = Vec::new();
    for j in 0..jobs {
        let body = csv(&header, j, rows);
        let job = idp
            .create_user_import_job()
            .user_pool_id(&pool)
            .job_name(format!("bench {j}"))
            .cloud_watch_logs_role_arn(ROLE)
            .send()
            .await
            .unwrap()
            .user_import_job
            .unwrap();
        let size = body.len();
        let t = Instant::now();
        let status = http
            .put(job.pre_signed_url().unwrap())
            .body(body)
            .send()
            .await
            .unwrap()
            .status();
        assert!(status.is_success(), "upload: {status}");
        println!(
            "job {j}: {} rows, {:.1} MB uploaded in {:.1} s",
            rows,
            size as f64 / 1e6,
            t.elapsed().as_secs_f64()
        );
        job_ids.push(job.job_id().unwrap().to_string());
    }

    let before = if loaded_jobs > 0 {
        println!("sign-in load alone, C = {c}, {} s per phase:", d.as_secs());
        load_alone(&srv, &ctx, c, d, "before").await
    } else {
        Vec::new()
    };

    let mut results = Vec::new();
    let mut during = Vec::new();
    for (j, job) in job_ids.iter().enumerate() {
        let loaded = j + loaded_jobs >= jobs;
        println!(
            "job {j}: {}",
            if loaded {
                "under the sign-in load"
            } else {
                "alone"
            }
        );
        let (r, phases) = run_job(&srv, &idp, &pool, job, loaded.then_some((&ctx, c, d))).await;
        println!(
            "  job {j}: {} imported in {:.1} s (API {:.1} s), {:.0} rows/s; server CPU {:.1} s ({:.1} µs/user), PostgreSQL CPU {:.1} s ({:.1} µs/user)",
            r.imported,
            r.wall,
            r.api,
            r.imported as f64 / r.wall,
            r.server_cpu,
            r.server_cpu * 1e6 / r.imported.max(1) as f64,
            r.pg_cpu,
            r.pg_cpu * 1e6 / r.imported.max(1) as f64,
        );
        results.push((loaded, r));
        during.extend(phases);
    }
    let after = if loaded_jobs > 0 {
        load_alone(&srv, &ctx, c, d, "after").await
    } else {
        Vec::new()
    };

    let total: f64 = results.iter().map(|(_, r)| r.wall).sum();
    let imported: i64 = results.iter().map(|(_, r)| r.imported).sum();
    println!(
        "RESULT {} import: {imported} users in {total:.1} s ({})",
        backend.name(),
        results
            .iter()
            .map(|(l, r)| format!("{:.1} s{}", r.wall, if *l { " under load" } else { "" }))
            .collect::<Vec<_>>()
            .join(" + ")
    );
    for l in LOADS.into_iter().filter(|_| loaded_jobs > 0) {
        let base: Vec<f64> = before
            .iter()
            .chain(after.iter())
            .filter(|(k, _)| *k == l)
            .map(|(_, p)| p.per_sec)
            .collect();
        let base = base.iter().sum::<f64>() / base.len().max(1) as f64;
        let mut dur: Vec<f64> = during
            .iter()
            .filter(|(k, _)| *k == l)
            .map(|(_, p)| p.per_sec)
            .collect();
        let n = dur.len();
        let m = if n > 0 { median(&mut dur) } else { f64::NAN };
        let p99: Vec<String> = during
            .iter()
            .filter(|(k, _)| *k == l)
            .map(|(_, p)| format!("{:.1}", p.p99_ms))
            .collect();
        let p99_alone: Vec<String> = before
            .iter()
            .chain(after.iter())
            .filter(|(k, _)| *k == l)
            .map(|(_, p)| format!("{:.1}", p.p99_ms))
            .collect();
        println!(
            "RESULT {} {}: alone {base:.0}/s (before/after {}), during the import {m:.0}/s (median of {n}) = {:.2}; p99 alone {} ms, during {} ms",
            backend.name(),
            l.name(),
            before
                .iter()
                .chain(after.iter())
                .filter(|(k, _)| *k == l)
                .map(|(_, p)| format!("{:.0}", p.per_sec))
                .collect::<Vec<_>>()
                .join("/"),
            m / base,
            p99_alone.join("/"),
            p99.join("/"),
        );
    }

    console_pages(backend, &srv, &pool).await;

    if !export {
        let _ = srv.child.kill().await;
        if let Some(s) = &srv.schema {
            psql(&format!("drop schema if exists {s} cascade"));
        }
        return;
    }
    // The export of the pool, the server idle.
    let out = srv.dir.path().join("export.bin");
    let mut cmd = std::process::Command::new(tessera_bin());
    cmd.args(["export", "--pool-id", &pool, "--out"])
        .arg(&out)
        .arg("--data-dir")
        .arg(srv.dir.path())
        .env("TESSERA_EXPORT_PASSPHRASE", PASSPHRASE)
        .env_remove("TESSERA_DATABASE_URL")
        .env_remove("TESSERA_POSTGRES_SCHEMA")
        .env_remove("TESSERA_CONFIG");
    if let (Some(u), Some(s)) = (&srv.database_url, &srv.schema) {
        cmd.args(["--database-url", u, "--postgres-schema", s]);
    }
    let limit = arg("--export-timeout", "BENCH_EXPORT_TIMEOUT", 900.0);
    let cpu0 = children_cpu_secs();
    let meter = PgMeter::start();
    let t = Instant::now();
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if t.elapsed().as_secs_f64() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let wall = t.elapsed().as_secs_f64();
    let pg = meter.stop();
    let cpu1 = children_cpu_secs();
    let Some(status) = status else {
        println!(
            "RESULT {} export: stopped after {wall:.0} s (BENCH_EXPORT_TIMEOUT), CPU {:.1} s, PostgreSQL CPU {pg:.1} s",
            backend.name(),
            cpu1 - cpu0
        );
        let _ = srv.child.kill().await;
        if let Some(s) = &srv.schema {
            psql(&format!("drop schema if exists {s} cascade"));
        }
        return;
    };
    if !status.success() {
        let mut err = String::new();
        use std::io::Read;
        let _ = child.stderr.take().unwrap().read_to_string(&mut err);
        panic!("export: {err}");
    }
    let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    println!(
        "RESULT {} export: {} users in {wall:.1} s, CPU {:.1} s ({:.1} µs/user), PostgreSQL CPU {pg:.1} s; {:.0} MB",
        backend.name(),
        imported + users as i64,
        cpu1 - cpu0,
        (cpu1 - cpu0) * 1e6 / (imported + users as i64) as f64,
        size as f64 / 1e6
    );
    let db = srv.dir.path().join("tessera.db");
    if let Ok(m) = std::fs::metadata(&db) {
        println!("SQLite file: {:.0} MB", m.len() as f64 / 1e6);
    }
    println!("server peak RSS: {:.0} MB", vm_hwm_mb(srv.pid));
    let _ = srv.child.kill().await;
    if let Some(s) = &srv.schema {
        psql(&format!("drop schema if exists {s} cascade"));
    }
}

#[tokio::main]
async fn main() {
    let backend = std::env::args()
        .collect::<Vec<_>>()
        .windows(2)
        .find(|w| w[0] == "--backend")
        .map(|w| w[1].clone())
        .or_else(|| std::env::var("BENCH_BACKEND").ok())
        .unwrap_or_else(|| "both".into());
    let backends = match backend.as_str() {
        "sqlite" => vec![Backend::Sqlite],
        "postgres" => vec![Backend::Postgres],
        _ => vec![Backend::Sqlite, Backend::Postgres],
    };
    let o = Opts {
        rows: arg("--rows", "BENCH_ROWS", 500_000.0) as usize,
        jobs: arg("--jobs", "BENCH_JOBS", 2.0) as usize,
        loaded_jobs: arg("--loaded-jobs", "BENCH_LOADED_JOBS", 1.0) as usize,
        c: arg("--concurrency", "BENCH_CONCURRENCY", 16.0) as usize,
        d: Duration::from_secs_f64(arg("--seconds", "BENCH_SECONDS", 5.0)),
        users: arg("--users", "BENCH_USERS", 64.0) as usize,
        export: arg("--export", "BENCH_EXPORT", 1.0) != 0.0,
    };
    if pinned() {
        pin_self(GENERATOR_CPU);
    }
    println!(
        "{} × {} rows per backend, the last {} under the sign-in load (C = {}); pinned: {}",
        o.jobs,
        o.rows,
        o.loaded_jobs,
        o.c,
        pinned()
    );
    for b in backends {
        bench(b, &o).await;
    }
}
