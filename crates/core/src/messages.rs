//! The message delivery port: codes, invitations and notices leave Tessera through a
//! [`MessageSender`]. Adapters (SMTP, SMS webhook, development outbox) live outside core.
//!
//! A message body contains a secret (a code or a temporary password): adapters deliver it,
//! but must never write it to logs. The development outbox is the one deliberate exception:
//! it keeps bodies in its own file and admin endpoint so a person or a test can read the code.

use async_trait::async_trait;
use serde::Serialize;

use crate::secret::Secret;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Channel {
    #[serde(rename = "EMAIL")]
    Email,
    #[serde(rename = "SMS")]
    Sms,
}

/// Why a message is sent (Cognito's CustomMessage trigger sources use the same names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Purpose {
    SignUp,
    ResendCode,
    ForgotPassword,
    AdminCreateUser,
    VerifyUserAttribute,
    UpdateUserAttribute,
    Authentication,
}

/// Who an email says it is from, as the pool's `EmailConfiguration` asks. `None` fields mean
/// the deployment's own: its configured From address, no Reply-To.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmailSender {
    /// An address, or a name with an address (`Team <team@example.com>`).
    pub from: Option<String>,
    pub reply_to: Option<String>,
}

impl EmailSender {
    /// From a pool's `EmailConfiguration`: its `From` when set, else the address of the SES
    /// identity its `SourceArn` names (`arn:aws:ses:<region>:<account>:identity/<address>`;
    /// Cognito sends from that address with either sending account, and a domain identity
    /// names no address), and its `ReplyToEmailAddress`.
    pub fn of(config: Option<&tessera_wire::idp::EmailConfigurationType>) -> Self {
        let Some(c) = config else {
            return EmailSender::default();
        };
        let non_empty = |s: &Option<String>| s.as_ref().filter(|s| !s.trim().is_empty()).cloned();
        let identity = c
            .source_arn
            .as_deref()
            .and_then(|arn| arn.split_once(":identity/"))
            .map(|(_, identity)| identity.to_string())
            .filter(|identity| identity.contains('@'));
        EmailSender {
            from: non_empty(&c.from).or(identity),
            reply_to: non_empty(&c.reply_to_email_address),
        }
    }
}

#[derive(Debug, Clone)]
pub struct OutgoingMessage {
    pub pool_id: String,
    pub username: String,
    pub channel: Channel,
    /// Email address or phone number.
    pub destination: String,
    /// Email subject (None for SMS).
    pub subject: Option<String>,
    /// The rendered text, which contains the code or temporary password.
    pub body: Secret<String>,
    /// The bare code or temporary password, for tests and custom senders.
    pub code: Option<Secret<String>>,
    pub purpose: Purpose,
    /// For email: the sender the pool asks for (filled in when the message is delivered).
    pub sender: EmailSender,
}

#[derive(Debug, thiserror::Error)]
#[error("message delivery failed: {0}")]
pub struct DeliveryError(pub String);

#[async_trait]
pub trait MessageSender: Send + Sync + 'static {
    async fn send(&self, message: &OutgoingMessage) -> Result<(), DeliveryError>;
}

/// Masks a destination as Cognito does in `CodeDeliveryDetails`: `a***@e***` for email,
/// `+*******1234` for phone numbers.
pub fn mask_destination(channel: Channel, destination: &str) -> String {
    match channel {
        Channel::Email => match destination.split_once('@') {
            Some((local, domain)) => {
                let l: String = local.chars().take(1).collect();
                let d: String = domain.chars().take(1).collect();
                format!("{l}***@{d}***")
            }
            None => "***".into(),
        },
        Channel::Sms => {
            let n = destination.chars().count();
            let tail: String = destination.chars().skip(n.saturating_sub(4)).collect();
            format!("+{}{tail}", "*".repeat(n.saturating_sub(5)))
        }
    }
}

/// Renders Cognito's message placeholders: `{####}` (code), `{username}`, and for the link
/// style `{##text##}` (kept as text here; the hosted UI issue adds links).
pub fn render(template: &str, code: &str, username: &str) -> String {
    template
        .replace("{####}", code)
        .replace("{username}", username)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sender_a_pool_asks_for() {
        use tessera_wire::idp::EmailConfigurationType;
        let sender = |c: EmailConfigurationType| EmailSender::of(Some(&c));
        assert_eq!(EmailSender::of(None), EmailSender::default());
        // From wins over the SES identity; ReplyToEmailAddress as given.
        let arn = "arn:aws:ses:us-east-1:123456789012:identity/noreply@example.org";
        let both = sender(EmailConfigurationType {
            from: Some("Team <team@example.org>".into()),
            source_arn: Some(arn.into()),
            reply_to_email_address: Some("help@example.org".into()),
            ..Default::default()
        });
        assert_eq!(both.from.as_deref(), Some("Team <team@example.org>"));
        assert_eq!(both.reply_to.as_deref(), Some("help@example.org"));
        let identity = sender(EmailConfigurationType {
            source_arn: Some(arn.into()),
            from: Some(" ".into()),
            ..Default::default()
        });
        assert_eq!(identity.from.as_deref(), Some("noreply@example.org"));
        assert_eq!(identity.reply_to, None);
        // A domain identity names no address: the deployment's sender.
        let domain = sender(EmailConfigurationType {
            source_arn: Some("arn:aws:ses:us-east-1:123456789012:identity/example.org".into()),
            ..Default::default()
        });
        assert_eq!(domain, EmailSender::default());
    }

    #[test]
    fn masks_like_cognito() {
        assert_eq!(
            mask_destination(Channel::Email, "alice@example.com"),
            "a***@e***"
        );
        assert_eq!(
            mask_destination(Channel::Sms, "+15551234567"),
            "+*******4567"
        );
    }

    #[test]
    fn renders_placeholders() {
        assert_eq!(
            render("Hi {username}, code {####}", "123456", "bob"),
            "Hi bob, code 123456"
        );
    }
}
