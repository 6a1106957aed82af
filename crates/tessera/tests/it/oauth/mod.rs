//! Managed login: domains, resource servers, and the hosted OAuth 2.0 / OIDC endpoints,
//! driven by the AWS SDK (settings) and by a cookie-keeping HTTP client that never
//! follows redirects (the browser's part).

mod account;
mod branding;
mod endpoints;
mod mfa_pages;
mod settings;

use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider::types::{OAuthFlowType, ResourceServerScopeType};

use crate::harness::TestServer;

pub const CALLBACK: &str = "http://localhost:3000/callback";
pub const LOGOUT: &str = "http://localhost:3000/signed-out";

/// A pool with a domain, a resource server `orders` (scope `read`), a user `alice`, a
/// confidential code-flow client and a client-credentials client.
#[derive(Clone)]
pub struct Fixture {
    pub pool: String,
    pub domain: String,
    pub base: String,
    pub code_client: String,
    pub code_secret: String,
    pub m2m_client: String,
    pub m2m_secret: String,
}

pub async fn fixture(srv: &TestServer) -> Fixture {
    let c = &srv.idp;
    let pool = c
        .create_user_pool()
        .pool_name("oauth")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let domain = format!("app-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    c.create_user_pool_domain()
        .user_pool_id(&pool)
        .domain(&domain)
        .send()
        .await
        .unwrap();
    c.create_resource_server()
        .user_pool_id(&pool)
        .identifier("orders")
        .name("Orders")
        .scopes(
            ResourceServerScopeType::builder()
                .scope_name("read")
                .scope_description("Read orders")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let code = c
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("web")
        .generate_secret(true)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_flows(OAuthFlowType::Implicit)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .allowed_o_auth_scopes("profile")
        .allowed_o_auth_scopes("aws.cognito.signin.user.admin")
        .allowed_o_auth_scopes("orders/read")
        .callback_urls(CALLBACK)
        .logout_urls(LOGOUT)
        .supported_identity_providers("COGNITO")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let m2m = c
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("service")
        .generate_secret(true)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
        .allowed_o_auth_scopes("orders/read")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    crate::auth::user(srv, &pool, "alice").await;
    Fixture {
        base: format!("{}/domain/{domain}", srv.url),
        pool,
        domain,
        code_client: code.client_id.unwrap(),
        code_secret: code.client_secret.unwrap(),
        m2m_client: m2m.client_id.unwrap(),
        m2m_secret: m2m.client_secret.unwrap(),
    }
}

/// One answer: status, `Location`, body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// A query (or fragment) parameter of the redirect.
    pub fn param(&self, name: &str) -> Option<String> {
        let loc = self.location.as_deref()?;
        let (_, q) = loc.split_once(['?', '#'])?;
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The page's hidden form fields, in order.
    pub fn hidden_fields(&self) -> Vec<(String, String)> {
        self.body
            .split("<input type=\"hidden\" name=\"")
            .skip(1)
            .filter_map(|rest| {
                let (name, rest) = rest.split_once("\" value=\"")?;
                let value = &rest[..rest.find('"')?];
                Some((unescape(name), unescape(value)))
            })
            .collect()
    }

    /// The value of a hidden form field on the page.
    pub fn field(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker)? + marker.len();
        let end = self.body[start..].find('"')? + start;
        Some(unescape(&self.body[start..end]))
    }
}

/// A browser without JavaScript: keeps cookies, never follows redirects.
pub struct Browser {
    http: reqwest::Client,
    pub cookies: HashMap<String, String>,
}

impl Browser {
    pub fn new() -> Self {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: HashMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn finish(&mut self, r: reqwest::Response) -> Answer {
        for c in r.headers().get_all("set-cookie") {
            let c = c.to_str().unwrap();
            let (kv, attrs) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = kv.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        Answer {
            status: r.status().as_u16(),
            location: r
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_string()),
            headers: r.headers().clone(),
            body: r.text().await.unwrap(),
        }
    }

    pub async fn get(&mut self, url: &str) -> Answer {
        let r = self
            .http
            .get(url)
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.finish(r).await
    }

    /// Posts `form`; when the answer is the hosted re-post page (a form an upstream posted
    /// cross-site), submits it as its script would.
    pub async fn post_through(&mut self, url: &str, form: &[(&str, &str)]) -> Answer {
        let first = self.post(url, form).await;
        if !first.body.contains("name=\"tessera_repost\"") {
            return first;
        }
        let fields = first.hidden_fields();
        let again: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.post(url, &again).await
    }

    pub async fn post(&mut self, url: &str, form: &[(&str, &str)]) -> Answer {
        let r = self
            .http
            .post(url)
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.finish(r).await
    }
}

/// Undoes the HTML escaping of an attribute value.
pub fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// `base + path + ?params`.
pub fn url(base: &str, path: &str, params: &[(&str, &str)]) -> String {
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    format!("{base}{path}?{q}")
}

/// Decodes a JWT's payload (no verification: tests check claims).
pub fn claims(jwt: &str) -> serde_json::Value {
    use base64::Engine;
    let payload = jwt.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}
