//! SMS delivery through an HTTP webhook: Tessera POSTs each text message as JSON to a URL
//! the operator runs (a small bridge to Twilio, SNS, an SMS gateway, ...).
//!
//! Body: `{"poolId","username","phoneNumber","message","purpose"}`. With a secret configured,
//! the header `X-Tessera-Signature: sha256=<hex HMAC-SHA256(secret, body)>` lets the receiver
//! check that the request came from Tessera. Any 2xx answer counts as delivered; anything
//! else, a timeout or a connection failure is a [`DeliveryError`].
//!
//! Never logs or returns the message (it carries a code), the secret, or the URL's query
//! (which may carry a token): errors name the host only.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use aws_lc_rs::hmac;
use serde::Serialize;
use tessera_core::messages::{
    Channel, DeliveryError, MessageSender, OutgoingMessage, Purpose, mask_destination,
};
use tessera_core::secret::Secret;

/// The whole request, connection included, must finish within this time.
pub const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(5);

/// The signature header's name.
pub const SIGNATURE_HEADER: &str = "X-Tessera-Signature";

/// SMS webhook settings. `Debug` hides the secret.
#[derive(Debug, Clone)]
pub struct SmsWebhookConfig {
    /// `http://` or `https://` URL.
    pub url: String,
    /// HMAC key for `X-Tessera-Signature`; `None` sends no signature.
    pub secret: Option<Secret<String>>,
}

/// The JSON body sent to the webhook.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Payload<'a> {
    pool_id: &'a str,
    username: &'a str,
    phone_number: &'a str,
    message: &'a str,
    purpose: Purpose,
}

/// Delivers SMS messages by POSTing them to a webhook.
pub struct SmsWebhookSender {
    client: reqwest::Client,
    url: reqwest::Url,
    key: Option<hmac::Key>,
}

impl fmt::Debug for SmsWebhookSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsWebhookSender")
            .field("host", &self.url.host_str())
            .field("signed", &self.key.is_some())
            .finish_non_exhaustive()
    }
}

/// `sha256=<hex>` of HMAC-SHA256 over `body`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    format!("sha256={}", hex::encode(hmac::sign(&key, body).as_ref()))
}

impl SmsWebhookSender {
    /// Checks the URL and prepares the HTTP client. Connects to nothing yet.
    pub fn new(config: &SmsWebhookConfig) -> Result<Self, DeliveryError> {
        // The URL is not echoed: its query may hold a token.
        let url = reqwest::Url::parse(config.url.trim())
            .map_err(|_| DeliveryError("the SMS webhook URL is not a valid URL".into()))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(DeliveryError(
                "the SMS webhook URL must be an http:// or https:// URL".into(),
            ));
        }
        let client = reqwest::Client::builder()
            .timeout(WEBHOOK_TIMEOUT)
            .connect_timeout(WEBHOOK_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("tessera/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                DeliveryError(format!(
                    "preparing the SMS webhook client: {}",
                    e.without_url()
                ))
            })?;
        let key = match &config.secret {
            Some(s) if !s.expose().is_empty() => {
                Some(hmac::Key::new(hmac::HMAC_SHA256, s.expose().as_bytes()))
            }
            _ => None,
        };
        Ok(SmsWebhookSender { client, url, key })
    }

    fn host(&self) -> &str {
        self.url.host_str().unwrap_or_default()
    }
}

fn describe(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "the request failed"
    }
}

#[async_trait]
impl MessageSender for SmsWebhookSender {
    async fn send(&self, m: &OutgoingMessage) -> Result<(), DeliveryError> {
        if m.channel != Channel::Sms {
            return Err(DeliveryError(
                "the SMS webhook only delivers text messages".into(),
            ));
        }
        let masked = mask_destination(Channel::Sms, &m.destination);
        let body = serde_json::to_vec(&Payload {
            pool_id: &m.pool_id,
            username: &m.username,
            phone_number: &m.destination,
            message: m.body.expose(),
            purpose: m.purpose,
        })
        .map_err(|_| DeliveryError("encoding the SMS webhook request".into()))?;
        let mut request = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json");
        if let Some(key) = &self.key {
            let sig = format!("sha256={}", hex::encode(hmac::sign(key, &body).as_ref()));
            request = request.header(SIGNATURE_HEADER, sig);
        }
        let response = request.body(body).send().await.map_err(|e| {
            DeliveryError(format!(
                "SMS webhook at {} for {masked}: {}",
                self.host(),
                describe(&e)
            ))
        })?;
        let status = response.status();
        if !status.is_success() {
            return Err(DeliveryError(format!(
                "SMS webhook at {} for {masked} answered HTTP {}",
                self.host(),
                status.as_u16()
            )));
        }
        tracing::info!(
            pool_id = %m.pool_id,
            destination = %masked,
            purpose = ?m.purpose,
            webhook_host = %self.host(),
            "text message delivered to the SMS webhook"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use std::sync::{Arc, Mutex};

    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::post;

    use super::*;

    type Seen = Arc<Mutex<Vec<(Option<String>, Vec<u8>)>>>;

    /// Starts a webhook that records requests and answers `status`; returns its URL.
    async fn webhook(status: StatusCode) -> (String, Seen) {
        let seen: Seen = Arc::default();
        let app = axum::Router::new()
            .route(
                "/hook",
                post(
                    move |State(seen): State<Seen>, headers: HeaderMap, body: Bytes| async move {
                        let sig = headers
                            .get(SIGNATURE_HEADER)
                            .map(|v| v.to_str().unwrap().to_string());
                        seen.lock().unwrap().push((sig, body.to_vec()));
                        status
                    },
                ),
            )
            .with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (format!("http://{addr}/hook?token=tok-secret"), seen)
    }

    fn message() -> OutgoingMessage {
        OutgoingMessage {
            pool_id: "us-east-1_x".into(),
            username: "bob".into(),
            channel: Channel::Sms,
            destination: "+15551234567".into(),
            subject: None,
            body: Secret::new("Your code is 654321".into()),
            code: Some(Secret::new("654321".into())),
            purpose: Purpose::SignUp,
            sender: Default::default(),
        }
    }

    #[tokio::test]
    async fn posts_signed_json() {
        let (url, seen) = webhook(StatusCode::NO_CONTENT).await;
        let sender = SmsWebhookSender::new(&SmsWebhookConfig {
            url,
            secret: Some(Secret::new("whsec".into())),
        })
        .unwrap();
        sender.send(&message()).await.unwrap();
        let (sig, body) = seen.lock().unwrap().pop().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "poolId": "us-east-1_x",
                "username": "bob",
                "phoneNumber": "+15551234567",
                "message": "Your code is 654321",
                "purpose": "SignUp",
            })
        );
        assert_eq!(sig.unwrap(), signature(b"whsec", &body));
        assert!(!format!("{sender:?}").contains("whsec"));
    }

    #[tokio::test]
    async fn unsigned_without_secret() {
        let (url, seen) = webhook(StatusCode::OK).await;
        let sender = SmsWebhookSender::new(&SmsWebhookConfig { url, secret: None }).unwrap();
        sender.send(&message()).await.unwrap();
        assert!(seen.lock().unwrap()[0].0.is_none());
    }

    #[tokio::test]
    async fn non_2xx_is_an_error_without_secrets() {
        let (url, _) = webhook(StatusCode::BAD_GATEWAY).await;
        let sender = SmsWebhookSender::new(&SmsWebhookConfig {
            url,
            secret: Some(Secret::new("whsec".into())),
        })
        .unwrap();
        let err = sender.send(&message()).await.unwrap_err().to_string();
        assert!(err.contains("502"), "{err}");
        assert!(err.contains("+*******4567"), "{err}");
        for secret in ["whsec", "654321", "tok-secret", "5551234567"] {
            assert!(!err.contains(secret), "{err}");
        }
    }

    #[tokio::test]
    async fn connection_failure_is_an_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let sender = SmsWebhookSender::new(&SmsWebhookConfig {
            url: format!("http://{addr}/hook"),
            secret: None,
        })
        .unwrap();
        assert!(sender.send(&message()).await.is_err());
    }

    #[test]
    fn refuses_bad_urls() {
        for url in ["not a url", "ftp://x/y", "file:///etc/passwd"] {
            let err = SmsWebhookSender::new(&SmsWebhookConfig {
                url: url.into(),
                secret: None,
            })
            .unwrap_err();
            assert!(!err.to_string().contains(url), "{err}");
        }
    }

    #[test]
    fn signature_is_hex_hmac_sha256() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
