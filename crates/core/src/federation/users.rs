//! Federated users as Cognito makes them (developer guide, "Adding user pool sign-in through
//! a third party", "Linking federated users to an existing user profile"): the username is
//! `<provider name>_<upstream id>`, the status EXTERNAL_PROVIDER, the `identities` attribute
//! names the upstream identity, the user belongs to the group `<pool id>_<provider name>`,
//! and the AttributeMapping is applied at every sign-in. A link made with
//! `AdminLinkProviderForUser` makes the upstream identity sign in as the native user.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tessera_wire::idp::ProviderUserIdentifierType;

use super::providers::{Provider, provider_not_found};
use crate::oauth::{new_doc, read_doc};
use crate::store::{DocKind, GroupRecord, PoolRecord, StoreError, UserRecord};
use crate::users::{status, user_not_found, username_key};
use crate::{CoreError, Tessera};

/// The attribute name that stands for the upstream's user id in links.
pub const COGNITO_SUBJECT: &str = "Cognito_Subject";
/// The provider name of native users in links.
pub const COGNITO: &str = "Cognito";
/// Cognito's quota: a user can be linked to at most five federated identities.
const MAX_LINKS_PER_USER: usize = 5;

/// A link from an upstream identity to a native user (a pool document keyed by
/// `<provider>\n<attribute>\n<value>`).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Link {
    /// The native user's `sub`.
    sub: String,
}

fn link_key(provider: &str, attribute: &str, value: &str) -> String {
    format!("{provider}\n{attribute}\n{value}")
}

/// Whether links may name a user-pool attribute instead of `Cognito_Subject`.
fn by_attribute(provider_type: &str) -> bool {
    matches!(provider_type, super::details::OIDC | super::details::SAML)
}

/// An upstream claim as attribute text.
pub(crate) fn claim_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// The `identities` attribute entry for an upstream identity.
fn identity_entry(provider: &Provider, user_id: &str, now_ms: i64) -> Value {
    json!({
        "userId": user_id,
        "providerName": provider.name,
        "providerType": provider.provider_type,
        // The IdP's issuer for OIDC and SAML providers, null for the social ones (F7).
        "issuer": match provider.provider_type.as_str() {
            super::details::OIDC => provider.detail("oidc_issuer").map(str::to_string),
            super::details::SAML => provider.hidden.saml_entity_id.clone(),
            _ => None,
        },
        "primary": true,
        "dateCreated": now_ms,
    })
}

fn with_identity(existing: Option<&String>, entry: Value) -> String {
    let mut list: Vec<Value> = existing
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default();
    list.retain(|e| {
        !(e.get("providerName") == entry.get("providerName")
            && e.get("userId") == entry.get("userId"))
    });
    let primary = list.is_empty();
    let mut entry = entry;
    if let Value::Object(m) = &mut entry {
        m.insert("primary".into(), json!(primary));
    }
    list.push(entry);
    Value::Array(list).to_string()
}

fn without_identity(existing: Option<&String>, provider: &str, user_id: &str) -> Option<String> {
    let mut list: Vec<Value> = existing.and_then(|s| serde_json::from_str(s).ok())?;
    list.retain(|e| {
        !(e.get("providerName").and_then(Value::as_str) == Some(provider)
            && e.get("userId").and_then(Value::as_str) == Some(user_id))
    });
    (!list.is_empty()).then(|| Value::Array(list).to_string())
}

/// The mapped attributes present in the upstream's claims.
fn mapped(provider: &Provider, claims: &Map<String, Value>) -> BTreeMap<String, String> {
    provider
        .attribute_mapping
        .iter()
        .filter(|(attr, _)| attr.as_str() != "username")
        .filter_map(|(attr, claim)| {
            let v = claims.get(claim).and_then(claim_text)?;
            let v = match attr.as_str() {
                "email_verified" | "phone_number_verified" => {
                    (v.eq_ignore_ascii_case("true")).to_string()
                }
                _ => v,
            };
            Some((attr.clone(), v))
        })
        .collect()
}

/// The upstream user id: the claim mapped to `username`.
pub(crate) fn upstream_id(provider: &Provider, claims: &Map<String, Value>) -> Option<String> {
    let claim = provider.attribute_mapping.get("username").map_or(
        super::providers::default_subject_claim(&provider.provider_type),
        String::as_str,
    );
    claims
        .get(claim)
        .and_then(claim_text)
        .filter(|s| !s.is_empty())
}

/// The federated username of an upstream identity: lower-cased in a case-insensitive pool,
/// as Cognito shows it (`google_1026…` for the provider `Google`; docs/fidelity.md F6).
pub fn federated_username(pool: &PoolRecord, provider: &str, user_id: &str) -> String {
    let name = format!("{provider}_{user_id}");
    if crate::users::case_insensitive(pool) {
        name.to_lowercase()
    } else {
        name
    }
}

/// Fuzzing (`federation` target): any text, when a JSON object, as an upstream's claims
/// mapped for an OIDC provider. Verified flags map to `true`/`false` only, every mapped
/// attribute is its claim's text, and an upstream id is never empty.
pub(super) fn fuzz(text: &str) {
    let Ok(claims) = serde_json::from_str::<Map<String, Value>>(text) else {
        return;
    };
    let mapping = [
        ("username", "sub"),
        ("email", "email"),
        ("email_verified", "email_verified"),
        ("name", "name"),
        ("custom:groups", "groups"),
    ];
    let provider = Provider {
        pool_id: "us-east-1_FUZZ".into(),
        name: "Upstream".into(),
        provider_type: super::details::OIDC.into(),
        details: BTreeMap::new(),
        attribute_mapping: mapping
            .iter()
            .map(|(a, c)| (a.to_string(), c.to_string()))
            .collect(),
        idp_identifiers: Vec::new(),
        hidden: Default::default(),
        created_ms: 0,
        modified_ms: 0,
    };
    for (attr, v) in mapped(&provider, &claims) {
        assert_ne!(attr, "username", "username mapped as an attribute");
        if attr == "email_verified" {
            assert!(v == "true" || v == "false", "email_verified = {v:?}");
        } else {
            let claim = mapping.iter().find(|(a, _)| *a == attr).map(|(_, c)| *c);
            let source = claim.and_then(|c| claims.get(c)).and_then(claim_text);
            assert_eq!(Some(v), source, "{attr} is not its claim's text");
        }
    }
    if let Some(id) = upstream_id(&provider, &claims) {
        assert!(!id.is_empty());
        assert_eq!(claims.get("sub").and_then(claim_text), Some(id));
    }
}

pub(crate) fn auto_group(pool_id: &str, provider: &str) -> String {
    format!("{pool_id}_{provider}")
}

impl Tessera {
    /// The user an upstream identity signs in as: the native user it is linked to, else its
    /// federated user, made on its first sign-in (PreSignUp_ExternalProvider first) and
    /// given the mapped attributes on every sign-in.
    pub(crate) async fn federated_user(
        &self,
        pool: &PoolRecord,
        client_id: &str,
        provider: &Provider,
        claims: &Map<String, Value>,
    ) -> Result<UserRecord, CoreError> {
        let user_id = upstream_id(provider, claims).ok_or_else(|| {
            CoreError::InvalidParameter(
                "The identity provider did not name the user (the attribute mapped to username)."
                    .into(),
            )
        })?;
        if let Some(u) = self.linked_user(pool, provider, &user_id, claims).await? {
            return Ok(u);
        }
        let username = federated_username(pool, &provider.name, &user_id);
        let key = username_key(pool, &username);
        let attrs = mapped(provider, claims);
        // A secondary Region signs in only federated users the primary made, as they are.
        let secondary = self.secondary_here(&pool.id).await?;
        for _ in 0..crate::MAX_RETRIES {
            let found = self.store.get_user_by_username(&pool.id, &key).await?;
            if secondary {
                return match found {
                    Some(u) if u.status == status::EXTERNAL_PROVIDER => Ok(u),
                    _ => Err(crate::replicas::not_enabled(
                        "A new federated user signs in first in the primary Region of the user pool."
                            .into(),
                    )),
                };
            }
            if let Some(mut u) = found {
                // A native user who happens to have this name is not this upstream identity:
                // only AdminLinkProviderForUser joins the two (Cognito's words, fidelity F19).
                if u.status != status::EXTERNAL_PROVIDER {
                    return Err(CoreError::InvalidParameter(format!(
                        "Already found an entry for username {username}"
                    )));
                }
                let expected = u.version;
                let before = u.attributes.clone();
                for (k, v) in &attrs {
                    u.attributes.insert(k.clone(), v.clone());
                }
                if u.attributes == before {
                    return Ok(u);
                }
                u.version = expected + 1;
                u.modified_ms = self.clock.now_millis().max(u.modified_ms);
                match self.store.update_user(&u, expected).await {
                    Ok(true) => {
                        self.changed(crate::store::ChangeKind::User, &pool.id, &u.sub)
                            .await?;
                        return Ok(u);
                    }
                    Ok(false) => continue,
                    Err(e) => return Err(e.into()),
                }
            }
            let user = self
                .new_federated_user(pool, client_id, provider, &username, &user_id, &attrs)
                .await?;
            match self.store.insert_user(&user).await {
                Ok(()) => {
                    self.join_auto_group(pool, &provider.name, &user.sub)
                        .await?;
                    let firing = crate::triggers::Firing {
                        trigger: crate::triggers::Trigger::PostConfirmation,
                        source: "PostConfirmation_ConfirmSignUp",
                        user_name: &user.username,
                        client_id: Some(client_id),
                        request: json!({
                            "userAttributes": crate::triggers::user_attributes(&user),
                            "clientMetadata": {},
                        }),
                    };
                    self.fire(pool, firing).await?;
                    return Ok(user);
                }
                // A concurrent first sign-in made it: read it back.
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(crate::concurrent_modification("user"))
    }

    async fn new_federated_user(
        &self,
        pool: &PoolRecord,
        client_id: &str,
        provider: &Provider,
        username: &str,
        user_id: &str,
        attrs: &BTreeMap<String, String>,
    ) -> Result<UserRecord, CoreError> {
        let now = self.clock.now_millis();
        let mut attributes = attrs.clone();
        attributes.insert(
            "identities".into(),
            with_identity(None, identity_entry(provider, user_id, now)),
        );
        let user = UserRecord {
            pool_id: pool.id.clone(),
            sub: crate::rand::uuid_v4(self.rng.as_ref()),
            username: username.to_string(),
            username_key: username_key(pool, username),
            status: status::EXTERNAL_PROVIDER.into(),
            enabled: true,
            attributes,
            // Federated users hold no sign-in keys: they cannot sign in with a password.
            alias_email: None,
            alias_phone: None,
            alias_preferred_username: None,
            password_hash: None,
            password_set_ms: None,
            extra: json!({}),
            created_ms: now,
            modified_ms: now,
            version: 1,
        };
        let firing = crate::triggers::Firing {
            trigger: crate::triggers::Trigger::PreSignUp,
            source: "PreSignUp_ExternalProvider",
            user_name: &user.username,
            client_id: Some(client_id),
            request: crate::triggers::sign_up_request(&user, None, None),
        };
        self.fire(pool, firing).await?;
        Ok(user)
    }

    /// Adds the user to `<pool id>_<provider>`, made on first use.
    async fn join_auto_group(
        &self,
        pool: &PoolRecord,
        provider: &str,
        sub: &str,
    ) -> Result<(), CoreError> {
        let name = auto_group(&pool.id, provider);
        if self.store.get_group(&pool.id, &name).await?.is_none() {
            let now = self.clock.now_millis();
            let group = GroupRecord {
                pool_id: pool.id.clone(),
                name: name.clone(),
                description: Some(format!(
                    "Autogenerated group for users who sign in using {provider}"
                )),
                precedence: None,
                role_arn: None,
                created_ms: now,
                modified_ms: now,
                version: 1,
            };
            match self.store.insert_group(&group).await {
                Ok(()) | Err(StoreError::Conflict(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        self.store.add_member(&pool.id, &name, sub).await?;
        self.changed(crate::store::ChangeKind::Groups, &pool.id, sub)
            .await?;
        Ok(())
    }

    /// The native user an upstream identity is linked to: by its id (`Cognito_Subject`) or,
    /// for OIDC and SAML providers, by a user-pool attribute its claims are mapped to
    /// (`email`, say).
    async fn linked_user(
        &self,
        pool: &PoolRecord,
        provider: &Provider,
        user_id: &str,
        claims: &Map<String, Value>,
    ) -> Result<Option<UserRecord>, CoreError> {
        let mut keys = vec![link_key(&provider.name, COGNITO_SUBJECT, user_id)];
        if by_attribute(&provider.provider_type) {
            for (attr, claim) in &provider.attribute_mapping {
                if let Some(v) = claims.get(claim).and_then(claim_text) {
                    keys.push(link_key(&provider.name, attr, &v));
                }
            }
        }
        for key in keys {
            if let Some(rec) = self
                .store
                .get_document(&pool.id, DocKind::ProviderLink, &key)
                .await?
            {
                let link: Link = read_doc(&rec)?;
                if let Some(u) = self.store.get_user_by_sub(&pool.id, &link.sub).await? {
                    return Ok(Some(u));
                }
            }
        }
        Ok(None)
    }

    /// `AdminLinkProviderForUser`.
    pub async fn admin_link_provider_for_user(
        &self,
        pool_id: &str,
        destination: &ProviderUserIdentifierType,
        source: &ProviderUserIdentifierType,
    ) -> Result<(), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        if destination.provider_name.as_deref() != Some(COGNITO) {
            return Err(CoreError::InvalidParameter(
                "The DestinationUser's ProviderName must be Cognito.".into(),
            ));
        }
        let dest_name = destination
            .provider_attribute_value
            .as_deref()
            .ok_or_else(|| {
                CoreError::InvalidParameter(
                    "The DestinationUser's ProviderAttributeValue (the username) is required."
                        .into(),
                )
            })?;
        let provider_name = source.provider_name.as_deref().unwrap_or_default();
        if provider_name == COGNITO {
            return Err(CoreError::InvalidParameter(
                "Invalid SourceUser: Cognito users with a username/password may not be passed in as a SourceUser, only as a DestinationUser"
                    .into(),
            ));
        }
        let provider = self
            .identity_provider(&pool.id, provider_name)
            .await?
            .ok_or_else(|| provider_not_found(&pool.id, provider_name))?;
        let attribute = source
            .provider_attribute_name
            .as_deref()
            .unwrap_or(COGNITO_SUBJECT);
        let value = source
            .provider_attribute_value
            .as_deref()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                CoreError::InvalidParameter(
                    "The SourceUser's ProviderAttributeValue is required.".into(),
                )
            })?;
        if !by_attribute(&provider.provider_type) && attribute != COGNITO_SUBJECT {
            return Err(CoreError::InvalidParameter(format!(
                "The SourceUser's ProviderAttributeName must be {COGNITO_SUBJECT} for a {} provider.",
                provider.provider_type
            )));
        }
        let dest = self
            .find_user(&pool, dest_name)
            .await?
            .ok_or_else(user_not_found)?;
        if dest.status == status::EXTERNAL_PROVIDER {
            return Err(CoreError::InvalidParameter(
                "The DestinationUser must be a native user of the user pool, not a federated one."
                    .into(),
            ));
        }
        if attribute == COGNITO_SUBJECT {
            let federated = federated_username(&pool, &provider.name, value);
            if self
                .store
                .get_user_by_username(&pool.id, &username_key(&pool, &federated))
                .await?
                .is_some()
            {
                return Err(CoreError::InvalidParameter(
                    "Merging is not currently supported, provide a SourceUser that has not been signed up in order to link"
                        .into(),
                ));
            }
        }
        let linked: Vec<Value> = dest
            .attributes
            .get("identities")
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default();
        if linked.len() >= MAX_LINKS_PER_USER {
            return Err(CoreError::LimitExceeded(format!(
                "A user can be linked to at most {MAX_LINKS_PER_USER} external identities."
            )));
        }
        let key = link_key(&provider.name, attribute, value);
        let rec = new_doc(
            &pool.id,
            DocKind::ProviderLink,
            &key,
            &Link {
                sub: dest.sub.clone(),
            },
            self.clock.now_millis(),
        )?;
        match self.store.insert_document(&rec).await {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => {
                let existing: Link = match self
                    .store
                    .get_document(&pool.id, DocKind::ProviderLink, &key)
                    .await?
                {
                    Some(r) => read_doc(&r)?,
                    None => return Err(crate::concurrent_modification("link")),
                };
                return Err(if existing.sub == dest.sub {
                    CoreError::InvalidParameter(
                        "SourceUser is already linked to DestinationUser".into(),
                    )
                } else {
                    CoreError::AliasExists(
                        "SourceUser is already linked to another DestinationUser".into(),
                    )
                });
            }
            Err(e) => return Err(e.into()),
        }
        let now = self.clock.now_millis();
        let entry = identity_entry(&provider, value, now);
        self.modify_user(&pool, &dest.username, |u| {
            let next = with_identity(u.attributes.get("identities"), entry.clone());
            u.attributes.insert("identities".into(), next);
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// `AdminDisableProviderForUser`: a native user (`Cognito`, `Cognito_Subject`, the
    /// username) can no longer sign in with a password; an upstream identity loses its link
    /// to a native user, and its federated user (if any) is disabled.
    pub async fn admin_disable_provider_for_user(
        &self,
        pool_id: &str,
        user: &ProviderUserIdentifierType,
    ) -> Result<(), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let provider_name = user.provider_name.as_deref().unwrap_or_default();
        let attribute = user
            .provider_attribute_name
            .as_deref()
            .unwrap_or(COGNITO_SUBJECT);
        let value = user
            .provider_attribute_value
            .as_deref()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                CoreError::InvalidParameter("ProviderAttributeValue is required.".into())
            })?;
        if provider_name == COGNITO {
            if attribute != COGNITO_SUBJECT {
                return Err(CoreError::InvalidParameter(format!(
                    "The ProviderAttributeName of a Cognito user must be {COGNITO_SUBJECT}."
                )));
            }
            self.modify_user(&pool, value, |u| {
                u.password_hash = None;
                Ok(())
            })
            .await?;
            return Ok(());
        }
        let provider = self
            .identity_provider(&pool.id, provider_name)
            .await?
            .ok_or_else(|| provider_not_found(&pool.id, provider_name))?;
        let key = link_key(&provider.name, attribute, value);
        let mut found = false;
        if let Some(rec) = self
            .store
            .get_document(&pool.id, DocKind::ProviderLink, &key)
            .await?
        {
            let link: Link = read_doc(&rec)?;
            self.store
                .delete_document(&pool.id, DocKind::ProviderLink, &key)
                .await?;
            found = true;
            if let Some(dest) = self.store.get_user_by_sub(&pool.id, &link.sub).await? {
                let (name, id) = (provider.name.clone(), value.to_string());
                self.modify_user(&pool, &dest.username, |u| {
                    match without_identity(u.attributes.get("identities"), &name, &id) {
                        Some(v) => u.attributes.insert("identities".into(), v),
                        None => u.attributes.remove("identities"),
                    };
                    Ok(())
                })
                .await?;
            }
        }
        if attribute == COGNITO_SUBJECT {
            let federated = federated_username(&pool, &provider.name, value);
            if self
                .store
                .get_user_by_username(&pool.id, &username_key(&pool, &federated))
                .await?
                .is_some()
            {
                found = true;
                self.modify_user(&pool, &federated, |u| {
                    u.enabled = false;
                    Ok(())
                })
                .await?;
            }
        }
        if found { Ok(()) } else { Err(user_not_found()) }
    }
}
