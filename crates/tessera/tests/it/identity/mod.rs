//! Identity pools (`cognito-identity`) through the AWS SDK for Rust's
//! `aws-sdk-cognitoidentity`, on both backends. The STS here is a recording stand-in
//! ([`Sts`]); the end-to-end suites use moto's real STS.

mod developer;
mod flows;
mod oidc;
mod pools;
mod roles;

use std::sync::{Arc, Mutex};

use aws_sdk_cognitoidentity::Client;
use aws_sdk_cognitoidentity::types::CognitoIdentityProvider;

use crate::harness::{AKID, Backend, SECRET, TestServer};

pub fn identity_client(url: &str) -> Client {
    let conf = aws_sdk_cognitoidentity::Config::builder()
        .behavior_version(aws_sdk_cognitoidentity::config::BehaviorVersion::latest())
        .region(aws_sdk_cognitoidentity::config::Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(aws_credential_types::Credentials::new(
            AKID,
            SECRET,
            None,
            None,
            "tessera-tests",
        ))
        .build();
    Client::from_conf(conf)
}

/// What the stand-in STS was asked: (role ARN, session name, web identity token).
pub type Calls = Arc<Mutex<Vec<(String, String, String)>>>;

/// An STS answering `AssumeRoleWithWebIdentity` with fixed credentials (or, for a role whose
/// name starts with `refused`, AccessDenied), recording each call.
pub async fn sts() -> (String, Calls) {
    use axum::routing::post;
    let calls: Calls = Arc::default();
    let c = calls.clone();
    let app = axum::Router::new().route(
        "/",
        post(move |body: String| {
            let c = c.clone();
            async move {
                let form: std::collections::HashMap<String, String> =
                    url::form_urlencoded::parse(body.as_bytes())
                        .into_owned()
                        .collect();
                assert_eq!(form["Action"], "AssumeRoleWithWebIdentity");
                let role = form["RoleArn"].clone();
                c.lock().unwrap().push((
                    role.clone(),
                    form["RoleSessionName"].clone(),
                    form["WebIdentityToken"].clone(),
                ));
                if role.contains(":role/refused") {
                    return (
                        axum::http::StatusCode::FORBIDDEN,
                        "<ErrorResponse><Error><Code>AccessDenied</Code><Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message></Error></ErrorResponse>".to_string(),
                    );
                }
                (
                    axum::http::StatusCode::OK,
                    "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>\
                     <AccessKeyId>ASIATESTKEY</AccessKeyId><SecretAccessKey>secret/key</SecretAccessKey>\
                     <SessionToken>session-token</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration>\
                     </Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>"
                        .to_string(),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, calls)
}

/// A server whose identity pools get credentials from the stand-in STS.
pub async fn start(backend: Backend) -> Option<(TestServer, Calls)> {
    let (url, calls) = sts().await;
    let srv = TestServer::start_custom(backend, Arc::new(tessera_core::clock::SystemClock), |s| {
        s.sts_endpoint = Some(url)
    })
    .await?;
    Some((srv, calls))
}

/// Declares a test per backend on a server with the stand-in STS.
macro_rules! with_sts {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            async fn run(backend: $crate::harness::Backend) {
                let Some((srv, calls)) = $crate::identity::start(backend).await else {
                    eprintln!("skipping: TESSERA_TEST_POSTGRES_URL is not set");
                    return;
                };
                let f = $body;
                f(&srv, calls).await;
                srv.stop().await;
            }
            #[tokio::test]
            async fn sqlite() {
                run($crate::harness::Backend::Sqlite).await;
            }
            #[tokio::test]
            async fn postgres() {
                run($crate::harness::Backend::Postgres).await;
            }
        }
    };
}
pub(crate) use with_sts;

/// A user pool with an app client and a signed-in user: (pool id, client id, ID token).
pub async fn signed_in(srv: &TestServer, name: &str) -> (String, String, String) {
    let (pool, client) = crate::auth::setup(srv).await;
    crate::auth::user(srv, &pool, name).await;
    let tokens = crate::auth::login(srv, &client, name, crate::auth::PASSWORD)
        .await
        .unwrap();
    (pool, client, tokens.id_token.unwrap())
}

/// GetId for a guest: the identity id.
pub async fn new_guest(c: &Client, ipool: &str) -> String {
    c.get_id()
        .identity_pool_id(ipool)
        .send()
        .await
        .unwrap()
        .identity_id()
        .unwrap()
        .to_string()
}

/// GetId with one login: the identity id.
pub async fn id_for(
    c: &Client,
    ipool: &str,
    key: impl Into<String>,
    token: impl Into<String>,
) -> String {
    c.get_id()
        .identity_pool_id(ipool)
        .logins(key, token)
        .send()
        .await
        .unwrap()
        .identity_id()
        .unwrap()
        .to_string()
}

/// The Logins key Amplify sends for a user pool of this server: the issuer without scheme.
pub fn amplify_key(srv: &TestServer, pool: &str) -> String {
    format!("{}/{pool}", srv.url.trim_start_matches("http://"))
}

/// The `CognitoIdentityProviders` entry of a user pool client.
pub fn provider(pool: &str, client: &str, check: bool) -> CognitoIdentityProvider {
    CognitoIdentityProvider::builder()
        .provider_name(format!("cognito-idp.us-east-1.amazonaws.com/{pool}"))
        .client_id(client)
        .server_side_token_check(check)
        .build()
}

/// The claims of a JWT (not verified).
pub fn claims(token: &str) -> serde_json::Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}
