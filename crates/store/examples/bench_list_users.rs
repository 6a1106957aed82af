//! Benchmark: `ListUsers` with a filter on a pool of 1,000,000 users, on SQLite and PostgreSQL.
//!
//! Seeds the pool with SQL (a recursive CTE / generate_series, so seeding takes seconds),
//! then times filtered first pages and keyset follow-up pages through the real `Store` port.
//! Reports the median and p99 wall time and the process CPU time per query.
//!
//!     cargo run --release -p tessera-store --example bench_list_users -- [users] [sqlite|postgres]
//!
//! PostgreSQL uses TESSERA_TEST_POSTGRES_URL (a throwaway schema, dropped afterwards).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use tessera_core::store::{
    FilterAttribute, FilterOp, PoolRecord, PoolStore, Store, UserCursor, UserFilter,
};
use tessera_wire::idp::UserPoolType;

fn cpu_time() -> Duration {
    // utime + stime of this process from /proc/self/stat (clock ticks, 100 Hz on Linux).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

const SEED_SQLITE: &str = "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $2)
INSERT INTO users (pool_id, sub, username, username_key, status, enabled, attributes, email, phone_number, name,
  given_name, family_name, preferred_username, alias_email, alias_phone, alias_preferred_username, password_hash,
  password_set_ms, extra, created_ms, modified_ms, version)
SELECT $1, printf('00000000-0000-4000-8000-%012d', i), printf('user%07d', i), printf('user%07d', i),
  CASE WHEN i % 10 = 0 THEN 'UNCONFIRMED' ELSE 'CONFIRMED' END, i % 100 <> 0,
  '{}', printf('user%07d@example%d.com', i, i % 7), NULL, NULL, printf('given%d', i % 1000), NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, '{}', 0, 0, 1 FROM n";

const SEED_POSTGRES: &str = "INSERT INTO users (pool_id, sub, username, username_key, status, enabled, attributes,
  email, phone_number, name, given_name, family_name, preferred_username, alias_email, alias_phone,
  alias_preferred_username, password_hash, password_set_ms, extra, created_ms, modified_ms, version)
SELECT $1, '00000000-0000-4000-8000-' || lpad(i::text, 12, '0'), 'user' || lpad(i::text, 7, '0'),
  'user' || lpad(i::text, 7, '0'), CASE WHEN i % 10 = 0 THEN 'UNCONFIRMED' ELSE 'CONFIRMED' END, i % 100 <> 0,
  '{}', 'user' || lpad(i::text, 7, '0') || '@example' || (i % 7) || '.com', NULL, NULL, 'given' || (i % 1000),
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{}', 0, 0, 1 FROM generate_series(0, $2 - 1) AS i";

fn filter(attribute: FilterAttribute, op: FilterOp, value: &str) -> UserFilter {
    UserFilter {
        attribute,
        op,
        value: value.into(),
    }
}

async fn run(name: &str, store: &dyn Store, users: i64) {
    let cases = [
        (
            "email = (exact, 1 match)",
            filter(
                FilterAttribute::Email,
                FilterOp::Equals,
                "user0500000@example6.com",
            ),
        ),
        (
            "email ^= (prefix, 10 matches)",
            filter(FilterAttribute::Email, FilterOp::StartsWith, "user012345"),
        ),
        (
            "given_name = (1,000 matches)",
            filter(FilterAttribute::GivenName, FilterOp::Equals, "given42"),
        ),
        (
            "cognito:user_status = UNCONFIRMED (10%)",
            filter(FilterAttribute::UserStatus, FilterOp::Equals, "UNCONFIRMED"),
        ),
        (
            "status = Disabled (1%)",
            filter(FilterAttribute::Status, FilterOp::Equals, "Disabled"),
        ),
    ];
    println!(
        "\n{name}: {users} users, page size 60, 200 queries per case (first page, then keyset pages)"
    );
    println!("| case | median | p99 | CPU per query |");
    println!("|---|---|---|---|");
    for (label, f) in &cases {
        let mut times = Vec::new();
        let cpu0 = cpu_time();
        let mut cursor: Option<UserCursor> = None;
        for i in 0..200 {
            let start = Instant::now();
            let rows = store
                .list_users("bench_pool", Some(f), cursor.as_ref(), 61)
                .await
                .unwrap();
            times.push(start.elapsed());
            // Walk forward through pages, restarting at the end.
            cursor =
                (rows.len() > 60 && i % 20 != 19).then(|| UserCursor::after(&rows[59], Some(f)));
        }
        let cpu = cpu_time().saturating_sub(cpu0);
        times.sort();
        println!(
            "| {label} | {:.2} ms | {:.2} ms | {:.2} ms |",
            times[times.len() / 2].as_secs_f64() * 1e3,
            times[times.len() * 99 / 100].as_secs_f64() * 1e3,
            cpu.as_secs_f64() * 1e3 / times.len() as f64
        );
    }
}

fn pool() -> PoolRecord {
    PoolRecord {
        id: "bench_pool".into(),
        name: "bench".into(),
        region: "us-east-1".into(),
        created_ms: 0,
        modified_ms: 0,
        version: 1,
        config: UserPoolType::default(),
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let users: i64 = args
        .get(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let which = args.get(2).cloned().unwrap_or_else(|| "both".into());

    if which == "both" || which == "sqlite" {
        let dir = std::env::temp_dir().join(format!("tessera-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("bench.db").display());
        let store = tessera_store::open(&url, None).await.unwrap();
        store.insert_pool(&pool()).await.unwrap();
        let seed = Instant::now();
        let raw = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::query(SEED_SQLITE)
            .bind("bench_pool")
            .bind(users)
            .execute(&raw)
            .await
            .unwrap();
        sqlx::query("ANALYZE").execute(&raw).await.unwrap();
        println!(
            "sqlite: seeded {users} users in {:.1} s",
            seed.elapsed().as_secs_f64()
        );
        run("SQLite", store.as_ref(), users).await;
        std::fs::remove_dir_all(&dir).ok();
    }
    if which == "both" || which == "postgres" {
        let url =
            std::env::var("TESSERA_TEST_POSTGRES_URL").expect("set TESSERA_TEST_POSTGRES_URL");
        let schema = format!("bench_{}", std::process::id());
        let store = tessera_store::PgStore::open(&url, Some(&schema))
            .await
            .unwrap();
        store.insert_pool(&pool()).await.unwrap();
        let seed = Instant::now();
        let opts: sqlx::postgres::PgConnectOptions = url.parse().unwrap();
        let raw = sqlx::PgPool::connect_with(opts.options([("search_path", schema.as_str())]))
            .await
            .unwrap();
        sqlx::query(SEED_POSTGRES)
            .bind("bench_pool")
            .bind(users)
            .execute(&raw)
            .await
            .unwrap();
        sqlx::query("ANALYZE users").execute(&raw).await.unwrap();
        println!(
            "postgres: seeded {users} users in {:.1} s",
            seed.elapsed().as_secs_f64()
        );
        run("PostgreSQL", &store, users).await;
        raw.close().await;
        tessera_store::PgStore::drop_schema(&url, &schema)
            .await
            .unwrap();
    }
}
