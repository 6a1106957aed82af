//! The token, userInfo and revoke endpoints: client authentication (HTTP Basic or form),
//! the authorization_code (with PKCE), refresh_token and client_credentials grants, the
//! claims userInfo shows for the token's scopes, and RFC 6749 error answers.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::OPENID;
use super::domains::DomainRoute;
use super::flow::{CodePayload, digest_hex, flows, oauth_enabled};
use crate::auth::refresh::{Via, secret_matches};
use crate::store::{ClientRecord, PoolRecord};
use crate::tokens::{Grant, issuer, jwt, validity};
use crate::{CoreError, Tessera};

/// An OAuth error answer (RFC 6749 §5.2), for the token, userInfo and revoke endpoints.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthError {
    pub status: u16,
    pub error: &'static str,
    pub description: String,
}

impl OAuthError {
    pub fn new(status: u16, error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status,
            error,
            description: description.into(),
        }
    }
}

impl From<CoreError> for OAuthError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Storage(_) => OAuthError::new(500, "server_error", "Internal error."),
            other => OAuthError::new(400, "invalid_request", other.to_string()),
        }
    }
}

/// The token endpoint's form (client credentials come from the form or from HTTP Basic).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TokenParams {
    pub grant_type: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub refresh_token: Option<String>,
    pub scope: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// client_credentials: JSON for pre token generation's `clientMetadata`.
    pub aws_client_metadata: Option<String>,
}

/// Client authentication at the token and revoke endpoints.
#[derive(Debug, Clone)]
pub struct ClientAuth {
    pub client_id: String,
    pub secret: Option<String>,
    /// Given by HTTP Basic (a refusal is then a 401, RFC 6749 §5.2).
    pub basic: bool,
}

/// The token endpoint's answer.
#[derive(Debug, Clone, Serialize)]
pub struct TokenAnswer {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    pub access_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub expires_in: i64,
    pub token_type: &'static str,
}

fn invalid_grant(why: &str) -> OAuthError {
    OAuthError::new(400, "invalid_grant", why)
}

impl Tessera {
    /// The client a token or revoke request authenticates as, in the domain's pool.
    async fn oauth_client(
        &self,
        route: &DomainRoute,
        auth: &ClientAuth,
    ) -> Result<(Arc<ClientRecord>, Arc<PoolRecord>), OAuthError> {
        let refuse = || {
            OAuthError::new(
                if auth.basic { 401 } else { 400 },
                "invalid_client",
                "Client authentication failed.",
            )
        };
        let (client, pool) = self
            .auth_client(&auth.client_id, Some(&route.pool_id))
            .await
            .map_err(|e| match e {
                CoreError::ResourceNotFound(_) => refuse(),
                other => other.into(),
            })?;
        if !route.serves(&client.pool_id) || !secret_matches(&client, auth.secret.as_deref()) {
            return Err(refuse());
        }
        Ok((client, pool))
    }

    /// `POST /oauth2/token`.
    pub async fn token_grant(
        &self,
        route: &DomainRoute,
        auth: Option<ClientAuth>,
        p: TokenParams,
    ) -> Result<TokenAnswer, OAuthError> {
        let auth = auth
            .or_else(|| {
                p.client_id.clone().map(|id| ClientAuth {
                    client_id: id,
                    secret: p.client_secret.clone(),
                    basic: false,
                })
            })
            .ok_or_else(|| {
                OAuthError::new(400, "invalid_client", "Client authentication failed.")
            })?;
        let grant_type = p
            .grant_type
            .clone()
            .ok_or_else(|| OAuthError::new(400, "invalid_request", "grant_type is required"))?;
        let (client, pool) = self.oauth_client(route, &auth).await?;
        if !oauth_enabled(&client) {
            return Err(OAuthError::new(
                400,
                "unauthorized_client",
                "Client is not enabled for OAuth flows",
            ));
        }
        match grant_type.as_str() {
            "authorization_code" => self.code_grant(&pool, &client, p).await,
            "refresh_token" => {
                let token = p.refresh_token.as_deref().ok_or_else(|| {
                    OAuthError::new(400, "invalid_request", "refresh_token is required")
                })?;
                let result = self
                    .refresh(&pool, &client, token, Via::GetTokens(Value::Null))
                    .await
                    .map_err(|e| match e {
                        CoreError::NotAuthorized(m) | CoreError::RefreshTokenReuse(m) => {
                            invalid_grant(&m)
                        }
                        other => other.into(),
                    })?;
                Ok(TokenAnswer {
                    id_token: result.id_token,
                    access_token: result.access_token.unwrap_or_default(),
                    refresh_token: result.refresh_token,
                    expires_in: i64::from(result.expires_in.unwrap_or(3600)),
                    token_type: "Bearer",
                })
            }
            "client_credentials" => self.client_credentials(&pool, &client, p).await,
            _ => Err(OAuthError::new(
                400,
                "unsupported_grant_type",
                "grant_type must be authorization_code, refresh_token or client_credentials",
            )),
        }
    }

    async fn code_grant(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        p: TokenParams,
    ) -> Result<TokenAnswer, OAuthError> {
        let code = p
            .code
            .as_deref()
            .ok_or_else(|| OAuthError::new(400, "invalid_request", "code is required"))?;
        let consumed = "Authorization code has been consumed already or does not exist.";
        // Taken (and so spent) before anything else is checked: a code works once.
        let rec = self
            .store
            .take_code(&digest_hex(code))
            .await
            .map_err(CoreError::from)?
            .filter(|r| r.pool_id == pool.id)
            .ok_or_else(|| invalid_grant(consumed))?;
        if rec.expires_ms <= self.clock.now_millis() {
            return Err(invalid_grant("Authorization code has expired."));
        }
        let payload: CodePayload =
            serde_json::from_str(&rec.payload).map_err(|_| invalid_grant(consumed))?;
        if payload.c != client.client_id {
            return Err(invalid_grant("The code was issued to another client."));
        }
        if p.redirect_uri.as_deref() != Some(payload.r.as_str()) {
            return Err(invalid_grant(
                "redirect_uri does not match the authorization request.",
            ));
        }
        if let Some((challenge, method)) = &payload.cc {
            let verifier = p.code_verifier.as_deref().unwrap_or_default();
            let derived = if method == "S256" {
                URL_SAFE_NO_PAD.encode(
                    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes())
                        .as_ref(),
                )
            } else {
                verifier.to_string()
            };
            let same = aws_lc_rs::constant_time::verify_slices_are_equal(
                derived.as_bytes(),
                challenge.as_bytes(),
            )
            .is_ok();
            if verifier.is_empty() || !same {
                return Err(invalid_grant(
                    "code_verifier does not match the code_challenge.",
                ));
            }
        }
        if !flows(client).iter().any(|f| f == "code") {
            return Err(OAuthError::new(
                400,
                "unauthorized_client",
                "Client is not allowed for code grant flow",
            ));
        }
        let user = self
            .active_user(&pool.id, &payload.s)
            .await
            .map_err(|_| invalid_grant("The user can no longer sign in."))?;
        let grant = Grant {
            auth_time: payload.t,
            scopes: Some(payload.sc.join(" ")),
            nonce: payload.n,
            device_key: None,
            metadata: Value::Null,
        };
        let result = self.issue_tokens_for(pool, client, &user, grant).await?;
        Ok(TokenAnswer {
            id_token: result.id_token,
            access_token: result.access_token.unwrap_or_default(),
            refresh_token: result.refresh_token,
            expires_in: i64::from(result.expires_in.unwrap_or(3600)),
            token_type: "Bearer",
        })
    }

    async fn client_credentials(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        p: TokenParams,
    ) -> Result<TokenAnswer, OAuthError> {
        if !flows(client).iter().any(|f| f == "client_credentials") || client.secret.is_none() {
            return Err(OAuthError::new(
                400,
                "unauthorized_client",
                "Client is not allowed for client_credentials flow",
            ));
        }
        let allowed: Vec<String> = self
            .usable_scopes(client)
            .await?
            .into_iter()
            .filter(|s| s.contains('/'))
            .collect();
        let scopes: Vec<String> = match p.scope.as_deref().map(str::trim) {
            None | Some("") => allowed,
            Some(s) => {
                let mut asked = Vec::new();
                for scope in s.split(' ').filter(|x| !x.is_empty()) {
                    if !allowed.iter().any(|a| a == scope) {
                        return Err(OAuthError::new(
                            400,
                            "invalid_scope",
                            format!("Invalid scope requested: {scope}"),
                        ));
                    }
                    if !asked.iter().any(|a: &String| a == scope) {
                        asked.push(scope.to_string());
                    }
                }
                asked
            }
        };
        if scopes.is_empty() {
            return Err(OAuthError::new(
                400,
                "invalid_scope",
                "The client has no custom scopes to grant",
            ));
        }
        let ring = self.key_ring(&pool.id).await?;
        let (kid, key) = ring
            .active
            .clone()
            .ok_or_else(|| OAuthError::new(500, "server_error", "Internal error."))?;
        let metadata: Value = match p.aws_client_metadata.as_deref() {
            None | Some("") => json!({}),
            Some(m) => serde_json::from_str::<HashMap<String, String>>(m)
                .map(|m| json!(m))
                .map_err(|_| {
                    OAuthError::new(
                        400,
                        "invalid_request",
                        "aws_client_metadata must be a JSON object of strings",
                    )
                })?,
        };
        let now = self.clock.now_secs();
        let v = validity(client);
        let mut claims = json!({
            "sub": client.client_id,
            "token_use": "access",
            "scope": scopes.join(" "),
            "auth_time": now,
            "iss": issuer(&self.settings.public_url, &pool.id),
            "exp": now + v.access,
            "iat": now,
            "version": 2,
            "jti": self.random_id(),
            "client_id": client.client_id,
        });
        if let Value::Object(access) = &mut claims {
            self.customise_client_token(pool, client, metadata, access)
                .await?;
        }
        let bytes = serde_json::to_vec(&claims).unwrap_or_default();
        let token = crate::users::password::bounded(move || jwt::sign(&kid, &bytes, &key))
            .await?
            .ok_or_else(|| OAuthError::new(500, "server_error", "Internal error."))?;
        Ok(TokenAnswer {
            id_token: None,
            access_token: token,
            refresh_token: None,
            expires_in: v.access,
            token_type: "Bearer",
        })
    }

    /// `GET|POST /oauth2/userInfo`: the user's claims the access token's scopes allow.
    pub async fn user_info(
        &self,
        route: &DomainRoute,
        access_token: &str,
    ) -> Result<Map<String, Value>, OAuthError> {
        let expired = || {
            OAuthError::new(
                401,
                "invalid_token",
                "Access token is expired, disabled, or deleted, or the user has globally signed out.",
            )
        };
        let claims = self
            .verify_access_token_scoped(access_token, OPENID)
            .await
            .map_err(|e| match e {
                CoreError::NotAuthorized(m) if m.contains("scope") => OAuthError::new(
                    401,
                    "invalid_token",
                    "Access token does not contain openid scope",
                ),
                CoreError::NotAuthorized(_) => expired(),
                other => other.into(),
            })?;
        if !route.serves(&claims.pool_id) {
            return Err(expired());
        }
        let user = self
            .cached_user(&claims.pool_id, &claims.sub)
            .await?
            .filter(|u| u.enabled)
            .ok_or_else(expired)?;
        let client = self
            .cached_client(&claims.client_id)
            .await?
            .ok_or_else(expired)?;
        let scopes: Vec<&str> = claims.scope.split(' ').collect();
        let has = |s: &str| scopes.contains(&s);
        let only_openid = !has("email") && !has("phone") && !has("profile");
        let readable = client.config.read_attributes.as_deref();
        let mut out = Map::new();
        out.insert("sub".into(), json!(user.sub));
        for (name, value) in &user.attributes {
            if name.starts_with("dev:") || name == "sub" {
                continue;
            }
            if readable.is_some_and(|r| !r.is_empty() && !r.iter().any(|a| a == name)) {
                continue;
            }
            let shown = only_openid
                || match name.as_str() {
                    "email" | "email_verified" => has("email"),
                    "phone_number" | "phone_number_verified" => has("phone"),
                    _ => has("profile"),
                };
            if shown {
                out.insert(name.clone(), json!(value));
            }
        }
        out.insert("username".into(), json!(user.username));
        Ok(out)
    }

    /// `POST /oauth2/revoke`.
    pub async fn oauth_revoke(
        &self,
        route: &DomainRoute,
        auth: Option<ClientAuth>,
        client_id: Option<String>,
        token: Option<String>,
    ) -> Result<(), OAuthError> {
        let auth = auth
            .or_else(|| {
                client_id.map(|id| ClientAuth {
                    client_id: id,
                    secret: None,
                    basic: false,
                })
            })
            .ok_or_else(|| {
                OAuthError::new(401, "invalid_client", "Client authentication failed.")
            })?;
        let token =
            token.ok_or_else(|| OAuthError::new(400, "invalid_request", "token is required"))?;
        let (client, _pool) = self.oauth_client(route, &auth).await?;
        let req = tessera_wire::idp::RevokeTokenRequest {
            client_id: client.client_id.clone(),
            client_secret: auth.secret.clone(),
            token,
            ..Default::default()
        };
        self.revoke_token(req).await.map_err(|e| match e {
            CoreError::UnsupportedTokenType(m) => OAuthError::new(400, "unsupported_token_type", m),
            CoreError::UnsupportedOperation(m) => OAuthError::new(400, "invalid_request", m),
            CoreError::Unauthorized(m) => OAuthError::new(401, "invalid_client", m),
            other => other.into(),
        })
    }
}

/// Decodes `%XX` escapes. A `+` stays a `+`: Cognito's client secrets contain it, and
/// clients that follow Cognito's documentation send them without encoding.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Decodes `Authorization: Basic` client credentials (each part may be form-urlencoded,
/// RFC 6749 §2.3.1; Cognito's plain ids and secrets decode to themselves).
pub fn basic_client_auth(header: &str) -> Option<ClientAuth> {
    let encoded = header
        .strip_prefix("Basic ")
        .or_else(|| header.strip_prefix("basic "))?;
    let raw = STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some(ClientAuth {
        client_id: percent_decode(id)?,
        secret: Some(percent_decode(secret)?),
        basic: true,
    })
}
