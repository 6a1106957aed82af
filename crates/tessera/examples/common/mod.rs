//! Pieces the benchmarks share: CPU pinning and accounting, the machine's jitter, and a
//! minimal HTTP/1.1 client connection for load generation.
#![allow(dead_code)]

pub mod cognito;
pub mod server;

use std::sync::Arc;
use std::time::{Duration, Instant};

/// The server's CPU when pinned. CPU 0 takes the machine's interrupts and housekeeping
/// (idle, a 1 ms sleep there overshoots by 2-5 ms a few times a second; on CPU 1 never).
pub const SERVER_CPU: u32 = 1;

pub const GENERATOR_CPU: u32 = 0;

/// Whether server and load generator run on separate CPUs (BENCH_PIN, default on when the
/// machine has two CPUs or more and `taskset` exists).
pub fn pinned() -> bool {
    static PIN: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *PIN.get_or_init(|| {
        std::env::var("BENCH_PIN").map_or(true, |v| v != "0")
            && std::thread::available_parallelism().map_or(1, |n| n.get()) >= 2
            && std::process::Command::new("taskset")
                .arg("-V")
                .output()
                .is_ok_and(|o| o.status.success())
    })
}

/// The command that starts the server under test: on [`SERVER_CPU`] when pinned.
pub fn server_command(bin: &std::path::Path) -> tokio::process::Command {
    if pinned() {
        let mut c = tokio::process::Command::new("taskset");
        c.arg("-c").arg(SERVER_CPU.to_string()).arg(bin);
        c
    } else {
        tokio::process::Command::new(bin)
    }
}

/// What a child process prints after `prefix` on the first stdout line that starts with it
/// (the address a server says it listens on), waiting up to 30 s for each line; then its
/// stdout keeps being drained. `None` if it exits or falls silent first.
pub async fn listening_on(child: &mut tokio::process::Child, prefix: &str) -> Option<String> {
    use tokio::io::AsyncBufReadExt;
    let mut lines = tokio::io::BufReader::new(child.stdout.take()?).lines();
    let found = loop {
        match tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await {
            Ok(Ok(Some(l))) => {
                if let Some(rest) = l.strip_prefix(prefix) {
                    break rest.trim().to_string();
                }
            }
            _ => return None,
        }
    };
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Some(found)
}

/// A numeric option: `--flag value`, else the environment variable, else `default`.
pub fn arg(flag: &str, env: &str, default: f64) -> f64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1).cloned())
        .or_else(|| std::env::var(env).ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Moves every thread of this process (and the threads it starts later) to `cpu`.
pub fn pin_self(cpu: u32) {
    let ok = std::process::Command::new("taskset")
        .args([
            "-a",
            "-cp",
            &cpu.to_string(),
            &std::process::id().to_string(),
        ])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(ok, "taskset could not pin the load generator");
}

pub fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// utime + stime of a process, in clock ticks.
pub fn cpu_ticks(pid: &str) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let f: Vec<&str> = after.split_whitespace().collect();
    f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
}

pub fn own_cpu_secs(ticks_per_sec: f64) -> f64 {
    cpu_ticks("self") as f64 / ticks_per_sec
}

pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// How often, idle, a 0.5 ms sleep on this thread's CPU overshoots by more than 2 ms, and
/// the worst overshoot (ms), over `secs` seconds: the machine's own scheduling jitter, which
/// no server can have less of at its p99.
pub fn jitter(secs: f64) -> (usize, f64) {
    let end = Instant::now() + Duration::from_secs_f64(secs);
    let (mut n, mut worst) = (0, 0.0f64);
    while Instant::now() < end {
        let t = Instant::now();
        std::thread::sleep(Duration::from_micros(500));
        let over = (t.elapsed().as_secs_f64() * 1e3) - 0.5;
        if over > 2.0 {
            n += 1;
        }
        worst = worst.max(over);
    }
    (n, worst)
}

/// An HTTP/1.1 request as bytes (the load phases send these ready-made); `op` an operation
/// of the user pools' service (`AWSCognitoIdentityProviderService`).
pub fn raw_request(host: &str, method: &str, path: &str, op: Option<&str>, body: &str) -> Vec<u8> {
    let target = op.map(|op| format!("AWSCognitoIdentityProviderService.{op}"));
    raw_request_to(host, method, path, target.as_deref(), body)
}

/// [`raw_request`] with the whole `x-amz-target` (`AWSCognitoIdentityService.GetId`).
pub fn raw_request_to(
    host: &str,
    method: &str,
    path: &str,
    target: Option<&str>,
    body: &str,
) -> Vec<u8> {
    let mut r = format!("{method} {path} HTTP/1.1\r\nhost: {host}\r\n");
    if let Some(target) = target {
        r.push_str("content-type: application/x-amz-json-1.1\r\n");
        r.push_str(&format!("x-amz-target: {target}\r\n"));
    }
    r.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
    r.into_bytes()
}

/// One keep-alive connection of a load task, speaking just enough HTTP/1.1 for Tessera's
/// answers (a status line, headers with `content-length`, a body). A general client
/// (reqwest) costs the generator about as much CPU per request as the server spends, which
/// on two cores would make the generator, not the server, set the open-loop peak.
pub struct RawConn {
    stream: tokio::net::TcpStream,
    buf: Vec<u8>,
}

impl RawConn {
    pub async fn connect(addr: &str) -> Result<RawConn, String> {
        let stream = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| e.to_string())?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        Ok(RawConn {
            stream,
            buf: Vec::with_capacity(16 * 1024),
        })
    }

    /// Sends a request; returns the status and the body.
    pub async fn send(&mut self, req: &[u8]) -> Result<(u16, Vec<u8>), String> {
        use tokio::io::AsyncWriteExt;
        self.stream
            .write_all(req)
            .await
            .map_err(|e| e.to_string())?;
        loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = std::str::from_utf8(&self.buf[..end]).map_err(|e| e.to_string())?;
                let status: u16 = head
                    .get(9..12)
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| format!("bad status line: {head}"))?;
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse().ok())?
                    })
                    .ok_or("response without content-length")?;
                let total = end + 4 + len;
                while self.buf.len() < total {
                    self.fill().await?;
                }
                let body = self.buf[end + 4..total].to_vec();
                self.buf.drain(..total);
                return Ok((status, body));
            }
            self.fill().await?;
        }
    }

    async fn fill(&mut self) -> Result<(), String> {
        use tokio::io::AsyncReadExt;
        let mut chunk = [0u8; 16 * 1024];
        let n = self
            .stream
            .read(&mut chunk)
            .await
            .map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed".into());
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

/// RS256 signatures (RSA-2048, aws-lc-rs, a 600-byte message) per second on this thread's
/// CPU, over one second: the raw cost the signing operations' targets are relative to.
pub fn rs256_per_sec() -> f64 {
    use aws_lc_rs::rsa::{KeyPair, KeySize};
    use aws_lc_rs::signature::RSA_PKCS1_SHA256;
    let key = KeyPair::generate(KeySize::Rsa2048).unwrap();
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let msg = vec![b'x'; 600];
    let mut sig = vec![0u8; key.public_modulus_len()];
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < Duration::from_secs(1) {
        key.sign(&RSA_PKCS1_SHA256, &rng, &msg, &mut sig).unwrap();
        n += 1;
    }
    f64::from(n) / start.elapsed().as_secs_f64()
}

/// A small xorshift for picking users and tokens (not for secrets).
pub fn next(state: &mut u64) -> usize {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    (*state >> 16) as usize
}

pub fn quantile(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * q) as usize).min(sorted.len() - 1);
    sorted[i].as_secs_f64() * 1e3
}

/// A kind of request a load phase sends.
pub trait Target: Send + Sync + 'static {
    /// A short name (file names of latency dumps).
    fn key(&self) -> String;
    /// Sends request number `i` (pick what to send with it) on the task's connection.
    fn one(
        &self,
        conn: &mut Option<RawConn>,
        i: usize,
    ) -> impl std::future::Future<Output = Result<(), String>> + Send;
}

/// The CPU time of process `pid` so far (all threads), in seconds.
pub fn cpu_secs(pid: u32) -> f64 {
    cpu_ticks(&pid.to_string()) as f64 / clock_ticks()
}

/// The warm-up before each phase's measured window.
pub const WARM_UP: Duration = Duration::from_secs(1);

#[derive(Default, Clone)]
pub struct Phase {
    pub requests: usize,
    pub errors: usize,
    pub first_error: Option<String>,
    pub per_sec: f64,
    pub cpu_us: f64,
    pub server_cores: f64,
    pub bench_cores: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Phase {
    pub fn per_core(&self) -> f64 {
        if self.cpu_us > 0.0 {
            1e6 / self.cpu_us
        } else {
            f64::INFINITY
        }
    }
}

/// Completed requests: (end, latency, error).
pub type Done = Vec<(Instant, Duration, Option<String>)>;

/// `done`: the requests of a window of `secs` seconds; `cpu` and `own_cpu`: the server's
/// and this process's CPU seconds in it.
pub fn summarize(done: Done, secs: f64, cpu: f64, own_cpu: f64) -> Phase {
    let errors: Vec<&String> = done.iter().filter_map(|(_, _, e)| e.as_ref()).collect();
    let mut lat: Vec<Duration> = done.iter().map(|(_, l, _)| *l).collect();
    lat.sort();
    Phase {
        requests: done.len(),
        errors: errors.len(),
        first_error: errors.first().map(|e| (*e).clone()),
        per_sec: done.len() as f64 / secs,
        cpu_us: cpu * 1e6 / done.len().max(1) as f64,
        server_cores: cpu / secs,
        bench_cores: own_cpu / secs,
        p50_ms: quantile(&lat, 0.50),
        p99_ms: quantile(&lat, 0.99),
    }
}

/// C tasks back to back; counts what completes within [t0, t1].
pub async fn closed<T: Target>(target: &Arc<T>, server_pid: u32, c: usize, d: Duration) -> Phase {
    let t0 = Instant::now() + WARM_UP;
    let t1 = t0 + d;
    let tasks: Vec<_> = (0..c)
        .map(|k| {
            let target = target.clone();
            tokio::spawn(async move {
                let mut rng = 0x9e37_79b9_7f4a_7c15u64 ^ ((k as u64 + 1) << 32);
                let mut done = Done::new();
                let mut conn = None;
                loop {
                    let s = Instant::now();
                    if s >= t1 {
                        break;
                    }
                    let r = target.one(&mut conn, next(&mut rng)).await;
                    let e = Instant::now();
                    if e >= t0 {
                        done.push((e, e - s, r.err()));
                    }
                }
                done
            })
        })
        .collect();
    tokio::time::sleep_until(t0.into()).await;
    let (cpu0, own0) = (cpu_secs(server_pid), own_cpu_secs(clock_ticks()));
    tokio::time::sleep_until(t1.into()).await;
    let (cpu1, own1) = (cpu_secs(server_pid), own_cpu_secs(clock_ticks()));
    let mut all = Done::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.retain(|(end, _, _)| *end >= t0 && *end <= t1);
    dump(&format!("closed-{}", target.key()), t0, &all);
    summarize(all, d.as_secs_f64(), cpu1 - cpu0, own1 - own0)
}

/// With BENCH_LATENCY_DUMP=<folder>: writes a phase's requests as CSV (completion time in ms
/// after the window opened, latency in ms), to see whether slow requests cluster in time.
pub fn dump(name: &str, t0: Instant, done: &Done) {
    let Ok(dir) = std::env::var("BENCH_LATENCY_DUMP") else {
        return;
    };
    let csv: String = done
        .iter()
        .map(|(e, l, _)| {
            format!(
                "{:.3},{:.3}\n",
                e.saturating_duration_since(t0).as_secs_f64() * 1e3,
                l.as_secs_f64() * 1e3
            )
        })
        .collect();
    let _ = std::fs::write(std::path::Path::new(&dir).join(format!("{name}.csv")), csv);
}

/// The open-loop pacer's shortest sleep: it releases what is due at most this late, in
/// batches (at 60,000/s, about 6), so that waking the generator's runtime costs less than
/// the requests it sends.
pub const PACER_TICK: Duration = Duration::from_micros(100);

/// Connections (worker tasks) of an open-loop phase.
pub const OPEN_WORKERS: usize = 64;

/// Requests at `rate` per second on a fixed schedule, spread over [`OPEN_WORKERS`]
/// connections (request `i` goes to worker `i mod W`, due at `i / rate`), latency counted from
/// when each request was due, so time spent queued behind a slow answer counts. Counts the
/// requests due in the window after the warm-up.
///
/// A pacer thread releases each request at its due time, or up to about [`PACER_TICK`] after
/// it (`thread::sleep`; the latency counts a late release). Sleeping in tokio until each due
/// time would release them in bursts of one millisecond's worth (tokio's timer granularity:
/// at 60,000/s, 60 at once), and the burst's own queue would dominate the latency measured;
/// spinning in a task instead takes the CPU the generator's connections need.
pub async fn open<T: Target>(target: &Arc<T>, server_pid: u32, rate: f64, d: Duration) -> Phase {
    let start = Instant::now() + Duration::from_millis(20);
    let t0 = start + WARM_UP;
    let t1 = t0 + d;
    let interval = Duration::from_secs_f64(1.0 / rate);
    let (queues, tasks): (Vec<_>, Vec<_>) = (0..OPEN_WORKERS)
        .map(|k| {
            let target = target.clone();
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Instant>();
            let task = tokio::spawn(async move {
                let mut done = Done::new();
                let mut conn = None;
                let mut rng = 0x2545_f491_4f6c_dd1du64 ^ ((k as u64 + 1) << 32);
                while let Some(due) = rx.recv().await {
                    let r = target.one(&mut conn, next(&mut rng)).await;
                    if due >= t0 {
                        let e = Instant::now();
                        done.push((e, e - due, r.err()));
                    }
                }
                done
            });
            (tx, task)
        })
        .unzip();
    let pacer = std::thread::spawn(move || {
        for i in 0.. {
            let due = start + interval.mul_f64(i as f64);
            if due >= t1 {
                break;
            }
            let now = Instant::now();
            if due > now {
                std::thread::sleep((due - now).max(PACER_TICK));
            }
            // A worker only ends when its queue closes, after the last request.
            let _ = queues[i % OPEN_WORKERS].send(due);
        }
    });
    tokio::time::sleep_until(t0.into()).await;
    let (cpu0, own0) = (cpu_secs(server_pid), own_cpu_secs(clock_ticks()));
    tokio::time::sleep_until(t1.into()).await;
    let (cpu1, own1) = (cpu_secs(server_pid), own_cpu_secs(clock_ticks()));
    tokio::task::block_in_place(|| pacer.join()).unwrap();
    let mut all = Done::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    dump(&format!("open-{}-{:.0}", target.key(), rate), t0, &all);
    summarize(all, d.as_secs_f64(), cpu1 - cpu0, own1 - own0)
}
