//! Refreshing tokens (REFRESH_TOKEN_AUTH and `GetTokensFromRefreshToken`, with refresh
//! token rotation), and ending sign-ins (`RevokeToken`, `GlobalSignOut`,
//! `AdminUserGlobalSignOut`).
//!
//! Rotation ("Refresh tokens" in the developer guide): with `RefreshTokenRotation.Feature`
//! ENABLED, each `GetTokensFromRefreshToken` returns a new refresh token (valid for what is
//! left of the original) and the one presented keeps working for `RetryGracePeriodSeconds`
//! (0 to 60) so a client may retry; after that, presenting it is
//! `RefreshTokenReuseException`. Rotation is not compatible with REFRESH_TOKEN_AUTH.

use std::collections::HashMap;
use std::sync::Arc;

use tessera_wire::idp::{
    AuthenticationResultType, GetTokensFromRefreshTokenRequest, RevokeTokenRequest,
};

use crate::store::{ClientRecord, PoolRecord};
use crate::{CoreError, Tessera};

pub(crate) enum Via<'a> {
    /// InitiateAuth / AdminInitiateAuth with these AuthParameters.
    InitiateAuth(&'a HashMap<String, String>),
    /// GetTokensFromRefreshToken (its ClientSecret is checked by the caller), with its
    /// ClientMetadata for pre token generation, or the OAuth token endpoint.
    GetTokens(serde_json::Value),
}

/// With the period: aws/aws-sdk-cpp#1789 (raw body), aws/aws-sdk-js-v3#7162.
fn invalid_refresh() -> CoreError {
    CoreError::NotAuthorized("Invalid Refresh Token.".into())
}

fn rotates(client: &ClientRecord) -> Option<i64> {
    client
        .config
        .refresh_token_rotation
        .as_ref()
        .filter(|r| r.feature == "ENABLED")
        .map(|r| i64::from(r.retry_grace_period_seconds.unwrap_or(0).clamp(0, 60)))
}

/// Checks a client secret given in the clear (GetTokensFromRefreshToken, RevokeToken).
pub(crate) fn secret_matches(client: &ClientRecord, given: Option<&str>) -> bool {
    match &client.secret {
        None => true,
        Some(secret) => given.is_some_and(|g| {
            aws_lc_rs::constant_time::verify_slices_are_equal(
                g.as_bytes(),
                secret.expose().as_bytes(),
            )
            .is_ok()
        }),
    }
}

impl Tessera {
    pub(crate) async fn refresh(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        token: &str,
        via: Via<'_>,
    ) -> Result<AuthenticationResultType, CoreError> {
        let grace = rotates(client);
        if grace.is_some() && matches!(via, Via::InitiateAuth(_)) {
            return Err(CoreError::InvalidParameter(
                "Refresh token rotation is enabled for this app client: use GetTokensFromRefreshToken."
                    .into(),
            ));
        }
        let payload = self.open_refresh_token(token).ok_or_else(invalid_refresh)?;
        if payload.c != client.client_id || payload.p != pool.id {
            return Err(invalid_refresh());
        }
        let now = self.clock.now_millis();
        for _ in 0..crate::MAX_RETRIES {
            let family = if grace.is_some() {
                self.store
                    .get_family(&pool.id, &payload.f)
                    .await?
                    .map(Arc::new)
            } else {
                self.cached_family(&pool.id, &payload.f).await?
            }
            .ok_or_else(invalid_refresh)?;
            if family.revoked_ms.is_some() || self.revocations.is_revoked(&family.origin_jti) {
                return Err(CoreError::NotAuthorized(
                    "Refresh Token has been revoked".into(),
                ));
            }
            if family.expires_ms <= now {
                return Err(CoreError::NotAuthorized("Refresh Token has expired".into()));
            }
            let current = payload.g == family.generation;
            // The previous token works on only within a grace period the client has: with
            // RetryGracePeriodSeconds 0 the rotation's one conditional update is the only
            // way through, so of parallel requests with one token exactly one wins.
            let in_grace = grace.is_some_and(|g| g > 0)
                && payload.g + 1 == family.generation
                && now < family.previous_valid_until_ms;
            if !current && !in_grace {
                return Err(if payload.g < family.generation {
                    CoreError::RefreshTokenReuse(
                        "The refresh token has been used already and is no longer valid.".into(),
                    )
                } else {
                    invalid_refresh()
                });
            }
            let user = self
                .cached_user(&pool.id, &family.sub)
                .await?
                .ok_or_else(|| CoreError::NotAuthorized("User does not exist.".into()))?;
            if let Via::InitiateAuth(params) = &via {
                // SECRET_HASH of a refresh is made with the user's name (the `sub` in pools
                // that sign in by email or phone, where the two are the same).
                let given = params.get("SECRET_HASH").map(String::as_str);
                let by_name = Self::check_secret_hash(client, &user.username, given);
                if by_name.is_err() {
                    Self::check_secret_hash(client, &user.sub, given)
                        .map_err(|_| by_name.err().unwrap_or_else(invalid_refresh))?;
                }
            }
            if !user.enabled {
                return Err(CoreError::NotAuthorized("User is disabled.".into()));
            }
            let metadata = match &via {
                Via::GetTokens(m) => m.clone(),
                Via::InitiateAuth(_) => serde_json::Value::Null,
            };
            // Rotation first: only the request that moves the family on goes further, so
            // pre token generation fires once per rotation.
            let next = match grace {
                Some(grace) if current => {
                    if !self
                        .store
                        .rotate_family(
                            &pool.id,
                            &family.origin_jti,
                            family.generation,
                            now + grace * 1000,
                        )
                        .await?
                    {
                        continue;
                    }
                    Some(family.generation + 1)
                }
                Some(_) => Some(family.generation),
                None => None,
            };
            let mut result = self
                .sign_tokens(
                    pool,
                    client,
                    &user,
                    &family,
                    None,
                    ("TokenGeneration_RefreshTokens", &metadata),
                )
                .await?;
            if let Some(next) = next {
                result.refresh_token = Some(self.refresh_token(&family, next));
            }
            return Ok(result);
        }
        Err(crate::concurrent_modification("refresh token"))
    }

    /// `GetTokensFromRefreshToken`.
    pub async fn get_tokens_from_refresh_token(
        &self,
        req: GetTokensFromRefreshTokenRequest,
    ) -> Result<AuthenticationResultType, CoreError> {
        let (client, pool) = self.auth_client(&req.client_id, None).await?;
        if !secret_matches(&client, req.client_secret.as_deref()) {
            return Err(CoreError::NotAuthorized(format!(
                "Unable to verify secret for client {}",
                client.client_id
            )));
        }
        let metadata = serde_json::json!(req.client_metadata.unwrap_or_default());
        self.refresh(&pool, &client, &req.refresh_token, Via::GetTokens(metadata))
            .await
    }

    /// `RevokeToken`: ends the sign-in a refresh token belongs to. Tokens that are not ours
    /// are ignored (RFC 7009 §2.2); an access or ID token is the wrong type.
    pub async fn revoke_token(&self, req: RevokeTokenRequest) -> Result<(), CoreError> {
        let (client, pool) = self.auth_client(&req.client_id, None).await?;
        if !secret_matches(&client, req.client_secret.as_deref()) {
            return Err(CoreError::Unauthorized(format!(
                "Unable to verify secret for client {}",
                client.client_id
            )));
        }
        if client.config.enable_token_revocation == Some(false) {
            return Err(CoreError::UnsupportedOperation(
                "Token revocation is not enabled for this app client.".into(),
            ));
        }
        let Some(payload) = self.open_refresh_token(&req.token) else {
            if crate::tokens::jwt::parse(&req.token).is_ok() {
                return Err(CoreError::UnsupportedTokenType(
                    "The token is not a refresh token.".into(),
                ));
            }
            return Ok(());
        };
        if payload.c != client.client_id || payload.p != pool.id {
            return Err(CoreError::Unauthorized(
                "The refresh token was not issued to this client.".into(),
            ));
        }
        self.revoke_family(&pool.id, &payload.f).await
    }

    /// `GlobalSignOut`: ends every sign-in of the token's user.
    pub async fn global_sign_out(&self, access_token: &str) -> Result<(), CoreError> {
        let claims = self.verify_access_token(access_token).await?;
        self.revoke_user(&claims.pool_id, &claims.sub).await
    }

    /// A user's newest `limit` sign-ins (refresh-token families) that have not expired, for
    /// the admin console: which app client, when, on which device, and whether revoked.
    /// Cognito has no operation that lists them; this is a read, and ending them is
    /// `AdminUserGlobalSignOut`.
    pub async fn admin_list_user_sessions(
        &self,
        pool_id: &str,
        username: &str,
        limit: i64,
    ) -> Result<Vec<crate::store::RefreshFamily>, CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let user = self.require_user(&pool, username).await?;
        let now = self.clock.now_millis();
        Ok(self
            .store
            .list_user_families(&pool.id, &user.sub, now, limit)
            .await?)
    }

    /// `AdminUserGlobalSignOut`.
    pub async fn admin_user_global_sign_out(
        &self,
        pool_id: &str,
        username: &str,
    ) -> Result<(), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let user = self.require_user(&pool, username).await?;
        self.revoke_user(&pool.id, &user.sub).await
    }
}
