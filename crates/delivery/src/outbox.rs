//! The development outbox.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;
use serde::Serialize;
use tessera_core::messages::{
    Channel, DeliveryError, MessageSender, OutgoingMessage, Purpose, mask_destination,
};

/// The outbox's file in the data folder: readable by the server's user only (mode 0600),
/// since it holds live codes and temporary passwords.
pub const FILE_NAME: &str = "outbox.jsonl";

/// One delivered message as the outbox shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxEntry {
    pub pool_id: String,
    pub username: String,
    pub channel: Channel,
    pub destination: String,
    pub subject: Option<String>,
    pub body: String,
    pub code: Option<String>,
    pub purpose: Purpose,
    /// The sender the pool's EmailConfiguration asks for (absent: the deployment's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    pub sent_at_ms: i64,
}

/// Keeps the newest messages in memory (bounded) and every message in a JSON-lines file.
pub struct Outbox {
    path: PathBuf,
    recent: Mutex<Vec<OutboxEntry>>,
    capacity: usize,
}

impl Outbox {
    pub fn new(data_dir: &Path) -> Self {
        Outbox {
            path: data_dir.join(FILE_NAME),
            recent: Mutex::new(Vec::new()),
            capacity: 10_000,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Messages in the order sent, optionally only those for one pool / user / destination.
    pub fn messages(
        &self,
        pool_id: Option<&str>,
        username: Option<&str>,
        destination: Option<&str>,
    ) -> Vec<OutboxEntry> {
        let recent = match self.recent.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        recent
            .iter()
            .filter(|m| pool_id.is_none_or(|p| m.pool_id == p))
            .filter(|m| username.is_none_or(|u| m.username == u))
            .filter(|m| destination.is_none_or(|d| m.destination == d))
            .cloned()
            .collect()
    }

    fn append(&self, entry: &OutboxEntry) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let mut opts = std::fs::OpenOptions::new();
        opts.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        opts.open(&self.path)?.write_all(&line)
    }
}

#[async_trait]
impl MessageSender for Outbox {
    async fn send(&self, m: &OutgoingMessage) -> Result<(), DeliveryError> {
        let entry = OutboxEntry {
            pool_id: m.pool_id.clone(),
            username: m.username.clone(),
            channel: m.channel,
            destination: m.destination.clone(),
            subject: m.subject.clone(),
            body: m.body.expose().clone(),
            code: m.code.as_ref().map(|c| c.expose().clone()),
            purpose: m.purpose,
            from: m.sender.from.clone(),
            reply_to: m.sender.reply_to.clone(),
            sent_at_ms: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0),
        };
        self.append(&entry)
            .map_err(|e| DeliveryError(format!("writing {}: {e}", self.path.display())))?;
        tracing::info!(
            pool_id = %m.pool_id,
            channel = ?m.channel,
            destination = %mask_destination(m.channel, &m.destination),
            purpose = ?m.purpose,
            "message delivered to the development outbox"
        );
        let mut recent = match self.recent.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if recent.len() >= self.capacity {
            recent.remove(0);
        }
        recent.push(entry);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use tessera_core::secret::Secret;

    #[tokio::test]
    async fn keeps_messages_in_file_and_memory() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::new(dir.path());
        let msg = OutgoingMessage {
            pool_id: "us-east-1_x".into(),
            username: "alice".into(),
            channel: Channel::Email,
            destination: "alice@example.com".into(),
            subject: Some("Your code".into()),
            body: Secret::new("code 123456".into()),
            code: Some(Secret::new("123456".into())),
            purpose: Purpose::SignUp,
            sender: Default::default(),
        };
        outbox.send(&msg).await.unwrap();
        assert_eq!(
            outbox.messages(Some("us-east-1_x"), Some("alice"), None)[0]
                .code
                .as_deref(),
            Some("123456")
        );
        assert!(outbox.messages(Some("other"), None, None).is_empty());
        let text = std::fs::read_to_string(outbox.path()).unwrap();
        assert!(text.contains("\"code\":\"123456\""));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(outbox.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "the outbox holds live codes");
        }
    }
}
