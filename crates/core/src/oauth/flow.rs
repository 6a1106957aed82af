//! The OAuth 2.0 / OpenID Connect flows behind the hosted endpoints: checking an
//! authorization request, the hosted sign-in session, issuing authorization codes, logout
//! and the discovery document. The token, userInfo and revoke endpoints are in `token`.
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
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::OPENID;
use super::domains::DomainRoute;
use crate::auth::Api;
use crate::sealing::Purpose;
use crate::store::{AuthCodeRecord, ClientRecord, PoolRecord, UserRecord};
use crate::tokens::{Grant, issuer};
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
    /// The upstream identity provider the request names (`identity_provider` or
    /// `idp_identifier`), which the browser goes to instead of the sign-in page.
    pub upstream: Option<String>,
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
    /// A SAML sign-in: the provider, NameID and SessionIndex single logout names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saml: Option<SamlSession>,
}

/// The SAML side of a hosted session (for single logout).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SamlSession {
    pub provider: String,
    pub name_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_index: Option<String>,
}

/// What an authorization code stands for (stored by digest).
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct CodePayload {
    pub(super) c: String,
    pub(super) s: String,
    pub(super) r: String,
    pub(super) sc: Vec<String>,
    pub(super) t: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) n: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) cc: Option<(String, String)>,
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

pub(super) fn flows(client: &ClientRecord) -> &[String] {
    client.config.allowed_oauth_flows.as_deref().unwrap_or(&[])
}

pub(super) fn oauth_enabled(client: &ClientRecord) -> bool {
    client.config.allowed_oauth_flows_user_pool_client == Some(true)
}

pub(super) fn digest_hex(s: &str) -> String {
    hex::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, s.as_bytes()).as_ref())
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
            .filter(|c| route.serves(&c.pool_id))
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
        // Cognito redirects an error with `error` (and `state`) only, no `error_description`
        // (developer guide, "Authorize endpoint", negative responses; docs/fidelity.md M1).
        let fail = |error: &str| {
            let mut params = vec![("error", error)];
            if let Some(s) = p.state.as_deref() {
                params.push(("state", s));
            }
            AuthorizeError::Redirect(with_params(&redirect_uri, &params, token))
        };
        let response_type = match p.response_type.as_deref() {
            Some("code") => ResponseType::Code,
            Some("token") => ResponseType::Token,
            None | Some("") => return Err(fail("invalid_request")),
            Some(_) => {
                return Err(fail("unsupported_response_type"));
            }
        };
        let flow = match response_type {
            ResponseType::Code => "code",
            ResponseType::Token => "implicit",
        };
        if !oauth_enabled(&found) || !flows(&found).iter().any(|f| f == flow) {
            return Err(fail("unauthorized_client"));
        }
        let idps = found
            .config
            .supported_identity_providers
            .as_deref()
            .unwrap_or(&[]);
        let supported = |name: &str| idps.iter().any(|i| i == name);
        let upstream = match (
            p.identity_provider.as_deref().filter(|s| !s.is_empty()),
            p.idp_identifier.as_deref().filter(|s| !s.is_empty()),
        ) {
            (Some("COGNITO"), _) if supported("COGNITO") => None,
            (Some(name), _) if name != "COGNITO" && supported(name) => Some(name.to_string()),
            (Some(_), _) => return Err(fail("invalid_request")),
            (None, Some(identifier)) => {
                // The sign-in page's field takes an email: its domain is the identifier.
                let mut provider = self
                    .identity_provider_by_identifier(&pool.id, identifier)
                    .await
                    .map_err(|_| fail("server_error"))?;
                if provider.is_none()
                    && let Some((_, domain)) = identifier.rsplit_once('@')
                {
                    provider = self
                        .identity_provider_by_identifier(&pool.id, domain)
                        .await
                        .map_err(|_| fail("server_error"))?;
                }
                let provider = provider
                    .filter(|p| supported(&p.name))
                    .ok_or_else(|| fail("invalid_request"))?;
                Some(provider.name)
            }
            (None, None) if idps.is_empty() => return Err(fail("invalid_request")),
            (None, None) => None,
        };
        let allowed = self
            .usable_scopes(&found)
            .await
            .map_err(|_| fail("server_error"))?;
        let scopes: Vec<String> = match p.scope.as_deref().map(str::trim) {
            None | Some("") => allowed,
            Some(s) => {
                let mut asked: Vec<String> = Vec::new();
                for scope in s.split([' ', '+']).filter(|x| !x.is_empty()) {
                    if !allowed.iter().any(|a| a == scope) {
                        return Err(fail("invalid_scope"));
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
            return Err(fail("invalid_scope"));
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
                    return Err(fail("invalid_request"));
                }
                Some((c.to_string(), m.to_string()))
            }
            (Some(_), None) => {
                return Err(fail("invalid_request"));
            }
            (None, Some(_)) => {
                return Err(fail("invalid_request"));
            }
            (Some(_), Some(_)) => {
                return Err(fail("invalid_request"));
            }
        };
        if let Some(pr) = p.prompt.as_deref()
            && !pr
                .split(' ')
                .all(|x| matches!(x, "none" | "login" | "consent" | "select_account"))
        {
            return Err(fail("invalid_request"));
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
            upstream,
        })
    }

    /// The client's allowed scopes that still exist (a custom scope whose resource server
    /// or scope was deleted is inactive, and ignored).
    pub(super) async fn usable_scopes(
        &self,
        client: &ClientRecord,
    ) -> Result<Vec<String>, CoreError> {
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
    pub fn authorize_error(a: &Authorization, error: &str) -> String {
        let mut params = vec![("error", error)];
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
            saml: None,
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
    pub(super) async fn active_user(
        &self,
        pool_id: &str,
        sub: &str,
    ) -> Result<Arc<UserRecord>, CoreError> {
        self.cached_user(pool_id, sub)
            .await?
            .filter(|u| {
                u.enabled
                    && (u.status == status::CONFIRMED || u.status == status::EXTERNAL_PROVIDER)
            })
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
                    metadata: Value::Null,
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
            .filter(|c| route.serves(&c.pool_id))
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
