//! `CreateIdentityProvider`, `DescribeIdentityProvider`, `UpdateIdentityProvider`,
//! `DeleteIdentityProvider`, `ListIdentityProviders`, `GetIdentityProviderByIdentifier` and
//! `GetSigningCertificate`.
//!
//! A provider is a pool document keyed by its name, with its secrets (client secret, Apple's
//! private key) sealed with the server key. Each IdpIdentifier is a document of its own
//! keyed by the identifier, so the store's unique key keeps identifiers unique in the pool
//! under concurrent writes: identifiers are claimed before the provider is written and
//! released after, and one whose provider no longer names it is free to take.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use tessera_wire::idp::{
    CreateIdentityProviderRequest, IdentityProviderType, ProviderDescription,
    UpdateIdentityProviderRequest,
};

use super::details::{self, Hidden, SECRET_KEYS};
use crate::oauth::{new_doc, read_doc};
use crate::sealing::Purpose;
use crate::store::{DocKind, DocumentRecord, PoolRecord, StoreError};
use crate::{CoreError, Tessera};

/// Cognito's quota: "Identity providers per user pool: 300".
pub const MAX_PROVIDERS: u32 = 300;
/// How old an identifier's claim must be before a provider that does not list it loses it.
const ORPHAN_AFTER_MS: i64 = 60_000;
/// How often a SAML provider's MetadataURL is read again (at a sign-in that finds it older).
const METADATA_REFRESH_MS: i64 = 6 * 3600 * 1000;
/// The prefix of a sealed value in a stored provider's details.
const SEALED: &str = "sealed:";

/// DescribeIdentityProvider's words for a missing provider (docs/fidelity.md F2).
pub(crate) fn provider_not_found(pool_id: &str, name: &str) -> CoreError {
    CoreError::ResourceNotFound(format!(
        "Identity provider {name} for tenantId {pool_id} does not exist."
    ))
}

/// UpdateIdentityProvider's (and DeleteIdentityProvider's) words for a missing provider.
fn provider_not_in_pool(pool_id: &str, name: &str) -> CoreError {
    CoreError::ResourceNotFound(format!(
        "Identity provider {name} in User Pool {pool_id} does not exist."
    ))
}

fn duplicate(pool_id: &str, name: &str) -> CoreError {
    CoreError::DuplicateProvider(format!("{name} already exists for tenant {pool_id}."))
}

fn duplicate_identifier(identifier: &str) -> CoreError {
    CoreError::DuplicateProvider(format!(
        "The IdP identifier {identifier} is already used by another provider in this user pool."
    ))
}

/// A provider as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredProvider {
    provider_type: String,
    details: BTreeMap<String, String>,
    attribute_mapping: BTreeMap<String, String>,
    #[serde(default)]
    idp_identifiers: Vec<String>,
    #[serde(default)]
    hidden: Hidden,
}

/// A provider with its secrets opened, as the flows use it.
#[derive(Debug, Clone)]
pub struct Provider {
    pub pool_id: String,
    pub name: String,
    pub provider_type: String,
    pub details: BTreeMap<String, String>,
    pub attribute_mapping: BTreeMap<String, String>,
    pub idp_identifiers: Vec<String>,
    pub hidden: Hidden,
    pub created_ms: i64,
    pub modified_ms: i64,
}

impl Provider {
    pub fn detail(&self, key: &str) -> Option<&str> {
        self.details.get(key).map(String::as_str)
    }

    /// As Cognito shows it: Apple's private key is never returned, and Create and Update
    /// return IdpIdentifiers only when the request gave them (docs/fidelity.md F3).
    fn describe(&self, pool_id: &str, with_identifiers: bool) -> IdentityProviderType {
        IdentityProviderType {
            acr_mapping: None,
            attribute_mapping: Some(self.attribute_mapping.clone().into_iter().collect()),
            creation_date: Some(self.created_ms as f64 / 1000.0),
            idp_identifiers: with_identifiers.then(|| self.idp_identifiers.clone()),
            last_modified_date: Some(self.modified_ms as f64 / 1000.0),
            provider_details: Some(
                self.details
                    .iter()
                    .filter(|(k, _)| k.as_str() != "private_key")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            provider_name: Some(self.name.clone()),
            provider_type: Some(self.provider_type.clone()),
            user_pool_id: Some(pool_id.to_string()),
        }
    }
}

/// The attribute that names the upstream user, by provider type (Cognito maps it to
/// `username` unless told otherwise).
pub(crate) fn default_subject_claim(provider_type: &str) -> &'static str {
    match provider_type {
        details::FACEBOOK => "id",
        details::AMAZON => "user_id",
        details::SAML => super::saml::NAME_ID,
        _ => "sub",
    }
}

/// The mapping as Cognito completes it: `username` from the upstream id, except for SAML,
/// whose users are named by their NameID without a mapping.
fn with_default_username(provider_type: &str, mapping: &mut BTreeMap<String, String>) {
    if provider_type != details::SAML {
        mapping
            .entry("username".into())
            .or_insert_with(|| default_subject_claim(provider_type).into());
    }
}

/// The names a provider of this type may have: the social providers' are fixed.
fn check_name(name: &str, provider_type: &str) -> Result<(), CoreError> {
    let social = [
        details::GOOGLE,
        details::FACEBOOK,
        details::AMAZON,
        details::APPLE,
    ];
    if social.contains(&provider_type) && name != provider_type {
        return Err(CoreError::InvalidParameter(format!(
            "Provider {name} cannot be of type {provider_type}."
        )));
    }
    if !social.contains(&provider_type)
        && (social.contains(&name) || name.eq_ignore_ascii_case("cognito"))
    {
        return Err(CoreError::InvalidParameter(format!(
            "{name} is a reserved provider name."
        )));
    }
    Ok(())
}

fn check_mapping(pool: &PoolRecord, mapping: &BTreeMap<String, String>) -> Result<(), CoreError> {
    let names: Vec<&str> = pool
        .config
        .schema_attributes
        .iter()
        .flatten()
        .filter_map(|a| a.name.as_deref())
        .collect();
    for (attr, claim) in mapping {
        if (attr != "username" && (attr == "sub" || !names.contains(&attr.as_str())))
            || claim.is_empty()
        {
            return Err(CoreError::InvalidParameter(format!(
                "AttributeMapping contains invalid mapping: [{attr}]"
            )));
        }
    }
    Ok(())
}

fn identifier_key(identifier: &str) -> String {
    identifier.to_ascii_lowercase()
}

impl Tessera {
    fn seal_details(&self, pool_id: &str, name: &str, d: &mut BTreeMap<String, String>) {
        let aad = format!("{pool_id}/{name}");
        for k in SECRET_KEYS {
            if let Some(v) = d.get_mut(*k) {
                let sealed = self.sealer.seal(
                    Purpose::ClientSecret,
                    aad.as_bytes(),
                    v.as_bytes(),
                    self.rng.as_ref(),
                );
                *v = format!("{SEALED}{}", STANDARD.encode(sealed));
            }
        }
    }

    fn open_provider(&self, rec: &DocumentRecord) -> Result<Provider, CoreError> {
        let stored: StoredProvider = read_doc(rec)?;
        let aad = format!("{}/{}", rec.pool_id, rec.key);
        let mut details = stored.details;
        for k in SECRET_KEYS {
            if let Some(v) = details.get_mut(*k)
                && let Some(b64) = v.strip_prefix(SEALED)
            {
                let opened = STANDARD
                    .decode(b64)
                    .ok()
                    .and_then(|s| {
                        self.sealer
                            .open(Purpose::ClientSecret, aad.as_bytes(), &s)
                            .ok()
                    })
                    .and_then(|p| String::from_utf8(p).ok())
                    .ok_or_else(|| {
                        CoreError::Storage(StoreError::Backend(
                            "a provider secret does not open with this server key".into(),
                        ))
                    })?;
                *v = opened;
            }
        }
        Ok(Provider {
            pool_id: rec.pool_id.clone(),
            name: rec.key.clone(),
            provider_type: stored.provider_type,
            details,
            attribute_mapping: stored.attribute_mapping,
            idp_identifiers: stored.idp_identifiers,
            hidden: stored.hidden,
            created_ms: rec.created_ms,
            modified_ms: rec.modified_ms,
        })
    }

    fn stored(&self, pool_id: &str, p: &Provider) -> StoredProvider {
        let mut details = p.details.clone();
        self.seal_details(pool_id, &p.name, &mut details);
        StoredProvider {
            provider_type: p.provider_type.clone(),
            details,
            attribute_mapping: p.attribute_mapping.clone(),
            idp_identifiers: p.idp_identifiers.clone(),
            hidden: p.hidden.clone(),
        }
    }

    /// A SAML provider with EncryptedResponses shows the certificate its assertions are
    /// encrypted to (the pool's).
    async fn with_encryption_certificate(
        &self,
        pool_id: &str,
        provider_type: &str,
        mut d: BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>, CoreError> {
        if provider_type == details::SAML
            && d.get("EncryptedResponses").map(String::as_str) == Some("true")
        {
            let c = self.signing_certificate(pool_id).await?;
            d.insert("ActiveEncryptionCertificate".into(), c.certificate);
        }
        Ok(d)
    }

    /// A SAML provider whose MetadataURL was read more than [`METADATA_REFRESH_MS`] ago is
    /// read again (new certificates, a moved sign-in URL); if that fails, the copy it has
    /// stays in use.
    pub(crate) async fn with_fresh_metadata(&self, p: Provider) -> Provider {
        let now = self.clock.now_millis();
        let stale = p.provider_type == details::SAML
            && p.details.contains_key("MetadataURL")
            && p.hidden
                .saml_metadata_ms
                .is_none_or(|at| now - at >= METADATA_REFRESH_MS);
        if !stale {
            return p;
        }
        let input: std::collections::HashMap<String, String> = p
            .details
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let completed = details::complete(
            &p.provider_type,
            &input,
            &self.settings.federation_endpoints,
            self.upstream.as_ref(),
        )
        .await;
        let (d, mut hidden) = match completed {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(provider = %p.name, error = %e, "SAML metadata refresh failed");
                return p;
            }
        };
        hidden.saml_metadata_ms = Some(now);
        let mut next = p.clone();
        next.details = match self
            .with_encryption_certificate(&p.pool_id, &p.provider_type, d)
            .await
        {
            Ok(d) => d,
            Err(_) => return p,
        };
        next.hidden = hidden;
        let written = match self
            .store
            .get_document(&p.pool_id, DocKind::IdentityProvider, &p.name)
            .await
        {
            Ok(Some(rec)) => {
                self.replace_doc(&rec, &self.stored(&p.pool_id, &next))
                    .await
            }
            _ => return p,
        };
        if let Err(e) = written {
            // Another node refreshed it meanwhile: what it read is as good.
            tracing::debug!(provider = %p.name, error = %e, "SAML metadata refresh not stored");
        }
        next
    }

    /// The names of the pool's providers.
    pub(crate) async fn provider_names(&self, pool_id: &str) -> Result<Vec<String>, CoreError> {
        Ok(self
            .store
            .list_documents(pool_id, DocKind::IdentityProvider, None, MAX_PROVIDERS)
            .await?
            .into_iter()
            .map(|r| r.key)
            .collect())
    }

    /// A provider of the pool, its secrets opened.
    pub async fn identity_provider(
        &self,
        pool_id: &str,
        name: &str,
    ) -> Result<Option<Provider>, CoreError> {
        match self
            .store
            .get_document(pool_id, DocKind::IdentityProvider, name)
            .await?
        {
            Some(rec) => Ok(Some(self.open_provider(&rec)?)),
            None => Ok(None),
        }
    }

    /// Takes the identifiers for `provider`; on a conflict, releases what it took.
    async fn claim_identifiers(
        &self,
        pool_id: &str,
        provider: &str,
        identifiers: &[String],
    ) -> Result<(), CoreError> {
        let mut taken: Vec<String> = Vec::new();
        for id in identifiers {
            let key = identifier_key(id);
            let rec = new_doc(
                pool_id,
                DocKind::IdpIdentifier,
                &key,
                &provider,
                self.clock.now_millis(),
            )?;
            let result = match self.store.insert_document(&rec).await {
                Ok(()) => Ok(true),
                Err(StoreError::Conflict(_)) => {
                    self.take_over_identifier(pool_id, provider, &key).await
                }
                Err(e) => Err(e.into()),
            };
            match result {
                Ok(true) => taken.push(key),
                Ok(false) => {
                    self.release_identifiers(pool_id, &taken).await;
                    return Err(duplicate_identifier(id));
                }
                Err(e) => {
                    self.release_identifiers(pool_id, &taken).await;
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// An identifier document that exists already: ours if it names this provider, or a
    /// provider that no longer lists it (left behind by an interrupted write).
    async fn take_over_identifier(
        &self,
        pool_id: &str,
        provider: &str,
        key: &str,
    ) -> Result<bool, CoreError> {
        let Some(rec) = self
            .store
            .get_document(pool_id, DocKind::IdpIdentifier, key)
            .await?
        else {
            return Ok(false);
        };
        let owner: String = read_doc(&rec)?;
        if owner == provider {
            return Ok(true);
        }
        // A claim this young may belong to a create or update still under way (its provider
        // not written yet): only one left behind by an interrupted write can be taken.
        if self.clock.now_millis() - rec.modified_ms < ORPHAN_AFTER_MS {
            return Ok(false);
        }
        let still_listed = match self.identity_provider(pool_id, &owner).await? {
            Some(p) => p.idp_identifiers.iter().any(|i| identifier_key(i) == key),
            None => false,
        };
        if still_listed {
            return Ok(false);
        }
        let mut next = rec.clone();
        next.doc = serde_json::to_string(provider).unwrap_or_default();
        next.version = rec.version + 1;
        Ok(self.store.update_document(&next, rec.version).await?)
    }

    async fn release_identifiers(&self, pool_id: &str, keys: &[String]) {
        for key in keys {
            if let Err(e) = self
                .store
                .delete_document(pool_id, DocKind::IdpIdentifier, key)
                .await
            {
                tracing::warn!(error = %e, "could not release an IdP identifier");
            }
        }
    }

    fn check_identifiers(identifiers: &[String]) -> Result<(), CoreError> {
        let mut seen = std::collections::HashSet::new();
        for id in identifiers {
            if !seen.insert(identifier_key(id)) {
                return Err(CoreError::InvalidParameter(format!(
                    "Duplicate IdP identifier {id}."
                )));
            }
        }
        Ok(())
    }

    /// `CreateIdentityProvider`.
    pub async fn create_identity_provider(
        &self,
        req: CreateIdentityProviderRequest,
    ) -> Result<IdentityProviderType, CoreError> {
        let pool = self.load_pool(&req.user_pool_id).await?;
        check_name(&req.provider_name, &req.provider_type)?;
        let mut mapping: BTreeMap<String, String> = req
            .attribute_mapping
            .unwrap_or_default()
            .into_iter()
            .collect();
        check_mapping(&pool, &mapping)?;
        let with_identifiers = req.idp_identifiers.is_some();
        let identifiers = req.idp_identifiers.unwrap_or_default();
        Self::check_identifiers(&identifiers)?;
        if self
            .store
            .get_document(&pool.id, DocKind::IdentityProvider, &req.provider_name)
            .await?
            .is_some()
        {
            return Err(duplicate(&pool.id, &req.provider_name));
        }
        let existing = self
            .store
            .list_documents(&pool.id, DocKind::IdentityProvider, None, MAX_PROVIDERS)
            .await?;
        if existing.len() as u32 >= MAX_PROVIDERS {
            return Err(CoreError::LimitExceeded(format!(
                "A user pool can have at most {MAX_PROVIDERS} identity providers."
            )));
        }
        let (d, mut hidden) = details::complete(
            &req.provider_type,
            &req.provider_details,
            &self.settings.federation_endpoints,
            self.upstream.as_ref(),
        )
        .await?;
        hidden.saml_metadata_ms = Some(self.clock.now_millis());
        with_default_username(&req.provider_type, &mut mapping);
        let d = self
            .with_encryption_certificate(&pool.id, &req.provider_type, d)
            .await?;
        let now = self.clock.now_millis();
        let provider = Provider {
            pool_id: pool.id.clone(),
            name: req.provider_name.clone(),
            provider_type: req.provider_type.clone(),
            details: d,
            attribute_mapping: mapping,
            idp_identifiers: identifiers.clone(),
            hidden,
            created_ms: now,
            modified_ms: now,
        };
        self.claim_identifiers(&pool.id, &provider.name, &identifiers)
            .await?;
        let rec = new_doc(
            &pool.id,
            DocKind::IdentityProvider,
            &provider.name,
            &self.stored(&pool.id, &provider),
            now,
        )?;
        match self.store.insert_document(&rec).await {
            Ok(()) => Ok(provider.describe(&pool.id, with_identifiers)),
            Err(e) => {
                let keys: Vec<String> = identifiers.iter().map(|i| identifier_key(i)).collect();
                // Identifiers a concurrent create of the same name claimed stay its own.
                if !matches!(e, StoreError::Conflict(_)) {
                    self.release_identifiers(&pool.id, &keys).await;
                }
                match e {
                    StoreError::Conflict(_) => Err(duplicate(&pool.id, &provider.name)),
                    e => Err(e.into()),
                }
            }
        }
    }

    /// `DescribeIdentityProvider`.
    pub async fn describe_identity_provider(
        &self,
        pool_id: &str,
        name: &str,
    ) -> Result<IdentityProviderType, CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let p = self
            .identity_provider(&pool.id, name)
            .await?
            .ok_or_else(|| provider_not_found(&pool.id, name))?;
        Ok(p.describe(&pool.id, true))
    }

    /// `UpdateIdentityProvider`: the details given are merged into the stored ones (and
    /// completed again), the mapping and identifiers given replace the stored ones.
    pub async fn update_identity_provider(
        &self,
        req: UpdateIdentityProviderRequest,
    ) -> Result<IdentityProviderType, CoreError> {
        let pool = self.load_pool(&req.user_pool_id).await?;
        let rec = self
            .store
            .get_document(&pool.id, DocKind::IdentityProvider, &req.provider_name)
            .await?
            .ok_or_else(|| provider_not_in_pool(&pool.id, &req.provider_name))?;
        let mut p = self.open_provider(&rec)?;
        if let Some(mut input) = req.provider_details {
            // The given details replace the stored ones, and what Cognito fills in is filled
            // in again; Apple's private key, which Describe never shows, is kept.
            if let Some(key) = p.details.get("private_key")
                && !input.contains_key("private_key")
            {
                input.insert("private_key".into(), key.clone());
            }
            let (d, mut hidden) = details::complete(
                &p.provider_type,
                &input,
                &self.settings.federation_endpoints,
                self.upstream.as_ref(),
            )
            .await?;
            hidden.saml_metadata_ms = Some(self.clock.now_millis());
            p.details = self
                .with_encryption_certificate(&pool.id, &p.provider_type, d)
                .await?;
            p.hidden = hidden;
        }
        if let Some(m) = req.attribute_mapping {
            let mut mapping: BTreeMap<String, String> = m.into_iter().collect();
            check_mapping(&pool, &mapping)?;
            with_default_username(&p.provider_type, &mut mapping);
            p.attribute_mapping = mapping;
        }
        let mut released = Vec::new();
        let with_identifiers = req.idp_identifiers.is_some();
        if let Some(ids) = req.idp_identifiers {
            Self::check_identifiers(&ids)?;
            let new: Vec<String> = ids
                .iter()
                .filter(|i| {
                    !p.idp_identifiers
                        .iter()
                        .any(|o| identifier_key(o) == identifier_key(i))
                })
                .cloned()
                .collect();
            self.claim_identifiers(&pool.id, &p.name, &new).await?;
            released = p
                .idp_identifiers
                .iter()
                .filter(|o| !ids.iter().any(|i| identifier_key(i) == identifier_key(o)))
                .map(|o| identifier_key(o))
                .collect();
            p.idp_identifiers = ids;
        }
        self.replace_doc(&rec, &self.stored(&pool.id, &p)).await?;
        self.release_identifiers(&pool.id, &released).await;
        let now = self.clock.now_millis().max(rec.modified_ms);
        p.modified_ms = now;
        Ok(p.describe(&pool.id, with_identifiers))
    }

    /// `DeleteIdentityProvider`.
    pub async fn delete_identity_provider(
        &self,
        pool_id: &str,
        name: &str,
    ) -> Result<(), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let p = self
            .identity_provider(&pool.id, name)
            .await?
            .ok_or_else(|| provider_not_in_pool(&pool.id, name))?;
        if !self
            .store
            .delete_document(&pool.id, DocKind::IdentityProvider, name)
            .await?
        {
            return Err(provider_not_in_pool(&pool.id, name));
        }
        let keys: Vec<String> = p
            .idp_identifiers
            .iter()
            .map(|i| identifier_key(i))
            .collect();
        self.release_identifiers(&pool.id, &keys).await;
        Ok(())
    }

    /// `ListIdentityProviders`.
    pub async fn list_identity_providers(
        &self,
        pool_id: &str,
        max_results: Option<i32>,
        next_token: Option<&str>,
    ) -> Result<(Vec<ProviderDescription>, Option<String>), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let (rows, next) = self
            .document_page(&pool.id, DocKind::IdentityProvider, max_results, next_token)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for rec in &rows {
            let stored: StoredProvider = read_doc(rec)?;
            out.push(ProviderDescription {
                creation_date: Some(rec.created_ms as f64 / 1000.0),
                last_modified_date: Some(rec.modified_ms as f64 / 1000.0),
                provider_name: Some(rec.key.clone()),
                provider_type: Some(stored.provider_type),
            });
        }
        Ok((out, next))
    }

    /// `GetIdentityProviderByIdentifier`.
    pub async fn identity_provider_by_identifier(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> Result<Option<Provider>, CoreError> {
        let key = identifier_key(identifier);
        let Some(rec) = self
            .store
            .get_document(pool_id, DocKind::IdpIdentifier, &key)
            .await?
        else {
            return Ok(None);
        };
        let owner: String = read_doc(&rec)?;
        Ok(self
            .identity_provider(pool_id, &owner)
            .await?
            .filter(|p| p.idp_identifiers.iter().any(|i| identifier_key(i) == key)))
    }

    /// `GetIdentityProviderByIdentifier`, the operation.
    pub async fn get_identity_provider_by_identifier(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> Result<IdentityProviderType, CoreError> {
        let pool = self.load_pool(pool_id).await?;
        self.identity_provider_by_identifier(&pool.id, identifier)
            .await?
            .map(|p| p.describe(&pool.id, true))
            .ok_or_else(|| {
                CoreError::ResourceNotFound(format!(
                    "Identity provider with identifier {identifier} does not exist."
                ))
            })
    }
}
