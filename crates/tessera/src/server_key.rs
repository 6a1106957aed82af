//! The server key: 32 random bytes that seal SRP verifiers, refresh tokens, challenge
//! sessions and the pools' private signing keys. It lives outside the database, in
//! `<data-dir>/server.key` (generated on first start, mode 0600) or in the file that
//! `TESSERA_SERVER_KEY_FILE` names. Every node sharing a database must use the same key;
//! losing it invalidates every refresh token and SRP verifier (users then sign in with
//! USER_PASSWORD_AUTH or reset their password, which stores a new verifier).

use std::path::Path;

use anyhow::Context;
use tessera_core::rand::{Rng, SystemRng};
use tessera_core::sealing::SERVER_KEY_LEN;
use tessera_core::secret::Secret;

pub const FILE_NAME: &str = "server.key";

fn parse(text: &str, path: &Path) -> anyhow::Result<Secret<[u8; SERVER_KEY_LEN]>> {
    let bytes = hex::decode(text.trim())
        .with_context(|| format!("{} must hold 64 hexadecimal digits", path.display()))?;
    let key: [u8; SERVER_KEY_LEN] = bytes
        .try_into()
        .map_err(|_| anyhow::anyhow!("{} must hold 64 hexadecimal digits", path.display()))?;
    Ok(Secret::new(key))
}

/// Reads the configured key file, or the data folder's (generating it on first start).
pub fn load_or_generate(
    data_dir: &Path,
    configured: Option<&Path>,
) -> anyhow::Result<Secret<[u8; SERVER_KEY_LEN]>> {
    if let Some(path) = configured {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading server key {}", path.display()))?;
        return parse(&text, path);
    }
    let path = data_dir.join(FILE_NAME);
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading server key {}", path.display()))?;
        return parse(&text, &path);
    }
    let mut key = [0u8; SERVER_KEY_LEN];
    SystemRng.fill(&mut key);
    crate::admin_keys::write_private(&path, hex::encode(key).as_bytes())?;
    Ok(Secret::new(key))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn generated_once_then_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let a = load_or_generate(dir.path(), None).unwrap();
        let b = load_or_generate(dir.path(), None).unwrap();
        assert_eq!(a.expose(), b.expose());
        let other = dir.path().join("other.key");
        std::fs::write(&other, "zz").unwrap();
        assert!(load_or_generate(dir.path(), Some(&other)).is_err());
        std::fs::write(&other, hex::encode([7u8; 32])).unwrap();
        assert_eq!(
            load_or_generate(dir.path(), Some(&other)).unwrap().expose(),
            &[7u8; 32]
        );
    }
}
