//! User pools: create, describe, update, delete, list, custom attributes.
//!
//! Cognito fills defaults on create and, on `UpdateUserPool`, resets every setting the
//! request leaves out to its default ("If you don't provide a value for an attribute,
//! Amazon Cognito sets it to its default value" — UpdateUserPool API reference).

use tessera_wire::idp::{
    AddCustomAttributesRequest, AdminCreateUserConfigType, CreateUserPoolRequest,
    EmailConfigurationType, LambdaConfigType, PasswordPolicyType, SignInPolicyType,
    UpdateUserPoolRequest, UserPoolDescriptionType, UserPoolPolicyType, UserPoolType,
    VerificationMessageTemplateType,
};

use crate::store::{ChangeKind, PoolRecord};
use crate::{CoreError, Tessera, ids, page, schema};

pub(crate) fn not_found(pool_id: &str) -> CoreError {
    CoreError::ResourceNotFound(format!("User pool {pool_id} does not exist."))
}

fn default_password_policy() -> PasswordPolicyType {
    PasswordPolicyType {
        minimum_length: Some(8),
        require_uppercase: Some(true),
        require_lowercase: Some(true),
        require_numbers: Some(true),
        require_symbols: Some(true),
        password_history_size: None,
        temporary_password_validity_days: Some(7),
    }
}

fn policies(req: Option<UserPoolPolicyType>) -> UserPoolPolicyType {
    let mut p = req.unwrap_or_default();
    let mut pw = p
        .password_policy
        .take()
        .unwrap_or_else(default_password_policy);
    // "If you submit a value of 0, Amazon Cognito treats it as a null value and sets
    // TemporaryPasswordValidityDays to its default value."
    if pw.temporary_password_validity_days.unwrap_or(0) == 0 {
        pw.temporary_password_validity_days = Some(7);
    }
    p.password_policy = Some(pw);
    if p.sign_in_policy.is_none() {
        p.sign_in_policy = Some(SignInPolicyType {
            allowed_first_auth_factors: Some(vec!["PASSWORD".into()]),
        });
    }
    p
}

/// The settings that `CreateUserPool` and `UpdateUserPool` share, with Cognito's defaults.
struct Mutable {
    policies: Option<UserPoolPolicyType>,
    deletion_protection: Option<String>,
    lambda_config: Option<LambdaConfigType>,
    auto_verified_attributes: Option<Vec<String>>,
    sms_verification_message: Option<String>,
    email_verification_message: Option<String>,
    email_verification_subject: Option<String>,
    verification_message_template: Option<VerificationMessageTemplateType>,
    sms_authentication_message: Option<String>,
    mfa_configuration: Option<String>,
    email_configuration: Option<EmailConfigurationType>,
    admin_create_user_config: Option<AdminCreateUserConfigType>,
}

/// The [`Mutable`] settings, moved out of a CreateUserPool or UpdateUserPool request (the two
/// name them alike).
macro_rules! mutable_of {
    ($req:ident) => {
        Mutable {
            policies: $req.policies,
            deletion_protection: $req.deletion_protection,
            lambda_config: $req.lambda_config,
            auto_verified_attributes: $req.auto_verified_attributes,
            sms_verification_message: $req.sms_verification_message,
            email_verification_message: $req.email_verification_message,
            email_verification_subject: $req.email_verification_subject,
            verification_message_template: $req.verification_message_template,
            sms_authentication_message: $req.sms_authentication_message,
            mfa_configuration: $req.mfa_configuration,
            email_configuration: $req.email_configuration,
            admin_create_user_config: $req.admin_create_user_config,
        }
    };
}

fn apply(pool: &mut UserPoolType, m: Mutable) -> Result<(), CoreError> {
    pool.policies = Some(policies(m.policies));
    pool.deletion_protection = Some(m.deletion_protection.unwrap_or_else(|| "INACTIVE".into()));
    let lambda = m.lambda_config.unwrap_or_default();
    for (name, version) in [
        (
            "CustomEmailSender",
            lambda
                .custom_email_sender
                .as_ref()
                .map(|s| &s.lambda_version),
        ),
        (
            "CustomSMSSender",
            lambda.custom_sms_sender.as_ref().map(|s| &s.lambda_version),
        ),
    ] {
        let Some(version) = version else { continue };
        if version != "V1_0" {
            return Err(CoreError::InvalidParameter(format!(
                "{name} LambdaVersion must be V1_0."
            )));
        }
        if lambda.kms_key_id.as_deref().is_none_or(str::is_empty) {
            return Err(CoreError::InvalidParameter(format!(
                "KMSKeyID is required when {name} is configured."
            )));
        }
    }
    pool.lambda_config = Some(lambda);
    pool.auto_verified_attributes = m.auto_verified_attributes;

    // The legacy top-level message fields and VerificationMessageTemplate describe the same
    // messages; Cognito keeps them in step.
    let mut tpl = m.verification_message_template.unwrap_or_default();
    if tpl.email_message.is_none() {
        tpl.email_message = m.email_verification_message.clone();
    }
    if tpl.email_subject.is_none() {
        tpl.email_subject = m.email_verification_subject.clone();
    }
    if tpl.sms_message.is_none() {
        tpl.sms_message = m.sms_verification_message.clone();
    }
    if tpl.default_email_option.is_none() {
        tpl.default_email_option = Some("CONFIRM_WITH_CODE".into());
    }
    if tpl.default_email_option.as_deref() == Some("CONFIRM_WITH_LINK")
        && let Some(msg) = &tpl.email_message_by_link
        && !msg.contains("{##")
    {
        return Err(CoreError::InvalidParameter(
            "EmailMessageByLink must contain a {##Verify Email##} placeholder.".into(),
        ));
    }
    pool.email_verification_message = tpl.email_message.clone();
    pool.email_verification_subject = tpl.email_subject.clone();
    pool.sms_verification_message = tpl.sms_message.clone();
    pool.verification_message_template = Some(tpl);
    pool.sms_authentication_message = m.sms_authentication_message;

    pool.mfa_configuration = Some(m.mfa_configuration.unwrap_or_else(|| "OFF".into()));
    let mut email = m.email_configuration.unwrap_or_default();
    if email.email_sending_account.is_none() {
        email.email_sending_account = Some("COGNITO_DEFAULT".into());
    }
    pool.email_configuration = Some(email);
    let mut admin = m.admin_create_user_config.unwrap_or_default();
    if admin.allow_admin_create_user_only.is_none() {
        admin.allow_admin_create_user_only = Some(false);
    }
    if admin.unused_account_validity_days.is_none() {
        admin.unused_account_validity_days = Some(7);
    }
    pool.admin_create_user_config = Some(admin);
    Ok(())
}

/// What `UpdateUserPool` does to a pool record: the request's settings, and the defaults of
/// those it leaves out (except the few Cognito keeps when omitted: tier, name, tags, key,
/// issuer and ACR configuration).
pub(crate) fn apply_update(
    rec: &mut PoolRecord,
    req: UpdateUserPoolRequest,
) -> Result<(), CoreError> {
    let p = &mut rec.config;
    if let Some(tier) = req.user_pool_tier {
        p.user_pool_tier = Some(tier);
    }
    if let Some(name) = req.pool_name {
        rec.name = name;
    }
    if let Some(tags) = req.user_pool_tags {
        crate::tags::check_tags(Some(&tags))?;
        p.user_pool_tags = Some(tags);
    }
    p.user_attribute_update_settings = req.user_attribute_update_settings;
    p.device_configuration = req.device_configuration;
    p.sms_configuration = req.sms_configuration;
    p.user_pool_add_ons = req.user_pool_add_ons;
    p.dcr_configuration = req.dcr_configuration;
    p.account_recovery_setting = req.account_recovery_setting;
    if req.key_configuration.is_some() {
        p.key_configuration = req.key_configuration;
    }
    if req.issuer_configuration.is_some() {
        p.issuer_configuration = req.issuer_configuration;
    }
    if req.acr_configuration.is_some() {
        p.acr_configuration = req.acr_configuration;
    }
    apply(p, mutable_of!(req))
}

fn check_sign_in_names(
    username_attributes: &Option<Vec<String>>,
    alias_attributes: &Option<Vec<String>>,
) -> Result<(), CoreError> {
    let has = |v: &Option<Vec<String>>| v.as_ref().is_some_and(|v| !v.is_empty());
    if has(username_attributes) && has(alias_attributes) {
        return Err(CoreError::InvalidParameter(
            "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool."
                .into(),
        ));
    }
    for list in [username_attributes, alias_attributes]
        .into_iter()
        .flatten()
    {
        let mut seen = std::collections::HashSet::new();
        if !list.iter().all(|a| seen.insert(a)) {
            return Err(CoreError::InvalidParameter(
                "Duplicate attribute in sign-in attributes.".into(),
            ));
        }
    }
    Ok(())
}

impl Tessera {
    /// `CreateUserPool`. `region` comes from the caller's SigV4 credential scope.
    pub async fn create_user_pool(
        &self,
        req: CreateUserPoolRequest,
        region: &str,
    ) -> Result<UserPoolType, CoreError> {
        self.create_pool_as(req, region, None).await
    }

    /// `CreateUserPool` with the pool id chosen by the caller (live migration keeps the
    /// source's); a taken id is the store's `Conflict`.
    pub(crate) async fn create_pool_as(
        &self,
        req: CreateUserPoolRequest,
        region: &str,
        id: Option<String>,
    ) -> Result<UserPoolType, CoreError> {
        check_sign_in_names(&req.username_attributes, &req.alias_attributes)?;
        let schema = schema::build_schema(req.schema.as_deref().unwrap_or_default())?;
        let now = self.clock.now_millis();
        let id = id.unwrap_or_else(|| ids::new_pool_id(self.rng.as_ref(), region));
        let mut pool = UserPoolType {
            id: Some(id.clone()),
            name: Some(req.pool_name.clone()),
            arn: Some(ids::pool_arn(region, &self.settings.account_id, &id)),
            schema_attributes: Some(schema),
            alias_attributes: req.alias_attributes,
            username_attributes: req.username_attributes,
            username_configuration: req.username_configuration,
            user_attribute_update_settings: req.user_attribute_update_settings,
            device_configuration: req.device_configuration,
            sms_configuration: req.sms_configuration,
            user_pool_tags: Some(req.user_pool_tags.unwrap_or_default()),
            user_pool_add_ons: req.user_pool_add_ons,
            account_recovery_setting: req.account_recovery_setting,
            user_pool_tier: Some(req.user_pool_tier.unwrap_or_else(|| "ESSENTIALS".into())),
            dcr_configuration: req.dcr_configuration,
            key_configuration: req.key_configuration,
            issuer_configuration: req.issuer_configuration,
            acr_configuration: req.acr_configuration,
            ..Default::default()
        };
        crate::tags::check_tags(pool.user_pool_tags.as_ref())?;
        apply(&mut pool, mutable_of!(req))?;
        let record = PoolRecord {
            id,
            name: req.pool_name,
            region: region.to_string(),
            created_ms: now,
            modified_ms: now,
            version: 1,
            config: pool,
        };
        self.store.insert_pool(&record).await?;
        // The pool's JWKS exists from the start, as in Cognito.
        self.create_signing_key(&record.id).await?;
        crate::settings::pool_saved(&record);
        self.describe(record).await
    }

    /// The pool as this site sees it: at a secondary Region, the primary's record with the
    /// replica's own settings (`Tessera::seen_here`). For reading only: writes start from
    /// [`Tessera::stored_pool`].
    pub(crate) async fn load_pool(&self, pool_id: &str) -> Result<PoolRecord, CoreError> {
        let rec = self.stored_pool(pool_id).await?;
        self.seen_here(rec).await
    }

    /// The pool record as stored (the primary's settings), which read-modify-writes start from.
    pub(crate) async fn stored_pool(&self, pool_id: &str) -> Result<PoolRecord, CoreError> {
        self.store
            .get_pool(pool_id)
            .await?
            .ok_or_else(|| not_found(pool_id))
    }

    /// The pool's EstimatedNumberOfUsers: counted each time while the pool is small (exact,
    /// under a millisecond), and for a pool of `RECOUNT_BELOW` users or more reused for
    /// `COUNT_TTL_MS` on this node, since counting a million rows takes tens of milliseconds
    /// (docs/benchmarks.md, console pages) and Cognito calls it an estimate.
    async fn estimated_users(&self, pool_id: &str) -> Result<u64, CoreError> {
        const RECOUNT_BELOW: u64 = 10_000;
        const COUNT_TTL_MS: i64 = 60_000;
        let now = self.clock.now_millis();
        let cached = crate::lock::mutex(&self.user_counts).get(pool_id).copied();
        if let Some((n, at)) = cached
            && n >= RECOUNT_BELOW
            && now - at < COUNT_TTL_MS
        {
            return Ok(n);
        }
        let n = self.store.count_users(pool_id).await?;
        crate::lock::mutex(&self.user_counts).insert(pool_id.to_string(), (n, now));
        Ok(n)
    }

    /// Fills the fields that are derived rather than stored.
    async fn describe(&self, rec: PoolRecord) -> Result<UserPoolType, CoreError> {
        let users = self.estimated_users(&rec.id).await?;
        let mut p = rec.config;
        p.estimated_number_of_users = Some(i32::try_from(users).unwrap_or(i32::MAX));
        p.id = Some(rec.id);
        p.name = Some(rec.name);
        p.creation_date = Some(rec.created_ms as f64 / 1000.0);
        p.last_modified_date = Some(rec.modified_ms as f64 / 1000.0);
        Ok(p)
    }

    /// `DescribeUserPool`.
    pub async fn describe_user_pool(&self, pool_id: &str) -> Result<UserPoolType, CoreError> {
        // A secondary describes the replica: the same id, its own Region's ARN, tags and
        // regional settings.
        let rec = self.load_pool(pool_id).await?;
        self.describe(rec).await
    }

    /// Read-modify-write of a pool with optimistic concurrency.
    pub(crate) async fn modify_pool(
        &self,
        pool_id: &str,
        mut change: impl FnMut(&mut PoolRecord) -> Result<(), CoreError>,
    ) -> Result<PoolRecord, CoreError> {
        for _ in 0..crate::MAX_RETRIES {
            let mut rec = self.stored_pool(pool_id).await?;
            let expected = rec.version;
            change(&mut rec)?;
            rec.version = expected + 1;
            rec.modified_ms = self.clock.now_millis().max(rec.modified_ms);
            if self.store.update_pool(&rec, expected).await? {
                self.changed(ChangeKind::Pool, &rec.id, &rec.id).await?;
                crate::settings::pool_saved(&rec);
                return Ok(rec);
            }
        }
        Err(crate::concurrent_modification("user pool"))
    }

    /// `UpdateUserPool`: settings left out of the request return to their defaults. At a
    /// secondary Region it changes only the replica's own settings
    /// ([`Tessera::update_replica_settings`]).
    pub async fn update_user_pool(&self, req: UpdateUserPoolRequest) -> Result<(), CoreError> {
        if let Some(site) = self.secondary_site(&req.user_pool_id).await? {
            return self.update_replica_settings(&site, req).await;
        }
        let pool_id = req.user_pool_id.clone();
        self.modify_pool(&pool_id, |rec| apply_update(rec, req.clone()))
            .await?;
        Ok(())
    }

    /// `DeleteUserPool`, refused while deletion protection is active.
    pub async fn delete_user_pool(&self, pool_id: &str) -> Result<(), CoreError> {
        let rec = self.load_pool(pool_id).await?;
        if rec.config.deletion_protection.as_deref() == Some("ACTIVE") {
            return Err(CoreError::InvalidParameter(
                "The user pool cannot be deleted because deletion protection is activated. \
                 Deletion protection must be inactivated first."
                    .into(),
            ));
        }
        if rec.config.domain.is_some() || rec.config.custom_domain.is_some() {
            return Err(CoreError::InvalidParameter(
                "User pool cannot be deleted. It has a domain configured that should be deleted first."
                    .into(),
            ));
        }
        if !self.store.delete_pool(pool_id).await? {
            return Err(not_found(pool_id));
        }
        self.keys.forget(pool_id);
        self.changed(ChangeKind::Pool, pool_id, pool_id).await?;
        Ok(())
    }

    /// `ListUserPools`: one page ordered by pool id.
    pub async fn list_user_pools(
        &self,
        max_results: i32,
        next_token: Option<&str>,
    ) -> Result<(Vec<UserPoolDescriptionType>, Option<String>), CoreError> {
        let after = next_token.map(page::decode).transpose()?;
        let limit = page::size(Some(max_results));
        let rows = self.store.list_pools(after.as_deref(), limit + 1).await?;
        let (rows, next) = page::finish(rows, limit as usize, |r| &r.id);
        let mut items = Vec::with_capacity(rows.len());
        for r in rows {
            let r = self.seen_here(r).await?;
            // A site that answers as one Region lists the pools that exist there.
            match self.site_role(&r.id).await {
                Err(CoreError::ResourceNotFound(_)) => continue,
                other => drop(other?),
            }
            items.push(UserPoolDescriptionType {
                replica_regions: self.replica_regions(&r.id).await?,
                id: Some(r.id),
                name: Some(r.name),
                lambda_config: r.config.lambda_config,
                status: r.config.status,
                last_modified_date: Some(r.modified_ms as f64 / 1000.0),
                creation_date: Some(r.created_ms as f64 / 1000.0),
            });
        }
        Ok((items, next))
    }

    /// `AddCustomAttributes`.
    pub async fn add_custom_attributes(
        &self,
        req: AddCustomAttributesRequest,
    ) -> Result<(), CoreError> {
        let customs = req
            .custom_attributes
            .iter()
            .map(schema::custom_attribute)
            .collect::<Result<Vec<_>, _>>()?;
        self.modify_pool(&req.user_pool_id, |rec| {
            let mut schema = rec.config.schema_attributes.take().unwrap_or_default();
            let result = schema::append_custom(&mut schema, customs.clone());
            rec.config.schema_attributes = Some(schema);
            result
        })
        .await?;
        Ok(())
    }
}
