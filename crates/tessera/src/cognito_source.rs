//! Live migration's client to source Cognito pools (`tessera_core::migration::SourcePool`):
//! AWS JSON 1.1 calls to cognito-idp, signed with SigV4 (`tessera_wire::sigv4::sign`) and
//! the credentials of this process's AWS configuration ([`crate::aws_credentials`]).
//!
//! The endpoint is, in order: the link's own, `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`
//! (the SDKs' variable for this service; the general `AWS_ENDPOINT_URL`, often set for other
//! tools, is not followed: these calls carry passwords), or
//! `https://cognito-idp.<region>.amazonaws.com/`. It must be https, except on a loopback
//! host (a local test double), and the region must look like one.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::Value;
use tessera_core::migration::{SourceError, SourcePool, SourceRef};
use tessera_wire::sigv4::sign::{SigningKey, sign};

use crate::aws_credentials::{AwsEnv, CredentialChain};

pub struct HttpSourcePool {
    client: reqwest::Client,
    credentials: CredentialChain,
}

impl HttpSourcePool {
    pub fn new(env: AwsEnv) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(HttpSourcePool {
            client,
            credentials: CredentialChain::new(env),
        })
    }

    fn endpoint(&self, source: &SourceRef) -> Result<reqwest::Url, SourceError> {
        let bad = |why: &str| SourceError::Unavailable(why.to_owned());
        let region_ok = !source.region.is_empty()
            && source
                .region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !region_ok {
            return Err(bad("the source's region is not a region name"));
        }
        let given = source.endpoint.as_deref().or(self
            .credentials
            .env("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"));
        let text = match given {
            Some(e) => format!("{}/", e.trim_end_matches('/')),
            None => format!("https://cognito-idp.{}.amazonaws.com/", source.region),
        };
        let url = reqwest::Url::parse(&text).map_err(|_| bad("the endpoint is not a URL"))?;
        let host = url
            .host_str()
            .ok_or_else(|| bad("the endpoint has no host"))?;
        let loopback = host == "localhost"
            || host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
            return Err(bad(
                "the endpoint must be https (http only on a loopback host)",
            ));
        }
        Ok(url)
    }

    async fn send(
        &self,
        source: &SourceRef,
        operation: &'static str,
        body: &Value,
    ) -> Result<Value, SourceError> {
        let unavailable = |what: String| SourceError::Unavailable(what);
        let now = now_secs();
        let creds = self
            .credentials
            .resolve(source.profile.as_deref(), now)
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        let url = self.endpoint(source)?;
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            (None, _) => return Err(unavailable("the endpoint has no host".into())),
        };
        let payload = serde_json::to_vec(body).map_err(|e| unavailable(e.to_string()))?;
        let mut headers = vec![
            ("host".to_owned(), host),
            (
                "content-type".to_owned(),
                "application/x-amz-json-1.1".to_owned(),
            ),
            (
                "x-amz-target".to_owned(),
                format!("AWSCognitoIdentityProviderService.{operation}"),
            ),
        ];
        let key = SigningKey {
            access_key_id: &creds.access_key_id,
            secret_access_key: creds.secret_access_key.expose(),
            session_token: creds.session_token.as_ref().map(|t| t.expose().as_str()),
        };
        sign(
            "POST",
            url.path(),
            "",
            &mut headers,
            &payload,
            "cognito-idp",
            &source.region,
            &key,
            now,
        )
        .map_err(|e| unavailable(e.to_string()))?;
        let mut req = self.client.post(url).body(payload);
        for (name, value) in &headers {
            // reqwest sets Host from the URL itself.
            if name != "host" {
                req = req.header(name.as_str(), value.as_str());
            }
        }
        let resp = req
            .send()
            .await
            .map_err(|e| unavailable(format!("{operation}: {}", e.without_url())))?;
        let status = resp.status();
        let text = resp
            .text()
            .await
            .map_err(|e| unavailable(format!("{operation}: {}", e.without_url())))?;
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(v);
        }
        // AWS JSON errors: `__type` (possibly `prefix#Name`) and `message`/`Message`.
        let kind = v["__type"]
            .as_str()
            .map(|t| t.rsplit('#').next().unwrap_or(t).to_owned());
        match kind {
            Some(kind) if status.is_client_error() => Err(SourceError::Service {
                kind,
                message: v["message"]
                    .as_str()
                    .or(v["Message"].as_str())
                    .unwrap_or_default()
                    .to_owned(),
            }),
            _ => Err(unavailable(format!("{operation}: HTTP {status}"))),
        }
    }
}

#[async_trait]
impl SourcePool for HttpSourcePool {
    async fn call(
        &self,
        source: &SourceRef,
        operation: &'static str,
        body: Value,
    ) -> Result<Value, SourceError> {
        let started = Instant::now();
        let result = self.send(source, operation, &body).await;
        // A bounded label set, whatever the source answers.
        let outcome = match &result {
            Ok(_) => "ok",
            Err(SourceError::Service { kind, .. }) => match kind.as_str() {
                "NotAuthorizedException" => "NotAuthorizedException",
                "UserNotFoundException" => "UserNotFoundException",
                "PasswordResetRequiredException" => "PasswordResetRequiredException",
                "UserNotConfirmedException" => "UserNotConfirmedException",
                "TooManyRequestsException" => "TooManyRequestsException",
                _ => "other_error",
            },
            Err(SourceError::Unavailable(_)) => "unavailable",
        };
        metrics::counter!("tessera_migration_source_requests_total",
            "operation" => operation, "outcome" => outcome)
        .increment(1);
        metrics::histogram!("tessera_migration_source_duration_seconds", "operation" => operation)
            .record(started.elapsed().as_secs_f64());
        if let Err(SourceError::Unavailable(detail)) = &result {
            tracing::warn!(operation, source = %source.user_pool_id, %detail, "source pool unavailable");
        }
        result
    }
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
