//! The overview's charts: this node's sign-ins, failed sign-ins and sign-ups per 10 minutes
//! over the last 6 hours, from the counters Tessera already keeps (`tessera_sign_ins_total`,
//! `tessera_sign_in_failures_total`, `tessera_sign_ups_total`), sampled once a minute into
//! memory (per process, as the counters are; nothing is stored). Drawn as inline SVG: no
//! script, and the console's CSP allows it.

use std::collections::VecDeque;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use minijinja::{Value, context};

const COUNTERS: [(&str, &str, &str); 3] = [
    ("tessera_sign_ins_total", "Sign-ins", "sign-ins"),
    (
        "tessera_sign_in_failures_total",
        "Failed sign-ins",
        "failed sign-ins",
    ),
    ("tessera_sign_ups_total", "Sign-ups", "sign-ups"),
];
const BUCKET_S: i64 = 600;
const BUCKETS: i64 = 36;
/// The chart's drawing height and bar pitch, in SVG units.
const HEIGHT: u64 = 60;
const PITCH: i64 = 10;

/// The counters at a moment (Unix seconds).
struct Snapshot {
    at: i64,
    values: [u64; 3],
}

static HISTORY: Mutex<VecDeque<Snapshot>> = Mutex::new(VecDeque::new());
static SAMPLER: OnceLock<()> = OnceLock::new();

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn current() -> [u64; 3] {
    COUNTERS.map(|(name, ..)| crate::metrics::counter(name))
}

fn history() -> std::sync::MutexGuard<'static, VecDeque<Snapshot>> {
    HISTORY.lock().unwrap_or_else(|p| p.into_inner())
}

/// Starts the once-a-minute sampler (once per process, when called inside a Tokio runtime).
pub(crate) fn start() {
    SAMPLER.get_or_init(|| {
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async {
                loop {
                    record(now(), current());
                    tokio::time::sleep(Duration::from_secs(60)).await;
                }
            });
        }
    });
}

fn record(at: i64, values: [u64; 3]) {
    let mut h = history();
    h.push_back(Snapshot { at, values });
    while h
        .front()
        .is_some_and(|s| s.at < at - (BUCKETS + 1) * BUCKET_S)
    {
        h.pop_front();
    }
}

/// Counter `i` at time `t`: the last snapshot at or before it (0 before the first: the
/// counters start at 0 with the process).
fn value_at(h: &VecDeque<Snapshot>, t: i64, i: usize) -> u64 {
    h.iter()
        .rev()
        .find(|s| s.at <= t)
        .map_or(0, |s| s.values[i])
}

fn clock(t: i64) -> String {
    let m = t.rem_euclid(86_400) / 60;
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// The three charts, for the overview's template.
pub(crate) fn charts() -> Vec<Value> {
    let now = now();
    let live = current();
    let h = history();
    let end = (now / BUCKET_S + 1) * BUCKET_S;
    COUNTERS
        .iter()
        .enumerate()
        .map(|(i, (_, title, noun))| {
            let values: Vec<(i64, u64)> = (0..BUCKETS)
                .map(|b| {
                    let start = end - (BUCKETS - b) * BUCKET_S;
                    let stop = start + BUCKET_S;
                    let upper = if stop > now {
                        live[i]
                    } else {
                        value_at(&h, stop, i)
                    };
                    (start, upper.saturating_sub(value_at(&h, start, i)))
                })
                .collect();
            let max = values.iter().map(|(_, v)| *v).max().unwrap_or(0);
            let bars: Vec<Value> = values
                .iter()
                .enumerate()
                .map(|(n, (start, v))| {
                    let height = if *v == 0 || max == 0 {
                        0
                    } else {
                        (v * HEIGHT / max).max(1)
                    };
                    context! {
                        x => i64::try_from(n).unwrap_or(0) * PITCH,
                        y => HEIGHT - height,
                        height,
                        label => format!("{v} {noun}, {}–{} UTC", clock(*start), clock(start + BUCKET_S)),
                    }
                })
                .collect();
            let total: u64 = values.iter().map(|(_, v)| v).sum();
            context! { title, bars, total, max }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_counts_what_the_counter_gained_in_it() {
        let h: VecDeque<Snapshot> = [
            Snapshot {
                at: 1_000,
                values: [5, 0, 0],
            },
            Snapshot {
                at: 1_600,
                values: [9, 1, 0],
            },
        ]
        .into_iter()
        .collect();
        assert_eq!(value_at(&h, 999, 0), 0);
        assert_eq!(value_at(&h, 1_000, 0), 5);
        assert_eq!(value_at(&h, 1_599, 0), 5);
        assert_eq!(value_at(&h, 5_000, 0), 9);
        assert_eq!(clock(86_400 + 3_600 + 600), "01:10");
    }
}
