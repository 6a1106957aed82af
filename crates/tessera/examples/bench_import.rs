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

#[path = "common/mod.rs"]
mod common;
use common::cognito::*;
use common::*;

const ROLE: &str = "arn:aws:iam::123456789012:role/CognitoImport";
const PASSPHRASE: &str = "bench import export passphrase";

fn pg_url() -> String {
    std::env::var("TESSERA_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn psql(sql: &str) -> String {
    let o = std::process::Command::new("psql")
        .args([&pg_url(), "-XAtq", "-c", sql])
        .output()
        .expect("psql");
    assert!(
        o.status.success(),
        "psql: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap().trim().to_string()
}

/// The cluster's CPU seconds (utime + stime of every process of its user).
fn pg_cpu_secs() -> f64 {
    let user = std::env::var("BENCH_PG_USER").unwrap_or_else(|_| "postgres".into());
    let Ok(o) = std::process::Command::new("pgrep")
        .args(["-u", &user])
        .output()
    else {
        return 0.0;
    };
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|pid| cpu_ticks(pid.trim()))
        .sum::<u64>() as f64
        / clock_ticks()
}

/// The cluster's CPU while something runs that opens its own connections (`tessera export`):
/// a thread samples every process of the cluster's user every 100 ms and counts, per pid,
/// the CPU it used since it was first seen (from zero for a pid that appeared after the
/// start), so backends that exit before the end are counted up to their last sample.
struct PgMeter {
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<f64>,
}

impl PgMeter {
    fn start() -> PgMeter {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let user = std::env::var("BENCH_PG_USER").unwrap_or_else(|_| "postgres".into());
            let mut seen: std::collections::HashMap<String, (u64, u64)> = Default::default();
            let mut first = true;
            loop {
                let done = flag.load(std::sync::atomic::Ordering::SeqCst);
                if let Ok(o) = std::process::Command::new("pgrep")
                    .args(["-u", &user])
                    .output()
                {
                    for pid in String::from_utf8_lossy(&o.stdout).lines() {
                        let t = cpu_ticks(pid.trim());
                        let e = seen
                            .entry(pid.trim().to_string())
                            .or_insert((if first { t } else { 0 }, t));
                        e.1 = e.1.max(t);
                    }
                }
                first = false;
                if done {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            seen.values().map(|(a, b)| b - a).sum::<u64>() as f64 / clock_ticks()
        });
        PgMeter { stop, thread }
    }

    fn stop(self) -> f64 {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        self.thread.join().unwrap()
    }
}

/// CPU seconds of this process's children that have been waited for (cutime + cstime).
fn children_cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let f: Vec<&str> = after.split_whitespace().collect();
    let get = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    (get(13) + get(14)) as f64 / clock_ticks()
}

fn vm_hwm_mb(pid: u32) -> f64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Load {
    GetUser,
    Refresh,
    Password,
}

const LOADS: [Load; 3] = [Load::GetUser, Load::Refresh, Load::Password];

impl Load {
    fn name(self) -> &'static str {
        match self {
            Load::GetUser => "GetUser",
            Load::Refresh => "REFRESH_TOKEN_AUTH",
            Load::Password => "USER_PASSWORD_AUTH",
        }
    }
}

struct Ctx {
    addr: String,
    get_user: Vec<Vec<u8>>,
    refresh: Vec<Vec<u8>>,
    password: Vec<Vec<u8>>,
}

struct Job {
    ctx: Arc<Ctx>,
    load: Load,
}

impl Target for Job {
    fn key(&self) -> String {
        format!("import-{}", self.load.name())
    }

    fn one(
        &self,
        conn: &mut Option<RawConn>,
        i: usize,
    ) -> impl std::future::Future<Output = Result<(), String>> + Send {
        let ctx = &self.ctx;
        let (reqs, key) = match self.load {
            Load::GetUser => (&ctx.get_user, "\"Username\""),
            Load::Refresh => (&ctx.refresh, "\"AccessToken\""),
            Load::Password => (&ctx.password, "\"AccessToken\""),
        };
        raw_call(&ctx.addr, conn, &reqs[i % reqs.len()], key)
    }
}

/// A ready-made request on the task's connection (opened on first use, reopened after an
/// error); a 200 answer must contain `key` (not parsed, to keep the generator cheap).
async fn raw_call(
    addr: &str,
    conn: &mut Option<RawConn>,
    req: &[u8],
    key: &str,
) -> Result<(), String> {
    if conn.is_none() {
        *conn = Some(RawConn::connect(addr).await?);
    }
    let c = conn.as_mut().ok_or("no connection")?;
    let (status, body) = match c.send(req).await {
        Ok(r) => r,
        Err(e) => {
            *conn = None;
            return Err(e);
        }
    };
    if status == 200 && body.windows(key.len()).any(|w| w == key.as_bytes()) {
        return Ok(());
    }
    Err(format!(
        "{status}: {}",
        String::from_utf8_lossy(&body[..body.len().min(200)])
    ))
}

struct Server {
    child: tokio::process::Child,
    pid: u32,
    url: String,
    dir: tempfile::TempDir,
    database_url: Option<String>,
    schema: Option<String>,
}

fn tessera_bin() -> std::path::PathBuf {
    std::env::var("TESSERA_BIN")
        .map(Into::into)
        .unwrap_or_else(|_| {
            // target/release/examples/<bench> -> target/release/tessera
            let exe = std::env::current_exe().unwrap();
            exe.parent().unwrap().parent().unwrap().join("tessera")
        })
}

async fn start_server(backend: Backend) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    let mut cmd = server_command(&tessera_bin());
    cmd.arg("serve")
        .env("TESSERA_LISTEN", "127.0.0.1:0")
        .env("TESSERA_DATA_DIR", dir.path())
        .env("TESSERA_ADMIN_ACCESS_KEY_ID", AKID)
        .env("TESSERA_ADMIN_SECRET_ACCESS_KEY", SECRET)
        .env_remove("TESSERA_DATABASE_URL")
        .env_remove("TESSERA_POSTGRES_SCHEMA")
        .env_remove("TESSERA_CONFIG");
    let (mut database_url, mut schema) = (None, None);
    if backend == Backend::Postgres {
        let mut suffix = [0u8; 6];
        tessera_core::rand::SystemRng.fill(&mut suffix);
        let s = format!("bench_import_{}", hex::encode(suffix));
        cmd.env("TESSERA_DATABASE_URL", pg_url())
            .env("TESSERA_POSTGRES_SCHEMA", &s);
        database_url = Some(pg_url());
        schema = Some(s);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .expect("cannot start tessera");
    let pid = child.id().unwrap();
    let Some(url) = listening_on(&mut child, "Tessera is listening on ").await else {
        let log = std::fs::read_to_string(dir.path().join("server.log"));
        panic!("the server did not start: {}", log.unwrap_or_default());
    };
    Server {
        child,
        pid,
        url,
        dir,
        database_url,
        schema,
    }
}

/// The rows of job `j`: GetCSVHeader's columns, a unique user per row.
fn csv(header: &[String], j: usize, rows: usize) -> String {
    let mut out = header.join(",");
    out.push('\n');
    for i in 0..rows {
        let name = format!("imp{j}-{i:06}");
        let fields: Vec<String> = header
            .iter()
            .map(|h| match h.as_str() {
                "cognito:username" => name.clone(),
                "email" => format!("{name}@example.com"),
                "email_verified" => "true".into(),
                "given_name" => format!("Given{i}"),
                "family_name" => format!("Family{j}"),
                "cognito:mfa_enabled" => "false".into(),
                _ => String::new(),
            })
            .collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

struct JobResult {
    wall: f64,
    /// CompletionDate - StartDate as the API reports them.
    api: f64,
    server_cpu: f64,
    pg_cpu: f64,
    imported: i64,
}

async fn describe(
    idp: &aws_sdk_cognitoidentityprovider::Client,
    pool: &str,
    job: &str,
) -> aws_sdk_cognitoidentityprovider::types::UserImportJobType {
    idp.describe_user_import_job()
        .user_pool_id(pool)
        .job_id(job)
        .send()
        .await
        .unwrap()
        .user_import_job
        .unwrap()
}

fn running(status: Option<&UserImportJobStatusType>) -> bool {
    matches!(
        status,
        Some(
            UserImportJobStatusType::Pending
                | UserImportJobStatusType::InProgress
                | UserImportJobStatusType::Stopping
        )
    )
}

/// Starts a job and waits for its end (polling every 100 ms); with `ctx`, runs the sign-in
/// load meanwhile and returns the phases that ended before the job did.
async fn run_job(
    srv: &Server,
    idp: &aws_sdk_cognitoidentityprovider::Client,
    pool: &str,
    job: &str,
    load: Option<(&Arc<Ctx>, usize, Duration)>,
) -> (JobResult, Vec<(Load, Phase)>) {
    let (cpu0, pg0) = (cpu_secs(srv.pid), pg_cpu_secs());
    let t0 = Instant::now();
    idp.start_user_import_job()
        .user_pool_id(pool)
        .job_id(job)
        .send()
        .await
        .unwrap();
    let end: Arc<Mutex<Option<Instant>>> = Arc::default();
    let poller = {
        let (idp, pool, job, end) = (idp.clone(), pool.to_string(), job.to_string(), end.clone());
        tokio::spawn(async move {
            loop {
                let d = describe(&idp, &pool, &job).await;
                if !running(d.status()) {
                    *end.lock().unwrap() = Some(Instant::now());
                    return d;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let mut phases = Vec::new();
    if let Some((ctx, c, d)) = load {
        'outer: loop {
            for l in LOADS {
                if end.lock().unwrap().is_some() {
                    break 'outer;
                }
                let target = Arc::new(Job {
                    ctx: ctx.clone(),
                    load: l,
                });
                let p = closed(&target, srv.pid, c, d).await;
                let ended = Instant::now();
                match *end.lock().unwrap() {
                    Some(e) if e < ended => break 'outer,
                    _ => {}
                }
                println!(
                    "    during: {:<20} {:>9.0}/s  p50 {:>7.2} ms  p99 {:>7.2} ms  server cores {:.2}  errors {}{}",
                    l.name(),
                    p.per_sec,
                    p.p50_ms,
                    p.p99_ms,
                    p.server_cores,
                    p.errors,
                    p.first_error
                        .as_deref()
                        .map(|e| format!(" ({e})"))
                        .unwrap_or_default()
                );
                phases.push((l, p));
            }
        }
    }
    let done = poller.await.unwrap();
    let t1 = end.lock().unwrap().unwrap();
    let (cpu1, pg1) = (cpu_secs(srv.pid), pg_cpu_secs());
    assert_eq!(
        done.status(),
        Some(&UserImportJobStatusType::Succeeded),
        "{done:?}"
    );
    let api = done
        .completion_date()
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
        - done.start_date().map(|d| d.as_secs_f64()).unwrap_or(0.0);
    (
        JobResult {
            wall: (t1 - t0).as_secs_f64(),
            api,
            server_cpu: cpu1 - cpu0,
            pg_cpu: pg1 - pg0,
            imported: done.imported_users(),
        },
        phases,
    )
}

async fn load_alone(
    srv: &Server,
    ctx: &Arc<Ctx>,
    c: usize,
    d: Duration,
    when: &str,
) -> Vec<(Load, Phase)> {
    let mut out = Vec::new();
    for l in LOADS {
        let target = Arc::new(Job {
            ctx: ctx.clone(),
            load: l,
        });
        let p = closed(&target, srv.pid, c, d).await;
        println!(
            "    {when}: {:<20} {:>9.0}/s  p50 {:>7.2} ms  p99 {:>7.2} ms  CPU {:>8.1} µs  server cores {:.2}  generator cores {:.2}  errors {}{}",
            l.name(),
            p.per_sec,
            p.p50_ms,
            p.p99_ms,
            p.cpu_us,
            p.server_cores,
            p.bench_cores,
            p.errors,
            p.first_error
                .as_deref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        );
        out.push((l, p));
    }
    out
}

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

/// Issue 22's speed line: the admin console's pages with the pool's million users, the server
/// otherwise idle. Each page is asked `N` times in a row after two warm-ups; wall time per
/// page (median, as the client sees it) and the server's CPU per page.
async fn console_pages(backend: Backend, srv: &Server, pool: &str) {
    const N: usize = 20;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signed = http
        .post(format!("{}/console/login", srv.url))
        .form(&[("access_key_id", AKID), ("secret_access_key", SECRET)])
        .send()
        .await
        .unwrap();
    let cookie = signed
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("a console session cookie")
        .to_string();
    let pages = [
        ("overview", "/console".to_string()),
        (
            "pool, first page of users",
            format!("/console/pools/{pool}"),
        ),
        (
            "pool, users by email prefix",
            format!("/console/pools/{pool}?filter=email+%5E%3D+%22imp1-4999%22"),
        ),
        (
            "a user's page",
            format!("/console/pools/{pool}/user?username=imp1-499999"),
        ),
        ("settings", format!("/console/pools/{pool}/settings")),
        ("app clients", format!("/console/pools/{pool}/clients")),
        ("groups", format!("/console/pools/{pool}/groups")),
        (
            "resource servers",
            format!("/console/pools/{pool}/resource-servers"),
        ),
        ("domain", format!("/console/pools/{pool}/domain")),
        (
            "identity providers",
            format!("/console/pools/{pool}/providers"),
        ),
        ("identity pools", "/console/identity-pools".to_string()),
    ];
    for (name, path) in pages {
        let mut walls = Vec::with_capacity(N);
        let mut cpu = 0.0;
        for i in 0..N + 2 {
            let c0 = cpu_secs(srv.pid);
            let t = Instant::now();
            let r = http
                .get(format!("{}{path}", srv.url))
                .header("cookie", &cookie)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let _ = r.bytes().await.unwrap();
            let wall = t.elapsed().as_secs_f64() * 1000.0;
            assert_eq!(status, 200, "{name}");
            if i >= 2 {
                walls.push(wall);
                cpu += cpu_secs(srv.pid) - c0;
            }
        }
        walls.sort_by(f64::total_cmp);
        println!(
            "RESULT {} console {name}: {:.1} ms median wall (max {:.1}), server CPU {:.1} ms per page",
            backend.name(),
            walls[N / 2],
            walls[N - 1],
            cpu * 1000.0 / N as f64
        );
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
