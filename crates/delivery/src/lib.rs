//! Message delivery adapters implementing `tessera_core::messages::MessageSender`.
//!
//! - [`outbox::Outbox`]: development delivery. Every message is appended to
//!   `<data-dir>/outbox.jsonl` and kept in memory for the admin outbox endpoint, so a person
//!   or a test can read the code that was "sent". Logs name the message, never its body.
//! - [`smtp::SmtpSender`]: email through an SMTP server (none / STARTTLS / implicit TLS).
//! - [`sms_webhook::SmsWebhookSender`]: text messages POSTed as signed JSON to a webhook.
//! - [`router::ChannelRouter`]: picks one of the above per channel, from [`router::DeliveryConfig`].
//!
//! Adapters never log or return a message body, a code, a password or a webhook secret.
//! Must not depend on the server or the store.

pub mod outbox;
pub mod router;
pub mod sms_webhook;
pub mod smtp;
pub mod triggers;

pub use router::{ChannelRouter, DeliveryConfig, EmailDelivery, SmsDelivery};
pub use sms_webhook::{SmsWebhookConfig, SmsWebhookSender};
pub use smtp::{SmtpConfig, SmtpSender, SmtpTls};
pub use triggers::{TriggerTarget, TriggerTargets};
