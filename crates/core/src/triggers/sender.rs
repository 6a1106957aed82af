//! CustomEmailSender and CustomSMSSender: when a pool names a sender function for a channel,
//! Tessera does not deliver that channel's messages itself; it hands the sender the code (or
//! temporary password) encrypted, and the sender delivers it however it likes.
//!
//! Cognito encrypts the code with the pool's `KMSKeyID` through the AWS Encryption SDK. Tessera
//! has no KMS: the deployment configures a 256-bit key for each `KMSKeyID` it serves
//! (`[[kms_key]]`), and `request.code` is `base64(nonce ‖ ciphertext ‖ tag)`, AES-256-GCM with
//! a random 96-bit nonce and no associated data (ADR 0013). A sender decrypts it with any AES-GCM
//! library; only the decryption call differs from a Lambda's.

use std::collections::HashMap;

use aws_lc_rs::aead::{AES_256_GCM, LessSafeKey, UnboundKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::json;

use super::{Firing, Trigger};
use crate::messages::{Channel, OutgoingMessage, Purpose};
use crate::secret::Secret;
use crate::store::{PoolRecord, UserRecord};
use crate::{CoreError, Tessera};

/// The keys that encrypt codes for custom senders, by the `KMSKeyID` a pool names.
#[derive(Default)]
pub struct SenderKeys(HashMap<String, LessSafeKey>);

impl std::fmt::Debug for SenderKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

impl SenderKeys {
    /// Keys by `KMSKeyID`; each must be 32 bytes.
    pub fn new(keys: HashMap<String, Secret<Vec<u8>>>) -> Result<Self, String> {
        let mut out = HashMap::new();
        for (id, key) in keys {
            let k = UnboundKey::new(&AES_256_GCM, key.expose())
                .map_err(|_| format!("kms_key {id}: the key must be 32 bytes"))?;
            out.insert(id, LessSafeKey::new(k));
        }
        Ok(SenderKeys(out))
    }

    /// Whether a key is configured for `id`.
    pub fn knows(&self, id: &str) -> bool {
        self.0.contains_key(id)
    }

    /// `base64(nonce || ciphertext || tag)`, no associated data.
    fn encrypt(&self, id: &str, code: &str, rng: &dyn crate::rand::Rng) -> Option<String> {
        let sealed = crate::sealing::seal_with(self.0.get(id)?, b"", code.as_bytes(), rng)?;
        Some(B64.encode(sealed))
    }
}

/// The KMSKeyID a pool's custom senders need when no key is configured for it.
pub fn missing_key(pool: &PoolRecord, keys: &SenderKeys) -> Option<String> {
    let senders = [Channel::Email, Channel::Sms]
        .into_iter()
        .any(|c| sender_for(pool, c).is_some());
    let id = pool
        .config
        .lambda_config
        .as_ref()
        .and_then(|c| c.kms_key_id.clone())
        .unwrap_or_default();
    (senders && !keys.knows(&id)).then_some(id)
}

/// The sender trigger a pool configures for a channel.
pub(crate) fn sender_for(pool: &PoolRecord, channel: Channel) -> Option<Trigger> {
    let t = match channel {
        Channel::Email => Trigger::CustomEmailSender,
        Channel::Sms => Trigger::CustomSmsSender,
    };
    t.target(pool).map(|_| t)
}

impl Tessera {
    /// Hands a message to the pool's custom sender for its channel. `Ok(false)`: the pool has
    /// none, deliver it normally.
    pub(crate) async fn custom_send(
        &self,
        pool: &PoolRecord,
        user: &UserRecord,
        message: &OutgoingMessage,
        metadata: &serde_json::Value,
    ) -> Result<bool, CoreError> {
        let Some(trigger) = sender_for(pool, message.channel) else {
            return Ok(false);
        };
        let name = trigger.name();
        let key_id = pool
            .config
            .lambda_config
            .as_ref()
            .and_then(|c| c.kms_key_id.as_deref())
            .unwrap_or_default();
        let code = message
            .code
            .as_ref()
            .map(|c| c.expose().as_str())
            .unwrap_or_default();
        let Some(encrypted) = self.sender_keys.encrypt(key_id, code, self.rng.as_ref()) else {
            tracing::warn!(pool_id = %pool.id, kms_key_id = %key_id, "no [[kms_key]] is configured for the pool's KMSKeyID");
            return Err(CoreError::UnexpectedLambda(format!(
                "{name} invocation failed: no key is configured for the user pool's KMSKeyID."
            )));
        };
        let kind = match message.channel {
            Channel::Email => "customEmailSenderRequestV1",
            Channel::Sms => "customSMSSenderRequestV1",
        };
        let source = format!("{name}_{}", purpose_name(message.purpose));
        let firing = Firing {
            trigger,
            source: &source,
            user_name: &user.username,
            client_id: None,
            request: json!({
                "type": kind,
                "code": encrypted,
                "clientMetadata": metadata,
                "userAttributes": super::user_attributes(user),
            }),
        };
        self.fire(pool, firing).await?;
        Ok(true)
    }
}

/// The trigger-source suffix of a message's purpose (`CustomMessage_SignUp`, ...).
pub(crate) fn purpose_name(p: Purpose) -> &'static str {
    match p {
        Purpose::SignUp => "SignUp",
        Purpose::ResendCode => "ResendCode",
        Purpose::ForgotPassword => "ForgotPassword",
        Purpose::AdminCreateUser => "AdminCreateUser",
        Purpose::VerifyUserAttribute => "VerifyUserAttribute",
        Purpose::UpdateUserAttribute => "UpdateUserAttribute",
        Purpose::Authentication => "Authentication",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use aws_lc_rs::aead::{Aad, NONCE_LEN, Nonce};

    use super::*;

    #[test]
    fn code_opens_with_the_configured_key() {
        let key = vec![7u8; 32];
        let keys = SenderKeys::new(HashMap::from([(
            "arn:aws:kms:eu-west-1:123456789012:key/k".to_string(),
            Secret::new(key.clone()),
        )]))
        .unwrap();
        let rng = crate::rand::SystemRng;
        let sealed = keys
            .encrypt("arn:aws:kms:eu-west-1:123456789012:key/k", "123456", &rng)
            .unwrap();
        let raw = B64.decode(sealed).unwrap();
        let (nonce, body) = raw.split_at(NONCE_LEN);
        let k = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &key).unwrap());
        let mut body = body.to_vec();
        let plain = k
            .open_in_place(
                Nonce::try_assume_unique_for_key(nonce).unwrap(),
                Aad::empty(),
                &mut body,
            )
            .unwrap();
        assert_eq!(plain, b"123456");
        assert!(keys.encrypt("other", "123456", &rng).is_none());
        assert!(SenderKeys::new(HashMap::from([("x".into(), Secret::new(vec![1; 16]))])).is_err());
    }
}
