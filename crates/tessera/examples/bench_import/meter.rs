//! What the benchmark measures besides its clients: PostgreSQL's CPU, the children's, memory.

use super::*;

pub(crate) fn pg_url() -> String {
    std::env::var("TESSERA_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub(crate) fn psql(sql: &str) -> String {
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
pub(crate) fn pg_cpu_secs() -> f64 {
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
pub(crate) struct PgMeter {
    pub(crate) stop: Arc<std::sync::atomic::AtomicBool>,
    pub(crate) thread: std::thread::JoinHandle<f64>,
}

impl PgMeter {
    pub(crate) fn start() -> PgMeter {
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

    pub(crate) fn stop(self) -> f64 {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        self.thread.join().unwrap()
    }
}

/// CPU seconds of this process's children that have been waited for (cutime + cstime).
pub(crate) fn children_cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let f: Vec<&str> = after.split_whitespace().collect();
    let get = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    (get(13) + get(14)) as f64 / clock_ticks()
}

pub(crate) fn vm_hwm_mb(pid: u32) -> f64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}
