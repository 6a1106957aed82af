//! Restore: the records of an archive written into this installation's store.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::item::{DOC_KINDS, Item};
use super::seal::reseal;
use super::{PAGE, RestoreReport, corrupt};
use crate::sealing::Purpose;
use crate::secret::Secret;
use crate::store::{
    ClientRecord, DeviceRecord, DocumentRecord, GroupRecord, PoolRecord, SigningKeyRecord,
    UserRecord,
};
use crate::{CoreError, Tessera};

impl Tessera {
    pub(super) async fn restore_items(&self, items: Vec<Item>) -> Result<RestoreReport, CoreError> {
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
        self.store.bulk_loaded().await?;
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
