//! Browser mode: the gate signs users in through the issuer's hosted login (authorization
//! code + PKCE, as a confidential client) and keeps their tokens in sealed cookies
//! (AES-256-GCM with the gate's key; HttpOnly, SameSite=Lax, Secure unless the gate's public
//! URL is plain http), refreshing the access token as it expires. Page JavaScript never sees
//! a token: the gate adds `Authorization: Bearer` to requests it forwards, and strips its
//! cookies from them.
//!
//! Endpoints (paths configurable): `login?return_to=/path` starts a sign-in, `callback`
//! finishes it, `logout` ends the session here and at the issuer's `/logout`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;

use super::config::BrowserConfig;

const FLOW_COOKIE: &str = "tessera_gate_flow";
const SESSION_COOKIE: &str = "tessera_gate_session";
/// Cookies longer than this are split (`tessera_gate_session.1`, ...): browsers drop
/// cookies over about 4 KB.
const CHUNK: usize = 3_800;
const MAX_CHUNKS: usize = 4;
/// A sign-in in progress may take this long.
const FLOW_TTL_SECS: i64 = 600;

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn random(n: usize) -> String {
    let mut b = vec![0u8; n];
    aws_lc_rs::rand::fill(&mut b).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(b)
}

/// The issuer's endpoints, from its discovery document.
#[derive(Debug, Clone, Deserialize)]
struct Endpoints {
    authorization_endpoint: String,
    token_endpoint: String,
    #[serde(default)]
    end_session_endpoint: Option<String>,
}

/// A sign-in in progress (sealed into the flow cookie).
#[derive(Debug, Serialize, Deserialize)]
struct Flow {
    state: String,
    verifier: String,
    nonce: String,
    return_to: String,
    exp: i64,
}

/// A signed-in browser's tokens (sealed into the session cookie).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Session {
    #[serde(rename = "a")]
    pub access: String,
    #[serde(rename = "i", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "r", default, skip_serializing_if = "Option::is_none")]
    refresh: Option<String>,
    /// When the access token expires (seconds).
    #[serde(rename = "x")]
    exp: i64,
}

#[derive(Debug, Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    id_token: Option<String>,
    #[serde(default)]
    refresh_token: Option<String>,
    expires_in: i64,
}

pub(super) struct Browser {
    cfg: BrowserConfig,
    secret: Option<String>,
    issuer: String,
    key: LessSafeKey,
    secure: bool,
    endpoints: OnceCell<Endpoints>,
    http: reqwest::Client,
}

impl Browser {
    pub fn new(cfg: &BrowserConfig, issuer: &str) -> anyhow::Result<Self> {
        let secret = std::env::var("TESSERA_GATE_CLIENT_SECRET")
            .ok()
            .or_else(|| cfg.client_secret.clone());
        let key_bytes = match std::env::var("TESSERA_GATE_COOKIE_KEY")
            .ok()
            .or_else(|| cfg.cookie_key.clone())
        {
            Some(k) => STANDARD
                .decode(k.trim())
                .context("browser.cookie_key must be base64 of 32 bytes")?,
            None => {
                // Sessions then last as long as this process.
                let mut k = vec![0u8; 32];
                aws_lc_rs::rand::fill(&mut k).map_err(|_| anyhow::anyhow!("no randomness"))?;
                k
            }
        };
        if key_bytes.len() != 32 {
            bail!("browser.cookie_key must be base64 of 32 bytes");
        }
        let key = LessSafeKey::new(
            UnboundKey::new(&AES_256_GCM, &key_bytes).map_err(|_| anyhow::anyhow!("bad key"))?,
        );
        Ok(Browser {
            secure: !cfg.public_url.starts_with("http://"),
            cfg: cfg.clone(),
            secret,
            issuer: issuer.trim_end_matches('/').to_string(),
            key,
            endpoints: OnceCell::new(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
        })
    }

    pub fn login_path(&self) -> &str {
        &self.cfg.login_path
    }

    pub fn callback_path(&self) -> &str {
        &self.cfg.callback_path
    }

    /// Whether a path is one of browser mode's own endpoints.
    pub fn owns(&self, path: &str) -> bool {
        [
            &self.cfg.login_path,
            &self.cfg.callback_path,
            &self.cfg.logout_path,
        ]
        .iter()
        .any(|p| p.as_str() == path)
    }

    async fn endpoints(&self) -> anyhow::Result<&Endpoints> {
        self.endpoints
            .get_or_try_init(|| async {
                let url = format!("{}/.well-known/openid-configuration", self.issuer);
                let e: Endpoints = self
                    .http
                    .get(&url)
                    .send()
                    .await?
                    .error_for_status()?
                    .json()
                    .await?;
                anyhow::Ok(e)
            })
            .await
    }

    fn seal<T: Serialize>(&self, purpose: &[u8], v: &T) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut nonce).unwrap_or_default();
        let mut body = serde_json::to_vec(v).unwrap_or_default();
        let sealed = self.key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(purpose),
            &mut body,
        );
        if sealed.is_err() {
            return String::new();
        }
        let mut out = nonce.to_vec();
        out.extend_from_slice(&body);
        URL_SAFE_NO_PAD.encode(out)
    }

    fn open<T: for<'de> Deserialize<'de>>(&self, purpose: &[u8], text: &str) -> Option<T> {
        let raw = URL_SAFE_NO_PAD.decode(text).ok()?;
        if raw.len() < NONCE_LEN {
            return None;
        }
        let (nonce, rest) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut body = rest.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(purpose), &mut body)
            .ok()?;
        serde_json::from_slice(plain).ok()
    }

    fn cookie(&self, name: &str, value: &str, max_age: i64) -> HeaderValue {
        let secure = if self.secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
        ))
        .unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    fn redirect_uri(&self) -> String {
        format!(
            "{}{}",
            self.cfg.public_url.trim_end_matches('/'),
            self.cfg.callback_path
        )
    }

    /// The session cookies for `s` (and the deletion of chunks it no longer needs).
    pub fn session_cookies(&self, s: &Session) -> Vec<HeaderValue> {
        let value = self.seal(b"session", s);
        let max_age = self.cfg.session_hours * 3600;
        let chunks: Vec<&str> = value
            .as_bytes()
            .chunks(CHUNK)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        (0..MAX_CHUNKS)
            .map(|i| {
                let name = chunk_name(i);
                match chunks.get(i) {
                    Some(c) => self.cookie(&name, c, max_age),
                    None => self.cookie(&name, "", 0),
                }
            })
            .collect()
    }

    /// The browser's session, if its cookies hold one.
    pub fn session(&self, headers: &HeaderMap) -> Option<Session> {
        let mut value = String::new();
        for i in 0..MAX_CHUNKS {
            match cookie(headers, &chunk_name(i)) {
                Some(c) if !c.is_empty() => value.push_str(c),
                _ => break,
            }
        }
        if value.is_empty() {
            return None;
        }
        self.open(b"session", &value)
    }

    /// The session with a live access token: refreshed (and `Some` new cookies) when it
    /// expires soon; `Err` when it cannot be.
    pub async fn live(&self, s: Session) -> Result<(Session, Option<Vec<HeaderValue>>), ()> {
        if s.exp - self.cfg.refresh_before_secs > now_secs() {
            return Ok((s, None));
        }
        let Some(refresh) = s.refresh.clone() else {
            return Err(());
        };
        let answer = self
            .token(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
            .await
            .map_err(|e| tracing::info!(error = %e, "browser session could not be refreshed"))?;
        let next = Session {
            access: answer.access_token,
            id: answer.id_token.or(s.id),
            refresh: answer.refresh_token.or(Some(refresh)),
            exp: now_secs() + answer.expires_in,
        };
        let cookies = self.session_cookies(&next);
        Ok((next, Some(cookies)))
    }

    async fn token(&self, form: &[(&str, &str)]) -> anyhow::Result<TokenAnswer> {
        let e = self.endpoints().await?;
        // A confidential client authenticates with HTTP Basic; a public one names itself.
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        if self.secret.is_none() {
            fields.push(("client_id", &self.cfg.client_id));
        }
        let mut req = self.http.post(&e.token_endpoint).form(&fields);
        if let Some(secret) = &self.secret {
            req = req.basic_auth(&self.cfg.client_id, Some(secret));
        }
        let r = req.send().await?;
        if !r.status().is_success() {
            bail!("token endpoint answered {}", r.status());
        }
        Ok(r.json().await?)
    }

    /// `GET <login_path>?return_to=/path`: off to the issuer's sign-in page.
    pub async fn login(&self, query: Option<&str>) -> Response {
        let return_to = return_to(query);
        let e = match self.endpoints().await {
            Ok(e) => e,
            Err(err) => {
                tracing::warn!(error = %err, "issuer discovery failed");
                return super::json_error(StatusCode::BAD_GATEWAY, "Bad Gateway");
            }
        };
        let flow = Flow {
            state: random(24),
            verifier: random(48),
            nonce: random(24),
            return_to,
            exp: now_secs() + FLOW_TTL_SECS,
        };
        let challenge = URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA256,
            flow.verifier.as_bytes(),
        ));
        let scope = self.cfg.scopes.join(" ");
        let location = format!(
            "{}?{}",
            e.authorization_endpoint,
            form_encode(&[
                ("response_type", "code"),
                ("client_id", &self.cfg.client_id),
                ("redirect_uri", &self.redirect_uri()),
                ("scope", &scope),
                ("state", &flow.state),
                ("nonce", &flow.nonce),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
            ])
        );
        let mut r = redirect(&location);
        r.headers_mut().append(
            header::SET_COOKIE,
            self.cookie(FLOW_COOKIE, &self.seal(b"flow", &flow), FLOW_TTL_SECS),
        );
        r
    }

    /// `GET <callback_path>?code=..&state=..`: the code for tokens, kept in cookies.
    pub async fn callback(
        &self,
        query: Option<&str>,
        headers: &HeaderMap,
        verifier: &tessera_verify::Verifier,
    ) -> Response {
        let param = |name: &str| {
            query.and_then(|q| {
                q.split('&')
                    .filter_map(|kv| kv.split_once('='))
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| percent_decode(v))
            })
        };
        let flow: Option<Flow> = cookie(headers, FLOW_COOKIE).and_then(|c| self.open(b"flow", c));
        let Some(flow) = flow.filter(|f| f.exp > now_secs()) else {
            return super::json_error(StatusCode::BAD_REQUEST, "The sign-in expired; start again");
        };
        if param("state").as_deref() != Some(flow.state.as_str()) {
            return super::json_error(StatusCode::BAD_REQUEST, "The sign-in state does not match");
        }
        if let Some(err) = param("error") {
            return super::json_error(StatusCode::UNAUTHORIZED, &format!("Sign-in failed: {err}"));
        }
        let Some(code) = param("code") else {
            return super::json_error(StatusCode::BAD_REQUEST, "No authorization code");
        };
        let answer = match self
            .token(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", &self.redirect_uri()),
                ("code_verifier", &flow.verifier),
            ])
            .await
        {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(error = %e, "code exchange failed");
                return super::json_error(
                    StatusCode::BAD_GATEWAY,
                    "The sign-in could not be completed",
                );
            }
        };
        // The ID token must be the one this sign-in asked for.
        if let Some(id) = &answer.id_token {
            match verifier.verify_token(id).await {
                Ok(c) if c.str("nonce") == Some(flow.nonce.as_str()) => {}
                _ => {
                    return super::json_error(
                        StatusCode::UNAUTHORIZED,
                        "The ID token does not verify",
                    );
                }
            }
        }
        let session = Session {
            access: answer.access_token,
            id: answer.id_token,
            refresh: answer.refresh_token,
            exp: now_secs() + answer.expires_in,
        };
        let mut r = redirect(&flow.return_to);
        for c in self.session_cookies(&session) {
            r.headers_mut().append(header::SET_COOKIE, c);
        }
        r.headers_mut()
            .append(header::SET_COOKIE, self.cookie(FLOW_COOKIE, "", 0));
        r
    }

    /// `GET <logout_path>`: forgets the session, then signs out at the issuer.
    pub async fn logout(&self) -> Response {
        let after = format!(
            "{}{}",
            self.cfg.public_url.trim_end_matches('/'),
            self.cfg.after_logout
        );
        let location = match self
            .endpoints()
            .await
            .ok()
            .and_then(|e| e.end_session_endpoint.clone())
        {
            Some(end) => format!(
                "{end}?{}",
                form_encode(&[("client_id", &self.cfg.client_id), ("logout_uri", &after)])
            ),
            None => after,
        };
        let mut r = redirect(&location);
        for c in self.clear_cookies() {
            r.headers_mut().append(header::SET_COOKIE, c);
        }
        r
    }

    pub fn clear_cookies(&self) -> Vec<HeaderValue> {
        (0..MAX_CHUNKS)
            .map(|i| self.cookie(&chunk_name(i), "", 0))
            .collect()
    }

    /// What a page request without a session gets: off to sign in (for a page), or 401.
    pub fn sign_in_first(&self, headers: &HeaderMap, path_and_query: &str) -> Option<Response> {
        let wants_html = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"));
        wants_html.then(|| {
            redirect(&format!(
                "{}?{}",
                self.cfg.login_path,
                form_encode(&[("return_to", path_and_query)])
            ))
        })
    }

    /// Removes the gate's own cookies from a request it forwards.
    pub fn strip_cookies(headers: &mut HeaderMap) {
        let kept: Vec<String> = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .map(str::trim)
            .filter(|kv| !kv.starts_with("tessera_gate_"))
            .map(str::to_owned)
            .collect();
        headers.remove(header::COOKIE);
        if !kept.is_empty()
            && let Ok(v) = HeaderValue::from_str(&kept.join("; "))
        {
            headers.insert(header::COOKIE, v);
        }
    }
}

/// Where to go after signing in: a path of the gate, never another site (`//host`,
/// `/\\host` and absolute URLs are refused).
fn return_to(query: Option<&str>) -> String {
    query
        .and_then(|q| {
            q.split('&')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| *k == "return_to")
                .map(|(_, v)| percent_decode(v))
        })
        .filter(|r| r.starts_with('/') && !r.starts_with("//") && !r.contains('\\'))
        .unwrap_or_else(|| "/".into())
}

fn chunk_name(i: usize) -> String {
    if i == 0 {
        SESSION_COOKIE.to_string()
    } else {
        format!("{SESSION_COOKIE}.{i}")
    }
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn redirect(location: &str) -> Response {
    let mut r = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn form_encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", tessera_core::oauth::flow::percent(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' if i + 3 <= b.len() => {
                match std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_to_stays_on_the_gate() {
        assert_eq!(
            return_to(Some("return_to=%2Fapi%2Fme%3Fx%3D1")),
            "/api/me?x=1"
        );
        for evil in [
            "//evil.example",
            "%2F%2Fevil.example",
            "https://evil.example",
            "/%5Cevil.example",
            "%2F%5Cevil",
        ] {
            assert_eq!(return_to(Some(&format!("return_to={evil}"))), "/", "{evil}");
        }
        assert_eq!(return_to(None), "/");
        assert_eq!(percent_decode("a%2"), "a%2");
    }
}
