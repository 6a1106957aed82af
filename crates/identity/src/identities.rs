//! Identities: `GetId`, `GetOpenIdToken`, `DescribeIdentity`, `ListIdentities`,
//! `DeleteIdentities`, `UnlinkIdentity`, and the rule every login-bearing call shares
//! ([`IdentityPools::authenticate`]): which identity the logins prove, linking new logins and
//! merging identities as Cognito's authentication-flow guide describes.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value, json};
use tessera_wire::identity::{IdentityDescription, UnprocessedIdentityId};

use crate::error::identity_not_found;
use crate::logins::{CheckedLogin, LoginKind};
use crate::pools::{LoadedPool, decode_token, encode_token, principal_tag_map};
use crate::store::{IdentityRow, Login, StoreError};
use crate::{IdentityError, IdentityPools};

fn forbidden(id: &str) -> IdentityError {
    IdentityError::NotAuthorized(format!("Access to Identity '{id}' is forbidden."))
}

pub(crate) fn logins_dont_match() -> IdentityError {
    IdentityError::NotAuthorized(
        "Logins don't match. Please include at least one valid login for this identity or identity pool."
            .into(),
    )
}

fn unauthenticated_refused() -> IdentityError {
    IdentityError::NotAuthorized(
        "Unauthenticated access is not supported for this identity pool.".into(),
    )
}

fn one_per_provider() -> IdentityError {
    IdentityError::ResourceConflict(
        "A login of this provider is already linked to the identity: only one login per provider may be linked."
            .into(),
    )
}

fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

pub(crate) fn describe(row: &IdentityRow) -> IdentityDescription {
    let providers: BTreeSet<&str> = row.logins.iter().map(|l| l.provider.as_str()).collect();
    IdentityDescription {
        identity_id: Some(row.identity_id.clone()),
        logins: Some(providers.into_iter().map(str::to_string).collect()),
        creation_date: Some(seconds(row.created_ms)),
        last_modified_date: Some(seconds(row.modified_ms)),
    }
}

/// The identity a request ended on and the logins that proved it (none for a guest).
pub(crate) struct Authenticated {
    pub identity_id: String,
    pub logins: Vec<CheckedLogin>,
}

impl IdentityPools {
    pub(crate) async fn load_identity(&self, id: &str) -> Result<IdentityRow, IdentityError> {
        self.store
            .get_identity(id)
            .await?
            .filter(|row| self.serves_id(&row.pool_id))
            .ok_or_else(|| identity_not_found(id))
    }

    /// An identity for a call that hands out a token or credentials: this node's copy while
    /// fresh (pools.rs, `NODE_CACHE_MS`), which every write here forgets.
    pub(crate) async fn identity_for_token(&self, id: &str) -> Result<IdentityRow, IdentityError> {
        let now = self.clock.now_millis();
        if let Some(row) = self.identities.fresh(id, now) {
            return Ok(row.as_ref().clone());
        }
        let row = self.load_identity(id).await?;
        self.identities
            .put(id, now, std::sync::Arc::new(row.clone()));
        Ok(row)
    }

    fn new_identity(&self, pool_id: &str, region: &str, logins: Vec<Login>) -> IdentityRow {
        let now = self.clock.now_millis();
        IdentityRow {
            pool_id: pool_id.to_string(),
            identity_id: self.new_id(region),
            created_ms: now,
            modified_ms: now,
            logins,
        }
    }

    /// `GetId`.
    pub async fn get_id(
        &self,
        pool_id: &str,
        logins: &HashMap<String, String>,
    ) -> Result<String, IdentityError> {
        let pool = self.load_pool(pool_id).await?;
        let checked = self.check_logins(pool_id, &pool.doc.pool, logins).await?;
        if checked.is_empty() {
            if !pool.doc.pool.allow_unauthenticated_identities {
                return Err(unauthenticated_refused());
            }
            let row = self.new_identity(pool_id, &pool.region, Vec::new());
            self.store.insert_identity(&row).await?;
            return Ok(row.identity_id);
        }
        if let Some(own) = checked
            .iter()
            .find(|c| c.kind == LoginKind::CognitoIdentity)
        {
            let row = self.load_identity(&own.login.subject).await?;
            return Ok(self
                .authenticate(&pool, row, checked, false)
                .await?
                .identity_id);
        }
        // Up to three rounds: a concurrent GetId for the same user may create the identity
        // between our lookup and our insert (the unique login key refuses the loser).
        for _ in 0..3 {
            let mut owner = None;
            for c in &checked {
                if let Some(id) = self.store.find_identity_by_login(pool_id, &c.login).await? {
                    owner = Some(id);
                    break;
                }
            }
            if let Some(id) = owner {
                // The common case, one login linked already: its identity is the answer.
                if checked.len() == 1 {
                    return Ok(id);
                }
                let row = self.load_identity(&id).await?;
                return Ok(self
                    .authenticate(&pool, row, checked, false)
                    .await?
                    .identity_id);
            }
            let mut logins: Vec<Login> = checked.iter().map(|c| c.login.clone()).collect();
            logins.sort();
            if logins.windows(2).any(|w| w[0].provider == w[1].provider) {
                return Err(one_per_provider());
            }
            let row = self.new_identity(pool_id, &pool.region, logins);
            match self.store.insert_identity(&row).await {
                Ok(()) => return Ok(row.identity_id),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(IdentityError::ConcurrentModification(
            "The identity was changed by another request; try again.".into(),
        ))
    }

    /// What an identity and a checked Logins map add up to. Without logins: a guest
    /// identity, where the pool allows guests. With logins: at least one must be linked to the
    /// identity already (or the identity is a guest, which they then authenticate); logins not
    /// linked anywhere are linked to it; a login linked to another identity merges this one
    /// into that one, which is returned.
    ///
    /// `vouched`: the call is the developer's own signed one, which may link its users to
    /// any identity of the pool without presenting the identity's other logins.
    pub(crate) async fn authenticate(
        &self,
        pool: &LoadedPool,
        identity: IdentityRow,
        checked: Vec<CheckedLogin>,
        vouched: bool,
    ) -> Result<Authenticated, IdentityError> {
        let id = identity.identity_id.clone();
        if checked.is_empty() {
            if !identity.logins.is_empty() {
                return Err(forbidden(&id));
            }
            if !pool.doc.pool.allow_unauthenticated_identities {
                return Err(unauthenticated_refused());
            }
            return Ok(Authenticated {
                identity_id: id,
                logins: checked,
            });
        }
        let mut proven = false;
        let mut unlinked = Vec::new();
        let mut elsewhere: Vec<String> = Vec::new();
        for c in &checked {
            if c.kind == LoginKind::CognitoIdentity {
                if c.login.subject != id {
                    return Err(logins_dont_match());
                }
                proven = true;
                continue;
            }
            if identity.logins.contains(&c.login) {
                proven = true;
                continue;
            }
            match self
                .store
                .find_identity_by_login(&identity.pool_id, &c.login)
                .await?
            {
                None => unlinked.push(c.login.clone()),
                Some(other) if other == id => proven = true,
                Some(other) => {
                    if !elsewhere.contains(&other) {
                        elsewhere.push(other);
                    }
                }
            }
        }
        if !identity.logins.is_empty() && !proven && !vouched {
            return Err(logins_dont_match());
        }
        if elsewhere.len() > 1 {
            return Err(IdentityError::ResourceConflict(
                "The logins are linked to different identities.".into(),
            ));
        }
        // Every check before any write: the logins the identity would end up with (merged
        // into the other's, plus the new ones) have one login per public provider.
        let parent = match elsewhere.pop() {
            Some(p) => Some(self.load_identity(&p).await?),
            None => None,
        };
        let developer = pool.doc.pool.developer_provider_name.as_deref();
        let mut all: Vec<&Login> = identity.logins.iter().collect();
        all.extend(parent.iter().flat_map(|p| p.logins.iter()));
        all.extend(unlinked.iter());
        for (i, a) in all.iter().enumerate() {
            if Some(a.provider.as_str()) == developer {
                continue;
            }
            if all[i + 1..]
                .iter()
                .any(|b| b.provider == a.provider && b.subject != a.subject)
            {
                return Err(one_per_provider());
            }
        }
        let mut current = identity;
        if let Some(parent) = parent.map(|p| p.identity_id) {
            // The identity owning the login becomes the parent of both.
            let now = self.clock.now_millis();
            if !self
                .store
                .merge_identities(&current.pool_id, &current.identity_id, &parent, now)
                .await?
            {
                return Err(identity_not_found(&current.identity_id));
            }
            self.identities.forget(&current.identity_id);
            self.identities.forget(&parent);
            current = self.load_identity(&parent).await?;
        }
        if !unlinked.is_empty() {
            let now = self.clock.now_millis();
            let linked = self
                .store
                .link_logins(&current.pool_id, &current.identity_id, &unlinked, now)
                .await;
            self.identities.forget(&current.identity_id);
            match linked {
                Ok(true) => {}
                Ok(false) => return Err(identity_not_found(&current.identity_id)),
                Err(StoreError::Conflict(_)) => {
                    return Err(IdentityError::ResourceConflict(
                        "The login is already linked to another identity.".into(),
                    ));
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Authenticated {
            identity_id: current.identity_id,
            logins: checked,
        })
    }

    /// The claims of an OpenID token for an authenticated (or guest) identity.
    pub(crate) async fn open_id_token_for(
        &self,
        pool_id: &str,
        pool: &LoadedPool,
        auth: &Authenticated,
        extra_tags: Option<&HashMap<String, String>>,
        duration_secs: i64,
    ) -> Result<String, IdentityError> {
        let mut amr = Vec::new();
        if auth.logins.is_empty() {
            amr.push("unauthenticated".to_string());
        } else {
            amr.push("authenticated".to_string());
            for c in &auth.logins {
                amr.extend(c.amr(pool_id));
            }
        }
        let mut tags: Map<String, Value> = Map::new();
        for c in &auth.logins {
            let map = principal_tag_map(&pool.doc, &c.login.provider);
            for (tag, claim) in &map.tags {
                if let Some(v) = c.claims.get(claim).and_then(claim_text) {
                    tags.insert(tag.clone(), json!([v]));
                }
            }
        }
        for (k, v) in extra_tags.into_iter().flatten() {
            tags.insert(k.clone(), json!([v]));
        }
        // A token obtained with a developer identity's token lasts no longer than it.
        let mut duration_secs = duration_secs;
        let now = self.clock.now_secs();
        for c in auth
            .logins
            .iter()
            .filter(|c| c.kind == LoginKind::CognitoIdentity)
        {
            let exp = c.claims.get("exp").and_then(Value::as_i64).unwrap_or(now);
            duration_secs = duration_secs.min(exp - now).max(1);
        }
        self.sign_open_id_token(
            pool_id,
            &pool.region,
            &auth.identity_id,
            amr,
            Some(tags),
            duration_secs,
        )
        .await
    }

    /// `GetOpenIdToken` (the basic flow's first half).
    pub async fn get_open_id_token(
        &self,
        identity_id: &str,
        logins: &HashMap<String, String>,
    ) -> Result<(String, String), IdentityError> {
        let identity = self.identity_for_token(identity_id).await?;
        let pool_id = identity.pool_id.clone();
        let pool = self.load_pool(&pool_id).await?;
        if pool.doc.pool.allow_classic_flow == Some(false) {
            return Err(IdentityError::InvalidParameter(
                "Basic (classic) flow is not enabled, please use enhanced flow.".into(),
            ));
        }
        let checked = self.check_logins(&pool_id, &pool.doc.pool, logins).await?;
        let auth = self.authenticate(&pool, identity, checked, false).await?;
        let token = self
            .open_id_token_for(
                &pool_id,
                &pool,
                &auth,
                None,
                crate::tokens::OPEN_ID_TOKEN_SECS,
            )
            .await?;
        Ok((auth.identity_id, token))
    }

    pub async fn describe_identity(
        &self,
        identity_id: &str,
    ) -> Result<IdentityDescription, IdentityError> {
        Ok(describe(&self.load_identity(identity_id).await?))
    }

    /// `ListIdentities`: a page in identity-id order. Merged-away identities are deleted, so
    /// `HideDisabled` has nothing to hide.
    pub async fn list_identities(
        &self,
        pool_id: &str,
        max_results: i32,
        next_token: Option<&str>,
    ) -> Result<(Vec<IdentityDescription>, Option<String>), IdentityError> {
        self.load_pool(pool_id).await?;
        let after = decode_token(next_token)?;
        let limit = max_results.clamp(1, 60) as u32;
        let rows = self
            .store
            .list_identities(pool_id, after.as_deref(), limit + 1)
            .await?;
        let more = rows.len() > limit as usize;
        let page: Vec<_> = rows.into_iter().take(limit as usize).collect();
        let next = match (more, page.last()) {
            (true, Some(last)) => Some(encode_token(&last.identity_id)),
            _ => None,
        };
        Ok((page.iter().map(describe).collect(), next))
    }

    /// `DeleteIdentities`: unknown ids are no error (already gone); a failed delete is
    /// reported as unprocessed.
    pub async fn delete_identities(
        &self,
        ids: &[String],
    ) -> Result<Vec<UnprocessedIdentityId>, IdentityError> {
        let mut unprocessed = Vec::new();
        for id in ids {
            let Some(row) = self.store.get_identity(id).await? else {
                continue;
            };
            if !self.serves_id(&row.pool_id) {
                continue;
            }
            let deleted = self.store.delete_identity(&row.pool_id, id).await;
            self.identities.forget(id);
            if let Err(e) = deleted {
                tracing::warn!(identity_id = %id, error = %e, "deleting an identity failed");
                unprocessed.push(UnprocessedIdentityId {
                    identity_id: Some(id.clone()),
                    error_code: Some("InternalServerError".into()),
                });
            }
        }
        Ok(unprocessed)
    }

    /// `UnlinkIdentity`: the logins prove the identity; the providers in `to_remove` are
    /// unlinked from it.
    pub async fn unlink_identity(
        &self,
        identity_id: &str,
        logins: &HashMap<String, String>,
        to_remove: &[String],
    ) -> Result<(), IdentityError> {
        let identity = self.load_identity(identity_id).await?;
        let pool = self.load_pool(&identity.pool_id).await?;
        let checked = self
            .check_logins(&identity.pool_id, &pool.doc.pool, logins)
            .await?;
        if checked.is_empty() {
            return Err(forbidden(identity_id));
        }
        let proven = checked.iter().any(|c| {
            identity.logins.contains(&c.login)
                || (c.kind == LoginKind::CognitoIdentity && c.login.subject == identity_id)
        });
        if !proven {
            return Err(logins_dont_match());
        }
        let remove: Vec<Login> = identity
            .logins
            .iter()
            .filter(|l| to_remove.contains(&l.provider))
            .cloned()
            .collect();
        let unlinked = self
            .store
            .unlink_logins(identity_id, &remove, self.clock.now_millis())
            .await;
        self.identities.forget(identity_id);
        unlinked?;
        Ok(())
    }
}

/// A claim's value as principal-tag text.
fn claim_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
