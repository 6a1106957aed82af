//! Administrator operations on users (all SigV4-signed on the wire).

use std::collections::BTreeMap;

use tessera_wire::idp::{
    AdminCreateUserRequest, AdminGetUserResponse, AdminUpdateUserAttributesRequest,
    PasswordPolicyType, UserType,
};

use super::attributes::{self, Writer};
use super::codes::{Delivery, FORGOT_PASSWORD, RESET_TTL_MS};
use super::{
    attribute_list, password, refresh_aliases, status, user_not_found, user_type,
    username_attributes, username_key,
};
use crate::messages::{Channel, OutgoingMessage, Purpose, render};
use crate::secret::Secret;
use crate::store::{ChangeKind, PoolRecord, UserRecord};
use crate::{CoreError, Tessera};

impl Tessera {
    pub(crate) fn password_policy(&self, pool: &PoolRecord) -> PasswordPolicyType {
        pool.config
            .policies
            .as_ref()
            .and_then(|p| p.password_policy.clone())
            .unwrap_or_default()
    }

    /// Builds a new user record with a random `sub`. With username attributes the given name
    /// is an email or phone number, stored as that attribute, and the username becomes the
    /// `sub`.
    pub(crate) fn new_user(
        &self,
        pool: &PoolRecord,
        given: &str,
        attrs: BTreeMap<String, String>,
        user_status: &str,
    ) -> Result<UserRecord, CoreError> {
        let sub = crate::rand::uuid_v4(self.rng.as_ref());
        self.new_user_with_sub(pool, given, attrs, user_status, sub)
    }

    /// [`Self::new_user`] for a user created in bulk (an import job, `tessera users import`):
    /// a time-ordered `sub`, so a batch's rows share the primary key's last pages instead of
    /// dirtying one random page each (ADR 0023).
    pub(crate) fn new_imported_user(
        &self,
        pool: &PoolRecord,
        given: &str,
        attrs: BTreeMap<String, String>,
        user_status: &str,
    ) -> Result<UserRecord, CoreError> {
        let sub = crate::rand::uuid_v7(self.clock.now_millis(), self.rng.as_ref());
        self.new_user_with_sub(pool, given, attrs, user_status, sub)
    }

    fn new_user_with_sub(
        &self,
        pool: &PoolRecord,
        given: &str,
        mut attrs: BTreeMap<String, String>,
        user_status: &str,
        sub: String,
    ) -> Result<UserRecord, CoreError> {
        let by_attribute = username_attributes(pool);
        let username = if by_attribute.is_empty() {
            if super::alias_attributes(pool).iter().any(|a| a == "email")
                && attributes::looks_like_email(given)
            {
                return Err(CoreError::InvalidParameter(
                    "Username cannot be of email format, since user pool is configured for email alias.".into(),
                ));
            }
            if super::alias_attributes(pool)
                .iter()
                .any(|a| a == "phone_number")
                && attributes::looks_like_phone(given)
            {
                return Err(CoreError::InvalidParameter(
                    "Username cannot be of phone number format, since user pool is configured for phone_number alias."
                        .into(),
                ));
            }
            given.to_string()
        } else {
            let as_email =
                by_attribute.iter().any(|a| a == "email") && attributes::looks_like_email(given);
            let as_phone = by_attribute.iter().any(|a| a == "phone_number")
                && attributes::looks_like_phone(given);
            if as_email {
                attrs.insert("email".into(), given.to_string());
            } else if as_phone {
                attrs.insert("phone_number".into(), given.to_string());
            } else {
                return Err(attributes::username_refusal(by_attribute));
            }
            sub.clone()
        };
        let now = self.clock.now_millis();
        let mut user = UserRecord {
            pool_id: pool.id.clone(),
            sub,
            username_key: username_key(pool, &username),
            username,
            status: user_status.into(),
            enabled: true,
            attributes: attrs,
            alias_email: None,
            alias_phone: None,
            alias_preferred_username: None,
            password_hash: None,
            password_set_ms: None,
            extra: serde_json::json!({}),
            created_ms: now,
            modified_ms: now,
            version: 1,
        };
        refresh_aliases(pool, &mut user);
        Ok(user)
    }

    /// Sets a new password (policy and history checked by the caller / here) and a status.
    pub(crate) async fn set_password(
        &self,
        pool: &PoolRecord,
        username: &str,
        new: &str,
        new_status: &str,
    ) -> Result<UserRecord, CoreError> {
        let policy = self.password_policy(pool);
        password::check_policy(&policy, new)?;
        let user = self.require_user(pool, username).await?;
        let history_size = policy.password_history_size.unwrap_or(0).max(0) as usize;
        let history: Vec<String> = user.extra["password_history"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        if history_size > 0 {
            let recent = user
                .password_hash
                .iter()
                .map(|h| h.expose().clone())
                .chain(history.iter().cloned());
            for h in recent.take(history_size) {
                if password::verify(new, &Secret::new(h)).await? {
                    return Err(CoreError::InvalidPassword(
                        "Password did not conform with policy: Password has previously been used"
                            .into(),
                    ));
                }
            }
        }
        let creds = self.credentials(&pool.id, &user.username, new).await?;
        let now = self.clock.now_millis();
        self.modify_user(pool, &user.username, |u| {
            if history_size > 0 {
                let mut h: Vec<String> =
                    u.password_hash.iter().map(|p| p.expose().clone()).collect();
                h.extend(history.iter().cloned());
                h.truncate(history_size);
                u.extra["password_history"] = serde_json::json!(h);
            }
            creds.apply(u, now);
            u.status = new_status.into();
            Ok(())
        })
        .await
    }

    /// `AdminCreateUser`.
    pub async fn admin_create_user(
        &self,
        req: AdminCreateUserRequest,
    ) -> Result<UserType, CoreError> {
        let pool = self.load_pool(&req.user_pool_id).await?;
        let policy = self.password_policy(&pool);
        let resend = req.message_action.as_deref() == Some("RESEND");
        let suppress = req.message_action.as_deref() == Some("SUPPRESS");
        let temporary = match &req.temporary_password {
            Some(p) => {
                password::check_policy(&policy, p)?;
                p.clone()
            }
            None => password::generate(&policy, self.rng.as_ref()),
        };
        let user = if resend {
            let existing = self.require_user(&pool, &req.username).await?;
            if existing.status != status::FORCE_CHANGE_PASSWORD {
                return Err(CoreError::UnsupportedUserState(format!(
                    "Resend not possible. {} status is {} instead of FORCE_CHANGE_PASSWORD",
                    existing.username, existing.status
                )));
            }
            let now = self.clock.now_millis();
            let creds = self
                .credentials(&pool.id, &existing.username, &temporary)
                .await?;
            self.modify_user(&pool, &existing.username, |u| {
                creds.apply(u, now);
                Ok(())
            })
            .await?
        } else {
            let attrs = attributes::check(
                &pool,
                req.user_attributes.as_deref().unwrap_or_default(),
                Writer::Admin,
                None,
            )?;
            let mut user =
                self.new_user(&pool, &req.username, attrs, status::FORCE_CHANGE_PASSWORD)?;
            attributes::check_required(&pool, &user.attributes)?;
            // PreSignUp may refuse the user (its auto-confirm answers do not apply here).
            let firing = crate::triggers::Firing {
                trigger: crate::triggers::Trigger::PreSignUp,
                source: "PreSignUp_AdminCreateUser",
                user_name: &user.username,
                client_id: None,
                request: crate::triggers::sign_up_request(
                    &user,
                    req.validation_data.as_deref(),
                    req.client_metadata.as_ref(),
                ),
            };
            self.fire(&pool, firing).await?;
            let created = user.created_ms;
            self.credentials(&pool.id, &user.username, &temporary)
                .await?
                .apply(&mut user, created);
            self.insert_user_or(&user, "User account already exists")
                .await?;
            user
        };
        if !suppress {
            self.send_invitation(
                &pool,
                &user,
                &temporary,
                req.desired_delivery_mediums.as_deref(),
                req.client_metadata.as_ref(),
            )
            .await?;
        }
        Ok(user_type(&user, None))
    }

    async fn send_invitation(
        &self,
        pool: &PoolRecord,
        user: &UserRecord,
        temporary: &str,
        mediums: Option<&[String]>,
        metadata: Option<&std::collections::HashMap<String, String>>,
    ) -> Result<(), CoreError> {
        let mediums = mediums
            .map(<[String]>::to_vec)
            .unwrap_or_else(|| vec!["EMAIL".into()]);
        let template = pool
            .config
            .admin_create_user_config
            .as_ref()
            .and_then(|c| c.invite_message_template.clone())
            .unwrap_or_default();
        let username = &user.username;
        let mut sent = false;
        for medium in mediums {
            let (channel, attr) = if medium == "SMS" {
                (Channel::Sms, "phone_number")
            } else {
                (Channel::Email, "email")
            };
            let Some(destination) = user.attributes.get(attr) else {
                continue;
            };
            let (subject, text) = match channel {
                Channel::Email => (
                    Some(
                        template
                            .email_subject
                            .clone()
                            .unwrap_or_else(|| "Your temporary password".into()),
                    ),
                    template.email_message.clone().unwrap_or_else(|| {
                        "Your username is {username} and temporary password is {####}. ".into()
                    }),
                ),
                Channel::Sms => (
                    None,
                    template.sms_message.clone().unwrap_or_else(|| {
                        "Your username is {username} and temporary password is {####}. ".into()
                    }),
                ),
            };
            let delivery = Delivery::new(channel, attr, destination).with_metadata(metadata);
            let (subject, text) = self
                .custom_message(
                    pool,
                    user,
                    Purpose::AdminCreateUser,
                    &delivery,
                    subject,
                    text,
                )
                .await?;
            let message = OutgoingMessage {
                pool_id: pool.id.clone(),
                username: username.clone(),
                channel,
                destination: destination.clone(),
                subject,
                body: Secret::new(render(&text, temporary, username)),
                code: Some(Secret::new(temporary.to_string())),
                purpose: Purpose::AdminCreateUser,
                sender: Default::default(),
            };
            self.deliver(pool, user, message, &delivery.metadata)
                .await?;
            sent = true;
        }
        if !sent {
            tracing::info!(pool_id = %pool.id, "no invitation sent: the user has no address for the requested medium");
        }
        Ok(())
    }

    /// `AdminGetUser`.
    pub async fn admin_get_user(
        &self,
        pool_id: &str,
        username: &str,
    ) -> Result<AdminGetUserResponse, CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let u = self.require_user(&pool, username).await?;
        let (mfa_options, preferred_mfa_setting, user_mfa_setting_list) =
            crate::mfa::user_settings(&u);
        Ok(AdminGetUserResponse {
            username: u.username.clone(),
            user_attributes: Some(attribute_list(&u, None)),
            user_create_date: Some(u.created_ms as f64 / 1000.0),
            user_last_modified_date: Some(u.modified_ms as f64 / 1000.0),
            enabled: Some(u.enabled),
            user_status: Some(u.status.clone()),
            mfa_options,
            preferred_mfa_setting,
            user_mfa_setting_list,
        })
    }

    /// `AdminDeleteUser`.
    pub async fn admin_delete_user(&self, pool_id: &str, username: &str) -> Result<(), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let u = self.require_user(&pool, username).await?;
        self.revoke_user(&pool.id, &u.sub).await?;
        if !self.store.delete_user(&pool.id, &u.sub).await? {
            return Err(user_not_found());
        }
        self.changed(ChangeKind::User, &pool.id, &u.sub).await
    }

    /// `AdminEnableUser` / `AdminDisableUser`.
    pub async fn admin_set_enabled(
        &self,
        pool_id: &str,
        username: &str,
        enabled: bool,
    ) -> Result<(), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let user = self
            .modify_user(&pool, username, |u| {
                u.enabled = enabled;
                Ok(())
            })
            .await?;
        // "Disabling a user revokes their refresh and access tokens."
        if !enabled {
            self.revoke_user(&pool.id, &user.sub).await?;
        }
        Ok(())
    }

    /// `AdminConfirmSignUp`.
    pub async fn admin_confirm_sign_up(
        &self,
        pool_id: &str,
        username: &str,
        metadata: Option<&std::collections::HashMap<String, String>>,
    ) -> Result<(), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let confirmed = self
            .modify_user(&pool, username, |u| {
                if u.status != status::UNCONFIRMED {
                    return Err(CoreError::NotAuthorized(format!(
                        "User cannot be confirmed. Current status is {}",
                        u.status
                    )));
                }
                u.status = status::CONFIRMED.into();
                Ok(())
            })
            .await?;
        let firing = crate::triggers::Firing {
            trigger: crate::triggers::Trigger::PostConfirmation,
            source: "PostConfirmation_ConfirmSignUp",
            user_name: &confirmed.username,
            client_id: None,
            request: serde_json::json!({
                "userAttributes": crate::triggers::user_attributes(&confirmed),
                "clientMetadata": metadata.cloned().unwrap_or_default(),
            }),
        };
        self.fire(&pool, firing).await?;
        Ok(())
    }

    /// `AdminUpdateUserAttributes`. Changing an auto-verified email or phone number marks it
    /// unverified (unless the call sets `*_verified` itself) and sends a verification code.
    pub async fn admin_update_user_attributes(
        &self,
        req: AdminUpdateUserAttributesRequest,
    ) -> Result<(), CoreError> {
        let pool = self.load_pool(&req.user_pool_id).await?;
        let current = self.require_user(&pool, &req.username).await?;
        self.update_attributes(
            &pool,
            &current,
            &req.user_attributes,
            Writer::Admin,
            req.client_metadata.as_ref(),
        )
        .await?;
        Ok(())
    }

    /// Applies attribute changes (admin or the user's own) and sends the verification codes
    /// they call for; returns where the codes went.
    pub(crate) async fn update_attributes(
        &self,
        pool: &PoolRecord,
        current: &UserRecord,
        given: &[tessera_wire::idp::AttributeType],
        writer: Writer<'_>,
        metadata: Option<&std::collections::HashMap<String, String>>,
    ) -> Result<Vec<tessera_wire::idp::CodeDeliveryDetailsType>, CoreError> {
        let pool = pool.clone();
        let changes = attributes::check(&pool, given, writer, Some(current))?;
        let auto = pool
            .config
            .auto_verified_attributes
            .clone()
            .unwrap_or_default();
        // With AttributesRequireVerificationBeforeUpdate, a changed email or phone number
        // stays as it was until the new value is verified (VerifyUserAttribute); the new
        // value waits in `extra.pending_attributes`. Setting `*_verified` in the same call
        // applies it at once, as in Cognito.
        let wait_for_verification = pool
            .config
            .user_attribute_update_settings
            .as_ref()
            .and_then(|s| s.attributes_require_verification_before_update.clone())
            .unwrap_or_default();
        let mut to_verify = Vec::new();
        let mut pending = Vec::new();
        for a in ["email", "phone_number"] {
            let changed = changes
                .get(a)
                .is_some_and(|v| current.attributes.get(a) != Some(v));
            if changed
                && !changes.contains_key(&format!("{a}_verified"))
                && auto.iter().any(|x| x == a)
            {
                to_verify.push(a);
                if wait_for_verification.iter().any(|x| x == a)
                    && current.attributes.contains_key(a)
                {
                    pending.push(a);
                }
            }
        }
        let updated = self
            .modify_user(&pool, &current.username, |u| {
                for (k, v) in &changes {
                    if pending.contains(&k.as_str()) {
                        u.extra["pending_attributes"][k.as_str()] = serde_json::json!(v);
                    } else {
                        u.attributes.insert(k.clone(), v.clone());
                    }
                }
                for a in &to_verify {
                    if !pending.contains(a) {
                        u.attributes.insert(format!("{a}_verified"), "false".into());
                    }
                }
                Ok(())
            })
            .await?;
        let mut sent = Vec::new();
        for a in to_verify {
            // The code goes to the new value, pending or applied.
            if let Some(dest) = changes.get(a) {
                let channel = if a == "email" {
                    Channel::Email
                } else {
                    Channel::Sms
                };
                let delivery = Delivery::new(channel, a, dest).with_metadata(metadata);
                self.issue_code(
                    &pool,
                    &updated,
                    &format!("verify:{a}"),
                    Purpose::UpdateUserAttribute,
                    &delivery,
                    super::codes::CONFIRMATION_TTL_MS,
                )
                .await?;
                sent.push(delivery.details());
            }
        }
        Ok(sent)
    }

    /// `AdminDeleteUserAttributes`: required attributes cannot be removed.
    pub async fn admin_delete_user_attributes(
        &self,
        pool_id: &str,
        username: &str,
        names: &[String],
    ) -> Result<(), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        self.delete_attributes(&pool, username, names).await
    }

    /// Removes attributes (required ones cannot be removed).
    pub(crate) async fn delete_attributes(
        &self,
        pool: &PoolRecord,
        username: &str,
        names: &[String],
    ) -> Result<(), CoreError> {
        attributes::check_deletable(pool, names)?;
        self.modify_user(pool, username, |u| {
            for n in names {
                u.attributes.remove(n);
                if n == "email" || n == "phone_number" {
                    u.attributes.remove(&format!("{n}_verified"));
                }
            }
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// `AdminSetUserPassword`: permanent → CONFIRMED, else FORCE_CHANGE_PASSWORD.
    pub async fn admin_set_user_password(
        &self,
        pool_id: &str,
        username: &str,
        password: &str,
        permanent: bool,
    ) -> Result<(), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let st = if permanent {
            status::CONFIRMED
        } else {
            status::FORCE_CHANGE_PASSWORD
        };
        self.set_password(&pool, username, password, st).await?;
        Ok(())
    }

    /// `AdminResetUserPassword`: the user must reset with a code sent to a verified address.
    pub async fn admin_reset_user_password(
        &self,
        pool_id: &str,
        username: &str,
        metadata: Option<&std::collections::HashMap<String, String>>,
    ) -> Result<(), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let user = self.require_user(&pool, username).await?;
        if !user.enabled {
            return Err(CoreError::NotAuthorized("User is disabled.".into()));
        }
        if user.status == status::FORCE_CHANGE_PASSWORD {
            return Err(super::signup::cannot_reset_in_current_state());
        }
        let delivery = Self::recovery_target(&pool, &user)
            .ok_or_else(|| {
                CoreError::InvalidParameter(
                    "Cannot reset password for the user as there is no registered/verified email or phone_number".into(),
                )
            })?
            .with_metadata(metadata);
        let user = self
            .modify_user(&pool, &user.username, |u| {
                u.status = status::RESET_REQUIRED.into();
                Ok(())
            })
            .await?;
        self.issue_code(
            &pool,
            &user,
            FORGOT_PASSWORD,
            Purpose::ForgotPassword,
            &delivery,
            RESET_TTL_MS,
        )
        .await
    }
}
