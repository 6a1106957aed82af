//! Developer-authenticated identities: the developer's backend (SigV4-signed) vouches for its
//! own users by name (`GetOpenIdTokenForDeveloperIdentity`), looks them up, merges and unlinks
//! them. A developer user is a login of the pool's `DeveloperProviderName`.

use std::collections::HashMap;

use serde_json::Map;

use crate::identities::Authenticated;
use crate::logins::{CheckedLogin, LoginKind};
use crate::pools::{decode_token, encode_token};
use crate::store::{Login, StoreError};
use crate::{IdentityError, IdentityPools};

/// Default lifetime of a developer identity's token (Cognito: 15 minutes).
const DEVELOPER_TOKEN_SECS: i64 = 900;

fn unknown_provider() -> IdentityError {
    IdentityError::NotAuthorized(
        "This identity pool does not support the specified developer provider.".into(),
    )
}

fn developer_login(provider: &str, user: &str) -> Login {
    Login {
        provider: provider.to_string(),
        subject: user.to_string(),
    }
}

impl IdentityPools {
    fn developer_provider<'a>(
        pool: &'a crate::pools::LoadedPool,
        named: &str,
    ) -> Result<&'a str, IdentityError> {
        match pool.doc.pool.developer_provider_name.as_deref() {
            Some(p) if p == named => Ok(p),
            _ => Err(unknown_provider()),
        }
    }

    /// `GetOpenIdTokenForDeveloperIdentity`: the identity of the developer's user (made, or
    /// linked to `identity_id`, when new) and a token for it.
    pub async fn get_open_id_token_for_developer_identity(
        &self,
        pool_id: &str,
        identity_id: Option<&str>,
        logins: &HashMap<String, String>,
        principal_tags: Option<&HashMap<String, String>>,
        token_duration: Option<i64>,
    ) -> Result<(String, String), IdentityError> {
        let pool = self.load_pool(pool_id).await?;
        let duration = token_duration.unwrap_or(DEVELOPER_TOKEN_SECS);
        if !(1..=86_400).contains(&duration) {
            return Err(IdentityError::InvalidParameter(
                "TokenDuration must be between 1 and 86400 seconds.".into(),
            ));
        }
        let dev = pool.doc.pool.developer_provider_name.clone();
        let mut others = logins.clone();
        let mut checked = Vec::new();
        if let Some(dev) = dev.as_deref()
            && let Some(user) = others.remove(dev)
        {
            checked.push(CheckedLogin {
                login: developer_login(dev, &user),
                kind: LoginKind::Developer,
                claims: Map::new(),
            });
        }
        if checked.is_empty() {
            return Err(unknown_provider());
        }
        checked.extend(self.check_logins(pool_id, &pool.doc.pool, &others).await?);

        let auth = match identity_id {
            Some(id) => {
                let row = self.load_identity(id).await?;
                if row.pool_id != pool_id {
                    return Err(crate::error::identity_not_found(id));
                }
                // "To associate a new login with an existing authenticated/unauthenticated
                // identity, provide the existing IdentityId" (API reference): the signed call
                // vouches; a developer user of another identity is refused.
                for c in checked.iter().filter(|c| c.kind == LoginKind::Developer) {
                    if let Some(other) =
                        self.store.find_identity_by_login(pool_id, &c.login).await?
                        && other != id
                    {
                        return Err(IdentityError::DeveloperUserAlreadyRegistered(
                            "The provided developer user identifier is already registered with Cognito under a different identity ID."
                                .into(),
                        ));
                    }
                }
                self.authenticate(&pool, row, checked, true).await?
            }
            None => {
                let mut owner = None;
                for c in &checked {
                    if let Some(id) = self.store.find_identity_by_login(pool_id, &c.login).await? {
                        owner = Some(id);
                        break;
                    }
                }
                match owner {
                    Some(id) => {
                        let row = self.load_identity(&id).await?;
                        self.authenticate(&pool, row, checked, true).await?
                    }
                    None => {
                        let mut ls: Vec<Login> = checked.iter().map(|c| c.login.clone()).collect();
                        ls.sort();
                        let now = self.clock.now_millis();
                        let row = crate::store::IdentityRow {
                            pool_id: pool_id.to_string(),
                            identity_id: self.new_id(&pool.region),
                            created_ms: now,
                            modified_ms: now,
                            logins: ls,
                        };
                        match self.store.insert_identity(&row).await {
                            Ok(()) => {}
                            Err(StoreError::Conflict(_)) => {
                                return Err(IdentityError::ConcurrentModification(
                                    "The developer user was linked by another request; try again."
                                        .into(),
                                ));
                            }
                            Err(e) => return Err(e.into()),
                        }
                        Authenticated {
                            identity_id: row.identity_id,
                            logins: checked,
                        }
                    }
                }
            }
        };
        let token = self
            .open_id_token_for(pool_id, &pool, &auth, principal_tags, duration)
            .await?;
        Ok((auth.identity_id, token))
    }

    /// `LookupDeveloperIdentity`: by identity id or by developer user (or both, which must
    /// agree); the identity and (a page of) its developer users.
    pub async fn lookup_developer_identity(
        &self,
        pool_id: &str,
        identity_id: Option<&str>,
        developer_user: Option<&str>,
        max_results: Option<i32>,
        next_token: Option<&str>,
    ) -> Result<(String, Vec<String>, Option<String>), IdentityError> {
        let pool = self.load_pool(pool_id).await?;
        let Some(dev) = pool.doc.pool.developer_provider_name.clone() else {
            return Err(unknown_provider());
        };
        let by_user = match developer_user {
            Some(u) => Some(
                self.store
                    .find_identity_by_login(pool_id, &developer_login(&dev, u))
                    .await?
                    .ok_or_else(|| {
                        IdentityError::ResourceNotFound(format!(
                            "Developer user identifier '{u}' not found."
                        ))
                    })?,
            ),
            None => None,
        };
        let id = match (identity_id, by_user) {
            (Some(a), Some(b)) if a != b => {
                return Err(IdentityError::ResourceConflict(
                    "The developer user identifier is linked to another identity.".into(),
                ));
            }
            (Some(a), _) => a.to_string(),
            (None, Some(b)) => b,
            (None, None) => {
                return Err(IdentityError::InvalidParameter(
                    "Either IdentityId or DeveloperUserIdentifier is required.".into(),
                ));
            }
        };
        let row = self.load_identity(&id).await?;
        if row.pool_id != pool_id {
            return Err(crate::error::identity_not_found(&id));
        }
        let limit = max_results.unwrap_or(60).clamp(1, 60) as u32;
        let after = decode_token(next_token)?;
        let users = self
            .store
            .logins_of_identity(&id, &dev, after.as_deref(), limit + 1)
            .await?;
        let more = users.len() > limit as usize;
        let page: Vec<String> = users.into_iter().take(limit as usize).collect();
        let next = match (more, page.last()) {
            (true, Some(last)) => Some(encode_token(last)),
            _ => None,
        };
        Ok((id, page, next))
    }

    /// `MergeDeveloperIdentities`: the source user's identity is merged into the
    /// destination user's; returns the destination identity.
    pub async fn merge_developer_identities(
        &self,
        pool_id: &str,
        provider: &str,
        source_user: &str,
        destination_user: &str,
    ) -> Result<String, IdentityError> {
        let pool = self.load_pool(pool_id).await?;
        let dev = Self::developer_provider(&pool, provider)?.to_string();
        let find = |u: &str| {
            let login = developer_login(&dev, u);
            async move {
                self.store
                    .find_identity_by_login(pool_id, &login)
                    .await?
                    .ok_or_else(|| {
                        IdentityError::ResourceNotFound(format!(
                            "Developer user identifier '{}' not found.",
                            login.subject
                        ))
                    })
            }
        };
        let source = find(source_user).await?;
        let destination = find(destination_user).await?;
        if source == destination {
            return Ok(destination);
        }
        let (src, dst) = (
            self.load_identity(&source).await?,
            self.load_identity(&destination).await?,
        );
        if src.logins.len() + dst.logins.len() > 20 {
            return Err(IdentityError::ResourceConflict(
                "The merged identity would have more than 20 linked logins.".into(),
            ));
        }
        let clash = src.logins.iter().any(|a| {
            a.provider != dev
                && dst
                    .logins
                    .iter()
                    .any(|b| b.provider == a.provider && b.subject != a.subject)
        });
        if clash {
            return Err(IdentityError::ResourceConflict(
                "The identities are linked to different users of the same provider and cannot be merged."
                    .into(),
            ));
        }
        let merged = self
            .store
            .merge_identities(pool_id, &source, &destination, self.clock.now_millis())
            .await;
        self.identities.forget(&source);
        self.identities.forget(&destination);
        if !merged? {
            return Err(crate::error::identity_not_found(&source));
        }
        Ok(destination)
    }

    /// `UnlinkDeveloperIdentity`.
    pub async fn unlink_developer_identity(
        &self,
        pool_id: &str,
        identity_id: &str,
        provider: &str,
        user: &str,
    ) -> Result<(), IdentityError> {
        let pool = self.load_pool(pool_id).await?;
        let dev = Self::developer_provider(&pool, provider)?.to_string();
        let row = self.load_identity(identity_id).await?;
        let login = developer_login(&dev, user);
        if row.pool_id != pool_id || !row.logins.contains(&login) {
            return Err(IdentityError::ResourceNotFound(format!(
                "Developer user identifier '{user}' is not linked to identity '{identity_id}'."
            )));
        }
        let unlinked = self
            .store
            .unlink_logins(identity_id, &[login], self.clock.now_millis())
            .await;
        self.identities.forget(identity_id);
        unlinked?;
        Ok(())
    }
}
