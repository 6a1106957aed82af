//! The server under test, the sign-in load and the import jobs.

use super::*;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Load {
    GetUser,
    Refresh,
    Password,
}

pub(crate) const LOADS: [Load; 3] = [Load::GetUser, Load::Refresh, Load::Password];

impl Load {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Load::GetUser => "GetUser",
            Load::Refresh => "REFRESH_TOKEN_AUTH",
            Load::Password => "USER_PASSWORD_AUTH",
        }
    }
}

pub(crate) struct Ctx {
    pub(crate) addr: String,
    pub(crate) get_user: Vec<Vec<u8>>,
    pub(crate) refresh: Vec<Vec<u8>>,
    pub(crate) password: Vec<Vec<u8>>,
}

pub(crate) struct Job {
    pub(crate) ctx: Arc<Ctx>,
    pub(crate) load: Load,
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
pub(crate) async fn raw_call(
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

pub(crate) struct Server {
    pub(crate) child: tokio::process::Child,
    pub(crate) pid: u32,
    pub(crate) url: String,
    pub(crate) dir: tempfile::TempDir,
    pub(crate) database_url: Option<String>,
    pub(crate) schema: Option<String>,
}

pub(crate) fn tessera_bin() -> std::path::PathBuf {
    std::env::var("TESSERA_BIN")
        .map(Into::into)
        .unwrap_or_else(|_| {
            // target/release/examples/<bench> -> target/release/tessera
            let exe = std::env::current_exe().unwrap();
            exe.parent().unwrap().parent().unwrap().join("tessera")
        })
}

pub(crate) async fn start_server(backend: Backend) -> Server {
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
pub(crate) fn csv(header: &[String], j: usize, rows: usize) -> String {
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

pub(crate) struct JobResult {
    pub(crate) wall: f64,
    /// CompletionDate - StartDate as the API reports them.
    pub(crate) api: f64,
    pub(crate) server_cpu: f64,
    pub(crate) pg_cpu: f64,
    pub(crate) imported: i64,
}

pub(crate) async fn describe(
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

pub(crate) fn running(status: Option<&UserImportJobStatusType>) -> bool {
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
pub(crate) async fn run_job(
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

pub(crate) async fn load_alone(
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
