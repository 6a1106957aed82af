//! Trigger targets: where each Lambda function ARN a pool names is delivered. An `http(s)://`
//! target receives the event as a JSON POST (signed with `X-Tessera-Signature: sha256=<hex>`,
//! HMAC-SHA256 of the body under the target's secret) and answers with the event JSON, as a
//! Lambda function returns it; a non-2xx answer is the function's error (its
//! `errorMessage`, `message`, or text). A command target receives the event on stdin and
//! answers on stdout; a non-zero exit is an error with its stderr's last line. Both have
//! Cognito's 5 seconds.

use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use tessera_core::secret::Secret;
use tessera_core::triggers::{TriggerError, TriggerInvoker};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::sms_webhook::{SIGNATURE_HEADER, signature};

/// Lambda's limit for Cognito triggers.
pub const TRIGGER_TIMEOUT: Duration = Duration::from_secs(5);

/// One ARN's target. `Debug` hides the secret.
#[derive(Debug, Clone)]
pub enum TriggerTarget {
    Http {
        url: String,
        secret: Option<Secret<String>>,
    },
    /// The program and its arguments.
    Command { argv: Vec<String> },
}

/// The targets by function ARN.
pub struct TriggerTargets {
    targets: HashMap<String, TriggerTarget>,
    client: reqwest::Client,
}

impl TriggerTargets {
    pub fn new(targets: HashMap<String, TriggerTarget>) -> Result<Self, String> {
        for (arn, t) in &targets {
            match t {
                TriggerTarget::Http { url, .. } => {
                    let ok = reqwest::Url::parse(url)
                        .is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
                    if !ok {
                        return Err(format!(
                            "trigger {arn}: url must be an http:// or https:// URL"
                        ));
                    }
                }
                TriggerTarget::Command { argv } if argv.is_empty() => {
                    return Err(format!("trigger {arn}: command must name a program"));
                }
                TriggerTarget::Command { .. } => {}
            }
        }
        let client = reqwest::Client::builder()
            .timeout(TRIGGER_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("tessera/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("preparing the trigger client: {}", e.without_url()))?;
        Ok(TriggerTargets { targets, client })
    }

    async fn post(
        &self,
        url: &str,
        secret: Option<&Secret<String>>,
        body: Vec<u8>,
    ) -> Result<Value, TriggerError> {
        let mut req = self
            .client
            .post(url)
            .header("content-type", "application/json");
        if let Some(s) = secret.filter(|s| !s.expose().is_empty()) {
            req = req.header(SIGNATURE_HEADER, signature(s.expose().as_bytes(), &body));
        }
        let resp = req.body(body).send().await.map_err(|e| {
            if e.is_timeout() {
                TriggerError::Timeout
            } else {
                TriggerError::Unreachable("the request failed".into())
            }
        })?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| {
            if e.is_timeout() {
                TriggerError::Timeout
            } else {
                TriggerError::Unreachable("reading the answer failed".into())
            }
        })?;
        if !status.is_success() {
            return Err(TriggerError::Failed(error_message(&text, status.as_u16())));
        }
        serde_json::from_str(&text).map_err(|_| TriggerError::Invalid("not JSON".into()))
    }

    async fn run(&self, argv: &[String], body: Vec<u8>) -> Result<Value, TriggerError> {
        let mut child = tokio::process::Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|_| TriggerError::Unreachable("the command could not be started".into()))?;
        let mut stdin = child.stdin.take();
        let mut stdout = child.stdout.take();
        let mut stderr = child.stderr.take();
        let work = async move {
            if let Some(mut i) = stdin.take() {
                let _ = i.write_all(&body).await;
            }
            let (mut out, mut err) = (Vec::new(), Vec::new());
            if let Some(o) = stdout.as_mut() {
                let _ = o.read_to_end(&mut out).await;
            }
            if let Some(e) = stderr.as_mut() {
                let _ = e.read_to_end(&mut err).await;
            }
            let status = child.wait().await;
            (status, out, err)
        };
        let (status, out, err) = tokio::time::timeout(TRIGGER_TIMEOUT, work)
            .await
            .map_err(|_| TriggerError::Timeout)?;
        let ok = status.map(|s| s.success()).unwrap_or(false);
        if !ok {
            let text = String::from_utf8_lossy(&err);
            let last = text
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("the command failed");
            return Err(TriggerError::Failed(
                last.trim().chars().take(200).collect(),
            ));
        }
        serde_json::from_slice(&out).map_err(|_| TriggerError::Invalid("not JSON".into()))
    }
}

/// The error a failing function reports: `errorMessage` (Lambda's), `message`, or the text.
fn error_message(text: &str, status: u16) -> String {
    let from_json = serde_json::from_str::<Value>(text).ok().and_then(|v| {
        v.get("errorMessage")
            .or_else(|| v.get("message"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let msg = from_json.unwrap_or_else(|| text.trim().to_string());
    if msg.is_empty() {
        format!("the trigger answered HTTP {status}")
    } else {
        msg.chars().take(200).collect()
    }
}

#[async_trait]
impl TriggerInvoker for TriggerTargets {
    async fn invoke(&self, arn: &str, event: &Value) -> Result<Value, TriggerError> {
        let target = self.targets.get(arn).ok_or(TriggerError::Unmapped)?;
        let body = serde_json::to_vec(event).map_err(|_| TriggerError::Invalid("event".into()))?;
        match target {
            TriggerTarget::Http { url, secret } => self.post(url, secret.as_ref(), body).await,
            TriggerTarget::Command { argv } => self.run(argv, body).await,
        }
    }

    fn knows(&self, arn: &str) -> bool {
        self.targets.contains_key(arn)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn error_messages() {
        assert_eq!(error_message(r#"{"errorMessage":"no"}"#, 500), "no");
        assert_eq!(error_message(r#"{"message":"nope"}"#, 400), "nope");
        assert_eq!(error_message("plain", 500), "plain");
        assert_eq!(error_message("", 502), "the trigger answered HTTP 502");
    }

    #[tokio::test]
    async fn commands_answer_on_stdout() {
        let t = TriggerTargets::new(HashMap::from([
            (
                "echo".to_string(),
                TriggerTarget::Command {
                    argv: vec!["cat".into()],
                },
            ),
            (
                "fail".to_string(),
                TriggerTarget::Command {
                    argv: vec!["sh".into(), "-c".into(), "echo refused >&2; exit 1".into()],
                },
            ),
        ]))
        .unwrap();
        let e = serde_json::json!({"response": {"a": 1}});
        assert_eq!(t.invoke("echo", &e).await, Ok(e.clone()));
        assert_eq!(
            t.invoke("fail", &e).await,
            Err(TriggerError::Failed("refused".into()))
        );
        assert_eq!(t.invoke("other", &e).await, Err(TriggerError::Unmapped));
    }
}
