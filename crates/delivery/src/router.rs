//! Picks the sender for each message by channel: email goes to SMTP or the outbox, text
//! messages to the SMS webhook or the outbox, as configured.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use tessera_core::messages::{Channel, DeliveryError, MessageSender, OutgoingMessage};

use crate::outbox::Outbox;
use crate::sms_webhook::{SmsWebhookConfig, SmsWebhookSender};
use crate::smtp::{SmtpConfig, SmtpSender};

/// Where email goes.
#[derive(Debug, Clone, Default)]
pub enum EmailDelivery {
    /// The development outbox (default).
    #[default]
    Outbox,
    Smtp(SmtpConfig),
}

/// Where text messages go.
#[derive(Debug, Clone, Default)]
pub enum SmsDelivery {
    /// The development outbox (default).
    #[default]
    Outbox,
    Webhook(SmsWebhookConfig),
}

/// The message delivery settings.
#[derive(Debug, Clone, Default)]
pub struct DeliveryConfig {
    pub email: EmailDelivery,
    pub sms: SmsDelivery,
}

/// A [`MessageSender`] that hands each message to the sender for its channel.
#[derive(Clone)]
pub struct ChannelRouter {
    email: Arc<dyn MessageSender>,
    sms: Arc<dyn MessageSender>,
    email_kind: &'static str,
    sms_kind: &'static str,
}

impl fmt::Debug for ChannelRouter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelRouter")
            .field("email", &self.email_kind)
            .field("sms", &self.sms_kind)
            .finish()
    }
}

impl ChannelRouter {
    /// Routes email to `email` and text messages to `sms`.
    pub fn new(email: Arc<dyn MessageSender>, sms: Arc<dyn MessageSender>) -> Self {
        ChannelRouter {
            email,
            sms,
            email_kind: "custom",
            sms_kind: "custom",
        }
    }

    /// Builds the senders `config` asks for; channels left on the outbox go to `outbox`.
    /// Fails (without secrets in the message) when the SMTP or webhook settings are unusable.
    pub fn from_config(
        config: &DeliveryConfig,
        outbox: Arc<Outbox>,
    ) -> Result<Self, DeliveryError> {
        let (email, email_kind): (Arc<dyn MessageSender>, _) = match &config.email {
            EmailDelivery::Outbox => (outbox.clone(), "outbox"),
            EmailDelivery::Smtp(c) => (Arc::new(SmtpSender::new(c)?), "smtp"),
        };
        let (sms, sms_kind): (Arc<dyn MessageSender>, _) = match &config.sms {
            SmsDelivery::Outbox => (outbox, "outbox"),
            SmsDelivery::Webhook(c) => (Arc::new(SmsWebhookSender::new(c)?), "webhook"),
        };
        Ok(ChannelRouter {
            email,
            sms,
            email_kind,
            sms_kind,
        })
    }

    /// `"outbox"`, `"smtp"` or `"custom"`.
    pub fn email_kind(&self) -> &'static str {
        self.email_kind
    }

    /// `"outbox"`, `"webhook"` or `"custom"`.
    pub fn sms_kind(&self) -> &'static str {
        self.sms_kind
    }
}

#[async_trait]
impl MessageSender for ChannelRouter {
    async fn send(&self, message: &OutgoingMessage) -> Result<(), DeliveryError> {
        match message.channel {
            Channel::Email => self.email.send(message).await,
            Channel::Sms => self.sms.send(message).await,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::Mutex;

    use tessera_core::messages::Purpose;
    use tessera_core::secret::Secret;

    use super::*;

    #[derive(Default)]
    struct Recorder(Mutex<Vec<String>>);

    #[async_trait]
    impl MessageSender for Recorder {
        async fn send(&self, m: &OutgoingMessage) -> Result<(), DeliveryError> {
            self.0.lock().unwrap().push(m.destination.clone());
            Ok(())
        }
    }

    fn message(channel: Channel, destination: &str) -> OutgoingMessage {
        OutgoingMessage {
            pool_id: "us-east-1_x".into(),
            username: "alice".into(),
            channel,
            destination: destination.into(),
            subject: None,
            body: Secret::new("code 111111".into()),
            code: None,
            purpose: Purpose::SignUp,
            sender: Default::default(),
        }
    }

    #[tokio::test]
    async fn picks_by_channel() {
        let email = Arc::new(Recorder::default());
        let sms = Arc::new(Recorder::default());
        let router = ChannelRouter::new(email.clone(), sms.clone());
        router
            .send(&message(Channel::Email, "a@example.com"))
            .await
            .unwrap();
        router
            .send(&message(Channel::Sms, "+15550000000"))
            .await
            .unwrap();
        assert_eq!(*email.0.lock().unwrap(), vec!["a@example.com".to_string()]);
        assert_eq!(*sms.0.lock().unwrap(), vec!["+15550000000".to_string()]);
    }

    #[tokio::test]
    async fn outbox_by_default() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Arc::new(Outbox::new(dir.path()));
        let router =
            ChannelRouter::from_config(&DeliveryConfig::default(), outbox.clone()).unwrap();
        assert_eq!(
            (router.email_kind(), router.sms_kind()),
            ("outbox", "outbox")
        );
        router
            .send(&message(Channel::Email, "a@example.com"))
            .await
            .unwrap();
        router
            .send(&message(Channel::Sms, "+15550000000"))
            .await
            .unwrap();
        assert_eq!(outbox.messages(None, None, None).len(), 2);
    }

    #[test]
    fn builds_configured_senders() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Arc::new(Outbox::new(dir.path()));
        let config = DeliveryConfig {
            email: EmailDelivery::Smtp(SmtpConfig {
                host: "smtp.example.com".into(),
                port: None,
                tls: crate::smtp::SmtpTls::StartTls,
                username: None,
                password: None,
                from: "no-reply@example.com".into(),
            }),
            sms: SmsDelivery::Webhook(SmsWebhookConfig {
                url: "https://sms.example.com/send".into(),
                secret: None,
            }),
        };
        let router = ChannelRouter::from_config(&config, outbox.clone()).unwrap();
        assert_eq!(
            (router.email_kind(), router.sms_kind()),
            ("smtp", "webhook")
        );
        let bad = DeliveryConfig {
            sms: SmsDelivery::Webhook(SmsWebhookConfig {
                url: "nope".into(),
                secret: None,
            }),
            ..Default::default()
        };
        assert!(ChannelRouter::from_config(&bad, outbox).is_err());
    }
}
