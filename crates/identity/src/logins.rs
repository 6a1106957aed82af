//! The `Logins` map: which provider each key names in an identity pool, and the checked
//! identity of the user behind each token.
//!
//! Keys, as Cognito accepts them:
//! - a user pool of this server: `cognito-idp.<region>.amazonaws.com/<pool id>` or the pool's
//!   issuer without its scheme (`<host>/<pool id>`, what Amplify sends), listed in
//!   `CognitoIdentityProviders`; the value is the pool's ID token, for one of the listed
//!   app clients;
//! - an OpenID Connect provider of `OpenIdConnectProviderARNs` (the ARN mapped to an issuer by
//!   configuration, [`OidcProvider`]): its issuer without the scheme; its ID token;
//! - a social provider of `SupportedLoginProviders` that is an OpenID provider
//!   (`accounts.google.com`, `appleid.apple.com`; configured as for OIDC): its ID token for the
//!   app id the pool names;
//! - `cognito-identity.amazonaws.com`: an OpenID token this issuer gave for a developer
//!   identity of the same pool.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};
use tessera_verify::{Config, JwksSource, Verifier};
use tessera_wire::identity::IdentityPool;

use crate::store::Login;
use crate::{COGNITO_IDENTITY_LOGIN, IdentityError, IdentityPools};

/// An OpenID Connect provider as IAM would know it: the ARN a pool lists, the issuer, where
/// its keys are and (like IAM's client id list) the audiences it may issue for.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct OidcProvider {
    /// `arn:aws:iam::<account>:oidc-provider/<issuer host and path>`; empty for a social
    /// provider known by its name alone (`accounts.google.com`).
    #[serde(default)]
    pub arn: String,
    /// The `iss` of its tokens (`https://accounts.example.com`).
    pub issuer: String,
    /// Its JWKS; default `<issuer>/.well-known/jwks.json`.
    #[serde(default)]
    pub jwks_uri: Option<String>,
    /// Accepted `aud` values; empty accepts any (social providers are checked against the
    /// app id the pool names instead).
    #[serde(default)]
    pub audiences: Vec<String>,
}

impl OidcProvider {
    /// The Logins key for this provider: the issuer without its scheme.
    pub fn login_name(&self) -> String {
        let iss = self.issuer.trim_end_matches('/');
        iss.split_once("://")
            .map(|(_, r)| r)
            .unwrap_or(iss)
            .to_string()
    }
}

pub(crate) struct OidcVerifier {
    pub(crate) provider: OidcProvider,
    verifier: Arc<Verifier>,
}

pub(crate) fn verifiers(providers: &[OidcProvider]) -> HashMap<String, OidcVerifier> {
    providers
        .iter()
        .map(|p| {
            let issuer = p.issuer.trim_end_matches('/').to_string();
            let jwks = p
                .jwks_uri
                .clone()
                .unwrap_or_else(|| format!("{issuer}/.well-known/jwks.json"));
            let mut cfg = Config::new(issuer).jwks(JwksSource::Url(jwks));
            cfg.audiences = p.audiences.clone();
            (
                p.login_name(),
                OidcVerifier {
                    provider: p.clone(),
                    verifier: Arc::new(Verifier::new(cfg)),
                },
            )
        })
        .collect()
}

/// What kind of login was checked.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LoginKind {
    /// A user pool's ID token, for this app client.
    UserPool { client_id: String },
    /// An OpenID Connect provider's (or an OpenID social provider's) ID token.
    Oidc,
    /// A developer provider's user, vouched for by the developer's signed request.
    Developer,
    /// This issuer's own token for an identity (`cognito-identity.amazonaws.com`).
    CognitoIdentity,
}

/// One checked entry of a Logins map.
#[derive(Debug, Clone)]
pub(crate) struct CheckedLogin {
    pub login: Login,
    pub kind: LoginKind,
    pub claims: Map<String, Value>,
}

impl CheckedLogin {
    /// The key role mappings use: `<provider>:<app client>` for user pools, the provider
    /// otherwise.
    pub fn mapping_key(&self) -> String {
        match &self.kind {
            LoginKind::UserPool { client_id } => format!("{}:{client_id}", self.login.provider),
            _ => self.login.provider.clone(),
        }
    }

    /// The `amr` entries after "authenticated" that Cognito writes for this login.
    pub fn amr(&self, pool_id: &str) -> Vec<String> {
        let p = &self.login.provider;
        let s = &self.login.subject;
        match &self.kind {
            LoginKind::UserPool { .. } => vec![p.clone(), format!("{p}:CognitoSignIn:{s}")],
            LoginKind::Oidc => vec![p.clone(), format!("{p}:OpenIdConnect:{s}")],
            LoginKind::Developer => vec![p.clone(), format!("{p}:{pool_id}:{s}")],
            // The token's own, as the developer's call made them.
            LoginKind::CognitoIdentity => match self.claims.get("amr") {
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .filter(|x| *x != "authenticated" && *x != "unauthenticated")
                    .map(str::to_string)
                    .collect(),
                _ => Vec::new(),
            },
        }
    }
}

/// The user pool id at the end of a `CognitoIdentityProviders` name
/// (`cognito-idp.<region>.amazonaws.com/<pool id>` or `<host>/<pool id>`).
pub(crate) fn user_pool_id_of_provider(name: &str) -> Option<&str> {
    let (host, id) = name.rsplit_once('/')?;
    let (region, rest) = id.split_once('_')?;
    let ok = !host.is_empty()
        && !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !rest.is_empty()
        && rest.chars().all(|c| c.is_ascii_alphanumeric());
    ok.then_some(id)
}

/// Whether `provider` is one the pool names (for principal-tag maps and role mappings).
pub(crate) fn pool_has_provider(pool: &IdentityPool, provider: &str) -> bool {
    pool.cognito_identity_providers
        .iter()
        .flatten()
        .any(|p| p.provider_name.as_deref() == Some(provider))
        || pool
            .supported_login_providers
            .as_ref()
            .is_some_and(|m| m.contains_key(provider))
        || pool
            .open_id_connect_provider_arns
            .iter()
            .flatten()
            .any(|arn| arn_host(arn) == Some(provider))
        || pool
            .saml_provider_arns
            .iter()
            .flatten()
            .any(|arn| arn == provider)
        || pool.developer_provider_name.as_deref() == Some(provider)
}

fn arn_host(arn: &str) -> Option<&str> {
    arn.split_once(":oidc-provider/").map(|(_, h)| h)
}

pub(crate) fn not_supported() -> IdentityError {
    IdentityError::NotAuthorized(
        "Token is not from a supported provider of this identity pool.".into(),
    )
}

fn invalid_token(why: &str) -> IdentityError {
    IdentityError::NotAuthorized(format!("Invalid login token. {why}"))
}

impl IdentityPools {
    /// Checks every entry of a Logins map against the pool. Developer provider entries are
    /// refused here: only the developer's signed `GetOpenIdTokenForDeveloperIdentity` may
    /// name its users.
    pub(crate) async fn check_logins(
        &self,
        pool_id: &str,
        pool: &IdentityPool,
        logins: &HashMap<String, String>,
    ) -> Result<Vec<CheckedLogin>, IdentityError> {
        if logins.len() > 10 {
            return Err(IdentityError::InvalidParameter(
                "Too many logins: at most 10 are allowed.".into(),
            ));
        }
        let mut out = Vec::with_capacity(logins.len());
        let mut keys: Vec<&String> = logins.keys().collect();
        keys.sort();
        for key in keys {
            let token = &logins[key];
            out.push(self.check_login(pool_id, pool, key, token).await?);
        }
        Ok(out)
    }

    async fn check_login(
        &self,
        pool_id: &str,
        pool: &IdentityPool,
        key: &str,
        token: &str,
    ) -> Result<CheckedLogin, IdentityError> {
        if key == COGNITO_IDENTITY_LOGIN {
            let claims = self.verify_own_token(token, pool_id).await?;
            // Only a developer identity's token is accepted back (Cognito documents this key
            // for GetOpenIdTokenForDeveloperIdentity's tokens): a guest's or a user pool
            // user's own OpenID token must not stand for a login, or a guest could present
            // its token for the authenticated role, and tokens could renew themselves.
            let amr: Vec<&str> = claims
                .get("amr")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let developer = pool.developer_provider_name.as_deref();
            if amr.first() != Some(&"authenticated")
                || developer.is_none()
                || amr.get(1).copied() != developer
            {
                return Err(IdentityError::NotAuthorized(
                    "Invalid login token. Only the tokens of GetOpenIdTokenForDeveloperIdentity are accepted under cognito-identity.amazonaws.com."
                        .into(),
                ));
            }
            let sub = claims
                .get("sub")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            return Ok(CheckedLogin {
                login: Login {
                    provider: COGNITO_IDENTITY_LOGIN.to_string(),
                    subject: sub,
                },
                kind: LoginKind::CognitoIdentity,
                claims,
            });
        }
        if pool.developer_provider_name.as_deref() == Some(key) {
            return Err(IdentityError::NotAuthorized(
                "Developer provider logins are only accepted from the developer's signed GetOpenIdTokenForDeveloperIdentity."
                    .into(),
            ));
        }
        if let Some(user_pool_id) = self.user_pool_of_key(key) {
            return self.check_user_pool_login(pool, user_pool_id, token).await;
        }
        let configured_oidc = pool
            .open_id_connect_provider_arns
            .iter()
            .flatten()
            .any(|arn| {
                self.oidc
                    .values()
                    .any(|v| &v.provider.arn == arn && v.provider.login_name() == key)
            });
        let social_app = pool
            .supported_login_providers
            .as_ref()
            .and_then(|m| m.get(key));
        if configured_oidc || social_app.is_some() {
            let Some(v) = self.oidc.get(key) else {
                return Err(IdentityError::NotAuthorized(format!(
                    "Invalid login token. Tokens of {key} cannot be checked: no OpenID Connect configuration for it ([[identity_oidc_provider]])."
                )));
            };
            let claims = v.verifier.verify(token).await.map_err(|e| {
                use tessera_verify::VerifyError;
                match e {
                    VerifyError::Expired => invalid_token("Token expired."),
                    VerifyError::Jwks(_) => IdentityError::ExternalService(format!(
                        "The keys of the OpenID provider {key} could not be fetched."
                    )),
                    VerifyError::WrongAudience => invalid_token("Incorrect token audience."),
                    _ => invalid_token("Not a valid OpenId Connect identity token."),
                }
            })?;
            if let Some(app) = social_app {
                let aud_ok = match claims.get("aud") {
                    Some(Value::String(a)) => a == app,
                    Some(Value::Array(a)) => a.iter().any(|x| x.as_str() == Some(app)),
                    _ => false,
                };
                if !aud_ok {
                    return Err(invalid_token("Incorrect token audience."));
                }
            }
            // An ID token, not an access token (which may carry client_id for aud).
            if claims.str("token_use") == Some("access") || claims.get("aud").is_none() {
                return Err(invalid_token("Missing a required claim: aud"));
            }
            // An ID token, not an access token (which may carry client_id for aud).
            if claims.str("token_use") == Some("access") || claims.get("aud").is_none() {
                return Err(invalid_token("Missing a required claim: aud"));
            }
            let sub = claims.sub().unwrap_or_default().to_string();
            if sub.is_empty() {
                return Err(invalid_token("Missing a required claim: sub"));
            }
            return Ok(CheckedLogin {
                login: Login {
                    provider: key.to_string(),
                    subject: sub,
                },
                kind: LoginKind::Oidc,
                claims: claims.all.clone(),
            });
        }
        if pool
            .saml_provider_arns
            .iter()
            .flatten()
            .any(|arn| arn == key)
        {
            return Err(IdentityError::NotAuthorized(
                "Invalid login token. SAML assertions in Logins are not checked by this server yet."
                    .into(),
            ));
        }
        Err(not_supported())
    }

    /// The user pool a Logins key names, if it names one of this server's pools.
    fn user_pool_of_key<'k>(&self, key: &'k str) -> Option<&'k str> {
        let id = user_pool_id_of_provider(key)?;
        let host = &key[..key.len() - id.len() - 1];
        let aws = host.starts_with("cognito-idp.") && host.ends_with(".amazonaws.com");
        (aws || host == self.user_pools.issuer_prefix()).then_some(id)
    }

    async fn check_user_pool_login(
        &self,
        pool: &IdentityPool,
        user_pool_id: &str,
        token: &str,
    ) -> Result<CheckedLogin, IdentityError> {
        let providers: Vec<_> = pool
            .cognito_identity_providers
            .iter()
            .flatten()
            .filter(|p| {
                p.provider_name
                    .as_deref()
                    .and_then(user_pool_id_of_provider)
                    == Some(user_pool_id)
            })
            .collect();
        if providers.is_empty() {
            return Err(not_supported());
        }
        let checked = self
            .user_pools
            .verify_id_token(user_pool_id, token)
            .await
            .map_err(|why| invalid_token(&why))?;
        let aud = checked
            .claims
            .get("aud")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Some(provider) = providers
            .iter()
            .find(|p| p.client_id.as_deref() == Some(aud))
        else {
            return Err(invalid_token("Incorrect token audience."));
        };
        if provider.server_side_token_check == Some(true) && checked.revoked {
            return Err(invalid_token("Token has been revoked."));
        }
        let sub = checked
            .claims
            .get("sub")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        Ok(CheckedLogin {
            login: Login {
                provider: provider.provider_name.clone().unwrap_or_default(),
                subject: sub,
            },
            kind: LoginKind::UserPool {
                client_id: aud.to_string(),
            },
            claims: checked.claims,
        })
    }
}
