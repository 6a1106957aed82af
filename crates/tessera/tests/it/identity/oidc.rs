//! An external OpenID Connect provider in Logins (OpenIdConnectProviderARNs mapped to an
//! issuer by `[[identity_oidc_provider]]`), and an OpenID social provider
//! (SupportedLoginProviders, checked against the app id the pool names). The provider here
//! is a key pair and a JWKS served in-process; e2e/js uses npm's oidc-provider.

use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::RsaKeyPair;

use super::*;
use crate::harness::{code, message};

struct Provider {
    issuer: String,
    key: RsaKeyPair,
}

impl Provider {
    async fn start() -> Provider {
        let key = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
        let jwks =
            serde_json::json!({ "keys": [tessera_core::tokens::jwt::jwk("k1", &key)] }).to_string();
        let app = axum::Router::new().route(
            "/jwks",
            axum::routing::get(move || {
                let jwks = jwks.clone();
                async move { jwks }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Provider { issuer, key }
    }

    fn name(&self) -> String {
        self.issuer.trim_start_matches("http://").to_string()
    }

    fn token(&self, sub: &str, aud: &str, ttl: i64) -> String {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let claims = serde_json::json!({
            "iss": self.issuer, "sub": sub, "aud": aud, "iat": now - 10, "exp": now + ttl,
            "email": format!("{sub}@example.org"),
        });
        tessera_core::tokens::jwt::sign("k1", claims.to_string().as_bytes(), &self.key).unwrap()
    }
}

#[tokio::test]
async fn oidc_and_social_providers() {
    let p = Provider::start().await;
    let arn = format!("arn:aws:iam::123456789012:oidc-provider/{}", p.name());
    let (sts_url, calls) = sts().await;
    let issuer = p.issuer.clone();
    let arn2 = arn.clone();
    let srv = TestServer::start_custom(
        Backend::Sqlite,
        Arc::new(tessera_core::clock::SystemClock),
        move |s| {
            s.sts_endpoint = Some(sts_url);
            s.identity_oidc_providers = vec![tessera_identity::OidcProvider {
                arn: arn2,
                issuer: issuer.clone(),
                jwks_uri: Some(format!("{issuer}/jwks")),
                audiences: vec!["web-app".into()],
            }];
        },
    )
    .await
    .unwrap();
    let c = identity_client(&srv.url);
    let ipool = c
        .create_identity_pool()
        .identity_pool_name("oidc")
        .allow_unauthenticated_identities(false)
        .open_id_connect_provider_arns(&arn)
        .send()
        .await
        .unwrap()
        .identity_pool_id()
        .to_string();
    c.set_identity_pool_roles()
        .identity_pool_id(&ipool)
        .roles("authenticated", "arn:aws:iam::123456789012:role/oidc-users")
        .send()
        .await
        .unwrap();
    let token = p.token("user-1", "web-app", 300);
    let id = id_for(&c, &ipool, p.name(), &token).await;
    let again = c
        .get_id()
        .identity_pool_id(&ipool)
        .logins(p.name(), p.token("user-1", "web-app", 300))
        .send()
        .await
        .unwrap();
    assert_eq!(again.identity_id(), Some(id.as_str()));
    c.get_credentials_for_identity()
        .identity_id(&id)
        .logins(p.name(), &token)
        .send()
        .await
        .unwrap();
    let t = claims(&calls.lock().unwrap().last().unwrap().2);
    assert_eq!(
        t["amr"],
        serde_json::json!([
            "authenticated",
            p.name(),
            format!("{}:OpenIdConnect:user-1", p.name())
        ])
    );
    // Another audience than IAM's client list; expired; signed by someone else.
    let r = c
        .get_id()
        .identity_pool_id(&ipool)
        .logins(p.name(), p.token("user-1", "other-app", 300))
        .send()
        .await;
    assert_eq!(code(r), "NotAuthorizedException");
    let r = c
        .get_id()
        .identity_pool_id(&ipool)
        .logins(p.name(), p.token("user-1", "web-app", -60))
        .send()
        .await;
    assert!(message(r).starts_with("Invalid login token."));
    let stranger = Provider::start().await;
    let forged = {
        // The configured issuer's name, another key.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let claims = serde_json::json!({"iss": p.issuer, "sub": "user-1", "aud": "web-app", "iat": now, "exp": now + 300});
        tessera_core::tokens::jwt::sign("k1", claims.to_string().as_bytes(), &stranger.key).unwrap()
    };
    let r = c
        .get_id()
        .identity_pool_id(&ipool)
        .logins(p.name(), forged)
        .send()
        .await;
    assert_eq!(code(r), "NotAuthorizedException");

    // The same provider as a social one: the app id the pool names is the audience.
    let social = c
        .create_identity_pool()
        .identity_pool_name("social")
        .allow_unauthenticated_identities(false)
        .supported_login_providers(p.name(), "web-app")
        .send()
        .await
        .unwrap()
        .identity_pool_id()
        .to_string();
    c.get_id()
        .identity_pool_id(&social)
        .logins(p.name(), &token)
        .send()
        .await
        .unwrap();
    let r = c
        .get_id()
        .identity_pool_id(&social)
        .logins(p.name(), p.token("user-1", "mobile-app", 300))
        .send()
        .await;
    assert_eq!(code(r), "NotAuthorizedException");
    srv.stop().await;
}
