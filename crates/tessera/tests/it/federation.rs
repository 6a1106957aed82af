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

macro_rules! both {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::run(crate::harness::Backend::Sqlite, super::$body).await;
            }
            #[tokio::test]
            async fn postgres() {
                super::run(crate::harness::Backend::Postgres, super::$body).await;
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

both!(provider_operations, operations);
both!(oidc_sign_in, oidc);
both!(linked_users, linking);
both!(triggers_and_disabling, triggers_and_disable);
both!(sign_in_with_apple, apple);
both!(facebook_sign_in, facebook);
both!(login_with_amazon, amazon);

async fn operations(srv: TestServer, up: Upstream, _: Seen) {
    let s = setup(&srv, &up, false).await;
    let c = &srv.idp;
    // Discovery filled in the endpoints; the mapping got username → sub.
    let d = c
        .describe_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("MyOIDC")
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap();
    let details = d.provider_details.unwrap();
    assert_eq!(details["authorize_url"], format!("{}/authorize", up.issuer));
    assert_eq!(details["token_url"], format!("{}/token", up.issuer));
    assert_eq!(details["attributes_url"], format!("{}/userinfo", up.issuer));
    assert_eq!(details["jwks_uri"], format!("{}/jwks", up.issuer));
    assert_eq!(details["attributes_url_add_attributes"], "false");
    assert_eq!(details["client_secret"], UP_SECRET);
    // At rest, the secret is sealed with the server key.
    let store = tessera::open_store(&srv.settings).await.unwrap();
    let raw = store
        .get_document(
            &s.pool,
            tessera_core::store::DocKind::IdentityProvider,
            "MyOIDC",
        )
        .await
        .unwrap()
        .unwrap();
    assert!(!raw.doc.contains(UP_SECRET), "{}", raw.doc);
    assert!(
        raw.doc.contains("\"client_secret\":\"sealed:"),
        "{}",
        raw.doc
    );
    assert_eq!(d.attribute_mapping.unwrap()["username"], "sub");
    assert_eq!(d.idp_identifiers, Some(vec![]));

    // Cognito's refusals, in its words (docs/fidelity.md F1–F5).
    let dup = c
        .create_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("MyOIDC")
        .provider_type(aws_sdk_cognitoidentityprovider::types::IdentityProviderTypeType::Oidc)
        .provider_details("client_id", "x")
        .provider_details("attributes_request_method", "GET")
        .provider_details("oidc_issuer", &up.issuer)
        .provider_details("authorize_scopes", "openid")
        .send()
        .await;
    let err = dup.unwrap_err().into_service_error();
    assert!(err.is_duplicate_provider_exception(), "{err:?}");
    assert_eq!(
        aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata::message(&err),
        Some(format!("MyOIDC already exists for tenant {}.", s.pool).as_str())
    );
    let missing = c
        .describe_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("Nope")
        .send()
        .await;
    assert_eq!(
        message(missing),
        format!(
            "Identity provider Nope for tenantId {} does not exist.",
            s.pool
        )
    );
    let missing = c
        .update_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("Nope")
        .send()
        .await;
    assert_eq!(
        message(missing),
        format!(
            "Identity provider Nope in User Pool {} does not exist.",
            s.pool
        )
    );
    let wrong_name = c
        .create_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("NameOfGP")
        .provider_type(aws_sdk_cognitoidentityprovider::types::IdentityProviderTypeType::Google)
        .provider_details("client_id", "g")
        .provider_details("client_secret", "s")
        .provider_details("authorize_scopes", "openid email")
        .send()
        .await;
    assert_eq!(
        message(wrong_name),
        "Provider NameOfGP cannot be of type Google."
    );
    let bad_mapping = c
        .update_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("MyOIDC")
        .attribute_mapping("custom:zen_groups", "groups")
        .send()
        .await;
    assert_eq!(
        message(bad_mapping),
        "AttributeMapping contains invalid mapping: [custom:zen_groups]"
    );
    let unreachable = c
        .create_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("Broken")
        .provider_type(aws_sdk_cognitoidentityprovider::types::IdentityProviderTypeType::Oidc)
        .provider_details("client_id", "x")
        .provider_details("attributes_request_method", "GET")
        .provider_details("oidc_issuer", "http://127.0.0.1:9")
        .provider_details("authorize_scopes", "openid")
        .send()
        .await;
    assert_eq!(code(unreachable), "InvalidParameterException");

    // Google through the configured endpoints: Cognito's details, the overridden URLs.
    let g = c
        .create_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("Google")
        .provider_type(aws_sdk_cognitoidentityprovider::types::IdentityProviderTypeType::Google)
        .provider_details("client_id", "g-client")
        .provider_details("client_secret", "g-secret")
        .provider_details("authorize_scopes", "openid email profile")
        .idp_identifiers("example.com")
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap();
    let gd = g.provider_details.unwrap();
    assert_eq!(gd["authorize_url"], format!("{}/authorize", up.issuer));
    assert_eq!(gd["token_request_method"], "POST");
    assert_eq!(gd["attributes_url_add_attributes"], "true");
    assert_eq!(g.attribute_mapping.unwrap()["username"], "sub");
    assert_eq!(g.idp_identifiers, Some(vec!["example.com".to_string()]));

    // Identifiers are unique in the pool, also under concurrent writes.
    let taken = c
        .update_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("MyOIDC")
        .idp_identifiers("EXAMPLE.com")
        .send()
        .await;
    assert_eq!(code(taken), "DuplicateProviderException");
    let racers = (0..6).map(|i| {
        let c = c.clone();
        let pool = s.pool.clone();
        let issuer = up.issuer.clone();
        async move {
            c.create_identity_provider()
                .user_pool_id(&pool)
                .provider_name(format!("Race{i}"))
                .provider_type(
                    aws_sdk_cognitoidentityprovider::types::IdentityProviderTypeType::Oidc,
                )
                .provider_details("client_id", "x")
                .provider_details("attributes_request_method", "GET")
                .provider_details("oidc_issuer", &issuer)
                .provider_details("authorize_scopes", "openid")
                .idp_identifiers("race.example")
                .send()
                .await
        }
    });
    let results = all(racers).await;
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    let by_id = c
        .get_identity_provider_by_identifier()
        .user_pool_id(&s.pool)
        .idp_identifier("race.example")
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap();
    assert!(by_id.provider_name.unwrap().starts_with("Race"));
    let by_id = c
        .get_identity_provider_by_identifier()
        .user_pool_id(&s.pool)
        .idp_identifier("example.com")
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap();
    assert_eq!(by_id.provider_name.as_deref(), Some("Google"));

    // Listing pages through all of them, names and types only.
    let mut names = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = c
            .list_identity_providers()
            .user_pool_id(&s.pool)
            .max_results(2)
            .set_next_token(next.clone())
            .send()
            .await
            .unwrap();
        for p in page.providers() {
            names.push(p.provider_name().unwrap().to_string());
        }
        next = page.next_token().map(str::to_string);
        if next.is_none() {
            break;
        }
    }
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.contains(&"Google".to_string()) && names.contains(&"MyOIDC".to_string()));

    // A client may name the pool's providers only.
    let unknown = c
        .create_user_pool_client()
        .user_pool_id(&s.pool)
        .client_name("other")
        .supported_identity_providers("Salesforce")
        .send()
        .await;
    assert_eq!(
        message(unknown),
        format!(
            "The provider Salesforce does not exist for User Pool {}",
            s.pool
        )
    );

    // Deleting frees the name and its identifiers.
    c.delete_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("Google")
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            c.get_identity_provider_by_identifier()
                .user_pool_id(&s.pool)
                .idp_identifier("example.com")
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
    c.update_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("MyOIDC")
        .idp_identifiers("example.com")
        .send()
        .await
        .unwrap();

    // The pool's signing certificate: one X.509 certificate, the same every time.
    let cert = c
        .get_signing_certificate()
        .user_pool_id(&s.pool)
        .send()
        .await
        .unwrap()
        .certificate
        .unwrap();
    let der = base64::engine::general_purpose::STANDARD
        .decode(&cert)
        .unwrap();
    assert_eq!(der[0], 0x30, "a DER SEQUENCE");
    let again = c
        .get_signing_certificate()
        .user_pool_id(&s.pool)
        .send()
        .await
        .unwrap()
        .certificate
        .unwrap();
    assert_eq!(cert, again);
    srv.stop().await;
}

async fn oidc(srv: TestServer, up: Upstream, _: Seen) {
    let s = setup(&srv, &up, false).await;
    up.set_user("User-1", "first@example.org", "First Name");
    // The sign-in page offers the provider.
    let mut b = Browser::new();
    let page = b
        .get(&url(
            &s.base,
            "/login",
            &[
                ("response_type", "code"),
                ("client_id", &s.client),
                ("redirect_uri", CALLBACK),
            ],
        ))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Continue with MyOIDC"), "{}", page.body);
    assert!(page.body.contains("identity_provider=MyOIDC"));

    let tokens = sign_in(&s, &up, "User-1").await;
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["cognito:username"], "myoidc_user-1");
    assert_eq!(id["email"], "first@example.org");
    assert_eq!(id["name"], "First Name");
    assert_eq!(id["nonce"], "rp-nonce");
    assert_eq!(id["cognito:groups"], json!([format!("{}_MyOIDC", s.pool)]));
    let ident = &id["identities"][0];
    assert_eq!(ident["userId"], "User-1");
    assert_eq!(ident["providerName"], "MyOIDC");
    assert_eq!(ident["providerType"], "OIDC");
    assert_eq!(ident["issuer"], json!(up.issuer));
    assert_eq!(ident["primary"], "true");
    assert!(
        ident["dateCreated"]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .unwrap()
            > 1_600_000_000_000
    );
    let user = srv
        .idp
        .admin_get_user()
        .user_pool_id(&s.pool)
        .username("MyOIDC_User-1")
        .send()
        .await
        .unwrap();
    assert_eq!(user.user_status().unwrap().as_str(), "EXTERNAL_PROVIDER");
    let listed = srv
        .idp
        .list_users()
        .user_pool_id(&s.pool)
        .filter("cognito:user_status = \"EXTERNAL_PROVIDER\"")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.users().len(), 1);

    // A second sign-in applies the mapping again; the user is the same.
    up.set_user("User-1", "second@example.org", "Second Name");
    let again = sign_in(&s, &up, "User-1").await;
    let id2 = claims(again["id_token"].as_str().unwrap());
    assert_eq!(id2["sub"], id["sub"]);
    assert_eq!(id2["email"], "second@example.org");
    assert_eq!(id2["name"], "Second Name");

    // Refresh tokens and userInfo work for federated users.
    let refreshed = reqwest::Client::new()
        .post(format!("{}/oauth2/token", s.base))
        .basic_auth(&s.client, Some(&s.secret))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", again["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), 200);
    let info: Value = reqwest::Client::new()
        .get(format!("{}/oauth2/userInfo", s.base))
        .bearer_auth(again["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["email"], "second@example.org");

    // A replayed answer from the upstream: its state is spent.
    let mut b = Browser::new();
    let p = to_upstream(&mut b, &s, &up).await;
    let first = back_from_upstream(&mut b, &up, &p, "User-1").await;
    assert_eq!(first.status, 302);
    let calls = *up.token_calls.lock().unwrap();
    let replay = back_from_upstream(&mut b, &up, &p, "User-1").await;
    assert_eq!(replay.status, 400, "{:?}", replay.location);
    assert!(replay.body.contains("Invalid state"));
    assert_eq!(
        *up.token_calls.lock().unwrap(),
        calls,
        "no upstream call for a replay"
    );
    // Login CSRF: the answer to someone else's sign-in, brought by a browser that did not
    // start it (no binding cookie, or its own), is refused before any upstream call and
    // without spending the state: the browser that started it still finishes.
    let p = to_upstream(&mut b, &s, &up).await;
    let calls = *up.token_calls.lock().unwrap();
    let mut victim = Browser::new();
    let planted = back_from_upstream(&mut victim, &up, &p, "Mallory").await;
    assert_eq!(planted.status, 400, "{:?}", planted.location);
    assert!(
        planted.body.contains("not started in this browser"),
        "{}",
        planted.body
    );
    assert!(!victim.cookies.contains_key("tessera_session"));
    let mut other = Browser::new();
    to_upstream(&mut other, &s, &up).await;
    assert!(other.cookies.contains_key("tessera_upstream"));
    let planted = back_from_upstream(&mut other, &up, &p, "Mallory").await;
    assert_eq!(planted.status, 400, "{:?}", planted.location);
    assert_eq!(*up.token_calls.lock().unwrap(), calls, "no upstream call");
    let done = back_from_upstream(&mut b, &up, &p, "User-1").await;
    assert!(done.param("code").is_some(), "{:?}", done.location);
    // The same answer sent twice at once: one sign-in.
    let p = to_upstream(&mut b, &s, &up).await;
    let code = "racing-code".to_string();
    up.codes.lock().unwrap().insert(
        code.clone(),
        Issued {
            sub: "User-1".into(),
            nonce: p["nonce"].clone(),
            challenge: p["code_challenge"].clone(),
            redirect_uri: p["redirect_uri"].clone(),
        },
    );
    let target = url(
        &p["redirect_uri"],
        "",
        &[("code", &code), ("state", &p["state"])],
    );
    let racers = (0..8).map(|_| {
        let t = target.clone();
        // Tabs of the one browser that started the sign-in.
        let cookies = b.cookies.clone();
        async move {
            let mut b = Browser::new();
            b.cookies = cookies;
            b.get(&t).await
        }
    });
    let answers = all(racers).await;
    let won = answers
        .iter()
        .filter(|a| a.status == 302 && a.param("code").is_some())
        .count();
    assert_eq!(
        won,
        1,
        "{:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );

    // A token with another nonce, or from another issuer: back to the client with an error.
    for tweak in ["nonce", "issuer"] {
        {
            let mut t = up.tweaks.lock().unwrap();
            *t = Tweaks::default();
            match tweak {
                "nonce" => t.nonce = Some("someone-elses".into()),
                _ => t.issuer = Some("http://evil.example".into()),
            }
        }
        let mut b = Browser::new();
        let p = to_upstream(&mut b, &s, &up).await;
        let a = back_from_upstream(&mut b, &up, &p, "User-1").await;
        assert_eq!(a.status, 302, "{tweak}");
        assert!(
            a.location.as_deref().unwrap().starts_with(CALLBACK),
            "{tweak}"
        );
        assert_eq!(
            a.param("error").as_deref(),
            Some("invalid_request"),
            "{tweak}"
        );
        assert!(a.param("code").is_none());
    }
    *up.tweaks.lock().unwrap() = Tweaks::default();
    // The upstream refusing the code: Cognito's words.
    let mut b = Browser::new();
    let p = to_upstream(&mut b, &s, &up).await;
    let a = b
        .get(&url(
            &p["redirect_uri"],
            "",
            &[("code", "unknown"), ("state", &p["state"])],
        ))
        .await;
    assert_eq!(
        a.param("error_description").as_deref(),
        Some("MyOIDC Error - 400 error getting token")
    );
    // A state that is not ours.
    let forged = b
        .get(&url(
            &p["redirect_uri"],
            "",
            &[("code", "x"), ("state", "forged")],
        ))
        .await;
    assert_eq!(forged.status, 400);
    srv.stop().await;
}

async fn linking(srv: TestServer, up: Upstream, _: Seen) {
    let s = setup(&srv, &up, true).await;
    crate::auth::user(&srv, &s.pool, "alice").await;
    let alice_sub = srv
        .idp
        .admin_get_user()
        .user_pool_id(&s.pool)
        .username("alice")
        .send()
        .await
        .unwrap()
        .user_attributes()
        .iter()
        .find(|a| a.name() == "sub")
        .unwrap()
        .value()
        .unwrap()
        .to_string();
    let source = |v: &str| {
        ProviderUserIdentifierType::builder()
            .provider_name("MyOIDC")
            .provider_attribute_name("Cognito_Subject")
            .provider_attribute_value(v)
            .build()
    };
    let dest = ProviderUserIdentifierType::builder()
        .provider_name("Cognito")
        .provider_attribute_value("alice")
        .build();
    srv.idp
        .admin_link_provider_for_user()
        .user_pool_id(&s.pool)
        .destination_user(dest.clone())
        .source_user(source("linked-9"))
        .send()
        .await
        .unwrap();
    let again = srv
        .idp
        .admin_link_provider_for_user()
        .user_pool_id(&s.pool)
        .destination_user(dest.clone())
        .source_user(source("linked-9"))
        .send()
        .await;
    assert_eq!(
        message(again),
        "SourceUser is already linked to DestinationUser"
    );
    up.set_user("linked-9", "alice-at-idp@example.org", "Alice");
    let tokens = sign_in(&s, &up, "linked-9").await;
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["sub"], json!(alice_sub));
    assert_eq!(id["cognito:username"], "alice");
    assert!(
        id.get("cognito:groups").is_none(),
        "linked users join no automatic group"
    );
    assert!(
        srv.idp
            .admin_get_user()
            .user_pool_id(&s.pool)
            .username("MyOIDC_linked-9")
            .send()
            .await
            .is_err(),
        "no federated user is made for a linked identity"
    );

    // A native user named like a federated one is not taken over by that upstream identity.
    crate::auth::user(&srv, &s.pool, "MyOIDC_squatter").await;
    up.set_user("squatter", "victim@example.org", "Victim");
    let mut b = Browser::new();
    let p = to_upstream(&mut b, &s, &up).await;
    let refused = back_from_upstream(&mut b, &up, &p, "squatter").await;
    assert!(refused.param("code").is_none(), "{:?}", refused.location);
    assert_eq!(
        refused.param("error_description").as_deref(),
        Some("Already found an entry for username MyOIDC_squatter")
    );
    let native = srv
        .idp
        .admin_get_user()
        .user_pool_id(&s.pool)
        .username("MyOIDC_squatter")
        .send()
        .await
        .unwrap();
    assert_eq!(native.user_status().unwrap().as_str(), "CONFIRMED");
    assert!(
        native
            .user_attributes()
            .iter()
            .all(|a| a.value() != Some("victim@example.org"))
    );

    // A source that has signed in already cannot be linked.
    up.set_user("solo-1", "solo@example.org", "Solo");
    sign_in(&s, &up, "solo-1").await;
    let merge = srv
        .idp
        .admin_link_provider_for_user()
        .user_pool_id(&s.pool)
        .destination_user(dest.clone())
        .source_user(source("solo-1"))
        .send()
        .await;
    assert_eq!(
        message(merge),
        "Merging is not currently supported, provide a SourceUser that has not been signed up in order to link"
    );
    let native_source = srv
        .idp
        .admin_link_provider_for_user()
        .user_pool_id(&s.pool)
        .destination_user(dest.clone())
        .source_user(dest.clone())
        .send()
        .await;
    assert_eq!(code(native_source), "InvalidParameterException");

    // Undoing the link: the next sign-in makes a federated user of its own.
    srv.idp
        .admin_disable_provider_for_user()
        .user_pool_id(&s.pool)
        .user(source("linked-9"))
        .send()
        .await
        .unwrap();
    let tokens = sign_in(&s, &up, "linked-9").await;
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_ne!(id["sub"], json!(alice_sub));
    assert_eq!(id["cognito:username"], "MyOIDC_linked-9");
    srv.stop().await;
}

async fn triggers_and_disable(srv: TestServer, up: Upstream, seen: Seen) {
    let s = setup(&srv, &up, true).await;
    // PreSignUp refuses: the client hears Cognito's words, and no user is made.
    crate::triggers::set_triggers(
        &srv,
        &s.pool,
        aws_sdk_cognitoidentityprovider::types::LambdaConfigType::builder()
            .pre_sign_up(crate::triggers::arn("refuse"))
            .build(),
    )
    .await;
    up.set_user("new-1", "new@example.org", "New");
    let mut b = Browser::new();
    let p = to_upstream(&mut b, &s, &up).await;
    let refused = back_from_upstream(&mut b, &up, &p, "new-1").await;
    assert_eq!(refused.param("error").as_deref(), Some("invalid_request"));
    assert_eq!(
        refused.param("error_description").as_deref(),
        Some("PreSignUp failed with error no thanks.")
    );
    assert!(
        srv.idp
            .admin_get_user()
            .user_pool_id(&s.pool)
            .username("MyOIDC_new-1")
            .send()
            .await
            .is_err()
    );
    let event = seen.lock().unwrap().last().unwrap().1.clone();
    assert_eq!(event["triggerSource"], "PreSignUp_ExternalProvider");
    assert_eq!(event["userName"], "MyOIDC_new-1");
    assert_eq!(
        event["request"]["userAttributes"]["email"],
        "new@example.org"
    );
    // Allowed: PreSignUp_ExternalProvider, then PostConfirmation_ConfirmSignUp.
    crate::triggers::set_triggers(
        &srv,
        &s.pool,
        aws_sdk_cognitoidentityprovider::types::LambdaConfigType::builder()
            .pre_sign_up(crate::triggers::arn("confirm"))
            .post_confirmation(crate::triggers::arn("confirm"))
            .build(),
    )
    .await;
    sign_in(&s, &up, "new-1").await;
    let sources: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .rev()
        .take(2)
        .map(|(_, e, _)| e["triggerSource"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        sources,
        [
            "PostConfirmation_ConfirmSignUp",
            "PreSignUp_ExternalProvider"
        ]
    );

    // AdminDisableProviderForUser on a native user: its password no longer works.
    crate::auth::user(&srv, &s.pool, "carol").await;
    let password_client = srv
        .idp
        .create_user_pool_client()
        .user_pool_id(&s.pool)
        .client_name("pw")
        .explicit_auth_flows(
            aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType::AllowUserPasswordAuth,
        )
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    assert!(
        crate::auth::login(&srv, &password_client, "carol", crate::auth::PASSWORD)
            .await
            .is_ok()
    );
    srv.idp
        .admin_disable_provider_for_user()
        .user_pool_id(&s.pool)
        .user(
            ProviderUserIdentifierType::builder()
                .provider_name("Cognito")
                .provider_attribute_name("Cognito_Subject")
                .provider_attribute_value("carol")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert!(
        crate::auth::login(&srv, &password_client, "carol", crate::auth::PASSWORD)
            .await
            .is_err()
    );
    // A federated user disabled by it cannot sign in again.
    srv.idp
        .admin_disable_provider_for_user()
        .user_pool_id(&s.pool)
        .user(
            ProviderUserIdentifierType::builder()
                .provider_name("MyOIDC")
                .provider_attribute_name("Cognito_Subject")
                .provider_attribute_value("new-1")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let mut b = Browser::new();
    let p = to_upstream(&mut b, &s, &up).await;
    let disabled = back_from_upstream(&mut b, &up, &p, "new-1").await;
    assert!(disabled.param("code").is_none(), "{:?}", disabled.location);
    assert_eq!(disabled.param("error").as_deref(), Some("invalid_request"));
    // Unknown provider, unknown user.
    let unknown = srv
        .idp
        .admin_disable_provider_for_user()
        .user_pool_id(&s.pool)
        .user(
            ProviderUserIdentifierType::builder()
                .provider_name("MyOIDC")
                .provider_attribute_name("Cognito_Subject")
                .provider_attribute_value("nobody")
                .build(),
        )
        .send()
        .await;
    assert_eq!(code(unknown), "UserNotFoundException");
    srv.stop().await;
}

async fn apple(srv: TestServer, up: Upstream, _: Seen) {
    let s = setup(&srv, &up, true).await;
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let pkcs8 = aws_lc_rs::signature::EcdsaKeyPair::generate_pkcs8(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &rng,
    )
    .unwrap();
    let pair = aws_lc_rs::signature::EcdsaKeyPair::from_pkcs8(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        pkcs8.as_ref(),
    )
    .unwrap();
    use aws_lc_rs::signature::KeyPair;
    up.tweaks.lock().unwrap().apple_key = Some(pair.public_key().as_ref().to_vec());
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        base64::engine::general_purpose::STANDARD.encode(pkcs8.as_ref())
    );
    let created = srv
        .idp
        .create_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("SignInWithApple")
        .provider_type(
            aws_sdk_cognitoidentityprovider::types::IdentityProviderTypeType::SignInWithApple,
        )
        .provider_details("client_id", UP_CLIENT)
        .provider_details("team_id", "TEAM123456")
        .provider_details("key_id", "KEY1234567")
        .provider_details("private_key", &pem)
        .provider_details("authorize_scopes", "email name")
        .attribute_mapping("name", "name")
        .attribute_mapping("given_name", "firstName")
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap();
    assert!(
        !created
            .provider_details
            .unwrap()
            .contains_key("private_key")
    );
    let client = srv
        .idp
        .create_user_pool_client()
        .user_pool_id(&s.pool)
        .client_name("apple")
        .generate_secret(true)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("profile")
        .callback_urls(CALLBACK)
        .supported_identity_providers("SignInWithApple")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let (client_id, secret) = (client.client_id.unwrap(), client.client_secret.unwrap());
    let mut b = Browser::new();
    let a = b
        .get(&url(
            &s.base,
            "/oauth2/authorize",
            &[
                ("response_type", "code"),
                ("client_id", &client_id),
                ("redirect_uri", CALLBACK),
                ("scope", "openid profile"),
                ("identity_provider", "SignInWithApple"),
            ],
        ))
        .await;
    let loc = a.location.unwrap();
    let p = params_of(&loc);
    // Apple sends the name and email only in a form post.
    assert_eq!(p["response_mode"], "form_post");
    assert_eq!(p["scope"], "email name");
    let code = "apple-code".to_string();
    up.codes.lock().unwrap().insert(
        code.clone(),
        Issued {
            sub: "001234.apple".into(),
            nonce: p["nonce"].clone(),
            challenge: p["code_challenge"].clone(),
            redirect_uri: p["redirect_uri"].clone(),
        },
    );
    let user =
        r#"{"name":{"firstName":"Ada","lastName":"Lovelace"},"email":"ada@privaterelay.example"}"#;
    let done = b
        .post(
            &p["redirect_uri"],
            &[("code", &code), ("state", &p["state"]), ("user", user)],
        )
        .await;
    let code = done
        .param("code")
        .unwrap_or_else(|| panic!("{:?} {}", done.location, done.body));
    let r: Value = reqwest::Client::new()
        .post(format!("{}/oauth2/token", s.base))
        .basic_auth(&client_id, Some(&secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = claims(r["id_token"].as_str().unwrap());
    assert_eq!(id["cognito:username"], "SignInWithApple_001234.apple");
    assert_eq!(id["name"], "Ada Lovelace");
    assert_eq!(id["given_name"], "Ada");
    assert_eq!(id["identities"][0]["providerType"], "SignInWithApple");
    assert!(id["identities"][0]["issuer"].is_null());
    srv.stop().await;
}

async fn facebook(srv: TestServer, up: Upstream, _: Seen) {
    without_id_token(srv, up, "Facebook", "10224", "public_profile,email").await;
}

async fn amazon(srv: TestServer, up: Upstream, _: Seen) {
    without_id_token(srv, up, "LoginWithAmazon", "amzn1.account.AF2", "profile").await;
}

/// Facebook (the code exchanged with a GET, `id`) and Login with Amazon (a POST,
/// `user_id`): no ID token, the user from the attributes endpoint.
async fn without_id_token(srv: TestServer, up: Upstream, ty: &str, user_id: &str, scopes: &str) {
    let s = setup(&srv, &up, true).await;
    up.tweaks.lock().unwrap().facebook = true;
    let id_claim = if ty == "Facebook" { "id" } else { "user_id" };
    up.users.lock().unwrap().insert(
        user_id.into(),
        json!({ id_claim: user_id, "email": "fb@example.org", "name": "Fay Book" }),
    );
    srv.idp
        .create_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name(ty)
        .provider_type(aws_sdk_cognitoidentityprovider::types::IdentityProviderTypeType::from(ty))
        .provider_details("client_id", UP_CLIENT)
        .provider_details("client_secret", UP_SECRET)
        .provider_details("authorize_scopes", scopes)
        .attribute_mapping("email", "email")
        .send()
        .await
        .unwrap();
    let client = srv
        .idp
        .create_user_pool_client()
        .user_pool_id(&s.pool)
        .client_name("social")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .callback_urls(CALLBACK)
        .supported_identity_providers(ty)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    let mut b = Browser::new();
    let a = b
        .get(&url(
            &s.base,
            "/oauth2/authorize",
            &[
                ("response_type", "code"),
                ("client_id", &client),
                ("redirect_uri", CALLBACK),
                ("identity_provider", ty),
            ],
        ))
        .await;
    let p = params_of(&a.location.unwrap());
    assert!(!p.contains_key("nonce"), "no ID token, no nonce");
    let done = back_from_upstream(&mut b, &up, &p, user_id).await;
    let code = done
        .param("code")
        .unwrap_or_else(|| panic!("{:?} {}", done.location, done.body));
    let r: Value = reqwest::Client::new()
        .post(format!("{}/oauth2/token", s.base))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", client.as_str()),
            ("code", code.as_str()),
            ("redirect_uri", CALLBACK),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = claims(r["id_token"].as_str().unwrap());
    assert_eq!(id["cognito:username"], format!("{ty}_{user_id}"));
    assert_eq!(id["email"], "fb@example.org");
    srv.stop().await;
}
