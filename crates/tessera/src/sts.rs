//! The STS behind identity pools' credentials: `AssumeRoleWithWebIdentity` over STS's query
//! API (an unsigned form POST; the web identity token is the proof), at the configured
//! `sts_endpoint` or AWS STS of the pool's region. Its answer is returned unchanged.

use std::time::Duration;

use async_trait::async_trait;
use tessera_core::oauth::flow::percent;
use tessera_identity::{Sts, StsCredentials, StsError};

/// How long Cognito's credentials last (one hour, STS's default).
const DURATION_SECONDS: &str = "3600";

pub struct HttpSts {
    endpoint: Option<String>,
    client: reqwest::Client,
}

impl HttpSts {
    pub fn new(endpoint: Option<String>) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            .build()?;
        Ok(HttpSts { endpoint, client })
    }

    fn url(&self, region: &str) -> String {
        match &self.endpoint {
            Some(e) => format!("{e}/"),
            None => format!("https://sts.{region}.amazonaws.com/"),
        }
    }
}

#[async_trait]
impl Sts for HttpSts {
    async fn assume_role_with_web_identity(
        &self,
        region: &str,
        role_arn: &str,
        session_name: &str,
        web_identity_token: &str,
    ) -> Result<StsCredentials, StsError> {
        let form = [
            ("Action", "AssumeRoleWithWebIdentity"),
            ("Version", "2011-06-15"),
            ("RoleArn", role_arn),
            ("RoleSessionName", session_name),
            ("WebIdentityToken", web_identity_token),
            ("DurationSeconds", DURATION_SECONDS),
        ];
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", percent(v)))
            .collect::<Vec<_>>()
            .join("&");
        let resp = self
            .client
            .post(self.url(region))
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .body(body)
            .send()
            .await
            .map_err(|e| StsError::Unreachable(e.without_url().to_string()))?;
        let status = resp.status();
        let text = resp
            .text()
            .await
            .map_err(|e| StsError::Unreachable(e.without_url().to_string()))?;
        parse(status.as_u16(), &text)
    }
}

/// Reads STS's answer: the credentials of an `AssumeRoleWithWebIdentityResponse`, or the
/// code and message of an `ErrorResponse`.
fn parse(status: u16, text: &str) -> Result<StsCredentials, StsError> {
    let doc = roxmltree::Document::parse(text).map_err(|_| {
        StsError::Unreachable(format!("the STS answered HTTP {status} with no XML"))
    })?;
    let find = |name: &str| {
        doc.descendants()
            .find(|n| n.tag_name().name() == name)
            .and_then(|n| n.text())
            .map(|t| t.trim().to_string())
    };
    if !(200..300).contains(&status) || find("AccessKeyId").is_none() {
        return Err(StsError::Refused {
            code: find("Code").unwrap_or_else(|| format!("HTTP {status}")),
            message: find("Message").unwrap_or_default(),
        });
    }
    let field = |name: &str| {
        find(name).ok_or_else(|| StsError::Unreachable(format!("the STS answer lacks {name}")))
    };
    let expiration = field("Expiration")?;
    Ok(StsCredentials {
        access_key_id: field("AccessKeyId")?,
        secret_access_key: field("SecretAccessKey")?,
        session_token: field("SessionToken")?,
        expiration: parse_time(&expiration).ok_or_else(|| {
            StsError::Unreachable(format!("unreadable Expiration {expiration:?}"))
        })?,
    })
}

/// An RFC 3339 time (`2026-12-06T14:00:00Z`, fractions allowed) as epoch seconds.
fn parse_time(s: &str) -> Option<f64> {
    let t = time::OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339)
        .ok()?;
    Some(t.unix_timestamp_nanos() as f64 / 1e9)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    #[test]
    fn reads_credentials_and_errors() {
        // The shape of AWS's documented example (STS API reference, AssumeRoleWithWebIdentity).
        let ok = r#"<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <Credentials>
      <SessionToken>AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE</SessionToken>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <Expiration>2014-10-24T23:00:23Z</Expiration>
      <AccessKeyId>ASgeIAIOSFODNN7EXAMPLE</AccessKeyId>
    </Credentials>
  </AssumeRoleWithWebIdentityResult>
</AssumeRoleWithWebIdentityResponse>"#;
        let c = parse(200, ok).unwrap();
        assert_eq!(c.access_key_id, "ASgeIAIOSFODNN7EXAMPLE");
        assert_eq!(
            c.secret_access_key,
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
        );
        assert_eq!(c.expiration, 1_414_191_623.0);
        let err = r#"<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>Couldn&apos;t verify</Message></Error></ErrorResponse>"#;
        assert_eq!(
            parse(400, err),
            Err(StsError::Refused {
                code: "InvalidIdentityToken".into(),
                message: "Couldn't verify".into()
            })
        );
        assert!(matches!(
            parse(502, "bad gateway"),
            Err(StsError::Unreachable(_))
        ));
        assert_eq!(percent("a b/c=d"), "a%20b%2Fc%3Dd");
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_time("2000-03-01T00:00:00.5Z"), Some(951_868_800.5));
    }
}
