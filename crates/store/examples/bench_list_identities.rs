//! Benchmark (issue 17): `ListIdentities` pages over an identity pool of 1,000,000 identities,
//! each with one linked login, on SQLite and PostgreSQL; and, at that size, the two reads
//! every GetId / GetOpenIdToken makes (the identity by its login, the identity with its
//! logins).
//!
//! Seeds the identities and their logins by SQL in one transaction (a recursive CTE /
//! generate_series), with identity ids in an order unrelated to insertion (the id's number is
//! `i × 7919 mod N`, as random UUIDs would be), then times, through the real
//! `IdentityStore` port, pages of 60 (`list_identities` with limit 61, as the service asks)
//! at the start, the middle and the end of the pool: 100 queries each, 20 keyset pages walked
//! forward from the position, five times. Reports the median and p99 wall time and the
//! process CPU time per query, and the query plan.
//!
//!     cargo run --release -p tessera-store --example bench_list_identities -- [identities] [sqlite|postgres|both]
//!
//! PostgreSQL uses TESSERA_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test)
//! in a throwaway schema, dropped afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use tessera_identity::store::{IdentityPoolRow, IdentityStore, Login};

const POOL: &str = "us-east-1:00000000-0000-4000-8000-00000000b001";
const PROVIDER: &str = "cognito-idp.us-east-1.amazonaws.com/us-east-1_bench";
const PAGE: usize = 60;

fn cpu_time() -> Duration {
    // utime + stime of this process from /proc/self/stat (clock ticks, 100 Hz on Linux).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// Identity number `k` (its place in id order).
fn identity_id(k: i64) -> String {
    format!("us-east-1:00000000-0000-4000-8000-{k:012}")
}

fn subject(k: i64) -> String {
    format!("00000000-0000-4000-9000-{k:012}")
}

// $1 pool, $2 N. Row i gets identity number (i × 7919) mod N: every number once (7919 is
// prime and does not divide 10^6), in an order unrelated to the table's insertion order.
const SEED_SQLITE: [&str; 2] = [
    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $2)
INSERT INTO identities (identity_id, pool_id, created_ms, modified_ms)
SELECT printf('us-east-1:00000000-0000-4000-8000-%012d', (i * 7919) % $2), $1, i, i FROM n",
    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $2)
INSERT INTO identity_logins (pool_id, provider, subject, identity_id, created_ms)
SELECT $1, 'cognito-idp.us-east-1.amazonaws.com/us-east-1_bench',
  printf('00000000-0000-4000-9000-%012d', (i * 7919) % $2),
  printf('us-east-1:00000000-0000-4000-8000-%012d', (i * 7919) % $2), i FROM n",
];

const SEED_POSTGRES: [&str; 2] = [
    "INSERT INTO identities (identity_id, pool_id, created_ms, modified_ms)
SELECT 'us-east-1:00000000-0000-4000-8000-' || lpad(((i * 7919) % $2)::text, 12, '0'), $1, i, i
FROM generate_series(0::bigint, $2 - 1) AS i",
    "INSERT INTO identity_logins (pool_id, provider, subject, identity_id, created_ms)
SELECT $1, 'cognito-idp.us-east-1.amazonaws.com/us-east-1_bench',
  '00000000-0000-4000-9000-' || lpad(((i * 7919) % $2)::text, 12, '0'),
  'us-east-1:00000000-0000-4000-8000-' || lpad(((i * 7919) % $2)::text, 12, '0'), i
FROM generate_series(0::bigint, $2 - 1) AS i",
];

/// The service's page query, for EXPLAIN.
const LIST_SQL: &str = "SELECT i.identity_id, i.pool_id, i.created_ms, i.modified_ms, l.provider, l.subject \
     FROM (SELECT * FROM identities WHERE pool_id = $1 AND identity_id > $2 ORDER BY identity_id LIMIT $3) i \
     LEFT JOIN identity_logins l ON l.identity_id = i.identity_id \
     ORDER BY i.identity_id, l.provider, l.subject";

fn pool_row() -> IdentityPoolRow {
    IdentityPoolRow {
        id: POOL.into(),
        name: "bench".into(),
        region: "us-east-1".into(),
        created_ms: 0,
        modified_ms: 0,
        version: 1,
        doc: "{}".into(),
    }
}

struct Timed {
    times: Vec<Duration>,
    cpu: Duration,
}

impl Timed {
    fn row(&self, label: &str) {
        let mut t = self.times.clone();
        t.sort();
        println!(
            "| {label} | {:.3} ms | {:.3} ms | {:.3} ms |",
            t[t.len() / 2].as_secs_f64() * 1e3,
            t[(t.len() * 99 / 100).min(t.len() - 1)].as_secs_f64() * 1e3,
            self.cpu.as_secs_f64() * 1e3 / t.len() as f64
        );
    }
}

/// 100 page queries: 20 keyset pages from after identity number `from - 1` (the pool's first
/// page when `from` is 0), five times; checks each page.
async fn pages(store: &dyn IdentityStore, n: i64, from: i64) -> Timed {
    let mut times = Vec::new();
    let cpu0 = cpu_time();
    for _ in 0..5 {
        let mut after = (from > 0).then(|| identity_id(from - 1));
        let mut expect = from;
        for _ in 0..20 {
            let start = Instant::now();
            let rows = store
                .list_identities(POOL, after.as_deref(), PAGE as u32 + 1)
                .await
                .unwrap();
            times.push(start.elapsed());
            let want = ((n - expect) as usize).min(PAGE + 1);
            assert_eq!(rows.len(), want, "page after {after:?}");
            assert_eq!(rows[0].identity_id, identity_id(expect));
            assert_eq!(rows[0].logins.len(), 1);
            if rows.len() <= PAGE {
                break;
            }
            expect += PAGE as i64;
            after = Some(rows[PAGE - 1].identity_id.clone());
        }
    }
    Timed {
        times,
        cpu: cpu_time().saturating_sub(cpu0),
    }
}

/// 200 lookups of random identities by their login (GetId's read), then 200 reads of an
/// identity with its logins (GetOpenIdToken's).
async fn lookups(store: &dyn IdentityStore, n: i64) -> (Timed, Timed) {
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut pick = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng >> 16) as i64 % n
    };
    let ks: Vec<i64> = (0..200).map(|_| pick()).collect();
    let (mut by_login, mut by_id) = (Vec::new(), Vec::new());
    let cpu0 = cpu_time();
    for &k in &ks {
        let login = Login {
            provider: PROVIDER.into(),
            subject: subject(k),
        };
        let start = Instant::now();
        let got = store.find_identity_by_login(POOL, &login).await.unwrap();
        by_login.push(start.elapsed());
        assert_eq!(got, Some(identity_id(k)));
    }
    let cpu1 = cpu_time();
    for &k in &ks {
        let start = Instant::now();
        let got = store.get_identity(&identity_id(k)).await.unwrap().unwrap();
        by_id.push(start.elapsed());
        assert_eq!(got.logins.len(), 1);
    }
    let cpu2 = cpu_time();
    (
        Timed {
            times: by_login,
            cpu: cpu1.saturating_sub(cpu0),
        },
        Timed {
            times: by_id,
            cpu: cpu2.saturating_sub(cpu1),
        },
    )
}

async fn run(name: &str, store: &dyn IdentityStore, n: i64, plan: &str) {
    println!("\n{name}: {n} identities with one login each, pages of {PAGE}");
    println!("plan of the page query (after the middle):\n{plan}");
    println!("| case | median | p99 | CPU per query |");
    println!("|---|---|---|---|");
    let last = (n - 20 * PAGE as i64).max(0);
    for (label, from) in [
        ("ListIdentities, first 20 pages", 0),
        ("ListIdentities, 20 pages from the middle", n / 2),
        ("ListIdentities, the last 20 pages", last),
    ] {
        pages(store, n, from).await.row(label);
    }
    let (by_login, by_id) = lookups(store, n).await;
    by_login.row("find_identity_by_login (GetId's lookup), 200 random");
    by_id.row("get_identity with its logins, 200 random");
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: i64 = args
        .get(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    assert!(n % 7919 != 0, "N must not be a multiple of 7919");
    let which = args.get(2).cloned().unwrap_or_else(|| "both".into());
    let middle = identity_id(n / 2 - 1);

    if which == "both" || which == "sqlite" {
        let dir = std::env::temp_dir().join(format!("tessera-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("bench.db").display());
        let store = tessera_store::SqliteStore::open(&url).await.unwrap();
        store.insert_identity_pool(&pool_row()).await.unwrap();
        let seed = Instant::now();
        let raw = sqlx::SqlitePool::connect(&url).await.unwrap();
        let mut tx = raw.begin().await.unwrap();
        for sql in SEED_SQLITE {
            sqlx::query(sql)
                .bind(POOL)
                .bind(n)
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        sqlx::query("ANALYZE").execute(&raw).await.unwrap();
        println!(
            "sqlite: seeded {n} identities and logins in {:.1} s (one transaction)",
            seed.elapsed().as_secs_f64()
        );
        let plan: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(&format!("EXPLAIN QUERY PLAN {LIST_SQL}"))
                .bind(POOL)
                .bind(&middle)
                .bind(61i64)
                .fetch_all(&raw)
                .await
                .unwrap();
        let plan: Vec<String> = plan.into_iter().map(|r| format!("  {}", r.3)).collect();
        run("SQLite", &store, n, &plan.join("\n")).await;
        raw.close().await;
        std::fs::remove_dir_all(&dir).ok();
    }
    if which == "both" || which == "postgres" {
        let url = std::env::var("TESSERA_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let schema = format!("bench_{}", std::process::id());
        let store = tessera_store::PgStore::open(&url, Some(&schema))
            .await
            .unwrap();
        store.insert_identity_pool(&pool_row()).await.unwrap();
        let seed = Instant::now();
        let opts: sqlx::postgres::PgConnectOptions = url.parse().unwrap();
        let raw = sqlx::PgPool::connect_with(opts.options([("search_path", schema.as_str())]))
            .await
            .unwrap();
        let mut tx = raw.begin().await.unwrap();
        for sql in SEED_POSTGRES {
            sqlx::query(sql)
                .bind(POOL)
                .bind(n)
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        sqlx::query("ANALYZE identities, identity_logins")
            .execute(&raw)
            .await
            .unwrap();
        println!(
            "postgres: seeded {n} identities and logins in {:.1} s (one transaction)",
            seed.elapsed().as_secs_f64()
        );
        let plan: Vec<(String,)> = sqlx::query_as(&format!("EXPLAIN {LIST_SQL}"))
            .bind(POOL)
            .bind(&middle)
            .bind(61i64)
            .fetch_all(&raw)
            .await
            .unwrap();
        let plan: Vec<String> = plan.into_iter().map(|r| format!("  {}", r.0)).collect();
        run("PostgreSQL", &store, n, &plan.join("\n")).await;
        raw.close().await;
        tessera_store::PgStore::drop_schema(&url, &schema)
            .await
            .unwrap();
    }
}
