//! Multi-Region replicas (CreateUserPoolReplica and its siblings) and two sites on one
//! database: node A answers as us-east-1 (the pools' home), node B as us-west-2 (the
//! secondary). Cognito's multi-Region replication guide is the spec; the refusal texts are
//! Tessera's own (docs/fidelity.md, "Multi-Region replicas").
//!
//! The AWS SDK for Rust this suite pins predates the four replica operations, so they go
//! through [`Api`], a SigV4-signed AWS JSON call (the signer is checked against the SDK's in
//! `tessera_wire::sigv4`); boto3 drives them too (e2e/boto3/test_replicas.py). Everything
//! else here is the SDK.

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, UserPoolTierType};
use serde_json::{Value, json};

use crate::auth::{PASSWORD, setup, user};
use crate::harness::{AKID, SECRET, TestServer, both, code, idp_client, together};

/// Signed AWS JSON 1.1 calls to one node, as one Region.
#[derive(Clone)]
struct Api {
    url: String,
    region: String,
}

impl Api {
    fn new(url: &str, region: &str) -> Api {
        Api {
            url: url.to_string(),
            region: region.to_string(),
        }
    }

    /// The answer, or the exception's (code, message).
    async fn call(&self, op: &str, body: Value) -> Result<Value, (String, String)> {
        let body = body.to_string();
        let host = self.url.trim_start_matches("http://").to_string();
        let mut headers = vec![
            ("host".to_string(), host),
            (
                "content-type".to_string(),
                "application/x-amz-json-1.1".to_string(),
            ),
            (
                "x-amz-target".to_string(),
                format!("AWSCognitoIdentityProviderService.{op}"),
            ),
        ];
        let key = tessera_wire::sigv4::sign::SigningKey {
            access_key_id: AKID,
            secret_access_key: SECRET,
            session_token: None,
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        tessera_wire::sigv4::sign::sign(
            "POST",
            "/",
            "",
            &mut headers,
            body.as_bytes(),
            "cognito-idp",
            &self.region,
            &key,
            now,
        )
        .unwrap();
        let mut req = reqwest::Client::new().post(format!("{}/", self.url));
        for (n, v) in headers.iter().filter(|(n, _)| n != "host") {
            req = req.header(n, v);
        }
        let r = req.body(body).send().await.unwrap();
        let ok = r.status().is_success();
        let v: Value = r.json().await.unwrap();
        if ok {
            Ok(v)
        } else {
            Err((
                v["__type"].as_str().unwrap_or_default().to_string(),
                v["message"].as_str().unwrap_or_default().to_string(),
            ))
        }
    }

    async fn create(&self, pool: &str, region: &str) -> Result<Value, (String, String)> {
        self.call(
            "CreateUserPoolReplica",
            json!({"UserPoolId": pool, "RegionName": region}),
        )
        .await
    }

    async fn update(
        &self,
        pool: &str,
        region: &str,
        status: &str,
    ) -> Result<Value, (String, String)> {
        self.call(
            "UpdateUserPoolReplica",
            json!({"UserPoolId": pool, "RegionName": region, "Status": status}),
        )
        .await
    }

    async fn delete(&self, pool: &str, region: &str) -> Result<Value, (String, String)> {
        self.call(
            "DeleteUserPoolReplica",
            json!({"UserPoolId": pool, "RegionName": region}),
        )
        .await
    }

    /// (region, role, status, ARN) of each replica.
    async fn list(&self, pool: &str) -> Vec<(String, String, String, String)> {
        let v = self
            .call("ListUserPoolReplicas", json!({"UserPoolId": pool}))
            .await
            .unwrap();
        v["UserPoolReplicas"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let f = |k: &str| r[k].as_str().unwrap_or_default().to_string();
                (f("RegionName"), f("Role"), f("Status"), f("UserPoolArn"))
            })
            .collect()
    }
}

/// The exception code of a failed [`Api`] call.
fn failed(r: Result<Value, (String, String)>) -> String {
    match r {
        Ok(v) => panic!("expected an error, got {v}"),
        Err((c, _)) => c,
    }
}

async fn sign_in(idp: &Client, client: &str, name: &str, password: &str) -> Result<String, String> {
    sign_in_or_refusal(idp, client, name, password)
        .await
        .map_err(|(code, _)| code)
}

/// The access token of a USER_PASSWORD_AUTH sign-in, or the refusal's (code, message).
async fn sign_in_or_refusal(
    idp: &Client,
    client: &str,
    name: &str,
    password: &str,
) -> Result<String, (String, String)> {
    use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
    idp.initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", name)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .map(|r| {
            r.authentication_result
                .and_then(|a| a.access_token)
                .unwrap_or_default()
        })
        .map_err(|e| {
            let code = e.code().unwrap_or_default().to_string();
            (code, e.message().unwrap_or_default().to_string())
        })
}

/// Polls `f` until it returns true (for up to 5 seconds).
async fn eventually<F: AsyncFnMut() -> bool>(mut f: F) -> bool {
    for _ in 0..100 {
        if f().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

mod control_plane;
mod regional;
mod two_sites;
