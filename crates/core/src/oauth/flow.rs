//! The OAuth 2.0 / OpenID Connect flows behind the hosted endpoints: checking an
//! authorization request, the hosted sign-in session, authorization codes, the token
//! endpoint's grants, and userInfo.
//!
//! Rules (developer guide, "Authorize endpoint", "Token endpoint", "userInfo endpoint"):
//! an error is redirected to the client only once `client_id` and `redirect_uri` are known
//! to be good (exact match with a CallbackURL); scopes default to all the client's; the
//! phone, email and profile scopes need openid; an ID token is issued only with openid;
//! a code works once, for five minutes, for the client and redirect URI it was issued to,
//! and with PKCE only with the right verifier.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::OPENID;
use super::domains::DomainRoute;
use crate::auth::Api;
use crate::auth::refresh::{Via, secret_matches};
use crate::sealing::Purpose;
use crate::store::{AuthCodeRecord, ClientRecord, PoolRecord, UserRecord};
use crate::tokens::{Grant, issuer, jwt, validity};
use crate::users::status;
use crate::{CoreError, Tessera};

/// How long an authorization code can be exchanged.
pub const CODE_TTL_MS: i64 = 5 * 60_000;
/// How long the hosted sign-in session (single sign-on across the pool's clients) lasts.
pub const SESSION_TTL_MS: i64 = 60 * 60_000;

/// An authorization request's parameters, as `/oauth2/authorize` and `/login` take them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AuthorizeParams {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub state: Option<String>,
    pub scope: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub nonce: Option<String>,
    pub identity_provider: Option<String>,
    pub idp_identifier: Option<String>,
    pub prompt: Option<String>,
    pub lang: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseType {
    Code,
    Token,
}

/// A checked authorization request.
#[derive(Debug, Clone)]
pub struct Authorization {
    pub pool: Arc<PoolRecord>,
    pub client: Arc<ClientRecord>,
    pub redirect_uri: String,
    pub response_type: ResponseType,
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    /// `(code_challenge, method)`, the method being `S256` or `plain`.
    pub challenge: Option<(String, String)>,
    pub prompt: Option<String>,
}

/// Why an authorization request cannot go on.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthorizeError {
    /// Shown to the user, never redirected: the client or its redirect URI is not known
    /// to be good.
    Page { error: String, description: String },
    /// Sent back to the client at this location.
    Redirect(String),
}

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

/// The hosted sign-in session, sealed into a cookie.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HostedSession {
    /// Pool id.
    pub p: String,
    /// The user's `sub`.
    pub s: String,
    /// `auth_time` (seconds) of the sign-in.
    pub t: i64,
    /// Expiry, ms since the epoch.
    pub x: i64,
}

/// What an authorization code stands for (stored by digest).
#[derive(Debug, Serialize, Deserialize)]
struct CodePayload {
    c: String,
    s: String,
    r: String,
    sc: Vec<String>,
    t: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    n: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cc: Option<(String, String)>,
}

/// `uri` with `params` appended to its query (or, for the implicit grant, its fragment).
pub fn with_params(uri: &str, params: &[(&str, &str)], fragment: bool) -> String {
    let mut out = uri.to_string();
    let mut sep = if fragment {
        '#'
    } else if uri.contains('?') {
        '&'
    } else {
        '?'
    };
    for (k, v) in params {
        out.push(sep);
        out.push_str(k);
        out.push('=');
        out.push_str(&percent(v));
        sep = '&';
    }
    out
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn percent(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn page(error: &str, description: &str) -> AuthorizeError {
    AuthorizeError::Page {
        error: error.into(),
        description: description.into(),
    }
}

fn flows(client: &ClientRecord) -> &[String] {
    client.config.allowed_oauth_flows.as_deref().unwrap_or(&[])
}

fn oauth_enabled(client: &ClientRecord) -> bool {
    client.config.allowed_oauth_flows_user_pool_client == Some(true)
}

fn digest_hex(s: &str) -> String {
    hex::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, s.as_bytes()).as_ref())
}

fn invalid_grant(why: &str) -> OAuthError {
    OAuthError::new(400, "invalid_grant", why)
}

impl Tessera {
    /// Checks an authorization request against the domain's pool and the client.
    pub async fn check_authorize(
        &self,
        route: &DomainRoute,
        p: &AuthorizeParams,
    ) -> Result<Authorization, AuthorizeError> {
        let client_id = p
            .client_id
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| page("invalid_request", "client_id is required."))?;
        let found = self
            .cached_client(client_id)
            .await
            .map_err(|_| page("server_error", "Try again later."))?
            .filter(|c| c.pool_id == route.pool_id)
            .ok_or_else(|| page("invalid_client", "The client does not exist."))?;
        let pool = self
            .cached_pool(&route.pool_id)
            .await
            .ok()
            .flatten()
            .ok_or_else(|| page("invalid_client", "The client does not exist."))?;
        let redirect_uri = p
            .redirect_uri
            .clone()
            .filter(|r| found.config.callback_urls.iter().flatten().any(|u| u == r))
            .ok_or_else(|| {
                page(
                    "redirect_mismatch",
                    "The redirect_uri is not registered for this client.",
                )
            })?;

        let token = p.response_type.as_deref() == Some("token");
        let fail = |error: &str, description: &str| {
            let mut params = vec![("error", error), ("error_description", description)];
            if let Some(s) = p.state.as_deref() {
                params.push(("state", s));
            }
            AuthorizeError::Redirect(with_params(&redirect_uri, &params, token))
        };
        let response_type = match p.response_type.as_deref() {
            Some("code") => ResponseType::Code,
            Some("token") => ResponseType::Token,
            None | Some("") => return Err(fail("invalid_request", "response_type is required")),
            Some(_) => {
                return Err(fail(
                    "unsupported_response_type",
                    "response_type must be code or token",
                ));
            }
        };
        let flow = match response_type {
            ResponseType::Code => "code",
            ResponseType::Token => "implicit",
        };
        if !oauth_enabled(&found) || !flows(&found).iter().any(|f| f == flow) {
            return Err(fail(
                "unauthorized_client",
                "Client is not allowed for this response_type",
            ));
        }
        let idps = found.config.supported_identity_providers.as_deref();
        if !idps.unwrap_or(&[]).iter().any(|i| i == "COGNITO")
            || p.identity_provider
                .as_deref()
                .is_some_and(|i| i != "COGNITO")
            || p.idp_identifier.is_some()
        {
            return Err(fail(
                "invalid_request",
                "The identity provider is not enabled for this client",
            ));
        }
        let allowed = self
            .usable_scopes(&found)
            .await
            .map_err(|_| fail("server_error", "Try again later"))?;
        let scopes: Vec<String> = match p.scope.as_deref().map(str::trim) {
            None | Some("") => allowed,
            Some(s) => {
                let mut asked: Vec<String> = Vec::new();
                for scope in s.split([' ', '+']).filter(|x| !x.is_empty()) {
                    if !allowed.iter().any(|a| a == scope) {
                        return Err(fail(
                            "invalid_scope",
                            "The scope is not allowed for this client",
                        ));
                    }
                    if !asked.iter().any(|a| a == scope) {
                        asked.push(scope.to_string());
                    }
                }
                asked
            }
        };
        let needs_openid = scopes
            .iter()
            .any(|s| matches!(s.as_str(), "email" | "phone" | "profile"));
        if needs_openid && !scopes.iter().any(|s| s == OPENID) {
            return Err(fail(
                "invalid_scope",
                "The phone, email and profile scopes need the openid scope",
            ));
        }
        let challenge = match (
            p.code_challenge.as_deref(),
            p.code_challenge_method.as_deref(),
        ) {
            (None, None) => None,
            (Some(c), Some(m @ ("S256" | "plain"))) => {
                let ok_len = (43..=128).contains(&c.len());
                let ok_chars = c
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
                if !ok_len || !ok_chars {
                    return Err(fail("invalid_request", "code_challenge is malformed"));
                }
                Some((c.to_string(), m.to_string()))
            }
            (Some(_), None) => {
                return Err(fail(
                    "invalid_request",
                    "code_challenge_method is required with code_challenge",
                ));
            }
            (None, Some(_)) => {
                return Err(fail(
                    "invalid_request",
                    "code_challenge is required with code_challenge_method",
                ));
            }
            (Some(_), Some(_)) => {
                return Err(fail(
                    "invalid_request",
                    "code_challenge_method must be S256 or plain",
                ));
            }
        };
        if let Some(pr) = p.prompt.as_deref()
            && !pr
                .split(' ')
                .all(|x| matches!(x, "none" | "login" | "consent" | "select_account"))
        {
            return Err(fail("invalid_request", "Unsupported prompt value"));
        }
        Ok(Authorization {
            pool,
            client: found,
            redirect_uri,
            response_type,
            scopes,
            state: p.state.clone(),
            nonce: p.nonce.clone().filter(|n| !n.is_empty()),
            challenge,
            prompt: p.prompt.clone(),
        })
    }

    /// The client's allowed scopes that still exist (a custom scope whose resource server
    /// or scope was deleted is inactive, and ignored).
    async fn usable_scopes(&self, client: &ClientRecord) -> Result<Vec<String>, CoreError> {
        let custom = self.custom_scopes(&client.pool_id).await?;
        Ok(client
            .config
            .allowed_oauth_scopes
            .iter()
            .flatten()
            .filter(|s| crate::clients::STANDARD_SCOPES.contains(&s.as_str()) || custom.contains(s))
            .cloned()
            .collect())
    }

    /// The redirect that ends an authorization error, for a request that already passed
    /// the client and redirect checks (e.g. `prompt=none` without a session).
    pub fn authorize_error(a: &Authorization, error: &str, description: &str) -> String {
        let mut params = vec![("error", error), ("error_description", description)];
        if let Some(s) = a.state.as_deref() {
            params.push(("state", s));
        }
        with_params(
            &a.redirect_uri,
            &params,
            a.response_type == ResponseType::Token,
        )
    }

    /// Proves a user's password on the hosted sign-in page. The outcome carries the user's
    /// `sub` (signed in), or a NEW_PASSWORD_REQUIRED challenge.
    pub async fn hosted_sign_in(
        &self,
        a: &Authorization,
        username: &str,
        password: &str,
    ) -> Result<crate::auth::AuthOutcome, CoreError> {
        let mut params = HashMap::new();
        params.insert("USERNAME".to_string(), username.to_string());
        params.insert("PASSWORD".to_string(), password.to_string());
        self.password_auth(&a.pool, &a.client, &params, Api::Hosted)
            .await
    }

    /// Answers NEW_PASSWORD_REQUIRED on the hosted page.
    pub async fn hosted_new_password(
        &self,
        a: &Authorization,
        session: &str,
        new_password: &str,
    ) -> Result<crate::auth::AuthOutcome, CoreError> {
        let mut responses = HashMap::new();
        responses.insert("NEW_PASSWORD".to_string(), new_password.to_string());
        self.new_password(&a.pool, &a.client, session, &responses, Api::Hosted)
            .await
    }

    /// Answers a sign-in challenge on the hosted pages (MFA codes, the factor choice,
    /// MFA setup once its token is verified).
    pub async fn hosted_respond(
        &self,
        a: &Authorization,
        challenge: &str,
        session: &str,
        responses: HashMap<String, String>,
    ) -> Result<crate::auth::AuthOutcome, CoreError> {
        self.respond(
            Api::Hosted,
            Some(&a.pool.id),
            &a.client.client_id,
            challenge,
            Some(session),
            &responses,
        )
        .await
    }

    /// A new hosted session for a user who just signed in.
    pub fn new_hosted_session(&self, pool_id: &str, sub: &str) -> HostedSession {
        let now = self.clock.now_millis();
        HostedSession {
            p: pool_id.to_string(),
            s: sub.to_string(),
            t: now.div_euclid(1000),
            x: now + SESSION_TTL_MS,
        }
    }

    pub fn seal_hosted_session(&self, s: &HostedSession) -> String {
        let plain = serde_json::to_vec(s).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(self.sealer.seal(
            Purpose::HostedSession,
            s.p.as_bytes(),
            &plain,
            self.rng.as_ref(),
        ))
    }

    /// The session a cookie holds, if it is ours, for this pool, and not expired.
    pub fn open_hosted_session(&self, pool_id: &str, cookie: &str) -> Option<HostedSession> {
        let sealed = URL_SAFE_NO_PAD.decode(cookie.trim()).ok()?;
        let plain = self
            .sealer
            .open(Purpose::HostedSession, pool_id.as_bytes(), &sealed)
            .ok()?;
        let s: HostedSession = serde_json::from_slice(&plain).ok()?;
        (s.p == pool_id && s.x > self.clock.now_millis()).then_some(s)
    }

    /// A user who may still be given tokens.
    async fn active_user(&self, pool_id: &str, sub: &str) -> Result<Arc<UserRecord>, CoreError> {
        self.cached_user(pool_id, sub)
            .await?
            .filter(|u| u.enabled && u.status == status::CONFIRMED)
            .ok_or_else(|| CoreError::NotAuthorized("User is not allowed to sign in.".into()))
    }

    /// Completes an authorization for a signed-in user: the redirect carrying a code, or
    /// (implicit grant) the tokens.
    pub async fn complete_authorize(
        &self,
        a: &Authorization,
        session: &HostedSession,
    ) -> Result<String, CoreError> {
        let user = self.active_user(&a.pool.id, &session.s).await?;
        let mut params: Vec<(&str, String)> = Vec::new();
        match a.response_type {
            ResponseType::Code => {
                let mut raw = [0u8; 32];
                self.rng.fill(&mut raw);
                let code = URL_SAFE_NO_PAD.encode(raw);
                let payload = CodePayload {
                    c: a.client.client_id.clone(),
                    s: user.sub.clone(),
                    r: a.redirect_uri.clone(),
                    sc: a.scopes.clone(),
                    t: session.t,
                    n: a.nonce.clone(),
                    cc: a.challenge.clone(),
                };
                let rec = AuthCodeRecord {
                    code_hash: digest_hex(&code),
                    pool_id: a.pool.id.clone(),
                    expires_ms: self.clock.now_millis() + CODE_TTL_MS,
                    payload: serde_json::to_string(&payload).unwrap_or_default(),
                };
                self.store.insert_code(&rec).await?;
                params.push(("code", code));
            }
            ResponseType::Token => {
                let grant = Grant {
                    auth_time: session.t,
                    scopes: Some(a.scopes.join(" ")),
                    nonce: a.nonce.clone(),
                    device_key: None,
                };
                let result = self
                    .issue_tokens_for(&a.pool, &a.client, &user, grant)
                    .await?;
                if let Some(id) = result.id_token {
                    params.push(("id_token", id));
                }
                params.push(("access_token", result.access_token.unwrap_or_default()));
                params.push(("token_type", "bearer".into()));
                params.push(("expires_in", result.expires_in.unwrap_or(3600).to_string()));
            }
        }
        if let Some(s) = &a.state {
            params.push(("state", s.clone()));
        }
        let refs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Ok(with_params(
            &a.redirect_uri,
            &refs,
            a.response_type == ResponseType::Token,
        ))
    }

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
        if !secret_matches(&client, auth.secret.as_deref()) {
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
                    .refresh(&pool, &client, token, Via::GetTokens)
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
        let now = self.clock.now_secs();
        let v = validity(client);
        let claims = json!({
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
    pub async fn user_info(&self, access_token: &str) -> Result<Map<String, Value>, OAuthError> {
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

    /// Where `/logout?client_id=..&logout_uri=..` sends the browser: the logout URI, if the
    /// client registered it exactly.
    pub async fn logout_target(
        &self,
        route: &DomainRoute,
        client_id: &str,
        logout_uri: &str,
    ) -> Result<String, AuthorizeError> {
        let client = self
            .cached_client(client_id)
            .await
            .map_err(|_| page("server_error", "Try again later."))?
            .filter(|c| c.pool_id == route.pool_id)
            .ok_or_else(|| page("invalid_client", "The client does not exist."))?;
        if client
            .config
            .logout_urls
            .iter()
            .flatten()
            .any(|u| u == logout_uri)
        {
            Ok(logout_uri.to_string())
        } else {
            Err(page(
                "invalid_request",
                "The logout_uri is not registered for this client.",
            ))
        }
    }

    /// The OpenID Provider metadata of a pool (`/<pool>/.well-known/openid-configuration`).
    pub async fn openid_configuration(&self, pool_id: &str) -> Result<Value, CoreError> {
        let pool = self
            .cached_pool(pool_id)
            .await?
            .ok_or_else(|| crate::pools::not_found(pool_id))?;
        let iss = issuer(&self.settings.public_url, &pool.id);
        let mut doc = json!({
            "issuer": iss,
            "jwks_uri": format!("{iss}/.well-known/jwks.json"),
            "response_types_supported": ["code", "token"],
            "scopes_supported": ["openid", "email", "phone", "profile"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        });
        if let (Some(base), Value::Object(m)) = (self.hosted_base_url(&pool), &mut doc) {
            m.insert(
                "authorization_endpoint".into(),
                json!(format!("{base}/oauth2/authorize")),
            );
            m.insert(
                "token_endpoint".into(),
                json!(format!("{base}/oauth2/token")),
            );
            m.insert(
                "userinfo_endpoint".into(),
                json!(format!("{base}/oauth2/userInfo")),
            );
            m.insert(
                "revocation_endpoint".into(),
                json!(format!("{base}/oauth2/revoke")),
            );
            m.insert(
                "end_session_endpoint".into(),
                json!(format!("{base}/logout")),
            );
            m.insert(
                "code_challenge_methods_supported".into(),
                json!(["S256", "plain"]),
            );
            m.insert(
                "grant_types_supported".into(),
                json!([
                    "authorization_code",
                    "implicit",
                    "refresh_token",
                    "client_credentials"
                ]),
            );
        }
        Ok(doc)
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
