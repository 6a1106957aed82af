//! The user's own operations, authorised by an access token with the
//! `aws.cognito.signin.user.admin` scope: `GetUser`, `UpdateUserAttributes`,
//! `DeleteUserAttributes`, `DeleteUser`, `ChangePassword`,
//! `GetUserAttributeVerificationCode` and `VerifyUserAttribute`.

use std::sync::Arc;

use tessera_wire::idp::{
    ChangePasswordRequest, CodeDeliveryDetailsType, GetUserResponse, UpdateUserAttributesRequest,
    UpdateUserAttributesResponse,
};

use super::attributes::Writer;
use super::codes::{CONFIRMATION_TTL_MS, Delivery};
use super::{attribute_list, password};
use crate::messages::{Channel, Purpose};
use crate::store::{ChangeKind, PoolRecord, UserRecord};
use crate::tokens::AccessClaims;
use crate::{CoreError, Tessera};

fn gone() -> CoreError {
    CoreError::UserNotFound("User does not exist.".into())
}

/// The user an access token speaks for, with its pool, as the record cache has them
/// (operations that write re-read what they change).
struct Caller {
    pool: Arc<PoolRecord>,
    user: Arc<UserRecord>,
    claims: Arc<AccessClaims>,
}

impl Tessera {
    /// The pool and user an access token stands for, read from the store (for writes).
    pub(crate) async fn token_user(
        &self,
        access_token: &str,
    ) -> Result<(PoolRecord, UserRecord), CoreError> {
        let claims = self.verify_access_token(access_token).await?;
        let pool = self.load_pool(&claims.pool_id).await?;
        let user = self
            .store
            .get_user_by_sub(&pool.id, &claims.sub)
            .await?
            .ok_or_else(crate::users::user_not_found)?;
        Ok((pool, user))
    }

    async fn caller(&self, access_token: &str) -> Result<Caller, CoreError> {
        let claims = self.verify_access_token(access_token).await?;
        let pool = self.cached_pool(&claims.pool_id).await?.ok_or_else(gone)?;
        let user = self
            .cached_user(&pool.id, &claims.sub)
            .await?
            .ok_or_else(gone)?;
        if !user.enabled {
            return Err(CoreError::NotAuthorized("User is disabled.".into()));
        }
        Ok(Caller { pool, user, claims })
    }

    /// The attributes the token's app client may write (`None`: all writable ones).
    async fn writable(&self, c: &Caller) -> Result<Option<Vec<String>>, CoreError> {
        Ok(self
            .cached_client(&c.claims.client_id)
            .await?
            .and_then(|cl| cl.config.write_attributes.clone()))
    }

    /// `GetUser`.
    pub async fn get_user(&self, access_token: &str) -> Result<GetUserResponse, CoreError> {
        let c = self.caller(access_token).await?;
        let (mfa_options, preferred_mfa_setting, user_mfa_setting_list) =
            crate::mfa::user_settings(&c.user);
        Ok(GetUserResponse {
            username: c.user.username.clone(),
            user_attributes: attribute_list(&c.user, None),
            mfa_options,
            preferred_mfa_setting,
            user_mfa_setting_list,
        })
    }

    /// `UpdateUserAttributes`, limited to the client's writable attributes.
    pub async fn update_user_attributes(
        &self,
        req: UpdateUserAttributesRequest,
    ) -> Result<UpdateUserAttributesResponse, CoreError> {
        let c = self.caller(&req.access_token).await?;
        let writable = self.writable(&c).await?;
        let sent = self
            .update_attributes(
                &c.pool,
                &c.user,
                &req.user_attributes,
                Writer::Client(writable.as_deref()),
                req.client_metadata.as_ref(),
            )
            .await?;
        Ok(UpdateUserAttributesResponse {
            code_delivery_details_list: (!sent.is_empty()).then_some(sent),
        })
    }

    /// `DeleteUserAttributes`.
    pub async fn delete_user_attributes(
        &self,
        access_token: &str,
        names: &[String],
    ) -> Result<(), CoreError> {
        let c = self.caller(access_token).await?;
        if let Some(writable) = self.writable(&c).await?
            && names.iter().any(|n| !writable.contains(n))
        {
            // The same text as for a write, without the name (docs/fidelity.md).
            return Err(CoreError::NotAuthorized(
                "A client attempted to write unauthorized attribute".into(),
            ));
        }
        self.delete_attributes(&c.pool, &c.user.username, names)
            .await
    }

    /// `DeleteUser`: the user deletes itself; every token of it dies.
    pub async fn delete_user(&self, access_token: &str) -> Result<(), CoreError> {
        let c = self.caller(access_token).await?;
        self.revoke_user(&c.pool.id, &c.user.sub).await?;
        self.store.delete_user(&c.pool.id, &c.user.sub).await?;
        self.changed(ChangeKind::User, &c.pool.id, &c.user.sub)
            .await
    }

    /// `ChangePassword`: the previous password must be right (failures count towards the
    /// sign-in lockout); the new one must meet the policy and history.
    pub async fn change_password(&self, req: ChangePasswordRequest) -> Result<(), CoreError> {
        let c = self.caller(&req.access_token).await?;
        // The hash is read fresh, never from the cache.
        let user = self
            .store
            .get_user_by_sub(&c.pool.id, &c.user.sub)
            .await?
            .ok_or_else(gone)?;
        let previous = req
            .previous_password
            .as_deref()
            .ok_or_else(|| CoreError::InvalidParameter("PreviousPassword is required.".into()))?;
        let key = format!("sub:{}", user.sub);
        let attempt = self.begin_attempt(&c.pool.id, Some(key)).await?;
        let ok = match &user.password_hash {
            Some(h) => password::verify(previous, h).await?,
            None => false,
        };
        if !ok {
            return Err(crate::auth::incorrect_password());
        }
        self.attempt_succeeded(&c.pool.id, attempt).await?;
        self.set_password(
            &c.pool,
            &user.username,
            &req.proposed_password,
            &user.status,
        )
        .await?;
        Ok(())
    }

    /// `GetUserAttributeVerificationCode`: sends a code to the email or phone number (the
    /// pending new value when one waits for verification).
    pub async fn get_user_attribute_verification_code(
        &self,
        access_token: &str,
        attribute: &str,
        metadata: Option<&std::collections::HashMap<String, String>>,
    ) -> Result<CodeDeliveryDetailsType, CoreError> {
        let c = self.caller(access_token).await?;
        let channel = match attribute {
            "email" => Channel::Email,
            "phone_number" => Channel::Sms,
            _ => {
                return Err(CoreError::InvalidParameter(
                    "Invalid attribute name. Only phone_number and email can be verified.".into(),
                ));
            }
        };
        let destination = c.user.extra["pending_attributes"][attribute]
            .as_str()
            .map(str::to_owned)
            .or_else(|| c.user.attributes.get(attribute).cloned())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                CoreError::InvalidParameter(format!("The user has no {attribute} to verify."))
            })?;
        let delivery = Delivery::new(channel, attribute, &destination).with_metadata(metadata);
        self.issue_code(
            &c.pool,
            &c.user,
            &format!("verify:{attribute}"),
            Purpose::VerifyUserAttribute,
            &delivery,
            CONFIRMATION_TTL_MS,
        )
        .await?;
        Ok(delivery.details())
    }

    /// `VerifyUserAttribute`: redeems the code, applies a pending new value, and marks the
    /// attribute verified.
    pub async fn verify_user_attribute(
        &self,
        access_token: &str,
        attribute: &str,
        code: &str,
    ) -> Result<(), CoreError> {
        let c = self.caller(access_token).await?;
        if attribute != "email" && attribute != "phone_number" {
            return Err(CoreError::InvalidParameter(
                "Invalid attribute name. Only phone_number and email can be verified.".into(),
            ));
        }
        self.redeem_code(&c.pool, &c.user, &format!("verify:{attribute}"), code)
            .await?;
        self.modify_user(&c.pool, &c.user.username, |u| {
            let pending = u.extra["pending_attributes"][attribute]
                .as_str()
                .map(str::to_owned);
            if let Some(value) = pending {
                u.attributes.insert(attribute.to_string(), value);
                if let Some(p) = u.extra["pending_attributes"].as_object_mut() {
                    p.remove(attribute);
                }
            }
            u.attributes
                .insert(format!("{attribute}_verified"), "true".into());
            Ok(())
        })
        .await?;
        Ok(())
    }
}
