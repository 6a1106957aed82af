//! Multi-factor authentication: the pool's MFA configuration, a user's factors and
//! preferences, software tokens (TOTP), and the challenges a sign-in answers after its
//! password (SMS_MFA, EMAIL_OTP, SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE, MFA_SETUP).
//!
//! References: the developer guide's "Adding MFA to a user pool", "SMS and email message
//! MFA", "TOTP software token MFA"; the API reference for SetUserPoolMfaConfig,
//! SetUserMFAPreference, AssociateSoftwareToken, VerifySoftwareToken and
//! RespondToAuthChallenge. A user's factors live in the user record's `extra.mfa`:
//! `{sms|totp|email: {enabled, preferred}, legacy_sms, totp_secret (sealed), totp_step}`.

mod challenge;
pub mod totp;

use serde_json::{Value, json};
use tessera_wire::idp::{
    AdminSetUserMFAPreferenceRequest, EmailMfaSettingsType, GetUserPoolMfaConfigResponse,
    MFAOptionType, SMSMfaSettingsType, SetUserMFAPreferenceRequest, SetUserPoolMfaConfigRequest,
    SmsConfigurationType, SoftwareTokenMfaSettingsType,
};

use crate::oauth::{new_doc, read_doc};
use crate::store::{DocKind, PoolRecord, UserRecord};
use crate::{CoreError, Tessera};

pub const SMS_MFA: &str = "SMS_MFA";
pub const SOFTWARE_TOKEN_MFA: &str = "SOFTWARE_TOKEN_MFA";
pub const EMAIL_OTP: &str = "EMAIL_OTP";
pub const SELECT_MFA_TYPE: &str = "SELECT_MFA_TYPE";
pub const MFA_SETUP: &str = "MFA_SETUP";

const MFA_KEY: &str = "mfa";

/// Which factors a pool offers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolFactors {
    /// OFF, ON or OPTIONAL.
    pub mode: String,
    pub sms: bool,
    pub totp: bool,
    pub email: bool,
}

/// `(Enabled, PreferredMfa)` of one factor in a preference request; `None` leaves it.
type FactorSetting = Option<(Option<bool>, Option<bool>)>;

/// The three factors' settings of a (Admin)SetUserMFAPreference request.
fn factor_settings(
    sms: Option<SMSMfaSettingsType>,
    totp: Option<SoftwareTokenMfaSettingsType>,
    email: Option<EmailMfaSettingsType>,
) -> [(&'static str, FactorSetting); 3] {
    [
        (SMS_MFA, sms.map(|s| (s.enabled, s.preferred_mfa))),
        (
            SOFTWARE_TOKEN_MFA,
            totp.map(|s| (s.enabled, s.preferred_mfa)),
        ),
        (EMAIL_OTP, email.map(|s| (s.enabled, s.preferred_mfa))),
    ]
}

/// A user's settings for one factor.
fn setting(u: &UserRecord, factor: &str) -> (bool, bool) {
    let f = &u.extra["mfa"][factor];
    (
        f["enabled"].as_bool().unwrap_or(false),
        f["preferred"].as_bool().unwrap_or(false),
    )
}

fn factor_key(name: &str) -> &'static str {
    match name {
        SMS_MFA => "sms",
        SOFTWARE_TOKEN_MFA => "totp",
        _ => "email",
    }
}

fn has(u: &UserRecord, attr: &str) -> bool {
    u.attributes.get(attr).is_some_and(|v| !v.is_empty())
}

/// The factors a user has turned on (whatever the pool offers), in Cognito's order.
pub(crate) fn user_factors(u: &UserRecord) -> Vec<&'static str> {
    let mut out = Vec::new();
    if (setting(u, "sms").0 || u.extra["mfa"]["legacy_sms"].as_bool() == Some(true))
        && has(u, "phone_number")
    {
        out.push(SMS_MFA);
    }
    if setting(u, "totp").0 && !u.extra["mfa"]["totp_secret"].is_null() {
        out.push(SOFTWARE_TOKEN_MFA);
    }
    if setting(u, "email").0 && has(u, "email") {
        out.push(EMAIL_OTP);
    }
    out
}

/// The user's preferred factor, if it is on.
pub(crate) fn preferred(u: &UserRecord) -> Option<&'static str> {
    [SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP]
        .into_iter()
        .find(|f| setting(u, factor_key(f)).1 && user_factors(u).contains(f))
}

/// `MFAOptions`, `PreferredMfaSetting` and `UserMFASettingList` of GetUser/AdminGetUser.
pub(crate) fn user_settings(
    u: &UserRecord,
) -> (
    Option<Vec<MFAOptionType>>,
    Option<String>,
    Option<Vec<String>>,
) {
    let legacy = (u.extra["mfa"]["legacy_sms"].as_bool() == Some(true)).then(|| {
        vec![MFAOptionType {
            delivery_medium: Some("SMS".into()),
            attribute_name: Some("phone_number".into()),
        }]
    });
    let list: Vec<String> = user_factors(u).into_iter().map(String::from).collect();
    (
        legacy,
        preferred(u).map(String::from),
        (!list.is_empty()).then_some(list),
    )
}

/// Whether an SMS configuration names a sender: an SNS caller ARN with its external id (what
/// Cognito's refusal asks for), or an End User Messaging SMS caller ARN.
fn sms_configured(c: &SmsConfigurationType) -> bool {
    let given = |v: Option<&str>| v.is_some_and(|v| !v.is_empty());
    (given(c.sns_caller_arn.as_deref()) && given(c.external_id.as_deref()))
        || c.eums_sms
            .as_ref()
            .is_some_and(|e| !e.caller_arn.is_empty())
}

impl Tessera {
    /// The pool's MFA configuration as `GetUserPoolMfaConfig` answers it.
    async fn mfa_config(
        &self,
        pool: &PoolRecord,
    ) -> Result<GetUserPoolMfaConfigResponse, CoreError> {
        let stored = self
            .store
            .get_document(&pool.id, DocKind::MfaConfig, MFA_KEY)
            .await?;
        let mut cfg: GetUserPoolMfaConfigResponse = match &stored {
            Some(rec) => read_doc(rec)?,
            None => GetUserPoolMfaConfigResponse::default(),
        };
        let mode = pool
            .config
            .mfa_configuration
            .clone()
            .unwrap_or_else(|| "OFF".into());
        // A pool created with MFA on and never configured since uses SMS, as in Cognito.
        if stored.is_none() && mode != "OFF" {
            cfg.sms_mfa_configuration = Some(tessera_wire::idp::SmsMfaConfigType {
                sms_authentication_message: pool.config.sms_authentication_message.clone(),
                sms_configuration: pool.config.sms_configuration.clone(),
            });
        }
        cfg.mfa_configuration = Some(mode);
        Ok(cfg)
    }

    /// Which factors the pool offers.
    pub(crate) async fn pool_factors(&self, pool: &PoolRecord) -> Result<PoolFactors, CoreError> {
        let cfg = self.mfa_config(pool).await?;
        Ok(PoolFactors {
            mode: cfg.mfa_configuration.unwrap_or_else(|| "OFF".into()),
            sms: cfg.sms_mfa_configuration.is_some(),
            totp: cfg
                .software_token_mfa_configuration
                .and_then(|t| t.enabled)
                .unwrap_or(false),
            email: cfg.email_mfa_configuration.is_some(),
        })
    }

    /// `GetUserPoolMfaConfig`.
    pub async fn get_user_pool_mfa_config(
        &self,
        pool_id: &str,
    ) -> Result<GetUserPoolMfaConfigResponse, CoreError> {
        let pool = self.load_pool(pool_id).await?;
        self.mfa_config(&pool).await
    }

    /// `SetUserPoolMfaConfig`: members left out keep their settings.
    ///
    /// Turning SMS MFA on needs an SMS configuration (an SNS caller ARN and an external id),
    /// in the request's `SmsMfaConfiguration` or already on the pool; without one Cognito
    /// refuses the request whatever the mode. Tessera stores that configuration and echoes
    /// it but never calls SNS: its own SMS sender delivers the codes. So "no SMS
    /// configuration" means the pool definition lacks one, not that Tessera's sender is
    /// unconfigured (docs/fidelity.md, issue 19).
    pub async fn set_user_pool_mfa_config(
        &self,
        req: SetUserPoolMfaConfigRequest,
    ) -> Result<GetUserPoolMfaConfigResponse, CoreError> {
        let pool = self.load_pool(&req.user_pool_id).await?;
        let mut cfg = self.mfa_config(&pool).await?;
        if let Some(sms) = req.sms_mfa_configuration {
            if !sms.sms_configuration.as_ref().is_some_and(sms_configured)
                && !pool
                    .config
                    .sms_configuration
                    .as_ref()
                    .is_some_and(sms_configured)
            {
                return Err(CoreError::InvalidParameter(
                    "Invalid SMS MFA configuration given, external id and a valid caller arn are required"
                        .into(),
                ));
            }
            cfg.sms_mfa_configuration = Some(sms);
        }
        if let Some(t) = req.software_token_mfa_configuration {
            cfg.software_token_mfa_configuration = Some(t);
        }
        if let Some(e) = req.email_mfa_configuration {
            if let Some(m) = &e.message
                && !m.contains("{####}")
            {
                return Err(CoreError::InvalidParameter(
                    "The email MFA message must contain the {####} placeholder.".into(),
                ));
            }
            cfg.email_mfa_configuration = Some(e);
        }
        if req.web_authn_configuration.is_some() {
            cfg.web_authn_configuration = req.web_authn_configuration;
        }
        let mode = req
            .mfa_configuration
            .or(cfg.mfa_configuration.clone())
            .unwrap_or_else(|| "OFF".into());
        let any = cfg.sms_mfa_configuration.is_some()
            || cfg.email_mfa_configuration.is_some()
            || cfg
                .software_token_mfa_configuration
                .as_ref()
                .and_then(|t| t.enabled)
                .unwrap_or(false);
        if mode != "OFF" && !any {
            // aws/aws-sdk-js#4186, anomalyco/sst#5177 (docs/fidelity.md, issue 19).
            return Err(CoreError::InvalidParameter(
                "Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration."
                    .into(),
            ));
        }
        cfg.mfa_configuration = Some(mode.clone());
        let now = self.clock.now_millis();
        match self
            .store
            .get_document(&pool.id, DocKind::MfaConfig, MFA_KEY)
            .await?
        {
            Some(rec) => self.replace_doc(&rec, &cfg).await?,
            None => {
                let rec = new_doc(&pool.id, DocKind::MfaConfig, MFA_KEY, &cfg, now)?;
                self.store.insert_document(&rec).await?;
            }
        }
        self.modify_pool(&pool.id, |p| {
            p.config.mfa_configuration = Some(mode.clone());
            Ok(())
        })
        .await?;
        Ok(cfg)
    }

    /// Applies factor settings (`SetUserMFAPreference`); omitted factors are unchanged.
    async fn set_preferences(
        &self,
        pool: &PoolRecord,
        username: &str,
        settings: [(&'static str, FactorSetting); 3],
    ) -> Result<(), CoreError> {
        self.modify_user(pool, username, |u| {
            for (factor, given) in &settings {
                let Some((enabled, preferred)) = given else {
                    continue;
                };
                let key = factor_key(factor);
                let (was_enabled, was_preferred) = setting(u, key);
                let enabled = enabled.unwrap_or(was_enabled);
                let preferred = preferred.unwrap_or(was_preferred) && enabled;
                if enabled {
                    // Cognito's one template, "User does not have delivery config set to turn
                    // on <factor>": aws/aws-sdk-js-v3#4645 (SOFTWARE_TOKEN_MFA); SMS_MFA by the
                    // same template (docs/fidelity.md, "Audit: sign-in", S18-S19b).
                    match *factor {
                        SOFTWARE_TOKEN_MFA if u.extra["mfa"]["totp_secret"].is_null() => {
                            return Err(CoreError::InvalidParameter(
                                "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA".into(),
                            ));
                        }
                        SMS_MFA if !has(u, "phone_number") => {
                            return Err(CoreError::InvalidParameter(
                                "User does not have delivery config set to turn on SMS_MFA".into(),
                            ));
                        }
                        EMAIL_OTP if !has(u, "email") => {
                            return Err(CoreError::InvalidParameter(
                                "User does not have an email address to use email MFA.".into(),
                            ));
                        }
                        _ => {}
                    }
                }
                if !u.extra["mfa"].is_object() {
                    u.extra["mfa"] = json!({});
                }
                if preferred {
                    // One factor is preferred at most.
                    for other in ["sms", "totp", "email"] {
                        if let Some(o) = u.extra["mfa"][other].as_object_mut() {
                            o.insert("preferred".into(), Value::Bool(false));
                        }
                    }
                }
                u.extra["mfa"][key] = json!({ "enabled": enabled, "preferred": preferred });
                if *factor == SMS_MFA && !enabled {
                    u.extra["mfa"]["legacy_sms"] = Value::Bool(false);
                }
            }
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// `SetUserMFAPreference`.
    pub async fn set_user_mfa_preference(
        &self,
        req: SetUserMFAPreferenceRequest,
    ) -> Result<(), CoreError> {
        let (pool, user) = self.token_user(&req.access_token).await?;
        let settings = factor_settings(
            req.sms_mfa_settings,
            req.software_token_mfa_settings,
            req.email_mfa_settings,
        );
        self.set_preferences(&pool, &user.username, settings).await
    }

    /// `AdminSetUserMFAPreference`.
    pub async fn admin_set_user_mfa_preference(
        &self,
        req: AdminSetUserMFAPreferenceRequest,
    ) -> Result<(), CoreError> {
        let pool = self.load_pool(&req.user_pool_id).await?;
        let settings = factor_settings(
            req.sms_mfa_settings,
            req.software_token_mfa_settings,
            req.email_mfa_settings,
        );
        self.set_preferences(&pool, &req.username, settings).await
    }

    /// `SetUserSettings` / `AdminSetUserSettings`: the legacy SMS MFA switch (an SMS
    /// option for `phone_number` turns it on; an empty list turns it off).
    async fn set_legacy_sms(
        &self,
        pool: &PoolRecord,
        username: &str,
        options: &[MFAOptionType],
    ) -> Result<(), CoreError> {
        for o in options {
            if o.delivery_medium.as_deref() != Some("SMS")
                || o.attribute_name.as_deref() != Some("phone_number")
            {
                return Err(CoreError::InvalidParameter(
                    "Only SMS delivery to phone_number is supported in MFAOptions.".into(),
                ));
            }
        }
        let on = !options.is_empty();
        self.modify_user(pool, username, |u| {
            if on && !has(u, "phone_number") {
                return Err(CoreError::InvalidParameter(
                    "User does not have a phone number to use SMS MFA.".into(),
                ));
            }
            if !u.extra["mfa"].is_object() {
                u.extra["mfa"] = json!({});
            }
            u.extra["mfa"]["legacy_sms"] = Value::Bool(on);
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// `SetUserSettings`.
    pub async fn set_user_settings(
        &self,
        access_token: &str,
        options: &[MFAOptionType],
    ) -> Result<(), CoreError> {
        let (pool, user) = self.token_user(access_token).await?;
        self.set_legacy_sms(&pool, &user.username, options).await
    }

    /// `AdminSetUserSettings`.
    pub async fn admin_set_user_settings(
        &self,
        pool_id: &str,
        username: &str,
        options: &[MFAOptionType],
    ) -> Result<(), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        self.set_legacy_sms(&pool, username, options).await
    }

    /// `AdminDeleteSoftwareToken`: removes the user's software token (and its factor).
    pub async fn admin_delete_software_token(
        &self,
        pool_id: &str,
        username: &str,
    ) -> Result<(), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        self.modify_user(&pool, username, |u| {
            if let Some(m) = u.extra["mfa"].as_object_mut() {
                m.remove("totp_secret");
                m.remove("totp_step");
                m.remove("totp");
            }
            Ok(())
        })
        .await?;
        Ok(())
    }
}
