//! Identity pools themselves: create, describe, update, delete, list; their roles and role
//! mappings, tags, and principal-tag attribute maps. Each pool is one JSON document
//! ([`PoolDoc`]) written with optimistic concurrency.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use tessera_wire::identity::{
    CreateIdentityPoolInput, IdentityPool, IdentityPoolShortDescription, RoleMapping,
};

use crate::IdentityPools;
use crate::error::{IdentityError, pool_not_found};
use crate::store::IdentityPoolRow;

/// What is stored of a pool: the pool as `DescribeIdentityPool` returns it, its roles, role
/// mappings and principal-tag attribute maps.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PoolDoc {
    pub pool: IdentityPool,
    #[serde(default)]
    pub roles: BTreeMap<String, String>,
    #[serde(default)]
    pub role_mappings: BTreeMap<String, RoleMapping>,
    #[serde(default)]
    pub principal_tags: BTreeMap<String, PrincipalTagMap>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PrincipalTagMap {
    pub use_defaults: bool,
    pub tags: BTreeMap<String, String>,
}

/// A pool as read, with the version its update must match.
#[derive(Debug, Clone)]
pub struct LoadedPool {
    pub region: String,
    pub version: i64,
    pub created_ms: i64,
    pub doc: PoolDoc,
}

/// The default principal-tag map of a user pool provider (`UseDefaults`): the user's `sub`
/// as `username` and the app client as `client`.
pub(crate) fn default_principal_tags() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("username".to_string(), "sub".to_string()),
        ("client".to_string(), "aud".to_string()),
    ])
}

pub(crate) fn encode_token(last: &str) -> String {
    URL_SAFE_NO_PAD.encode(last.as_bytes())
}

pub(crate) fn decode_token(token: Option<&str>) -> Result<Option<String>, IdentityError> {
    let Some(t) = token else { return Ok(None) };
    URL_SAFE_NO_PAD
        .decode(t)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .map(Some)
        .ok_or_else(|| IdentityError::InvalidParameter("Invalid pagination token".into()))
}

fn check_providers(pool: &IdentityPool) -> Result<(), IdentityError> {
    for p in pool.cognito_identity_providers.iter().flatten() {
        let name = p.provider_name.as_deref().unwrap_or_default();
        if crate::logins::user_pool_id_of_provider(name).is_none() {
            return Err(IdentityError::InvalidParameter(format!(
                "Invalid CognitoIdentityProvider ProviderName: {name}"
            )));
        }
        if p.client_id.as_deref().unwrap_or_default().is_empty() {
            return Err(IdentityError::InvalidParameter(
                "CognitoIdentityProvider ClientId is required".into(),
            ));
        }
    }
    Ok(())
}

/// How long a node trusts its copy of an identity pool, or of an identity and its logins, for
/// the sign-in calls (GetId, GetOpenIdToken, GetCredentialsForIdentity and the developer
/// calls): a change made on another node is seen within this; one made here at once.
/// Administrative reads (Describe*, List*) and every write read the store (ADR 0016).
const NODE_CACHE_MS: i64 = 2_000;

/// Records as last read on this node, with when; at most `max`, beyond which it starts over.
pub(crate) struct NodeCache<T> {
    map: RwLock<HashMap<String, (i64, Arc<T>)>>,
    max: usize,
}

impl<T> NodeCache<T> {
    pub(crate) fn new(max: usize) -> Self {
        NodeCache {
            map: RwLock::new(HashMap::new()),
            max,
        }
    }

    /// The copy read at most `NODE_CACHE_MS` before `now`.
    pub(crate) fn fresh(&self, key: &str, now: i64) -> Option<Arc<T>> {
        let (at, v) = self.map.read().ok()?.get(key).cloned()?;
        (now >= at && now - at < NODE_CACHE_MS).then_some(v)
    }

    pub(crate) fn put(&self, key: &str, now: i64, v: Arc<T>) {
        if let Ok(mut g) = self.map.write() {
            if g.len() >= self.max {
                g.clear();
            }
            g.insert(key.to_string(), (now, v));
        }
    }

    pub(crate) fn forget(&self, key: &str) {
        if let Ok(mut g) = self.map.write() {
            g.remove(key);
        }
    }
}

impl IdentityPools {
    /// The pool for a sign-in call, from this node's cache while fresh (see `NODE_CACHE_MS`).
    pub(crate) async fn load_pool(&self, id: &str) -> Result<Arc<LoadedPool>, IdentityError> {
        let now = self.clock.now_millis();
        if let Some(pool) = self.pools.fresh(id, now) {
            return Ok(pool);
        }
        let pool = Arc::new(self.read_pool(id).await?);
        self.pools.put(id, now, pool.clone());
        Ok(pool)
    }

    /// The pool as stored now.
    pub(crate) async fn read_pool(&self, id: &str) -> Result<LoadedPool, IdentityError> {
        let row = self
            .store
            .get_identity_pool(id)
            .await?
            .filter(|row| self.serves(&row.region))
            .ok_or_else(|| pool_not_found(id))?;
        let doc: PoolDoc = serde_json::from_str(&row.doc)
            .map_err(|e| IdentityError::Internal(format!("corrupt identity pool {id}: {e}")))?;
        Ok(LoadedPool {
            region: row.region,
            version: row.version,
            created_ms: row.created_ms,
            doc,
        })
    }

    /// Reads the pool, applies `change` and writes it back if nobody else did meanwhile
    /// (retried a few times, then ConcurrentModificationException).
    async fn change_pool<T>(
        &self,
        id: &str,
        mut change: impl FnMut(&mut PoolDoc) -> Result<T, IdentityError>,
    ) -> Result<T, IdentityError> {
        for _ in 0..5 {
            let loaded = self.read_pool(id).await?;
            let mut doc = loaded.doc;
            let out = change(&mut doc)?;
            let row = IdentityPoolRow {
                id: id.to_string(),
                name: doc.pool.identity_pool_name.clone(),
                region: loaded.region,
                created_ms: loaded.created_ms,
                modified_ms: self.clock.now_millis(),
                version: loaded.version + 1,
                doc: to_json(&doc)?,
            };
            if self
                .store
                .update_identity_pool(&row, loaded.version)
                .await?
            {
                self.pools.forget(id);
                return Ok(out);
            }
        }
        Err(IdentityError::ConcurrentModification(format!(
            "IdentityPool '{id}' was changed by another request; try again."
        )))
    }

    pub async fn create_identity_pool(
        &self,
        region: &str,
        input: CreateIdentityPoolInput,
    ) -> Result<IdentityPool, IdentityError> {
        let region = self.region_or_default(region).to_string();
        // The region names the STS host and goes into ids and ARNs: a region's shape only.
        let mut parts = region.split('-');
        let shaped = parts
            .next()
            .is_some_and(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_lowercase()))
            && region.split('-').count() >= 3
            && region.split('-').skip(1).all(|p| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
            && region.ends_with(|c: char| c.is_ascii_digit());
        if !shaped {
            return Err(IdentityError::InvalidParameter(format!(
                "{region} is not a region."
            )));
        }
        let id = self.new_id(&region);
        let pool = IdentityPool {
            // Unset stays unset, and allows the basic flow (aws/aws-cli#7652).
            allow_classic_flow: input.allow_classic_flow,
            allow_unauthenticated_identities: input.allow_unauthenticated_identities,
            cognito_identity_providers: input.cognito_identity_providers,
            developer_provider_name: input.developer_provider_name,
            identity_pool_id: id.clone(),
            identity_pool_name: input.identity_pool_name,
            identity_pool_tags: input.identity_pool_tags.filter(|t| !t.is_empty()),
            open_id_connect_provider_arns: input.open_id_connect_provider_arns,
            saml_provider_arns: input.saml_provider_arns,
            supported_login_providers: input.supported_login_providers,
        };
        check_providers(&pool)?;
        let now = self.clock.now_millis();
        let doc = PoolDoc {
            pool: pool.clone(),
            ..PoolDoc::default()
        };
        self.store
            .insert_identity_pool(&IdentityPoolRow {
                id,
                name: pool.identity_pool_name.clone(),
                region,
                created_ms: now,
                modified_ms: now,
                version: 1,
                doc: to_json(&doc)?,
            })
            .await?;
        Ok(pool)
    }

    pub async fn describe_identity_pool(&self, id: &str) -> Result<IdentityPool, IdentityError> {
        Ok(self.read_pool(id).await?.doc.pool)
    }

    /// `UpdateIdentityPool`: the pool as given replaces the stored one (tags are kept when
    /// not given; a developer provider name, once set, stays).
    pub async fn update_identity_pool(
        &self,
        input: IdentityPool,
    ) -> Result<IdentityPool, IdentityError> {
        check_providers(&input)?;
        let id = input.identity_pool_id.clone();
        self.change_pool(&id, |doc| {
            let mut next = input.clone();
            if let Some(old) = &doc.pool.developer_provider_name
                && next.developer_provider_name.as_ref() != Some(old)
            {
                if next.developer_provider_name.is_some() {
                    return Err(IdentityError::InvalidParameter(
                        "Cannot modify developer provider name once set.".into(),
                    ));
                }
                next.developer_provider_name = Some(old.clone());
            }
            if next.identity_pool_tags.is_none() {
                next.identity_pool_tags = doc.pool.identity_pool_tags.clone();
            }
            doc.pool = next.clone();
            Ok(next)
        })
        .await
    }

    pub async fn delete_identity_pool(&self, id: &str) -> Result<(), IdentityError> {
        let deleted = self.serves_id(id) && self.store.delete_identity_pool(id).await?;
        self.pools.forget(id);
        if deleted {
            Ok(())
        } else {
            Err(pool_not_found(id))
        }
    }

    pub async fn list_identity_pools(
        &self,
        max_results: i32,
        next_token: Option<&str>,
    ) -> Result<(Vec<IdentityPoolShortDescription>, Option<String>), IdentityError> {
        let mut after = decode_token(next_token)?;
        let limit = max_results.clamp(1, 60) as u32;
        // Ids start with their Region, so a site's pools are one run of the id order.
        let site = self.settings.site_region.as_ref().map(|r| format!("{r}:"));
        if let Some(prefix) = &site
            && after.as_deref().is_none_or(|a| a < prefix.as_str())
        {
            after = Some(prefix.clone());
        }
        let mut rows = self
            .store
            .list_identity_pools(after.as_deref(), limit + 1)
            .await?;
        if let Some(prefix) = &site {
            rows.retain(|r| r.id.starts_with(prefix.as_str()));
        }
        let more = rows.len() > limit as usize;
        let page: Vec<_> = rows.into_iter().take(limit as usize).collect();
        let next = match (more, page.last()) {
            (true, Some(last)) => Some(encode_token(&last.id)),
            _ => None,
        };
        Ok((
            page.into_iter()
                .map(|r| IdentityPoolShortDescription {
                    identity_pool_id: Some(r.id),
                    identity_pool_name: Some(r.name),
                })
                .collect(),
            next,
        ))
    }

    pub async fn set_identity_pool_roles(
        &self,
        id: &str,
        roles: HashMap<String, String>,
        role_mappings: Option<HashMap<String, RoleMapping>>,
    ) -> Result<(), IdentityError> {
        for key in roles.keys() {
            if key != "authenticated" && key != "unauthenticated" {
                return Err(IdentityError::InvalidParameter(format!(
                    "Invalid role type: {key}. Valid role types are authenticated and unauthenticated."
                )));
            }
        }
        for m in role_mappings.iter().flatten().map(|(_, m)| m) {
            crate::roles::check_mapping(m)?;
        }
        for arn in roles.values().chain(
            role_mappings
                .iter()
                .flatten()
                .flat_map(|(_, m)| m.rules_configuration.iter())
                .flat_map(|c| c.rules.iter().map(|r| &r.role_arn)),
        ) {
            if !is_role_arn(arn) {
                return Err(IdentityError::NotAuthorized(format!(
                    "Access to Role '{arn}' is forbidden."
                )));
            }
        }
        self.change_pool(id, |doc| {
            for key in role_mappings.iter().flatten().map(|(k, _)| k) {
                if !crate::roles::mapping_key_configured(&doc.pool, key) {
                    return Err(IdentityError::InvalidParameter(format!(
                        "({key}) is not a valid RoleMapping ProviderName or is not a configured provider."
                    )));
                }
            }
            doc.roles = roles.clone().into_iter().collect();
            doc.role_mappings = role_mappings.clone().unwrap_or_default().into_iter().collect();
            Ok(())
        })
        .await
    }

    pub async fn get_identity_pool_roles(
        &self,
        id: &str,
    ) -> Result<(HashMap<String, String>, HashMap<String, RoleMapping>), IdentityError> {
        let doc = self.read_pool(id).await?.doc;
        Ok((
            doc.roles.into_iter().collect(),
            doc.role_mappings.into_iter().collect(),
        ))
    }

    /// The identity pool an ARN names (`arn:aws:cognito-identity:<region>:<account>:identitypool/<id>`).
    fn pool_of_arn<'a>(&self, arn: &'a str) -> Result<&'a str, IdentityError> {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        match parts.as_slice() {
            ["arn", _, "cognito-identity", _, _, rest] => rest
                .strip_prefix("identitypool/")
                .filter(|id| !id.is_empty())
                .ok_or_else(|| invalid_arn(arn)),
            _ => Err(invalid_arn(arn)),
        }
    }

    pub async fn tag_resource(
        &self,
        arn: &str,
        tags: HashMap<String, String>,
    ) -> Result<(), IdentityError> {
        let id = self.pool_of_arn(arn)?.to_string();
        self.change_pool(&id, |doc| {
            let mut all = doc.pool.identity_pool_tags.clone().unwrap_or_default();
            all.extend(tags.clone());
            if all.len() > 50 {
                return Err(IdentityError::LimitExceeded(
                    "A resource can have at most 50 tags.".into(),
                ));
            }
            doc.pool.identity_pool_tags = Some(all);
            Ok(())
        })
        .await
    }

    pub async fn untag_resource(&self, arn: &str, keys: &[String]) -> Result<(), IdentityError> {
        let id = self.pool_of_arn(arn)?.to_string();
        self.change_pool(&id, |doc| {
            if let Some(t) = doc.pool.identity_pool_tags.as_mut() {
                for k in keys {
                    t.remove(k);
                }
                if t.is_empty() {
                    doc.pool.identity_pool_tags = None;
                }
            }
            Ok(())
        })
        .await
    }

    pub async fn list_tags_for_resource(
        &self,
        arn: &str,
    ) -> Result<HashMap<String, String>, IdentityError> {
        let id = self.pool_of_arn(arn)?;
        Ok(self
            .read_pool(id)
            .await?
            .doc
            .pool
            .identity_pool_tags
            .unwrap_or_default())
    }

    /// `SetPrincipalTagAttributeMap`: returns what is now in force.
    pub async fn set_principal_tag_attribute_map(
        &self,
        id: &str,
        provider: &str,
        use_defaults: Option<bool>,
        tags: Option<HashMap<String, String>>,
    ) -> Result<PrincipalTagMap, IdentityError> {
        self.change_pool(id, |doc| {
            if !crate::logins::pool_has_provider(&doc.pool, provider) {
                return Err(IdentityError::InvalidParameter(format!(
                    "Identity provider {provider} is not configured for this identity pool."
                )));
            }
            let map = PrincipalTagMap {
                use_defaults: use_defaults.unwrap_or(false),
                tags: tags.clone().unwrap_or_default().into_iter().collect(),
            };
            doc.principal_tags.insert(provider.to_string(), map.clone());
            Ok(map)
        })
        .await
    }

    pub async fn get_principal_tag_attribute_map(
        &self,
        id: &str,
        provider: &str,
    ) -> Result<PrincipalTagMap, IdentityError> {
        let doc = self.read_pool(id).await?.doc;
        if !crate::logins::pool_has_provider(&doc.pool, provider) {
            return Err(IdentityError::InvalidParameter(format!(
                "Identity provider {provider} is not configured for this identity pool."
            )));
        }
        Ok(principal_tag_map(&doc, provider))
    }
}

/// The map in force for a provider: the one set, else the defaults (user pools) or none.
pub(crate) fn principal_tag_map(doc: &PoolDoc, provider: &str) -> PrincipalTagMap {
    match doc.principal_tags.get(provider) {
        Some(m) if m.use_defaults && m.tags.is_empty() => PrincipalTagMap {
            use_defaults: true,
            tags: defaults_for(provider),
        },
        Some(m) => m.clone(),
        None if crate::logins::user_pool_id_of_provider(provider).is_some() => PrincipalTagMap {
            use_defaults: true,
            tags: default_principal_tags(),
        },
        None => PrincipalTagMap::default(),
    }
}

fn defaults_for(provider: &str) -> BTreeMap<String, String> {
    if crate::logins::user_pool_id_of_provider(provider).is_some() {
        default_principal_tags()
    } else {
        BTreeMap::new()
    }
}

/// `arn:<partition>:iam::<account>:role/<path and name>`.
fn is_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", partition, "iam", "", account, rest]
        if !partition.is_empty()
            && !account.is_empty()
            && account.chars().all(|c| c.is_ascii_digit())
            && rest.strip_prefix("role/").is_some_and(|n| !n.is_empty()))
}

fn invalid_arn(arn: &str) -> IdentityError {
    IdentityError::InvalidParameter(format!("Invalid ARN: {arn}"))
}

pub(crate) fn to_json<T: Serialize>(v: &T) -> Result<String, IdentityError> {
    serde_json::to_string(v).map_err(|e| IdentityError::Internal(format!("encoding: {e}")))
}
