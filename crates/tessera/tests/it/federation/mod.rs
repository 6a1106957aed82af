//! Federation: the identity-provider operations, and sign-in through an upstream OpenID
//! Provider served in-process (discovery, JWKS, token and userInfo endpoints, with switches
//! that make it misbehave), on both backends. e2e/js/federation.test.mjs drives the same
//! flows with npm's oidc-provider and openid-client in Chromium.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::RsaKeyPair;
use aws_sdk_cognitoidentityprovider::types::{OAuthFlowType, ProviderUserIdentifierType};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::harness::{Backend, TestServer, code, message};
use crate::oauth::{Answer, Browser, CALLBACK, claims, url};
use crate::triggers::Seen;

const UP_CLIENT: &str = "up-client";
const UP_SECRET: &str = "up-secret";

#[derive(Clone)]
struct Issued {
    sub: String,
    nonce: String,
    challenge: String,
    redirect_uri: String,
}

#[derive(Default)]
struct Tweaks {
    nonce: Option<String>,
    issuer: Option<String>,
    /// Sign in with Apple: the client secret is an ES256 JWT by this public key.
    apple_key: Option<Vec<u8>>,
    /// Facebook: no ID token, the user's `id` from the attributes endpoint.
    facebook: bool,
}

/// Checks Apple's client secret: an ES256 JWT (kid, iss = team, sub = client, aud = issuer).
fn apple_secret_ok(secret: &str, public: &[u8], issuer: &str) -> bool {
    let parts: Vec<&str> = secret.split('.').collect();
    let [h, c, sig] = parts[..] else {
        return false;
    };
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).unwrap()).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(c).unwrap()).unwrap();
    let key = aws_lc_rs::signature::UnparsedPublicKey::new(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED,
        public,
    );
    header["alg"] == "ES256"
        && header["kid"] == "KEY1234567"
        && claims["iss"] == "TEAM123456"
        && claims["sub"] == UP_CLIENT
        && claims["aud"] == issuer
        && claims["exp"].as_i64().unwrap() > now()
        && key
            .verify(
                format!("{h}.{c}").as_bytes(),
                &URL_SAFE_NO_PAD.decode(sig).unwrap(),
            )
            .is_ok()
}

/// An upstream OpenID Provider: it "authenticates" whoever the test names.
#[derive(Clone)]
struct Upstream {
    issuer: String,
    key: Arc<RsaKeyPair>,
    codes: Arc<Mutex<HashMap<String, Issued>>>,
    users: Arc<Mutex<HashMap<String, Value>>>,
    tweaks: Arc<Mutex<Tweaks>>,
    token_calls: Arc<Mutex<u32>>,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

impl Upstream {
    async fn start() -> Upstream {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let up = Upstream {
            issuer: issuer.clone(),
            key: Arc::new(RsaKeyPair::generate(KeySize::Rsa2048).unwrap()),
            codes: Default::default(),
            users: Default::default(),
            tweaks: Default::default(),
            token_calls: Default::default(),
        };
        let discovery = json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/authorize"),
            "token_endpoint": format!("{issuer}/token"),
            "userinfo_endpoint": format!("{issuer}/userinfo"),
            "jwks_uri": format!("{issuer}/jwks"),
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
        })
        .to_string();
        let jwks = json!({ "keys": [tessera_core::tokens::jwt::jwk("up-1", &up.key)] }).to_string();
        let (u1, u2, u3) = (up.clone(), up.clone(), up.clone());
        let app = axum::Router::new()
            .route(
                "/.well-known/openid-configuration",
                axum::routing::get(move || {
                    let d = discovery.clone();
                    async move { d }
                }),
            )
            .route(
                "/jwks",
                axum::routing::get(move || {
                    let j = jwks.clone();
                    async move { j }
                }),
            )
            .route(
                "/token",
                axum::routing::post(
                    move |axum::extract::Form(f): axum::extract::Form<HashMap<String, String>>| {
                        let up = u1.clone();
                        async move { up.token(f) }
                    },
                )
                // Facebook exchanges the code with a GET.
                .get({
                    let up = u3.clone();
                    move |axum::extract::Query(f): axum::extract::Query<HashMap<String, String>>| {
                        let up = up.clone();
                        async move { up.token(f) }
                    }
                }),
            )
            .route(
                "/userinfo",
                axum::routing::get(move |h: axum::http::HeaderMap| {
                    let up = u2.clone();
                    async move { up.userinfo(&h) }
                }),
            );
        tokio::spawn(async move { axum::serve(listener, app).await });
        up
    }

    fn token(&self, f: HashMap<String, String>) -> (axum::http::StatusCode, String) {
        *self.token_calls.lock().unwrap() += 1;
        let bad = |e: &str| {
            (
                axum::http::StatusCode::BAD_REQUEST,
                json!({ "error": e }).to_string(),
            )
        };
        let secret = f
            .get("client_secret")
            .map(String::as_str)
            .unwrap_or_default();
        let secret_ok = match &self.tweaks.lock().unwrap().apple_key {
            Some(public) => apple_secret_ok(secret, public, &self.issuer),
            None => secret == UP_SECRET,
        };
        if f.get("client_id").map(String::as_str) != Some(UP_CLIENT) || !secret_ok {
            return bad("invalid_client");
        }
        // Facebook: an access token only, the user from its attributes endpoint.
        let facebook = self.tweaks.lock().unwrap().facebook;
        let Some(issued) = f
            .get("code")
            .and_then(|c| self.codes.lock().unwrap().remove(c))
        else {
            return bad("invalid_grant");
        };
        let verifier = f.get("code_verifier").cloned().unwrap_or_default();
        let challenge = URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA256,
            verifier.as_bytes(),
        ));
        if challenge != issued.challenge
            || f.get("redirect_uri") != Some(&issued.redirect_uri)
            || f.get("grant_type").map(String::as_str) != Some("authorization_code")
        {
            return bad("invalid_grant");
        }
        if facebook {
            return (
                axum::http::StatusCode::OK,
                json!({ "access_token": format!("at-{}", issued.sub), "token_type": "bearer", "expires_in": 300 })
                    .to_string(),
            );
        }
        let t = self.tweaks.lock().unwrap();
        let id = json!({
            "iss": t.issuer.clone().unwrap_or_else(|| self.issuer.clone()),
            "sub": issued.sub,
            "aud": UP_CLIENT,
            "iat": now() - 5,
            "exp": now() + 300,
            "nonce": t.nonce.clone().unwrap_or(issued.nonce),
        });
        let id_token =
            tessera_core::tokens::jwt::sign("up-1", id.to_string().as_bytes(), &self.key).unwrap();
        (
            axum::http::StatusCode::OK,
            json!({
                "access_token": format!("at-{}", issued.sub),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
            })
            .to_string(),
        )
    }

    fn userinfo(&self, h: &axum::http::HeaderMap) -> (axum::http::StatusCode, String) {
        let sub = h
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer at-"))
            .unwrap_or_default()
            .to_string();
        match self.users.lock().unwrap().get(&sub) {
            Some(u) => {
                let mut u = u.clone();
                u["sub"] = json!(sub);
                (axum::http::StatusCode::OK, u.to_string())
            }
            None => (axum::http::StatusCode::UNAUTHORIZED, "{}".into()),
        }
    }

    fn set_user(&self, sub: &str, email: &str, name: &str) {
        self.users.lock().unwrap().insert(
            sub.into(),
            json!({ "email": email, "name": name, "email_verified": true }),
        );
    }
}

struct Setup {
    pool: String,
    base: String,
    client: String,
    secret: String,
}

/// A pool (case-sensitive usernames or not) with a domain: its id and the domain's base URL.
pub(crate) async fn pool_with_domain(srv: &TestServer, case_sensitive: bool) -> (String, String) {
    let c = &srv.idp;
    let pool = c
        .create_user_pool()
        .pool_name("federation")
        .username_configuration(
            aws_sdk_cognitoidentityprovider::types::UsernameConfigurationType::builder()
                .case_sensitive(case_sensitive)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let domain = format!("fed-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    c.create_user_pool_domain()
        .user_pool_id(&pool)
        .domain(&domain)
        .send()
        .await
        .unwrap();
    (pool, format!("{}/domain/{domain}", srv.url))
}

async fn setup(srv: &TestServer, up: &Upstream, case_sensitive: bool) -> Setup {
    let c = &srv.idp;
    let (pool, base) = pool_with_domain(srv, case_sensitive).await;
    c.create_identity_provider()
        .user_pool_id(&pool)
        .provider_name("MyOIDC")
        .provider_type(aws_sdk_cognitoidentityprovider::types::IdentityProviderTypeType::Oidc)
        .provider_details("client_id", UP_CLIENT)
        .provider_details("client_secret", UP_SECRET)
        .provider_details("attributes_request_method", "GET")
        .provider_details("oidc_issuer", &up.issuer)
        .provider_details("authorize_scopes", "openid email profile")
        .attribute_mapping("email", "email")
        .attribute_mapping("name", "name")
        .send()
        .await
        .unwrap();
    let client = c
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("web")
        .generate_secret(true)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .allowed_o_auth_scopes("profile")
        .callback_urls(CALLBACK)
        .supported_identity_providers("COGNITO")
        .supported_identity_providers("MyOIDC")
        .explicit_auth_flows(
            aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType::AllowRefreshTokenAuth,
        )
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    Setup {
        pool,
        base,
        client: client.client_id.unwrap(),
        secret: client.client_secret.unwrap(),
    }
}

/// Runs the futures together (released at once) and collects their outputs.
async fn all<T: Send + 'static>(
    futures: impl Iterator<Item = impl std::future::Future<Output = T> + Send + 'static>,
) -> Vec<T> {
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

/// The query parameters of a URL.
fn params_of(location: &str) -> HashMap<String, String> {
    let q = location.split_once('?').map_or("", |(_, q)| q);
    url::form_urlencoded::parse(q.as_bytes())
        .into_owned()
        .collect()
}

/// `/oauth2/authorize` naming the provider: Tessera's redirect to the upstream, checked.
async fn to_upstream(b: &mut Browser, s: &Setup, up: &Upstream) -> HashMap<String, String> {
    let a = b
        .get(&url(
            &s.base,
            "/oauth2/authorize",
            &[
                ("response_type", "code"),
                ("client_id", &s.client),
                ("redirect_uri", CALLBACK),
                ("state", "st-1"),
                ("scope", "openid email profile"),
                ("nonce", "rp-nonce"),
                ("identity_provider", "MyOIDC"),
            ],
        ))
        .await;
    assert_eq!(a.status, 302, "{}", a.body);
    let loc = a.location.unwrap();
    assert!(
        loc.starts_with(&format!("{}/authorize?", up.issuer)),
        "{loc}"
    );
    let p = params_of(&loc);
    assert_eq!(p["client_id"], UP_CLIENT);
    assert_eq!(p["response_type"], "code");
    assert_eq!(p["scope"], "openid email profile");
    assert_eq!(p["code_challenge_method"], "S256");
    assert_eq!(p["redirect_uri"], format!("{}/oauth2/idpresponse", s.base));
    assert!(p["nonce"].len() >= 22 && p["state"].len() > 40);
    p
}

/// The upstream signs `sub` in and sends the browser back: Tessera's answer.
async fn back_from_upstream(
    b: &mut Browser,
    up: &Upstream,
    p: &HashMap<String, String>,
    sub: &str,
) -> Answer {
    let code = format!("code-{}", uuid::Uuid::new_v4().simple());
    up.codes.lock().unwrap().insert(
        code.clone(),
        Issued {
            sub: sub.into(),
            nonce: p.get("nonce").cloned().unwrap_or_default(),
            challenge: p["code_challenge"].clone(),
            redirect_uri: p["redirect_uri"].clone(),
        },
    );
    b.get(&url(
        &p["redirect_uri"],
        "",
        &[("code", &code), ("state", &p["state"])],
    ))
    .await
}

/// A whole federated sign-in: the client's tokens.
async fn sign_in(s: &Setup, up: &Upstream, sub: &str) -> Value {
    let mut b = Browser::new();
    let p = to_upstream(&mut b, s, up).await;
    let done = back_from_upstream(&mut b, up, &p, sub).await;
    assert_eq!(done.status, 302, "{}", done.body);
    assert_eq!(
        done.param("state").as_deref(),
        Some("st-1"),
        "{:?}",
        done.location
    );
    let code = done
        .param("code")
        .unwrap_or_else(|| panic!("{:?}", done.location));
    let r = reqwest::Client::new()
        .post(format!("{}/oauth2/token", s.base))
        .basic_auth(&s.client, Some(&s.secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

mod linking;
mod oidc;
mod operations;
mod social;

/// A test per backend running `$body(server, upstream, trigger calls)`.
macro_rules! both {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                crate::federation::run(crate::harness::Backend::Sqlite, super::$body).await;
            }
            #[tokio::test]
            async fn postgres() {
                crate::federation::run(crate::harness::Backend::Postgres, super::$body).await;
            }
        }
    };
}

async fn run<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(TestServer, Upstream, Seen) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let up = Upstream::start().await;
    let issuer = up.issuer.clone();
    let (triggers, seen) = crate::triggers::receiver().await;
    let Some(srv) = crate::triggers::server_with(backend, &triggers, move |s| {
        // Google's and Apple's endpoints are the upstream's here (`[[federation_endpoint]]`).
        s.federation_endpoints = ["Google", "SignInWithApple", "Facebook", "LoginWithAmazon"]
            .into_iter()
            .map(|t| tessera_core::federation::details::EndpointOverride {
                provider_type: t.into(),
                authorize_url: Some(format!("{issuer}/authorize")),
                token_url: Some(format!("{issuer}/token")),
                attributes_url: match t {
                    "Google" => Some(format!("{issuer}/userinfo")),
                    "Facebook" => Some(format!("{issuer}/userinfo?fields=")),
                    "LoginWithAmazon" => Some(format!("{issuer}/userinfo")),
                    _ => None,
                },
                oidc_issuer: Some(issuer.clone()),
                jwks_uri: Some(format!("{issuer}/jwks")),
            })
            .collect();
    })
    .await
    else {
        eprintln!("skipping: TESSERA_TEST_POSTGRES_URL is not set");
        return;
    };
    body(srv, up, seen).await;
}
use both;
