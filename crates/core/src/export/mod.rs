//! Full export and restore (beyond Cognito, which exports no password hashes): every pool, or
//! one, with its clients (and their secrets), documents (domains, resource servers, branding,
//! terms, MFA configuration, passkeys), signing keys, groups and memberships, users with their
//! password hashes, SRP verifiers and TOTP secrets, and remembered devices, as an archive
//! encrypted to a passphrase. `docs/export-format.md` documents the format.
//!
//! What the server key sealed is opened on export and sealed again with the target's key on
//! restore, so an archive moves between Tessera installations (and SQLite ⇄ PostgreSQL). Sign-in
//! sessions, refresh tokens and codes are not exported: users sign in again.

mod item;
mod read;
mod seal;
mod write;

#[cfg(test)]
mod tests;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use self::item::{Item, item_pool};
use crate::secret::Secret;
use crate::store::{ArchiveRefusal, StoreError};
use crate::{CoreError, Tessera};

pub const FORMAT: &str = "tessera-export";
/// The version written. 2 added the identity pools' records; restore reads 1 and 2.
pub const VERSION: u32 = 2;
/// Argon2id parameters of the passphrase (each archive's own salt).
const KDF_M_KIB: u32 = 65_536;
const KDF_T: u32 = 3;
const PAGE: u32 = 500;

/// The first line of an archive.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    created_ms: i64,
    kdf: Kdf,
    cipher: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Kdf {
    algorithm: String,
    m_kib: u32,
    t: u32,
    p: u32,
    salt: String,
}

/// What a restore wrote.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RestoreReport {
    pub pools: u64,
    pub clients: u64,
    pub users: u64,
    pub groups: u64,
    pub devices: u64,
    pub documents: u64,
    /// The records beside the user pools, by name (`identity pools`, `identities`).
    pub other: Vec<(&'static str, u64)>,
}

fn corrupt(what: impl std::fmt::Display) -> CoreError {
    CoreError::InvalidParameter(format!("The archive cannot be read: {what}"))
}

fn backend(what: impl std::fmt::Display) -> CoreError {
    CoreError::Storage(StoreError::Backend(what.to_string()))
}

/// Versions 1 (no identity pools) and 2 are read; a newer archive is refused.
fn check_header(header: &Header) -> Result<(), CoreError> {
    if header.format != FORMAT || !(1..=VERSION).contains(&header.version) {
        return Err(corrupt(format!(
            "format {} version {} (this Tessera reads {FORMAT} 1 to {VERSION})",
            header.format, header.version
        )));
    }
    Ok(())
}

/// A store's refusal of the other records as the restore's error.
fn refused(e: ArchiveRefusal) -> CoreError {
    match e {
        ArchiveRefusal::Unreadable(what) => corrupt(what),
        ArchiveRefusal::Exists(message) => CoreError::InvalidParameter(message),
        ArchiveRefusal::Store(e) => CoreError::Storage(e),
    }
}

/// Appends records as payload lines.
fn write_records(records: &[Value], out: &mut Vec<u8>) -> Result<(), CoreError> {
    for r in records {
        serde_json::to_writer(&mut *out, r).map_err(backend)?;
        out.push(b'\n');
    }
    Ok(())
}

/// The payload's lines: the user pools' records, and those of a kind in `extra_kinds`
/// (read by the store) apart.
fn parse_payload(text: &str, extra_kinds: &[&str]) -> Result<(Vec<Item>, Vec<Value>), CoreError> {
    let (mut items, mut records) = (Vec::new(), Vec::new());
    for line in text.lines().filter(|l| !l.is_empty()) {
        let v: Value = serde_json::from_str(line).map_err(corrupt)?;
        match v.get("kind").and_then(Value::as_str) {
            Some(kind) if extra_kinds.contains(&kind) => records.push(v),
            _ => items.push(serde_json::from_value(v).map_err(corrupt)?),
        }
    }
    Ok((items, records))
}

fn kdf(passphrase: &[u8], salt: &[u8], m_kib: u32, t: u32) -> Result<[u8; 32], CoreError> {
    let params = argon2::Params::new(m_kib, t, 1, Some(32)).map_err(backend)?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key = [0u8; 32];
    argon
        .hash_password_into(passphrase, salt, &mut key)
        .map_err(backend)?;
    Ok(key)
}

impl Tessera {
    /// Writes an archive of every pool (or of `pool_id`), encrypted to `passphrase`.
    pub async fn export_archive(
        &self,
        pool_id: Option<&str>,
        passphrase: &Secret<String>,
    ) -> Result<Vec<u8>, CoreError> {
        let mut payload = Vec::new();
        let extra = self.store.archive_extra();
        match pool_id {
            // One pool: a user pool, else one of the other records' pools (an identity pool).
            Some(id) => match self.store.get_pool(id).await? {
                Some(pool) => self.export_pool(&pool, &mut payload).await?,
                None => {
                    let records = match extra {
                        Some(x) => x.export_records(Some(id)).await?,
                        None => Vec::new(),
                    };
                    if records.is_empty() {
                        self.load_pool(id).await?;
                    }
                    write_records(&records, &mut payload)?;
                }
            },
            None => {
                let mut after: Option<String> = None;
                loop {
                    let page = self.store.list_pools(after.as_deref(), 100).await?;
                    for p in &page {
                        self.export_pool(p, &mut payload).await?;
                    }
                    match page.last() {
                        Some(last) if page.len() == 100 => after = Some(last.id.clone()),
                        _ => break,
                    }
                }
                if let Some(x) = extra {
                    write_records(&x.export_records(None).await?, &mut payload)?;
                }
            }
        }
        let mut salt = [0u8; 16];
        self.rng.fill(&mut salt);
        let header = Header {
            format: FORMAT.into(),
            version: VERSION,
            created_ms: self.clock.now_millis(),
            kdf: Kdf {
                algorithm: "argon2id".into(),
                m_kib: KDF_M_KIB,
                t: KDF_T,
                p: 1,
                salt: STANDARD.encode(salt),
            },
            cipher: "AES-256-GCM".into(),
        };
        let header_line = serde_json::to_string(&header).map_err(backend)?;
        let (pass, salt_v) = (passphrase.expose().clone(), salt.to_vec());
        let key = crate::users::password::bounded(move || {
            kdf(pass.as_bytes(), &salt_v, KDF_M_KIB, KDF_T)
        })
        .await??;
        let mut nonce = [0u8; 12];
        self.rng.fill(&mut nonce);
        let sealing = aws_lc_rs::aead::LessSafeKey::new(
            aws_lc_rs::aead::UnboundKey::new(&aws_lc_rs::aead::AES_256_GCM, &key)
                .map_err(backend)?,
        );
        // The header is authenticated with the payload.
        sealing
            .seal_in_place_append_tag(
                aws_lc_rs::aead::Nonce::assume_unique_for_key(nonce),
                aws_lc_rs::aead::Aad::from(header_line.as_bytes()),
                &mut payload,
            )
            .map_err(backend)?;
        let mut out = Vec::with_capacity(header_line.len() + 13 + payload.len());
        out.extend_from_slice(header_line.as_bytes());
        out.push(b'\n');
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&payload);
        Ok(out)
    }

    /// Loads an archive into this installation's database, sealing again with its server
    /// key. A pool whose id exists here already stops the restore before anything of it is
    /// written.
    pub async fn restore_archive(
        &self,
        archive: &[u8],
        passphrase: &Secret<String>,
    ) -> Result<RestoreReport, CoreError> {
        let split = archive
            .iter()
            .position(|b| *b == b'\n')
            .ok_or_else(|| corrupt("no header"))?;
        let header_line = &archive[..split];
        let header: Header = serde_json::from_slice(header_line).map_err(corrupt)?;
        check_header(&header)?;
        let rest = &archive[split + 1..];
        if rest.len() < 12 + 16 {
            return Err(corrupt("truncated"));
        }
        let salt = STANDARD.decode(&header.kdf.salt).map_err(corrupt)?;
        let (pass, m, t) = (passphrase.expose().clone(), header.kdf.m_kib, header.kdf.t);
        if m > 1_048_576 || t > 16 {
            return Err(corrupt("unreasonable key derivation parameters"));
        }
        let key =
            crate::users::password::bounded(move || kdf(pass.as_bytes(), &salt, m, t)).await??;
        let mut nonce = [0u8; 12];
        nonce.copy_from_slice(&rest[..12]);
        let mut payload = rest[12..].to_vec();
        let opening = aws_lc_rs::aead::LessSafeKey::new(
            aws_lc_rs::aead::UnboundKey::new(&aws_lc_rs::aead::AES_256_GCM, &key)
                .map_err(backend)?,
        );
        let plain = opening
            .open_in_place(
                aws_lc_rs::aead::Nonce::assume_unique_for_key(nonce),
                aws_lc_rs::aead::Aad::from(header_line),
                &mut payload,
            )
            .map_err(|_| {
                CoreError::NotAuthorized(
                    "The archive does not open with this passphrase (or it was altered).".into(),
                )
            })?;
        let text = std::str::from_utf8(plain).map_err(corrupt)?;
        let extra = self.store.archive_extra();
        let (items, records) = parse_payload(text, extra.map(|x| x.kinds()).unwrap_or(&[]))?;
        // Nothing is written if a pool exists here already.
        for item in &items {
            if let Item::Pool { id, .. } = item
                && self.store.get_pool(id).await?.is_some()
            {
                return Err(CoreError::InvalidParameter(format!(
                    "User pool {id} exists in this installation already: restore into another database, or delete it first."
                )));
            }
        }
        // Every record belongs to a pool of the archive (an archive must not write into
        // the pools already here, e.g. plant a signing key).
        let archive_pools: std::collections::BTreeSet<String> = items
            .iter()
            .filter_map(|i| match i {
                Item::Pool { id, .. } => Some(id.clone()),
                _ => None,
            })
            .collect();
        if let Some(stray) = items
            .iter()
            .map(item_pool)
            .find(|p| !archive_pools.contains(*p))
        {
            return Err(corrupt(format!(
                "a record of pool {stray}, which the archive does not hold"
            )));
        }
        // The other records (identity pools) are checked the same way, before anything is
        // written: unreadable or stray records, and pools that exist here, stop the restore.
        let extra_pools = match extra {
            Some(x) if !records.is_empty() => x.check_records(&records).await.map_err(refused)?,
            _ => Vec::new(),
        };
        // All or nothing: a failure part way removes the pools restored so far (everything
        // of a pool goes with it).
        let restored = match self.restore_items(items).await {
            Ok(mut report) => match extra {
                Some(x) if !records.is_empty() => match x.restore_records(&records).await {
                    Ok(counts) => {
                        report.other = counts;
                        Ok(report)
                    }
                    Err(e) => Err(refused(e)),
                },
                _ => Ok(report),
            },
            Err(e) => Err(e),
        };
        if restored.is_err() {
            for id in &archive_pools {
                if let Err(cleanup) = self.store.delete_pool(id).await {
                    tracing::error!(pool_id = %id, error = %cleanup, "removing a half-restored pool failed");
                }
            }
            if let Some(x) = extra
                && !extra_pools.is_empty()
                && let Err(cleanup) = x.remove_pools(&extra_pools).await
            {
                tracing::error!(error = %cleanup, "removing half-restored identity pools failed");
            }
        }
        restored
    }
}
