//! Export: every record of one pool as payload lines.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use super::item::{DOC_KINDS, Item};
use super::seal::reseal;
use super::{PAGE, backend};
use crate::sealing::Purpose;
use crate::store::PoolRecord;
use crate::{CoreError, Tessera};

impl Tessera {
    /// Every record of one pool as payload lines.
    pub(super) async fn export_pool(
        &self,
        pool: &PoolRecord,
        out: &mut Vec<u8>,
    ) -> Result<(), CoreError> {
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
}
