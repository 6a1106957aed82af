//! PostgreSQL, for several Tessera nodes sharing one database.

use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions};
use tessera_core::store::StoreError;

use crate::queries::impl_store;

pub struct PgStore {
    /// The database this node reads from; also the one it writes to unless `writer` is set.
    pool: PgPool,
    /// The primary, when `pool` is a read-only standby (a secondary site, ADR 0026): every
    /// write and every single-record read goes there until the standby is promoted.
    writer: Option<PgPool>,
    /// The standby in `pool` was promoted (its transactions are no longer read-only):
    /// writes go to it from then on, whatever becomes of the old primary.
    promoted: AtomicBool,
    /// When `pool` was last asked whether it is still a standby.
    recovery_checked: std::sync::Mutex<Instant>,
    /// `LISTEN`s for revocations written by other nodes; connected on first use.
    listener: tokio::sync::Mutex<Option<PgListener>>,
}

/// The channel revocations are announced on (database-wide; a wake-up too many is harmless).
const REVOCATIONS_CHANNEL: &str = "tessera_revocations";

/// How long a connection (or a free one from the pool) may take before the call fails: an
/// unreachable database fails requests and readiness in seconds, not sqlx's default 30 s.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How often a node on a standby asks whether it was promoted.
const RECOVERY_CHECK: Duration = Duration::from_secs(1);

impl PgStore {
    /// Connects and migrates. `schema`, when given, is created if missing and used as the
    /// search path (tests isolate themselves this way).
    pub async fn open(url: &str, schema: Option<&str>) -> Result<Self, StoreError> {
        Self::open_site(url, None, schema).await
    }

    /// [`PgStore::open`] for a node that reads from `url`, a read-only standby, and writes to
    /// `writer_url`, its primary (a secondary site on a streaming replica, ADR 0026). When
    /// `url` is not (or no longer) read-only, it takes the writes itself and `writer_url` is
    /// not used. On a standby that has every migration already, the node starts without
    /// reaching the primary (which may be down); else migrations run on the primary.
    pub async fn open_site(
        url: &str,
        writer_url: Option<&str>,
        schema: Option<&str>,
    ) -> Result<Self, StoreError> {
        let mut options = PgConnectOptions::from_str(url).map_err(crate::backend)?;
        let mut writer_options = match writer_url {
            Some(w) => Some(PgConnectOptions::from_str(w).map_err(crate::backend)?),
            None => None,
        };
        if let Some(schema) = schema {
            check_schema(schema)?;
            options = options.options([("search_path", schema)]);
            writer_options = writer_options.map(|w| w.options([("search_path", schema)]));
        }
        let mut store = PgStore {
            pool: connect(options.clone()).await?,
            writer: None,
            promoted: AtomicBool::new(false),
            recovery_checked: std::sync::Mutex::new(Instant::now()),
            listener: tokio::sync::Mutex::new(None),
        };
        let mut write_options = options;
        if let Some(writer_options) = writer_options {
            if store.read_only().await? {
                // Connected on first use: the node starts while its primary is down.
                store.writer = Some(pool_options().connect_lazy_with(writer_options.clone()));
                write_options = writer_options;
                if store.standby_migrated().await {
                    return Ok(store);
                }
            } else {
                tracing::warn!(
                    "the database is not a standby: it takes this node's writes, and the \
                     writer URL is not used"
                );
            }
        }
        if let Some(schema) = schema {
            run_alone(
                write_options,
                &format!("CREATE SCHEMA IF NOT EXISTS {schema}"),
            )
            .await?;
        }
        MIGRATOR
            .run(store.w())
            .await
            .map_err(|e| StoreError::Backend(format!("migration failed: {e}")))?;
        Ok(store)
    }

    /// Whether the standby already has every migration this build knows (replayed from its
    /// primary); `false` when it cannot tell (a new schema, say).
    async fn standby_migrated(&self) -> bool {
        applied_migration(&self.pool)
            .await
            .is_ok_and(|v| v >= Self::latest_migration())
    }

    /// Where writes go: the primary while the read database is a standby, else itself.
    fn w(&self) -> &PgPool {
        match &self.writer {
            Some(w) if !self.promoted.load(Ordering::SeqCst) => w,
            _ => &self.pool,
        }
    }

    /// Where listings and the change feeds are read: the node's own database (a standby at a
    /// secondary site, behind the primary by its replication lag).
    fn r(&self) -> &PgPool {
        &self.pool
    }

    /// Whether the read database refuses writes: a hot standby replaying its primary's log
    /// does (every transaction there is read-only until `pg_promote()`), and so does a
    /// session opened with `default_transaction_read_only` (the conformance suite's stand-in).
    async fn read_only(&self) -> Result<bool, StoreError> {
        let (read_only,): (bool,) =
            sqlx::query_as("SELECT current_setting('transaction_read_only') = 'on'")
                .fetch_one(&self.pool)
                .await
                .map_err(crate::backend)?;
        Ok(read_only)
    }

    /// At most once a second, on a node whose read database is a standby: asks whether it
    /// was promoted, and if so sends the writes there from now on (and `LISTEN`s there).
    async fn follow_promotion(&self) {
        if self.writer.is_none() || self.promoted.load(Ordering::SeqCst) {
            return;
        }
        {
            let mut checked = match self.recovery_checked.lock() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            if checked.elapsed() < RECOVERY_CHECK {
                return;
            }
            *checked = Instant::now();
        }
        match self.read_only().await {
            Ok(false) => {
                self.promoted.store(true, Ordering::SeqCst);
                tracing::warn!(
                    "the standby this node reads was promoted: writes go to it from now on"
                );
            }
            Ok(true) => {}
            Err(e) => {
                tracing::warn!(error = %e, "asking the standby whether it was promoted failed")
            }
        }
    }

    /// Drops a schema made by [`PgStore::open`] (test clean-up).
    pub async fn drop_schema(url: &str, schema: &str) -> Result<(), StoreError> {
        check_schema(schema)?;
        let options = PgConnectOptions::from_str(url).map_err(crate::backend)?;
        run_alone(options, &format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).await
    }
}

impl PgStore {
    /// The database works in its own processes (`ImportStore::bulk_work_in_process`).
    const IN_PROCESS: bool = false;

    /// After a bulk load: the users table's planner statistics (`ANALYZE`), so that lookups
    /// by name use their index at once instead of after autovacuum's next pass.
    async fn refresh_statistics(&self) -> Result<(), StoreError> {
        sqlx::query("ANALYZE users")
            .execute(self.w())
            .await
            .map_err(crate::backend)?;
        Ok(())
    }

    /// Wakes the other nodes' revocation readers.
    async fn revocations_written(&self) {
        if let Err(e) = sqlx::query("SELECT pg_notify($1, '')")
            .bind(REVOCATIONS_CHANNEL)
            .execute(self.w())
            .await
        {
            tracing::warn!(error = %e, "NOTIFY of a revocation failed; other nodes will poll");
        }
    }

    /// Returns when a revocation is announced, or after `max`.
    async fn wait_signal(&self, max: Duration) {
        self.follow_promotion().await;
        if !std::ptr::eq(self.r(), self.w()) {
            // On a standby: it cannot `LISTEN` and `NOTIFY` is not replicated, and a wake-up
            // from the primary would come before the standby has the rows. Poll.
            tokio::time::sleep(max).await;
            return;
        }
        let mut guard = self.listener.lock().await;
        if guard.is_none() {
            match PgListener::connect_with(&self.pool).await {
                Ok(mut l) => match l.listen(REVOCATIONS_CHANNEL).await {
                    Ok(()) => *guard = Some(l),
                    Err(e) => tracing::warn!(error = %e, "LISTEN failed; polling"),
                },
                Err(e) => tracing::warn!(error = %e, "LISTEN connection failed; polling"),
            }
        }
        match guard.as_mut() {
            Some(l) => {
                if let Ok(Err(e)) = tokio::time::timeout(max, l.recv()).await {
                    tracing::warn!(error = %e, "LISTEN connection lost; reconnecting");
                    *guard = None;
                }
            }
            None => tokio::time::sleep(max).await,
        }
    }
}

/// A schema name goes into DDL as it is: letters, digits and `_` only.
fn check_schema(schema: &str) -> Result<(), StoreError> {
    if schema
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        Ok(())
    } else {
        Err(StoreError::Backend("invalid schema name".into()))
    }
}

/// Runs one statement on a connection of its own (schema DDL, before and after a pool).
async fn run_alone(options: PgConnectOptions, sql: &str) -> Result<(), StoreError> {
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(crate::backend)?;
    sqlx::query(sql)
        .execute(&admin)
        .await
        .map_err(crate::backend)?;
    admin.close().await;
    Ok(())
}

/// How a node's pools of connections are made.
fn pool_options() -> PgPoolOptions {
    // No ping round trip before every query: a connection the server dropped fails
    // one query and is then discarded by the pool.
    PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(CONNECT_TIMEOUT)
        .test_before_acquire(false)
}

/// One pool of connections to one database, connected now.
async fn connect(options: PgConnectOptions) -> Result<PgPool, StoreError> {
    pool_options()
        .connect_with(options)
        .await
        .map_err(crate::backend)
}

/// This backend's migrations, built into the binary.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl PgStore {
    /// The newest migration this build knows (what the readiness probe expects applied).
    fn latest_migration() -> i64 {
        MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
    }
}

impl_store!(PgStore, sqlx::Postgres);
