//! One-time codes: six random digits, stored hashed, single use, expiring, with a bounded
//! number of wrong attempts (then `LimitExceededException`, as Cognito answers).

use aws_lc_rs::digest;

use crate::messages::{Channel, EmailSender, OutgoingMessage, Purpose, mask_destination, render};
use crate::rand::random_string;
use crate::secret::Secret;
use crate::store::{CodeAttempt, CodeRecord, PoolRecord, UserRecord};
use crate::{CoreError, Tessera};

/// Sign-up confirmation and attribute verification codes live 24 hours.
pub const CONFIRMATION_TTL_MS: i64 = 24 * 3600 * 1000;
/// Password reset codes live one hour.
pub const RESET_TTL_MS: i64 = 3600 * 1000;
/// Wrong guesses allowed before the code is refused outright.
pub const MAX_ATTEMPTS: i64 = 5;

pub const SIGNUP: &str = "signup";
pub const FORGOT_PASSWORD: &str = "forgot_password";

fn digest_code(pool_id: &str, sub: &str, purpose: &str, code: &str) -> String {
    let input = format!("{pool_id}\u{0}{sub}\u{0}{purpose}\u{0}{code}");
    hex::encode(digest::digest(&digest::SHA256, input.as_bytes()))
}

/// Where a code goes, as `CodeDeliveryDetails` reports it.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub channel: Channel,
    pub attribute: String,
    pub destination: String,
    /// The request's ClientMetadata, for CustomMessage and the custom senders.
    pub metadata: serde_json::Value,
}

impl Delivery {
    pub fn new(channel: Channel, attribute: &str, destination: &str) -> Self {
        Delivery {
            channel,
            attribute: attribute.into(),
            destination: destination.into(),
            metadata: serde_json::json!({}),
        }
    }

    /// With the request's ClientMetadata (for the triggers the message fires).
    pub fn with_metadata(mut self, m: Option<&std::collections::HashMap<String, String>>) -> Self {
        if let Some(m) = m {
            self.metadata = serde_json::json!(m);
        }
        self
    }

    pub fn details(&self) -> tessera_wire::idp::CodeDeliveryDetailsType {
        tessera_wire::idp::CodeDeliveryDetailsType {
            destination: Some(mask_destination(self.channel, &self.destination)),
            delivery_medium: Some(match self.channel {
                Channel::Email => "EMAIL".into(),
                Channel::Sms => "SMS".into(),
            }),
            attribute_name: Some(self.attribute.clone()),
        }
    }
}

/// The pool's verification message for a channel: (subject, template).
fn verification_template(pool: &PoolRecord, channel: Channel) -> (Option<String>, String) {
    let t = pool
        .config
        .verification_message_template
        .clone()
        .unwrap_or_default();
    match channel {
        Channel::Email => (
            Some(
                t.email_subject
                    .unwrap_or_else(|| "Your verification code".into()),
            ),
            t.email_message
                .unwrap_or_else(|| "Your verification code is {####}. ".into()),
        ),
        Channel::Sms => (
            None,
            t.sms_message
                .unwrap_or_else(|| "Your verification code is {####}. ".into()),
        ),
    }
}

impl Tessera {
    /// Creates a code, stores its hash and sends it.
    pub(crate) async fn issue_code(
        &self,
        pool: &PoolRecord,
        user: &UserRecord,
        purpose_key: &str,
        purpose: Purpose,
        delivery: &Delivery,
        ttl_ms: i64,
    ) -> Result<(), CoreError> {
        let (subject, template) = verification_template(pool, delivery.channel);
        self.issue_code_with(
            pool,
            user,
            purpose_key,
            purpose,
            delivery,
            ttl_ms,
            subject,
            template,
        )
        .await
    }

    /// [`Tessera::issue_code`] with the message's subject and template given.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn issue_code_with(
        &self,
        pool: &PoolRecord,
        user: &UserRecord,
        purpose_key: &str,
        purpose: Purpose,
        delivery: &Delivery,
        ttl_ms: i64,
        subject: Option<String>,
        template: String,
    ) -> Result<(), CoreError> {
        // CustomMessage may rewrite the message around the code (before anything is stored).
        let (subject, template) = self
            .custom_message(pool, user, purpose, delivery, subject, template)
            .await?;
        let code = random_string(self.rng.as_ref(), b"0123456789", 6);
        let now = self.clock.now_millis();
        self.store
            .put_code(&CodeRecord {
                pool_id: pool.id.clone(),
                sub: user.sub.clone(),
                purpose: purpose_key.to_string(),
                code_hash: digest_code(&pool.id, &user.sub, purpose_key, &code),
                expires_ms: now + ttl_ms,
                attempts: 0,
                created_ms: now,
            })
            .await?;
        let message = OutgoingMessage {
            pool_id: pool.id.clone(),
            username: user.username.clone(),
            channel: delivery.channel,
            destination: delivery.destination.clone(),
            subject,
            body: Secret::new(render(&template, &code, &user.username)),
            code: Some(Secret::new(code)),
            purpose,
            sender: Default::default(),
        };
        self.deliver(pool, user, message, &delivery.metadata).await
    }

    /// Sends a message: through the pool's custom sender for its channel when it names one,
    /// else through the configured delivery.
    pub(crate) async fn deliver(
        &self,
        pool: &PoolRecord,
        user: &UserRecord,
        mut message: OutgoingMessage,
        metadata: &serde_json::Value,
    ) -> Result<(), CoreError> {
        if message.channel == Channel::Email {
            // The pool this site reads: a secondary Region's own EmailConfiguration included.
            message.sender = EmailSender::of(pool.config.email_configuration.as_ref());
        }
        if self.custom_send(pool, user, &message, metadata).await? {
            return Ok(());
        }
        self.messages.send(&message).await.map_err(|e| {
            tracing::warn!(pool_id = %message.pool_id, error = %e, "message delivery failed");
            CoreError::CodeDeliveryFailure("Unable to deliver the message.".into())
        })
    }

    /// Checks a code; on success the code is consumed. The attempt is counted before the
    /// comparison and the code is taken by one conditional delete, so of parallel requests
    /// with the right code exactly one succeeds, and N parallel guesses cost N attempts
    /// (docs/adr/0014).
    pub(crate) async fn redeem_code(
        &self,
        pool: &PoolRecord,
        user: &UserRecord,
        purpose_key: &str,
        code: &str,
    ) -> Result<(), CoreError> {
        let mismatch = || {
            CoreError::CodeMismatch("Invalid verification code provided, please try again.".into())
        };
        let used =
            || CoreError::ExpiredCode("Invalid code provided, please request a code again.".into());
        let exceeded = || {
            CoreError::LimitExceeded("Attempt limit exceeded, please try after some time.".into())
        };
        let stored = match self
            .store
            .reserve_code_attempt(&pool.id, &user.sub, purpose_key, MAX_ATTEMPTS)
            .await?
        {
            CodeAttempt::Reserved(stored) => stored,
            CodeAttempt::Exhausted => return Err(exceeded()),
            // Used already (or never sent): Cognito answers a used code this way.
            CodeAttempt::Missing => return Err(used()),
        };
        if self.clock.now_millis() > stored.expires_ms {
            return Err(used());
        }
        let given = digest_code(&pool.id, &user.sub, purpose_key, code);
        if aws_lc_rs::constant_time::verify_slices_are_equal(
            given.as_bytes(),
            stored.code_hash.as_bytes(),
        )
        .is_err()
        {
            return Err(if stored.attempts >= MAX_ATTEMPTS {
                exceeded()
            } else {
                mismatch()
            });
        }
        // The right code: the one request whose delete removes it wins; the others find it
        // used, as a later request would.
        if !self
            .store
            .consume_code(&pool.id, &user.sub, purpose_key, &stored.code_hash)
            .await?
        {
            return Err(used());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn digests_differ_by_purpose_and_code() {
        let a = super::digest_code("p", "s", "signup", "123456");
        assert_ne!(a, super::digest_code("p", "s", "forgot_password", "123456"));
        assert_ne!(a, super::digest_code("p", "s", "signup", "123457"));
        assert_eq!(a.len(), 64);
    }
}
