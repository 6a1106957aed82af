//! The admin credentials that sign admin API calls: configured, or generated once and kept
//! in `<data-dir>/admin-credentials.json` (mode 0600).

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use tessera_core::rand::{Rng, SystemRng, random_string};
use tessera_core::secret::Secret;

pub const FILE_NAME: &str = "admin-credentials.json";

#[derive(Serialize, Deserialize)]
struct Stored {
    access_key_id: String,
    secret_access_key: String,
}

/// Where the credentials came from, so the caller can print them once.
pub enum Origin {
    Configured,
    Loaded,
    Generated,
}

/// Returns the admin key pair: the configured one, else the stored one, else a new one.
pub fn load_or_generate(
    data_dir: &Path,
    configured: Option<(String, Secret<String>)>,
) -> anyhow::Result<((String, Secret<String>), Origin)> {
    if let Some(c) = configured {
        return Ok((c, Origin::Configured));
    }
    let path = data_dir.join(FILE_NAME);
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let s: Stored =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        return Ok((
            (s.access_key_id, Secret::new(s.secret_access_key)),
            Origin::Loaded,
        ));
    }
    let rng = SystemRng;
    let stored = Stored {
        access_key_id: format!(
            "AKIA{}",
            random_string(&rng, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
        ),
        secret_access_key: random_string(
            &rng as &dyn Rng,
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            40,
        ),
    };
    write_private(&path, &serde_json::to_vec_pretty(&stored)?)?;
    Ok((
        (stored.access_key_id, Secret::new(stored.secret_access_key)),
        Origin::Generated,
    ))
}

/// Writes a file readable by its owner only, atomically (temp file + rename).
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(&tmp)
        .with_context(|| format!("creating {}", tmp.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    #[test]
    fn generated_once_then_loaded_with_private_mode() {
        let dir = std::env::temp_dir().join(format!("tessera-keys-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let ((id1, s1), o1) = load_or_generate(&dir, None).unwrap();
        assert!(matches!(o1, Origin::Generated));
        assert!(id1.starts_with("AKIA") && id1.len() == 20);
        assert_eq!(s1.expose().len(), 40);
        let ((id2, s2), o2) = load_or_generate(&dir, None).unwrap();
        assert!(matches!(o2, Origin::Loaded));
        assert_eq!((id1, s1), (id2, s2));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(FILE_NAME))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
