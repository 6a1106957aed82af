//! Self-service flows through an app client: SignUp, ConfirmSignUp, ResendConfirmationCode,
//! ForgotPassword, ConfirmForgotPassword. With the client's PreventUserExistenceErrors
//! ENABLED, answers do not reveal whether a user exists.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use tessera_wire::idp::{
    CodeDeliveryDetailsType, ConfirmForgotPasswordRequest, ConfirmSignUpRequest,
    ForgotPasswordRequest, ResendConfirmationCodeRequest, SignUpRequest, SignUpResponse,
};

use super::attributes::{self, Writer};
use super::codes::{CONFIRMATION_TTL_MS, Delivery, FORGOT_PASSWORD, RESET_TTL_MS, SIGNUP};
use super::{account_exists, client_user_not_found, conflicting_alias, password, status};
use crate::messages::{Channel, Purpose};
use crate::migration::FromSource;
use crate::store::{ClientRecord, PoolRecord, StoreError, UserRecord};
use crate::{CoreError, Tessera};

/// `SECRET_HASH` = Base64(HMAC-SHA256(client secret, username + client id)).
pub fn secret_hash(client_secret: &str, username: &str, client_id: &str) -> String {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, client_secret.as_bytes());
    let tag = aws_lc_rs::hmac::sign(&key, format!("{username}{client_id}").as_bytes());
    STANDARD.encode(tag.as_ref())
}

/// Whether the client hides which users exist.
pub(crate) fn hides_users(client: &ClientRecord) -> bool {
    client.config.prevent_user_existence_errors.as_deref() == Some("ENABLED")
}

impl Tessera {
    /// Resolves an app client and its pool, checking `SECRET_HASH` when the client has a secret.
    /// An unknown client is `ResourceNotFoundException` "User pool client <id> does not exist.",
    /// as Cognito answers SignUp and the other unsigned calls (docs/fidelity.md, issue 19).
    pub(crate) async fn app_client(
        &self,
        client_id: &str,
        username: &str,
        given_hash: Option<&str>,
    ) -> Result<(ClientRecord, PoolRecord), CoreError> {
        let client = self.read_client(client_id).await?.ok_or_else(|| {
            CoreError::ResourceNotFound(format!("User pool client {client_id} does not exist."))
        })?;
        Self::check_secret_hash(&client, username, given_hash)?;
        let pool = self.load_pool(&client.pool_id).await?;
        Ok((client, pool))
    }

    /// Where the pool sends a new user's confirmation code: the auto-verified attribute the
    /// user has (phone first, as Cognito prefers SMS when both are auto-verified).
    pub(crate) fn verification_target(pool: &PoolRecord, user: &UserRecord) -> Option<Delivery> {
        let auto = pool
            .config
            .auto_verified_attributes
            .clone()
            .unwrap_or_default();
        for (attr, channel) in [("phone_number", Channel::Sms), ("email", Channel::Email)] {
            if auto.iter().any(|a| a == attr)
                && let Some(v) = user.attributes.get(attr).filter(|v| !v.is_empty())
            {
                return Some(Delivery::new(channel, attr, v));
            }
        }
        None
    }

    /// `SignUp`.
    pub async fn sign_up(&self, req: SignUpRequest) -> Result<SignUpResponse, CoreError> {
        let (client, pool) = self
            .app_client(&req.client_id, &req.username, req.secret_hash.as_deref())
            .await?;
        if pool
            .config
            .admin_create_user_config
            .as_ref()
            .and_then(|c| c.allow_admin_create_user_only)
            == Some(true)
        {
            return Err(CoreError::NotAuthorized(
                "SignUp is not permitted for this user pool".into(),
            ));
        }
        let password = req.password.as_deref().ok_or_else(|| {
            CoreError::InvalidParameter("A password is required to sign up.".into())
        })?;
        let attrs = attributes::check(
            &pool,
            req.user_attributes.as_deref().unwrap_or_default(),
            Writer::Client(client.config.write_attributes.as_deref()),
            None,
        )?;
        let mut user = self.new_user(&pool, &req.username, attrs, status::UNCONFIRMED)?;
        attributes::check_required(&pool, &user.attributes)?;
        password::check_policy(&self.password_policy(&pool), password)?;
        // PreSignUp may refuse the user, confirm it, or verify its email or phone number.
        let firing = crate::triggers::Firing {
            trigger: crate::triggers::Trigger::PreSignUp,
            source: "PreSignUp_SignUp",
            user_name: &user.username,
            client_id: Some(&client.client_id),
            request: crate::triggers::sign_up_request(
                &user,
                req.validation_data.as_deref(),
                req.client_metadata.as_ref(),
            ),
        };
        let mut auto_confirmed = false;
        if let Some(r) = self.fire(&pool, firing).await? {
            let yes = |k: &str| r.get(k).and_then(serde_json::Value::as_bool) == Some(true);
            if yes("autoConfirmUser") {
                user.status = status::CONFIRMED.into();
                auto_confirmed = true;
                for (flag, attr) in [
                    ("autoVerifyEmail", "email"),
                    ("autoVerifyPhone", "phone_number"),
                ] {
                    if yes(flag) && user.attributes.contains_key(attr) {
                        user.attributes
                            .insert(format!("{attr}_verified"), "true".into());
                    }
                }
                crate::users::refresh_aliases(&pool, &mut user);
            } else if yes("autoVerifyEmail") || yes("autoVerifyPhone") {
                return Err(CoreError::InvalidParameter(
                    "PreSignUp: autoVerifyEmail and autoVerifyPhone need autoConfirmUser.".into(),
                ));
            }
        }
        let created = user.created_ms;
        self.credentials(&pool.id, &user.username, password)
            .await?
            .apply(&mut user, created);
        self.insert_new_user(&user).await?;

        let delivery = if auto_confirmed {
            None
        } else {
            Self::verification_target(&pool, &user)
                .map(|d| d.with_metadata(req.client_metadata.as_ref()))
        };
        if let Some(d) = &delivery {
            self.issue_code(
                &pool,
                &user,
                SIGNUP,
                Purpose::SignUp,
                d,
                CONFIRMATION_TTL_MS,
            )
            .await?;
        }
        metrics::counter!("tessera_sign_ups_total").increment(1);
        Ok(SignUpResponse {
            user_confirmed: auto_confirmed,
            user_sub: user.sub.clone(),
            code_delivery_details: delivery.map(|d| d.details()),
            session: None,
        })
    }

    pub(crate) async fn insert_new_user(&self, user: &UserRecord) -> Result<(), CoreError> {
        self.insert_user_or(user, "User already exists").await
    }

    /// Inserts a new user; a taken username is `UsernameExistsException` with `taken`
    /// (SignUp: "User already exists"; AdminCreateUser: "User account already exists",
    /// localstack/localstack#4465 quoting the AWS CLI; docs/fidelity.md, "Audit: users").
    pub(crate) async fn insert_user_or(
        &self,
        user: &UserRecord,
        taken: &str,
    ) -> Result<(), CoreError> {
        match self.store.insert_user(user).await {
            Ok(()) => Ok(()),
            // Cognito names the attribute: "An account with the given email already exists."
            Err(StoreError::Conflict(detail)) => match conflicting_alias(&detail) {
                Some(attribute) => Err(CoreError::UsernameExists(account_exists(attribute))),
                None => Err(CoreError::UsernameExists(taken.into())),
            },
            Err(e) => Err(e.into()),
        }
    }

    /// `ConfirmSignUp`.
    pub async fn confirm_sign_up(&self, req: ConfirmSignUpRequest) -> Result<(), CoreError> {
        let (client, pool) = self
            .app_client(&req.client_id, &req.username, req.secret_hash.as_deref())
            .await?;
        let Some(user) = self.find_user(&pool, &req.username).await? else {
            return Err(if hides_users(&client) {
                CoreError::CodeMismatch(
                    "Invalid verification code provided, please try again.".into(),
                )
            } else {
                client_user_not_found()
            });
        };
        if user.status != status::UNCONFIRMED {
            return Err(CoreError::NotAuthorized(format!(
                "User cannot be confirmed. Current status is {}",
                user.status
            )));
        }
        self.redeem_code(&pool, &user, SIGNUP, &req.confirmation_code)
            .await?;
        let verified = Self::verification_target(&pool, &user).map(|d| d.attribute);
        let confirmed = self
            .modify_user(&pool, &user.username, |u| {
                u.status = status::CONFIRMED.into();
                if let Some(a) = &verified {
                    u.attributes.insert(format!("{a}_verified"), "true".into());
                }
                Ok(())
            })
            .await?;
        let firing = crate::triggers::Firing {
            trigger: crate::triggers::Trigger::PostConfirmation,
            source: "PostConfirmation_ConfirmSignUp",
            user_name: &confirmed.username,
            client_id: Some(&client.client_id),
            request: serde_json::json!({
                "userAttributes": crate::triggers::user_attributes(&confirmed),
                "clientMetadata": req.client_metadata.clone().unwrap_or_default(),
            }),
        };
        self.fire(&pool, firing).await?;
        Ok(())
    }

    /// `ResendConfirmationCode`.
    pub async fn resend_confirmation_code(
        &self,
        req: ResendConfirmationCodeRequest,
    ) -> Result<Option<CodeDeliveryDetailsType>, CoreError> {
        let (client, pool) = self
            .app_client(&req.client_id, &req.username, req.secret_hash.as_deref())
            .await?;
        let Some(user) = self.find_user(&pool, &req.username).await? else {
            return if hides_users(&client) {
                Ok(Some(simulated_delivery()))
            } else {
                Err(client_user_not_found())
            };
        };
        if user.status != status::UNCONFIRMED {
            return Err(CoreError::InvalidParameter(
                "User is already confirmed.".into(),
            ));
        }
        // NotAuthorizedException, as a raw answer quoted in public code shows
        // (docs/fidelity.md, "Audit: users").
        let Some(delivery) = Self::verification_target(&pool, &user)
            .map(|d| d.with_metadata(req.client_metadata.as_ref()))
        else {
            return Err(CoreError::NotAuthorized(
                "Cannot resend codes. Auto verification not turned on.".into(),
            ));
        };
        self.issue_code(
            &pool,
            &user,
            SIGNUP,
            Purpose::ResendCode,
            &delivery,
            CONFIRMATION_TTL_MS,
        )
        .await?;
        Ok(Some(delivery.details()))
    }

    /// Where a password-reset code goes: the pool's AccountRecoverySetting order, among the
    /// user's verified email and phone number.
    pub(crate) fn recovery_target(pool: &PoolRecord, user: &UserRecord) -> Option<Delivery> {
        let mut order: Vec<(i32, String)> = pool
            .config
            .account_recovery_setting
            .as_ref()
            .and_then(|s| s.recovery_mechanisms.clone())
            .unwrap_or_default()
            .into_iter()
            .map(|m| (m.priority, m.name))
            .collect();
        if order.is_empty() {
            // Legacy behaviour: SMS when the user has a verified phone, else email.
            order = vec![
                (1, "verified_phone_number".into()),
                (2, "verified_email".into()),
            ];
        }
        order.sort();
        for (_, mechanism) in order {
            let (attr, channel) = match mechanism.as_str() {
                "verified_email" => ("email", Channel::Email),
                "verified_phone_number" => ("phone_number", Channel::Sms),
                _ => continue,
            };
            let verified = user
                .attributes
                .get(&format!("{attr}_verified"))
                .map(String::as_str)
                == Some("true");
            if verified && let Some(v) = user.attributes.get(attr) {
                return Some(Delivery::new(channel, attr, v));
            }
        }
        None
    }

    /// `ForgotPassword`. A pool whose AccountRecoverySetting is `admin_only` refuses it for
    /// every user (before any lookup, so nothing about the user shows), and a user who never
    /// chose a password (FORCE_CHANGE_PASSWORD) cannot reset one: both NotAuthorizedException,
    /// worded as Cognito words them (docs/fidelity.md, issue 19).
    pub async fn forgot_password(
        &self,
        req: ForgotPasswordRequest,
    ) -> Result<CodeDeliveryDetailsType, CoreError> {
        let (client, pool) = self
            .app_client(&req.client_id, &req.username, req.secret_hash.as_deref())
            .await?;
        if admin_only_recovery(&pool) {
            return Err(CoreError::NotAuthorized(
                "Contact administrator to reset password.".into(),
            ));
        }
        let mut user = self.find_user(&pool, &req.username).await?;
        if user.is_none()
            && let Some(link) = self.live_source(&pool).await?
            && let Some(got) = self.source_lookup(&link, &req.username).await?
            && let FromSource::User(u) = self.migrate_from_source(&pool, &link, got, None).await?
        {
            user = Some(*u);
        }
        if user.is_none() {
            user = self
                .migrate_user(
                    &pool,
                    &client,
                    &req.username,
                    None,
                    serde_json::json!(req.client_metadata.clone().unwrap_or_default()),
                )
                .await?;
        }
        let Some(user) = user else {
            return if hides_users(&client) {
                Ok(simulated_delivery())
            } else {
                Err(client_user_not_found())
            };
        };
        if !user.enabled {
            return Err(CoreError::NotAuthorized("User is disabled.".into()));
        }
        if user.status == status::FORCE_CHANGE_PASSWORD {
            return Err(cannot_reset_in_current_state());
        }
        let Some(delivery) = Self::recovery_target(&pool, &user)
            .map(|d| d.with_metadata(req.client_metadata.as_ref()))
        else {
            return Err(CoreError::InvalidParameter(
                "Cannot reset password for the user as there is no registered/verified email or phone_number".into(),
            ));
        };
        self.issue_code(
            &pool,
            &user,
            FORGOT_PASSWORD,
            Purpose::ForgotPassword,
            &delivery,
            RESET_TTL_MS,
        )
        .await?;
        Ok(delivery.details())
    }

    /// `ConfirmForgotPassword`.
    pub async fn confirm_forgot_password(
        &self,
        req: ConfirmForgotPasswordRequest,
    ) -> Result<(), CoreError> {
        let (client, pool) = self
            .app_client(&req.client_id, &req.username, req.secret_hash.as_deref())
            .await?;
        let Some(user) = self.find_user(&pool, &req.username).await? else {
            return Err(if hides_users(&client) {
                CoreError::CodeMismatch(
                    "Invalid verification code provided, please try again.".into(),
                )
            } else {
                client_user_not_found()
            });
        };
        password::check_policy(&self.password_policy(&pool), &req.password)?;
        self.redeem_code(&pool, &user, FORGOT_PASSWORD, &req.confirmation_code)
            .await?;
        self.set_password(&pool, &user.username, &req.password, status::CONFIRMED)
            .await?;
        let firing = crate::triggers::Firing {
            trigger: crate::triggers::Trigger::PostConfirmation,
            source: "PostConfirmation_ConfirmForgotPassword",
            user_name: &user.username,
            client_id: Some(&client.client_id),
            request: serde_json::json!({
                "userAttributes": crate::triggers::user_attributes(&user),
                "clientMetadata": req.client_metadata.clone().unwrap_or_default(),
            }),
        };
        self.fire(&pool, firing).await?;
        Ok(())
    }
}

/// Whether the pool's AccountRecoverySetting leaves password resets to administrators.
fn admin_only_recovery(pool: &PoolRecord) -> bool {
    pool.config
        .account_recovery_setting
        .as_ref()
        .and_then(|s| s.recovery_mechanisms.as_deref())
        .is_some_and(|m| m.iter().any(|m| m.name == "admin_only"))
}

/// ForgotPassword and AdminResetUserPassword for a user in FORCE_CHANGE_PASSWORD, who has only
/// a temporary password (aws-amplify/amplify-flutter#3048; docs/fidelity.md, issue 19).
pub(crate) fn cannot_reset_in_current_state() -> CoreError {
    CoreError::NotAuthorized("User password cannot be reset in the current state.".into())
}

/// What a hidden (nonexistent) user's code delivery looks like.
fn simulated_delivery() -> CodeDeliveryDetailsType {
    CodeDeliveryDetailsType {
        destination: Some("u***@e***".into()),
        delivery_medium: Some("EMAIL".into()),
        attribute_name: Some("email".into()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn secret_hash_matches_the_documented_construction() {
        // Cross-checked with Python: base64(hmac.new(b"secret", b"aliceclient", sha256).digest())
        assert_eq!(
            super::secret_hash("secret", "alice", "client"),
            "RTsve+FQ659UKyESgvLg9GYmZEL+QjzQsW/OjL77/b0="
        );
    }
}
