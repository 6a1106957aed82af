//! The narrow interface between identity pools and user pools: an identity pool only ever
//! asks a user pool to check one of its ID tokens (and whether that sign-in was revoked, for
//! `ServerSideTokenCheck`). The user-pool side is implemented here for `tessera_core`.

use async_trait::async_trait;
use serde_json::{Map, Value};

/// A user pool's ID token, checked.
#[derive(Debug, Clone)]
pub struct UserPoolLogin {
    /// Every claim of the token (`sub`, `aud`, `cognito:groups`, `cognito:roles`, ...).
    pub claims: Map<String, Value>,
    /// The sign-in the token belongs to was signed out or revoked since.
    pub revoked: bool,
}

#[async_trait]
pub trait UserPools: Send + Sync + 'static {
    /// Checks an ID token of user pool `pool_id`: signature by the pool's keys, issuer,
    /// `token_use` = id, expiry. `Err` carries why not, in Cognito's words.
    async fn verify_id_token(&self, pool_id: &str, token: &str) -> Result<UserPoolLogin, String>;
    /// The user pools' issuer without its scheme and pool id (`localhost:9229`): what
    /// Amplify and the SDKs put before `/<pool id>` in a Logins key.
    fn issuer_prefix(&self) -> String;
}

#[async_trait]
impl UserPools for tessera_core::Tessera {
    async fn verify_id_token(&self, pool_id: &str, token: &str) -> Result<UserPoolLogin, String> {
        use tessera_core::tokens::IdTokenError;
        let (claims, revoked) = tessera_core::Tessera::verify_id_token(self, pool_id, token)
            .await
            .map_err(|e| match e {
                // The texts of real Cognito responses (docs/fidelity.md, I5-I7).
                IdTokenError::Malformed => "Not a valid OpenId Connect identity token.".to_string(),
                IdTokenError::NotOurs => "Not a Cognito token.".to_string(),
                IdTokenError::BadSignature => "Couldn't verify signed token.".to_string(),
                IdTokenError::OtherIssuer => "Issuer doesn't match providerName".to_string(),
                IdTokenError::MissingClaim(c) => format!("Missing a required claim: {c}"),
                IdTokenError::Expired { exp, now } => format!("Token expired: {now} >= {exp}"),
                IdTokenError::Storage(e) => {
                    tracing::error!(error = %e, "reading a user pool's keys failed");
                    "Couldn't verify signed token.".to_string()
                }
            })?;
        Ok(UserPoolLogin { claims, revoked })
    }

    fn issuer_prefix(&self) -> String {
        let url = self.settings().public_url.trim_end_matches('/');
        url.split_once("://")
            .map(|(_, rest)| rest)
            .unwrap_or(url)
            .to_string()
    }
}
