//! Full export and restore (beyond Cognito, which exports no password hashes): every pool, or
//! one, with its clients (and their secrets), documents (domains, resource servers, branding,
//! terms, MFA configuration, passkeys), signing keys, groups and memberships, users with their
//! password hashes, SRP verifiers and TOTP secrets, and remembered devices, as an archive
//! encrypted to a passphrase. `docs/export-format.md` documents the format.
//!
//! What the server key sealed is opened on export and sealed again with the target's key on
//! restore, so an archive moves between Tessera installations (and SQLite ⇄ PostgreSQL). Sign-in
//! sessions, refresh tokens and codes are not exported: users sign in again.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tessera_wire::idp::{UserPoolClientType, UserPoolType};

use crate::sealing::Purpose;
use crate::secret::Secret;
use crate::store::{
    ClientRecord, DeviceRecord, DocKind, DocumentRecord, GroupRecord, PoolRecord, SigningKeyRecord,
    StoreError, UserRecord,
};
use crate::{CoreError, Tessera};

pub const FORMAT: &str = "tessera-export";
pub const VERSION: u32 = 1;
/// Argon2id parameters of the passphrase (each archive's own salt).
const KDF_M_KIB: u32 = 65_536;
const KDF_T: u32 = 3;
const PAGE: u32 = 500;

const DOC_KINDS: &[DocKind] = &[
    DocKind::Domain,
    DocKind::ResourceServer,
    DocKind::Terms,
    DocKind::UiCustomization,
    DocKind::Branding,
    DocKind::MfaConfig,
    DocKind::Passkey,
    DocKind::IdentityProvider,
    DocKind::IdpIdentifier,
    DocKind::ProviderLink,
    DocKind::SigningCertificate,
];

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

/// One record of the payload (JSON lines, each tagged with its `kind`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Item {
    Pool {
        id: String,
        name: String,
        region: String,
        created_ms: i64,
        modified_ms: i64,
        config: Box<UserPoolType>,
    },
    SigningKey {
        pool_id: String,
        kid: String,
        created_ms: i64,
        /// PKCS#8 DER, base64.
        private_key: String,
        public_jwk: String,
        retire_after_ms: Option<i64>,
    },
    Client {
        pool_id: String,
        client_id: String,
        client_name: String,
        secret: Option<String>,
        created_ms: i64,
        modified_ms: i64,
        config: Box<UserPoolClientType>,
    },
    Document {
        pool_id: String,
        doc_kind: String,
        key: String,
        doc: String,
        created_ms: i64,
        modified_ms: i64,
    },
    Group {
        pool_id: String,
        name: String,
        description: Option<String>,
        precedence: Option<i32>,
        role_arn: Option<String>,
        created_ms: i64,
        modified_ms: i64,
    },
    User {
        pool_id: String,
        sub: String,
        username: String,
        status: String,
        enabled: bool,
        attributes: std::collections::BTreeMap<String, String>,
        password_hash: Option<String>,
        password_set_ms: Option<i64>,
        /// With the SRP verifier and TOTP secrets opened (base64 of the plain bytes).
        extra: Value,
        created_ms: i64,
        modified_ms: i64,
    },
    Member {
        pool_id: String,
        group: String,
        sub: String,
    },
    Device {
        pool_id: String,
        device_key: String,
        sub: String,
        /// With the device's SRP verifier opened.
        doc: Value,
        created_ms: i64,
        modified_ms: i64,
        last_authenticated_ms: Option<i64>,
    },
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
}

fn corrupt(what: impl std::fmt::Display) -> CoreError {
    CoreError::InvalidParameter(format!("The archive cannot be read: {what}"))
}

fn backend(what: impl std::fmt::Display) -> CoreError {
    CoreError::Storage(StoreError::Backend(what.to_string()))
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

/// The pool a record belongs to.
fn item_pool(item: &Item) -> &str {
    match item {
        Item::Pool { id, .. } => id,
        Item::SigningKey { pool_id, .. }
        | Item::Client { pool_id, .. }
        | Item::Document { pool_id, .. }
        | Item::Group { pool_id, .. }
        | Item::User { pool_id, .. }
        | Item::Member { pool_id, .. }
        | Item::Device { pool_id, .. } => pool_id,
    }
}

/// Opens or seals one value.
type Transform<'a> = dyn FnMut(&[u8]) -> Result<Vec<u8>, CoreError> + 'a;

/// Swaps a sealed value at `path` in `v` for its opened (or, `seal`, re-sealed) form.
fn at<'a>(v: &'a mut Value, path: &[&str]) -> Option<&'a mut Value> {
    let mut cur = v;
    for p in path {
        cur = cur.get_mut(*p)?;
    }
    Some(cur)
}

/// Opening: `sealed:<b64>` becomes `<b64>`; sealing: `<b64>` becomes `sealed:<b64>`.
fn strip_or_add_prefix(v: &mut Value, path: &[&str], opening: bool) {
    if let Some(cur) = at(v, path)
        && let Some(s) = cur.as_str()
    {
        let next = if opening {
            s.strip_prefix(SEALED_PREFIX).unwrap_or(s).to_string()
        } else {
            format!("{SEALED_PREFIX}{s}")
        };
        *cur = Value::String(next);
    }
}

fn encode_text(v: &mut Value, path: &[&str]) {
    if let Some(cur) = at(v, path)
        && let Some(s) = cur.as_str()
    {
        *cur = Value::String(STANDARD.encode(s.as_bytes()));
    }
}

fn decode_text(v: &mut Value, path: &[&str]) -> Result<(), CoreError> {
    if let Some(cur) = at(v, path)
        && let Some(s) = cur.as_str()
    {
        let bytes = STANDARD.decode(s).map_err(corrupt)?;
        *cur = Value::String(String::from_utf8(bytes).map_err(corrupt)?);
    }
    Ok(())
}

fn reseal(v: &mut Value, path: &[&str], change: &mut Transform<'_>) -> Result<(), CoreError> {
    let mut cur = &mut *v;
    for p in path {
        cur = match cur.get_mut(*p) {
            Some(next) => next,
            None => return Ok(()),
        };
    }
    if let Some(s) = cur.as_str() {
        let bytes = STANDARD.decode(s).map_err(corrupt)?;
        *cur = Value::String(STANDARD.encode(change(&bytes)?));
    }
    Ok(())
}

/// Where a document kind keeps values sealed with the server key: the JSON path, the
/// purpose, and whether the associated data is `<pool>/<key>` (else the pool id).
fn sealed_paths(kind: DocKind) -> &'static [(&'static [&'static str], Purpose, bool)] {
    match kind {
        DocKind::IdentityProvider => &[
            (&["details", "client_secret"], Purpose::ClientSecret, true),
            (&["details", "private_key"], Purpose::ClientSecret, true),
        ],
        DocKind::SigningCertificate => &[(&["key"], Purpose::SigningKey, false)],
        _ => &[],
    }
}

/// A provider's secrets are kept as `sealed:<base64>` (federation::providers).
const SEALED_PREFIX: &str = "sealed:";

impl Tessera {
    /// A document as the archive holds it: values sealed with this server key opened.
    fn document_out(
        &self,
        kind: DocKind,
        pool_id: &str,
        key: &str,
        doc: &str,
    ) -> Result<String, CoreError> {
        self.document_resealed(kind, pool_id, key, doc, true)
    }

    /// A document from an archive, its secrets sealed with this server key.
    fn document_in(
        &self,
        kind: DocKind,
        pool_id: &str,
        key: &str,
        doc: &str,
    ) -> Result<String, CoreError> {
        self.document_resealed(kind, pool_id, key, doc, false)
    }

    fn document_resealed(
        &self,
        kind: DocKind,
        pool_id: &str,
        key: &str,
        doc: &str,
        opening: bool,
    ) -> Result<String, CoreError> {
        let paths = sealed_paths(kind);
        if paths.is_empty() {
            return Ok(doc.to_string());
        }
        let mut v: Value = serde_json::from_str(doc).map_err(backend)?;
        for (path, purpose, per_key) in paths {
            let aad = if *per_key {
                format!("{pool_id}/{key}")
            } else {
                pool_id.to_string()
            };
            // Provider secrets carry a prefix; the archive holds their plain base64.
            let prefixed = kind == DocKind::IdentityProvider;
            if prefixed && opening {
                strip_or_add_prefix(&mut v, path, true);
            }
            let mut change = |b: &[u8]| {
                if opening {
                    self.open_sealed(*purpose, aad.as_bytes(), b)
                } else {
                    Ok(self.seal_again(*purpose, aad.as_bytes(), b))
                }
            };
            if prefixed && !opening {
                // Plain text in the archive: base64 it so `reseal` can seal the bytes.
                encode_text(&mut v, path);
            }
            reseal(&mut v, path, &mut change)?;
            if prefixed && opening {
                decode_text(&mut v, path)?;
            }
            if prefixed && !opening {
                strip_or_add_prefix(&mut v, path, false);
            }
        }
        serde_json::to_string(&v).map_err(backend)
    }

    fn open_sealed(
        &self,
        purpose: Purpose,
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<Vec<u8>, CoreError> {
        self.sealer
            .open(purpose, aad, sealed)
            .map_err(|_| backend("a sealed value does not open with this server key"))
    }

    fn seal_again(&self, purpose: Purpose, aad: &[u8], plain: &[u8]) -> Vec<u8> {
        self.sealer.seal(purpose, aad, plain, self.rng.as_ref())
    }

    /// Every record of one pool as payload lines.
    async fn export_pool(&self, pool: &PoolRecord, out: &mut Vec<u8>) -> Result<(), CoreError> {
        let line = |item: &Item, out: &mut Vec<u8>| -> Result<(), CoreError> {
            serde_json::to_writer(&mut *out, item).map_err(backend)?;
            out.push(b'\n');
            Ok(())
        };
        let id = pool.id.clone();
        line(
            &Item::Pool {
                id: id.clone(),
                name: pool.name.clone(),
                region: pool.region.clone(),
                created_ms: pool.created_ms,
                modified_ms: pool.modified_ms,
                config: Box::new(pool.config.clone()),
            },
            out,
        )?;
        for k in self
            .store
            .list_signing_keys(&id, self.clock.now_millis())
            .await?
        {
            let der = self.open_sealed(Purpose::SigningKey, id.as_bytes(), &k.private_sealed)?;
            line(
                &Item::SigningKey {
                    pool_id: id.clone(),
                    kid: k.kid,
                    created_ms: k.created_ms,
                    private_key: STANDARD.encode(der),
                    public_jwk: k.public_jwk,
                    retire_after_ms: k.retire_after_ms,
                },
                out,
            )?;
        }
        let mut after: Option<String> = None;
        loop {
            let page = self.store.list_clients(&id, after.as_deref(), PAGE).await?;
            for c in &page {
                let c = self.open_client(c.clone())?;
                line(
                    &Item::Client {
                        pool_id: id.clone(),
                        client_id: c.client_id.clone(),
                        client_name: c.client_name.clone(),
                        secret: c.secret.as_ref().map(|s| s.expose().clone()),
                        created_ms: c.created_ms,
                        modified_ms: c.modified_ms,
                        config: Box::new(c.config.clone()),
                    },
                    out,
                )?;
            }
            match page.last() {
                Some(last) if page.len() == PAGE as usize => after = Some(last.client_id.clone()),
                _ => break,
            }
        }
        for kind in DOC_KINDS {
            let mut after: Option<String> = None;
            loop {
                let page = self
                    .store
                    .list_documents(&id, *kind, after.as_deref(), PAGE)
                    .await?;
                for d in &page {
                    line(
                        &Item::Document {
                            pool_id: id.clone(),
                            doc_kind: kind.as_str().to_string(),
                            key: d.key.clone(),
                            doc: self.document_out(*kind, &id, &d.key, &d.doc)?,
                            created_ms: d.created_ms,
                            modified_ms: d.modified_ms,
                        },
                        out,
                    )?;
                }
                match page.last() {
                    Some(last) if page.len() == PAGE as usize => after = Some(last.key.clone()),
                    _ => break,
                }
            }
        }
        let mut after: Option<String> = None;
        loop {
            let page = self.store.list_groups(&id, after.as_deref(), PAGE).await?;
            for g in &page {
                line(
                    &Item::Group {
                        pool_id: id.clone(),
                        name: g.name.clone(),
                        description: g.description.clone(),
                        precedence: g.precedence,
                        role_arn: g.role_arn.clone(),
                        created_ms: g.created_ms,
                        modified_ms: g.modified_ms,
                    },
                    out,
                )?;
            }
            match page.last() {
                Some(last) if page.len() == PAGE as usize => after = Some(last.name.clone()),
                _ => break,
            }
        }
        // The users written, by a 64-bit digest of their sub (8 bytes each): memberships and
        // devices come after the users, and those of a user made meanwhile stay out, so that
        // the archive restores (the export is not a snapshot; docs/export-format.md).
        let mut written: std::collections::HashSet<u64> = Default::default();
        let digest = |sub: &str| {
            use std::hash::{Hash, Hasher};
            let mut h = std::hash::DefaultHasher::new();
            sub.hash(&mut h);
            h.finish()
        };
        let mut cursor = None;
        loop {
            let page = self
                .store
                .list_users(&id, None, cursor.as_ref(), PAGE)
                .await?;
            for u in &page {
                written.insert(digest(&u.sub));
                let mut extra = u.extra.clone();
                let aad = id.as_bytes();
                let mut open = |b: &[u8]| self.open_sealed(Purpose::SrpVerifier, aad, b);
                reseal(&mut extra, &["srp", "verifier"], &mut open)?;
                let mut open = |b: &[u8]| self.open_sealed(Purpose::TotpSecret, aad, b);
                reseal(&mut extra, &["mfa", "totp_secret"], &mut open)?;
                reseal(&mut extra, &["mfa", "totp_pending"], &mut open)?;
                line(
                    &Item::User {
                        pool_id: id.clone(),
                        sub: u.sub.clone(),
                        username: u.username.clone(),
                        status: u.status.clone(),
                        enabled: u.enabled,
                        attributes: u.attributes.clone(),
                        password_hash: u.password_hash.as_ref().map(|h| h.expose().clone()),
                        password_set_ms: u.password_set_ms,
                        extra,
                        created_ms: u.created_ms,
                        modified_ms: u.modified_ms,
                    },
                    out,
                )?;
            }
            match page.last() {
                Some(last) if page.len() == PAGE as usize => {
                    cursor = Some(crate::store::UserCursor::after(last, None))
                }
                _ => break,
            }
        }
        // Memberships and devices by the page for the whole pool, not a query per user: a
        // restore applies them after every user is in.
        let mut after: Option<(String, String)> = None;
        loop {
            let page = self
                .store
                .page_memberships(
                    &id,
                    after.as_ref().map(|(g, s)| (g.as_str(), s.as_str())),
                    PAGE,
                )
                .await?;
            for (group, sub) in page
                .iter()
                .filter(|(_, sub)| written.contains(&digest(sub)))
            {
                line(
                    &Item::Member {
                        pool_id: id.clone(),
                        group: group.clone(),
                        sub: sub.clone(),
                    },
                    out,
                )?;
            }
            match page.last() {
                Some(last) if page.len() == PAGE as usize => after = Some(last.clone()),
                _ => break,
            }
        }
        let mut after: Option<String> = None;
        loop {
            let devices = self
                .store
                .page_pool_devices(&id, after.as_deref(), PAGE)
                .await?;
            for d in devices.iter().filter(|d| written.contains(&digest(&d.sub))) {
                let mut doc: Value = serde_json::from_str(&d.doc).map_err(backend)?;
                let key = d.device_key.clone();
                let mut open = |b: &[u8]| self.open_sealed(Purpose::SrpVerifier, key.as_bytes(), b);
                reseal(&mut doc, &["verifier"], &mut open)?;
                line(
                    &Item::Device {
                        pool_id: id.clone(),
                        device_key: d.device_key.clone(),
                        sub: d.sub.clone(),
                        doc,
                        created_ms: d.created_ms,
                        modified_ms: d.modified_ms,
                        last_authenticated_ms: d.last_authenticated_ms,
                    },
                    out,
                )?;
            }
            match devices.last() {
                Some(last) if devices.len() == PAGE as usize => {
                    after = Some(last.device_key.clone())
                }
                _ => break,
            }
        }
        Ok(())
    }

    /// Writes an archive of every pool (or of `pool_id`), encrypted to `passphrase`.
    pub async fn export_archive(
        &self,
        pool_id: Option<&str>,
        passphrase: &Secret<String>,
    ) -> Result<Vec<u8>, CoreError> {
        let mut payload = Vec::new();
        match pool_id {
            Some(id) => {
                let pool = self.load_pool(id).await?;
                self.export_pool(&pool, &mut payload).await?;
            }
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
        if header.format != FORMAT || header.version != VERSION {
            return Err(corrupt(format!(
                "format {} version {} (this Tessera reads {FORMAT} {VERSION})",
                header.format, header.version
            )));
        }
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
        let items: Vec<Item> = text
            .lines()
            .filter(|l| !l.is_empty())
            .map(serde_json::from_str)
            .collect::<Result<_, _>>()
            .map_err(corrupt)?;
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
        // All or nothing: a failure part way removes the pools restored so far (everything
        // of a pool goes with it).
        match self.restore_items(items).await {
            Ok(report) => Ok(report),
            Err(e) => {
                for id in &archive_pools {
                    if let Err(cleanup) = self.store.delete_pool(id).await {
                        tracing::error!(pool_id = %id, error = %cleanup, "removing a half-restored pool failed");
                    }
                }
                Err(e)
            }
        }
    }

    async fn restore_items(&self, items: Vec<Item>) -> Result<RestoreReport, CoreError> {
        let mut report = RestoreReport::default();
        // Each pool read once, not once per user.
        let mut pools: std::collections::HashMap<String, PoolRecord> = Default::default();
        let mut users = Vec::new();
        let mut later = Vec::new();
        for item in items {
            match item {
                Item::Pool {
                    id,
                    name,
                    region,
                    created_ms,
                    modified_ms,
                    config,
                } => {
                    self.store
                        .insert_pool(&PoolRecord {
                            id,
                            name,
                            region,
                            created_ms,
                            modified_ms,
                            version: 1,
                            config: *config,
                        })
                        .await?;
                    report.pools += 1;
                }
                Item::SigningKey {
                    pool_id,
                    kid,
                    created_ms,
                    private_key,
                    public_jwk,
                    retire_after_ms,
                } => {
                    let der = STANDARD.decode(private_key).map_err(corrupt)?;
                    self.store
                        .insert_signing_key(&SigningKeyRecord {
                            private_sealed: self.seal_again(
                                Purpose::SigningKey,
                                pool_id.as_bytes(),
                                &der,
                            ),
                            pool_id,
                            kid,
                            created_ms,
                            public_jwk,
                            retire_after_ms,
                        })
                        .await?;
                }
                Item::Client {
                    pool_id,
                    client_id,
                    client_name,
                    secret,
                    created_ms,
                    modified_ms,
                    config,
                } => {
                    let rec = ClientRecord {
                        pool_id,
                        client_id,
                        client_name,
                        secret: secret.map(Secret::new),
                        created_ms,
                        modified_ms,
                        version: 1,
                        config: *config,
                    };
                    self.store.insert_client(&self.seal_client(&rec)).await?;
                    report.clients += 1;
                }
                Item::Document {
                    pool_id,
                    doc_kind,
                    key,
                    doc,
                    created_ms,
                    modified_ms,
                } => {
                    let kind = DOC_KINDS
                        .iter()
                        .find(|k| k.as_str() == doc_kind)
                        .copied()
                        .ok_or_else(|| corrupt(format!("unknown document kind {doc_kind}")))?;
                    let doc = self.document_in(kind, &pool_id, &key, &doc)?;
                    self.store
                        .insert_document(&DocumentRecord {
                            pool_id,
                            kind,
                            key,
                            doc,
                            created_ms,
                            modified_ms,
                            version: 1,
                        })
                        .await?;
                    report.documents += 1;
                }
                Item::Group {
                    pool_id,
                    name,
                    description,
                    precedence,
                    role_arn,
                    created_ms,
                    modified_ms,
                } => {
                    self.store
                        .insert_group(&GroupRecord {
                            pool_id,
                            name,
                            description,
                            precedence,
                            role_arn,
                            created_ms,
                            modified_ms,
                            version: 1,
                        })
                        .await?;
                    report.groups += 1;
                }
                Item::User {
                    pool_id,
                    sub,
                    username,
                    status,
                    enabled,
                    attributes,
                    password_hash,
                    password_set_ms,
                    mut extra,
                    created_ms,
                    modified_ms,
                } => {
                    let pool = match pools.get(&pool_id) {
                        Some(p) => p,
                        None => {
                            let p = self.load_pool(&pool_id).await?;
                            pools.entry(pool_id.clone()).or_insert(p)
                        }
                    };
                    let aad = pool_id.clone();
                    let mut seal =
                        |b: &[u8]| Ok(self.seal_again(Purpose::SrpVerifier, aad.as_bytes(), b));
                    reseal(&mut extra, &["srp", "verifier"], &mut seal)?;
                    let mut seal =
                        |b: &[u8]| Ok(self.seal_again(Purpose::TotpSecret, aad.as_bytes(), b));
                    reseal(&mut extra, &["mfa", "totp_secret"], &mut seal)?;
                    reseal(&mut extra, &["mfa", "totp_pending"], &mut seal)?;
                    let mut user = UserRecord {
                        pool_id,
                        sub,
                        username_key: crate::users::username_key(pool, &username),
                        username,
                        status,
                        enabled,
                        attributes,
                        alias_email: None,
                        alias_phone: None,
                        alias_preferred_username: None,
                        password_hash: password_hash.map(Secret::new),
                        password_set_ms,
                        extra,
                        created_ms,
                        modified_ms,
                        version: 1,
                    };
                    crate::users::refresh_aliases(pool, &mut user);
                    users.push(user);
                    if users.len() >= PAGE as usize {
                        report.users += self.insert_restored(&mut users).await?;
                    }
                }
                other => later.push(other),
            }
        }
        report.users += self.insert_restored(&mut users).await?;
        for item in later {
            match item {
                Item::Member {
                    pool_id,
                    group,
                    sub,
                } => {
                    let added = self.store.add_member(&pool_id, &group, &sub).await?;
                    if !added {
                        return Err(corrupt(format!(
                            "membership of a missing user or group {group}"
                        )));
                    }
                }
                Item::Device {
                    pool_id,
                    device_key,
                    sub,
                    mut doc,
                    created_ms,
                    modified_ms,
                    last_authenticated_ms,
                } => {
                    let key = device_key.clone();
                    let mut seal =
                        |b: &[u8]| Ok(self.seal_again(Purpose::SrpVerifier, key.as_bytes(), b));
                    reseal(&mut doc, &["verifier"], &mut seal)?;
                    self.store
                        .insert_device(&DeviceRecord {
                            pool_id,
                            device_key,
                            sub,
                            doc: doc.to_string(),
                            created_ms,
                            modified_ms,
                            last_authenticated_ms,
                        })
                        .await?;
                    report.devices += 1;
                }
                _ => {}
            }
        }
        Ok(report)
    }

    async fn insert_restored(&self, users: &mut Vec<UserRecord>) -> Result<u64, CoreError> {
        let batch = std::mem::take(users);
        let inserted = self.store.insert_users_if_absent(&batch).await?;
        if let Some((u, _)) = batch.iter().zip(&inserted).find(|(_, ok)| !**ok) {
            return Err(CoreError::InvalidParameter(format!(
                "User {} of pool {} clashes with a user here (its name or a unique alias).",
                u.username, u.pool_id
            )));
        }
        Ok(batch.len() as u64)
    }
}
