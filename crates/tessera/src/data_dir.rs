//! The data folder is the server's alone: it holds password hashes, live codes (the
//! database and the outbox), the server key and the admin credentials. Tessera creates the
//! folder 0700 and every file in it 0600, whatever the umask:
//!
//! - the binary sets its umask to 077 before anything else ([`private_umask`]), which also
//!   covers the files SQLite creates later on its own (`-wal`, `-shm`, journals);
//! - the folder is created with mode 0700 and the SQLite file is created 0600 before SQLite
//!   opens it ([`prepare`]); SQLite gives its `-wal` and `-shm` files the database file's
//!   mode, so they are 0600 even without the umask (as when the server runs in-process);
//! - the key files and the outbox are opened with mode 0600.
//!
//! A folder or file that already exists with wider modes is left as it is and warned about
//! at start (its path and mode, never its contents).

use std::path::{Path, PathBuf};

use anyhow::Context;

/// Makes what this process creates from now on private to its owner (umask 077). Child
/// processes (trigger commands) inherit it.
pub fn private_umask() {
    #[cfg(unix)]
    {
        use rustix::fs::Mode;
        rustix::process::umask(Mode::RWXG | Mode::RWXO);
    }
}

/// Creates the data folder (0700) unless it exists, warns about an existing folder or data
/// file that other users may read, and creates the SQLite file (0600) before SQLite does.
pub fn prepare(data_dir: &Path, database_url: &str) -> anyhow::Result<()> {
    if data_dir.exists() {
        warn_if_shared(data_dir);
    } else {
        create_private_dir(data_dir)
            .with_context(|| format!("creating data folder {}", data_dir.display()))?;
    }
    let db = sqlite_file(database_url);
    let mut files: Vec<PathBuf> = [
        tessera_delivery::outbox::FILE_NAME,
        crate::server_key::FILE_NAME,
        crate::admin_keys::FILE_NAME,
    ]
    .iter()
    .map(|name| data_dir.join(name))
    .collect();
    if let Some(db) = &db {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = db.clone().into_os_string();
            name.push(suffix);
            files.push(PathBuf::from(name));
        }
    }
    for file in &files {
        if file.exists() {
            warn_if_shared(file);
        }
    }
    if let Some(db) = &db {
        create_private_file(db);
    }
    Ok(())
}

/// The file a `sqlite:` URL names (`None` for PostgreSQL and in-memory databases).
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, q),
        None => (rest, ""),
    };
    let in_memory =
        path.is_empty() || path == ":memory:" || query.split('&').any(|kv| kv == "mode=memory");
    // sqlx percent-decodes the path; such names are left to SQLite (and the umask).
    (!in_memory && !path.contains('%')).then(|| PathBuf::from(path))
}

/// Creates `dir` with mode 0700 (its missing parents as the umask says).
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    match builder.create(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        r => r,
    }
}

/// Creates an empty `path` with mode 0600 unless it exists (an empty file is an empty
/// SQLite database). A failure is left for SQLite to report when it opens the file.
fn create_private_file(path: &Path) {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(path) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => tracing::debug!(path = %path.display(), error = %e, "creating the database file"),
    }
}

/// The permission bits of `path` that let others than its owner in, if any.
#[cfg(unix)]
fn shared_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(unix)]
fn warn_if_shared(path: &Path) {
    if let Some(mode) = shared_mode(path) {
        let want = if path.is_dir() { "0700" } else { "0600" };
        tracing::warn!(
            path = %path.display(),
            mode = %format!("{mode:04o}"),
            "other users than the owner can open this data folder or file; restrict it to {want}"
        );
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_path: &Path) {}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_file("sqlite://./tessera-data/tessera.db"),
            Some(PathBuf::from("./tessera-data/tessera.db"))
        );
        assert_eq!(
            sqlite_file("sqlite:/var/lib/t.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/t.db"))
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("sqlite://x.db?mode=memory"), None);
        assert_eq!(sqlite_file("postgres://u@h/db"), None);
    }

    #[cfg(unix)]
    #[test]
    fn creates_a_private_folder_and_database_file() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a").join("data");
        let db = dir.join("tessera.db");
        prepare(&dir, &format!("sqlite://{}", db.display())).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&db), 0o600);
        assert_eq!(shared_mode(&dir), None);
        // Existing ones are left alone (and warned about).
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        prepare(&dir, "sqlite::memory:").unwrap();
        assert_eq!(shared_mode(&dir), Some(0o755));
    }
}
