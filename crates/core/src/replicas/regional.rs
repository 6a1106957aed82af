//! The settings a secondary Region keeps for itself. Cognito's multi-Region guide lists the
//! settings "configured per replica": the email configuration, the SMS configuration, the
//! Lambda triggers, tags, log export and the sender of threat-protection notices; "all other
//! settings are set in the primary user pool and automatically synchronized". UpdateUserPool
//! in a secondary may change the regional email, SMS and Lambda settings, with the global
//! settings "required to match existing values" (the model's UpdateUserPool documentation).
//!
//! Here the replica document keeps [`Regional`], and the pool a secondary serves is the
//! primary's record with it applied ([`Tessera::seen_here`], called by `load_pool` and the
//! record cache, so sign-in, triggers, custom senders, the MFA configuration and
//! DescribeUserPool all see it). This module must not put a regional value in the pool record:
//! that record is the primary's, and writes to it start from the stored one
//! (`Tessera::stored_pool`), never from what a secondary sees.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tessera_wire::idp::{
    EmailConfigurationType, LambdaConfigType, SmsConfigurationType, UpdateUserPoolRequest,
};

use super::Replica;
use crate::store::{ChangeKind, PoolRecord};
use crate::{CoreError, Tessera};

/// The settings a secondary set for itself with UpdateUserPool in its Region, as that
/// operation left them (omitted ones at their defaults, as UpdateUserPool does everywhere).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Regional {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_configuration: Option<EmailConfigurationType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_configuration: Option<SmsConfigurationType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda_config: Option<LambdaConfigType>,
}

impl Replica {
    /// `rec` (the primary's record) as this replica's Region sees it: its ARN there, the
    /// replica's tags and, once it has set them, its regional settings.
    fn overlay(&self, rec: &mut PoolRecord, account_id: &str) {
        rec.config.arn = Some(crate::ids::pool_arn(&self.region, account_id, &rec.id));
        rec.config.user_pool_tags = Some(self.tags.clone());
        if let Some(s) = &self.settings {
            rec.config.email_configuration = s.email_configuration.clone();
            rec.config.sms_configuration = s.sms_configuration.clone();
            rec.config.lambda_config = s.lambda_config.clone();
        }
    }
}

/// `req` with every global member it leaves out set to the primary's value (at a secondary
/// an omitted global setting stays as the primary has it; only the regional ones return to
/// their defaults), and without tags, which are the replica's and handled apart.
fn keep_globals(req: UpdateUserPoolRequest, primary: &PoolRecord) -> UpdateUserPoolRequest {
    let c = &primary.config;
    // Exhaustive on purpose: a member the model adds must be placed here, regional or global.
    let UpdateUserPoolRequest {
        user_pool_id,
        email_configuration,
        sms_configuration,
        lambda_config,
        user_pool_tags: _,
        account_recovery_setting,
        acr_configuration,
        admin_create_user_config,
        auto_verified_attributes,
        dcr_configuration,
        deletion_protection,
        device_configuration,
        email_verification_message,
        email_verification_subject,
        issuer_configuration,
        key_configuration,
        mfa_configuration,
        policies,
        pool_name,
        sms_authentication_message,
        sms_verification_message,
        user_attribute_update_settings,
        user_pool_add_ons,
        user_pool_tier,
        verification_message_template,
    } = req;
    // The legacy message members and the template say the same thing (`pools::apply` keeps
    // them in step): a legacy member given without a template changes the stored template.
    let verification_message_template = verification_message_template.or_else(|| {
        let mut t = c.verification_message_template.clone().unwrap_or_default();
        if email_verification_message.is_some() {
            t.email_message = email_verification_message.clone();
        }
        if email_verification_subject.is_some() {
            t.email_subject = email_verification_subject.clone();
        }
        if sms_verification_message.is_some() {
            t.sms_message = sms_verification_message.clone();
        }
        Some(t)
    });
    let or = |given: Option<String>, stored: &Option<String>| given.or_else(|| stored.clone());
    UpdateUserPoolRequest {
        user_pool_id,
        email_configuration,
        sms_configuration,
        lambda_config,
        user_pool_tags: None,
        account_recovery_setting: account_recovery_setting
            .or_else(|| c.account_recovery_setting.clone()),
        acr_configuration: acr_configuration.or_else(|| c.acr_configuration.clone()),
        admin_create_user_config: admin_create_user_config
            .or_else(|| c.admin_create_user_config.clone()),
        auto_verified_attributes: auto_verified_attributes
            .or_else(|| c.auto_verified_attributes.clone()),
        dcr_configuration: dcr_configuration.or_else(|| c.dcr_configuration.clone()),
        deletion_protection: or(deletion_protection, &c.deletion_protection),
        device_configuration: device_configuration.or_else(|| c.device_configuration.clone()),
        email_verification_message: or(email_verification_message, &c.email_verification_message),
        email_verification_subject: or(email_verification_subject, &c.email_verification_subject),
        issuer_configuration: issuer_configuration.or_else(|| c.issuer_configuration.clone()),
        key_configuration: key_configuration.or_else(|| c.key_configuration.clone()),
        mfa_configuration: or(mfa_configuration, &c.mfa_configuration),
        policies: policies.or_else(|| c.policies.clone()),
        pool_name: pool_name.or_else(|| Some(primary.name.clone())),
        sms_authentication_message: or(sms_authentication_message, &c.sms_authentication_message),
        sms_verification_message: or(sms_verification_message, &c.sms_verification_message),
        user_attribute_update_settings: user_attribute_update_settings
            .or_else(|| c.user_attribute_update_settings.clone()),
        user_pool_add_ons: user_pool_add_ons.or_else(|| c.user_pool_add_ons.clone()),
        user_pool_tier: or(user_pool_tier, &c.user_pool_tier),
        verification_message_template,
    }
}

/// The members (Cognito's names) whose values differ between two pool records.
fn differing_members(a: &PoolRecord, b: &PoolRecord) -> Vec<String> {
    let mut out = Vec::new();
    if a.name != b.name {
        out.push("PoolName".to_string());
    }
    let members = |r: &PoolRecord| match serde_json::to_value(&r.config) {
        Ok(Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    let (ma, mb) = (members(a), members(b));
    let mut keys: Vec<&String> = ma.keys().chain(mb.keys()).collect();
    keys.sort();
    keys.dedup();
    out.extend(
        keys.into_iter()
            .filter(|k| ma.get(*k) != mb.get(*k))
            .cloned(),
    );
    if out.is_empty() && a.config != b.config {
        out.push("the user pool's configuration".to_string());
    }
    out
}

/// What UpdateUserPool `req` at the secondary `site` stores for it: the regional settings,
/// as UpdateUserPool leaves them. Refused (`InvalidParameterException`, docs/fidelity.md R13)
/// when a global member it gives differs from the primary's `primary`.
fn regional_update(
    site: &str,
    primary: &PoolRecord,
    req: &UpdateUserPoolRequest,
) -> Result<Regional, CoreError> {
    // What the request does with its global members, beside what it would do without them:
    // both go through UpdateUserPool's own defaults and normalization, so a member given as
    // DescribeUserPool shows it is no change.
    let regional_only = UpdateUserPoolRequest {
        user_pool_id: req.user_pool_id.clone(),
        email_configuration: req.email_configuration.clone(),
        sms_configuration: req.sms_configuration.clone(),
        lambda_config: req.lambda_config.clone(),
        ..Default::default()
    };
    let mut unchanged = primary.clone();
    crate::pools::apply_update(&mut unchanged, keep_globals(regional_only, primary))?;
    let mut asked = primary.clone();
    crate::pools::apply_update(&mut asked, keep_globals(req.clone(), primary))?;
    let differing = differing_members(&unchanged, &asked);
    if !differing.is_empty() {
        return Err(CoreError::InvalidParameter(format!(
            "In {site}, a secondary Region of user pool {}, UpdateUserPool changes only \
             EmailConfiguration, SmsConfiguration, LambdaConfig and UserPoolTags; every other \
             setting must match the primary's, and these do not: {}.",
            primary.id,
            differing.join(", ")
        )));
    }
    Ok(Regional {
        email_configuration: asked.config.email_configuration,
        sms_configuration: asked.config.sms_configuration,
        lambda_config: asked.config.lambda_config,
    })
}

impl Tessera {
    /// `rec` as this site sees it: at a secondary Region of the pool, with the replica's own
    /// ARN, tags and regional settings; anywhere else as stored.
    pub(crate) async fn seen_here(&self, mut rec: PoolRecord) -> Result<PoolRecord, CoreError> {
        let Some(site) = self.settings.site_region.as_deref() else {
            return Ok(rec);
        };
        if rec.region == site {
            return Ok(rec);
        }
        if let Some(r) = self.replica_of(&rec.id).await?
            && r.region == site
        {
            r.overlay(&mut rec, &self.settings.account_id);
        }
        Ok(rec)
    }

    /// `UpdateUserPool` at `site`, a secondary Region of the pool: the regional settings (and
    /// tags, when given) go to the replica document, in one conditional write on the version
    /// read, retried; the pool record is not written. A global member that differs from the
    /// primary's refuses the whole request and stores nothing.
    pub(crate) async fn update_replica_settings(
        &self,
        site: &str,
        req: UpdateUserPoolRequest,
    ) -> Result<(), CoreError> {
        let pool_id = req.user_pool_id.clone();
        crate::tags::check_tags(req.user_pool_tags.as_ref())?;
        for _ in 0..crate::MAX_RETRIES {
            let primary = self.stored_pool(&pool_id).await?;
            let settings = regional_update(site, &primary, &req)?;
            let Some((doc, mut replica)) = self.stored_replica(&pool_id).await? else {
                return Err(crate::pools::not_found(&pool_id));
            };
            if replica.region != site {
                return Err(crate::pools::not_found(&pool_id));
            }
            replica.settings = Some(settings);
            if let Some(tags) = &req.user_pool_tags {
                replica.tags = tags.clone();
            }
            if self.try_replace_doc(&doc, &replica).await? {
                self.changed(ChangeKind::Pool, &pool_id, &pool_id).await?;
                return Ok(());
            }
        }
        Err(crate::concurrent_modification("user pool replica"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use tessera_wire::idp::{PasswordPolicyType, UserPoolPolicyType, UserPoolType};

    fn primary() -> PoolRecord {
        let mut rec = PoolRecord {
            id: "us-east-1_abc".into(),
            name: "pool".into(),
            region: "us-east-1".into(),
            created_ms: 0,
            modified_ms: 0,
            version: 1,
            config: UserPoolType::default(),
        };
        let req = UpdateUserPoolRequest {
            user_pool_id: rec.id.clone(),
            mfa_configuration: Some("OPTIONAL".into()),
            email_verification_message: Some("code {####}".into()),
            lambda_config: Some(LambdaConfigType {
                pre_sign_up: Some("arn:east".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        crate::pools::apply_update(&mut rec, req).unwrap();
        rec
    }

    #[test]
    fn omitted_globals_stay_and_the_regional_ones_are_the_requests() {
        let p = primary();
        let req = UpdateUserPoolRequest {
            user_pool_id: p.id.clone(),
            lambda_config: Some(LambdaConfigType {
                pre_authentication: Some("arn:west".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let r = regional_update("us-west-2", &p, &req).unwrap();
        let lambda = r.lambda_config.unwrap();
        assert_eq!(lambda.pre_authentication.as_deref(), Some("arn:west"));
        assert_eq!(lambda.pre_sign_up, None);
        // Omitted regional settings return to their defaults, as UpdateUserPool's do.
        assert_eq!(
            r.email_configuration
                .unwrap()
                .email_sending_account
                .as_deref(),
            Some("COGNITO_DEFAULT")
        );
    }

    #[test]
    fn globals_given_as_described_pass_and_changed_ones_are_named() {
        let p = primary();
        let described = UpdateUserPoolRequest {
            user_pool_id: p.id.clone(),
            policies: p.config.policies.clone(),
            mfa_configuration: p.config.mfa_configuration.clone(),
            verification_message_template: p.config.verification_message_template.clone(),
            email_verification_message: p.config.email_verification_message.clone(),
            admin_create_user_config: p.config.admin_create_user_config.clone(),
            pool_name: Some(p.name.clone()),
            ..Default::default()
        };
        regional_update("us-west-2", &p, &described).unwrap();

        let changed = UpdateUserPoolRequest {
            mfa_configuration: Some("OFF".into()),
            policies: Some(UserPoolPolicyType {
                password_policy: Some(PasswordPolicyType {
                    minimum_length: Some(12),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..described.clone()
        };
        let Err(CoreError::InvalidParameter(m)) = regional_update("us-west-2", &p, &changed) else {
            panic!("a changed global setting must be refused");
        };
        let listed = m.rsplit(": ").next().unwrap();
        assert_eq!(listed, "MfaConfiguration, Policies.", "{m}");

        // A legacy message member without a template still counts as a change.
        let legacy = UpdateUserPoolRequest {
            email_verification_message: Some("another {####}".into()),
            verification_message_template: None,
            ..described
        };
        assert!(regional_update("us-west-2", &p, &legacy).is_err());
    }
}
