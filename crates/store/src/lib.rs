//! Storage adapters for Tessera: SQLite (embedded default) and PostgreSQL (several nodes).
//!
//! Both implement `tessera_core::store::Store` with the same SQL (written once, in
//! `queries`), and both pass the conformance suite in `conformance`. Migrations are
//! forward-only and numbered alike for both backends (`migrations/<backend>/NNNN_*.sql`).
//! This crate must not depend on the server or on HTTP.

mod archive;
mod devices;
mod documents;
mod groups;
mod identity;
mod imports;
mod postgres;
mod queries;
mod sqlite;
mod tokens;
mod users;

#[cfg(test)]
mod conformance;

use std::sync::Arc;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;
use tessera_core::store::{Store, StoreError};
use tessera_identity::store::IdentityStore;

/// Opens the store a URL names: `sqlite://path/to/file.db` or `postgres://...` (in
/// `pg_schema` when given). Runs pending migrations.
pub async fn open(url: &str, pg_schema: Option<&str>) -> Result<Arc<dyn Store>, StoreError> {
    Ok(open_both(url, None, pg_schema).await?.0)
}

/// [`open`], also as the identity pools' store (the same database and connections).
/// `writer_url`: the primary PostgreSQL when `url` is a read-only standby of it
/// ([`PgStore::open_site`]).
pub async fn open_both(
    url: &str,
    writer_url: Option<&str>,
    pg_schema: Option<&str>,
) -> Result<(Arc<dyn Store>, Arc<dyn IdentityStore>), StoreError> {
    let postgres = |u: &str| u.starts_with("postgres:") || u.starts_with("postgresql:");
    if writer_url.is_some_and(|w| !postgres(w) || !postgres(url)) {
        return Err(StoreError::Backend(
            "a writer URL is for a PostgreSQL standby: both URLs must be postgres://".into(),
        ));
    }
    if url.starts_with("sqlite:") {
        let s = Arc::new(SqliteStore::open(url).await?);
        Ok((s.clone(), s))
    } else if postgres(url) {
        let s = Arc::new(PgStore::open_site(url, writer_url, pg_schema).await?);
        Ok((s.clone(), s))
    } else {
        Err(StoreError::Backend(format!(
            "unsupported database URL scheme (expected sqlite:// or postgres://): {}",
            redact_url(url)
        )))
    }
}

/// A URL with its password and its query (which may carry `password=`) replaced, safe for
/// logs and errors.
pub fn redact_url(url: &str) -> String {
    if let Some((base, _)) = url.split_once('?') {
        return format!("{}?***", redact_url(base));
    }
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

pub(crate) fn backend(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            StoreError::Conflict(d.message().to_string())
        }
        _ => StoreError::Backend(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(super::redact_url("sqlite://x.db"), "sqlite://x.db");
        assert_eq!(
            super::redact_url("postgres://u:secret@h/db?password=other&sslmode=require"),
            "postgres://u:***@h/db?***"
        );
    }
}
