//! A source pool's user as a user record here: their username and `sub` kept, the
//! attributes this pool knows, the status, the enabled flag and SMS/email MFA settings.

use serde_json::{Value, json};
use tessera_wire::idp::{AdminGetUserResponse, AttributeType};

use super::unavailable;
use crate::store::{PoolRecord, UserRecord};
use crate::users::attributes::{self, Writer};
use crate::users::{refresh_aliases, status, username_attributes, username_key};
use crate::{CoreError, Tessera};

/// What the source says of a user (AdminGetUser, or one entry of ListUsers).
pub(crate) struct SourceUser {
    pub(crate) username: String,
    pub(super) attributes: Vec<AttributeType>,
    pub(super) status: String,
    pub(super) enabled: bool,
    /// `UserMFASettingList` (ListUsers has only the legacy `MFAOptions`: SMS).
    pub(super) factors: Vec<String>,
    pub(super) preferred: Option<String>,
}

impl SourceUser {
    pub(super) fn from_admin(got: AdminGetUserResponse) -> Self {
        SourceUser {
            username: got.username,
            attributes: got.user_attributes.unwrap_or_default(),
            status: got.user_status.unwrap_or_else(|| status::CONFIRMED.into()),
            enabled: got.enabled.unwrap_or(true),
            factors: got.user_mfa_setting_list.unwrap_or_default(),
            preferred: got.preferred_mfa_setting,
        }
    }

    /// A `UserType` of ListUsers or ListUsersInGroup.
    pub(super) fn from_listed(u: &Value) -> Option<Self> {
        let attributes: Vec<AttributeType> =
            serde_json::from_value(u["Attributes"].clone()).unwrap_or_default();
        let sms = u["MFAOptions"]
            .as_array()
            .is_some_and(|o| o.iter().any(|m| m["DeliveryMedium"] == "SMS"));
        Some(SourceUser {
            username: u["Username"].as_str()?.to_owned(),
            attributes,
            status: u["UserStatus"]
                .as_str()
                .unwrap_or(status::CONFIRMED)
                .to_owned(),
            enabled: u["Enabled"].as_bool().unwrap_or(true),
            factors: if sms { vec!["SMS_MFA".into()] } else { vec![] },
            preferred: None,
        })
    }

    /// The user's SMS and email MFA settings as the source has them (TOTP cannot move:
    /// Cognito never reveals its secret, so it is recorded for the user to set up again).
    pub(super) fn apply_mfa(&self, user: &mut UserRecord) {
        let mut mfa = user.extra["mfa"].as_object().cloned().unwrap_or_default();
        for (factor, key) in [("SMS_MFA", "sms"), ("EMAIL_OTP", "email")] {
            if self.factors.iter().any(|f| f == factor) {
                let preferred = self.preferred.as_deref() == Some(factor);
                mfa.insert(
                    key.into(),
                    json!({ "enabled": true, "preferred": preferred }),
                );
            } else {
                mfa.remove(key);
            }
        }
        user.extra["mfa"] = Value::Object(mfa);
        user.extra["migration"]["totpLost"] =
            json!(self.factors.iter().any(|f| f == "SOFTWARE_TOKEN_MFA"));
    }

    pub(crate) fn sub(&self) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.name == "sub")
            .and_then(|a| a.value.as_deref())
    }
}

impl Tessera {
    /// The record for a source user brought in `via` a sign-in (with the password set by the
    /// caller), a ForgotPassword or the bulk copy (no password yet: *pending* until the first
    /// password sign-in asks the source), with the source's status. `None` for users who
    /// cannot sign in with a password here: federated ones, and those who have not confirmed
    /// their sign-up at the source (their code was sent from there; a password sign-in
    /// answers UserNotConfirmedException until they confirm there).
    pub(super) fn user_from_source(
        &self,
        pool: &PoolRecord,
        source_pool_id: &str,
        got: &SourceUser,
        via: &str,
    ) -> Result<Option<UserRecord>, CoreError> {
        let source_status = got.status.as_str();
        let user_status = match source_status {
            status::FORCE_CHANGE_PASSWORD => status::FORCE_CHANGE_PASSWORD,
            status::RESET_REQUIRED => status::RESET_REQUIRED,
            status::CONFIRMED => status::CONFIRMED,
            _ => return Ok(None),
        };
        let attrs: Vec<AttributeType> = got
            .attributes
            .iter()
            .filter(|a| a.name != "sub" && attributes::is_known(pool, &a.name))
            .cloned()
            .collect();
        let checked = attributes::check(pool, &attrs, Writer::Admin, None).map_err(|e| {
            unavailable(&format!(
                "the source user's attributes do not fit this pool: {e}"
            ))
        })?;
        let by_attribute = username_attributes(pool);
        let name = if by_attribute.is_empty() {
            Some(got.username.as_str())
        } else {
            by_attribute
                .iter()
                .find_map(|a| checked.get(a.as_str()).map(String::as_str))
        };
        let Some(name) = name else {
            return Err(unavailable(
                "the source user has none of this pool's username attributes",
            ));
        };
        let mut user = self.new_user(pool, name, checked.clone(), user_status)?;
        if let Some(sub) = got.sub() {
            if !by_attribute.is_empty() {
                // The username of a pool with username attributes is the user's sub.
                user.username = got.username.clone();
                user.username_key = username_key(pool, &user.username);
            }
            user.sub = sub.to_owned();
        }
        user.enabled = got.enabled;
        user.extra["migration"] = json!({
            "source": source_pool_id,
            "sourceStatus": source_status,
            "via": via,
            "pending": via != "sign_in",
        });
        got.apply_mfa(&mut user);
        refresh_aliases(pool, &mut user);
        Ok(Some(user))
    }
}
