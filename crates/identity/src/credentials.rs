//! `GetCredentialsForIdentity` (the enhanced flow): the identity's OpenID token, the role
//! Cognito's rules pick, and `AssumeRoleWithWebIdentity` on an STS, whose credentials are
//! returned unchanged. Nothing is invented: without a reachable STS the call fails.

use std::collections::HashMap;

use async_trait::async_trait;
use tessera_wire::identity::Credentials;

use crate::{IdentityError, IdentityPools};

/// The session name Cognito gives the roles it assumes.
pub const ROLE_SESSION_NAME: &str = "CognitoIdentityCredentials";

/// Temporary credentials as an STS returns them.
#[derive(Debug, Clone, PartialEq)]
pub struct StsCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// Seconds since the epoch.
    pub expiration: f64,
}

/// Why the STS gave no credentials.
#[derive(Debug, Clone, PartialEq)]
pub enum StsError {
    /// The STS answered with an error (its code and message).
    Refused { code: String, message: String },
    /// No answer (connection, timeout, an unreadable response).
    Unreachable(String),
}

/// An STS that serves `AssumeRoleWithWebIdentity` (AWS STS, MinIO, moto, ...).
#[async_trait]
pub trait Sts: Send + Sync + 'static {
    async fn assume_role_with_web_identity(
        &self,
        region: &str,
        role_arn: &str,
        session_name: &str,
        web_identity_token: &str,
    ) -> Result<StsCredentials, StsError>;
}

impl IdentityPools {
    /// `GetCredentialsForIdentity`: the identity (which may change if the logins merge it
    /// into another) and its credentials.
    pub async fn get_credentials_for_identity(
        &self,
        identity_id: &str,
        logins: &HashMap<String, String>,
        custom_role_arn: Option<&str>,
    ) -> Result<(String, Credentials), IdentityError> {
        let identity = self.identity_for_token(identity_id).await?;
        let pool_id = identity.pool_id.clone();
        let pool = self.load_pool(&pool_id).await?;
        let checked = self.check_logins(&pool_id, &pool.doc.pool, logins).await?;
        let auth = self.authenticate(&pool, identity, checked, false).await?;
        let role = crate::roles::choose_role(&pool.doc, &auth, custom_role_arn)?;
        let token = self
            .open_id_token_for(
                &pool_id,
                &pool,
                &auth,
                None,
                crate::tokens::OPEN_ID_TOKEN_SECS,
            )
            .await?;
        let creds = self
            .sts
            .assume_role_with_web_identity(&pool.region, &role, ROLE_SESSION_NAME, &token)
            .await
            .map_err(|e| match e {
                StsError::Refused { code, message } => {
                    tracing::info!(%code, %message, role = %role, "the STS refused AssumeRoleWithWebIdentity");
                    IdentityError::InvalidIdentityPoolConfiguration(
                        "Invalid identity pool configuration. Check assigned IAM roles for this pool."
                            .into(),
                    )
                }
                StsError::Unreachable(why) => {
                    tracing::warn!(error = %why, "the STS could not be reached");
                    IdentityError::ExternalService(
                        "The STS that issues this identity pool's credentials could not be reached (see sts_endpoint)."
                            .into(),
                    )
                }
            })?;
        Ok((
            auth.identity_id,
            Credentials {
                access_key_id: Some(creds.access_key_id),
                secret_key: Some(creds.secret_access_key),
                session_token: Some(creds.session_token),
                expiration: Some(creds.expiration),
            },
        ))
    }
}
