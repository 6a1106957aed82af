//! USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH (the password sent over TLS and checked
//! against the argon2id hash), the user-state checks every sign-in passes after its
//! password, and the NEW_PASSWORD_REQUIRED challenge.

use std::collections::HashMap;
use std::sync::OnceLock;

use tessera_wire::idp::AttributeType;

use super::lockout::lock_key;
use super::session::{SessionState, session_ttl_ms};
use super::{Api, AuthOutcome, incorrect_password, missing_user, param};
use crate::migration::FromSource;
use crate::secret::Secret;
use crate::store::{ClientRecord, PoolRecord, UserRecord};
use crate::users::attributes::{self, Writer};
use crate::users::{password, status};
use crate::{CoreError, Tessera};

pub(crate) const NEW_PASSWORD_REQUIRED: &str = "NEW_PASSWORD_REQUIRED";

/// A hash of no one's password, verified when the user does not exist so that a missing
/// user costs the same time as a wrong password.
async fn decoy_hash(rng: &dyn crate::rand::Rng) -> Result<Secret<String>, CoreError> {
    static DECOY: OnceLock<Secret<String>> = OnceLock::new();
    if let Some(h) = DECOY.get() {
        return Ok(h.clone());
    }
    let mut pw = [0u8; 24];
    rng.fill(&mut pw);
    let h = password::hash(&hex::encode(pw), rng).await?;
    Ok(DECOY.get_or_init(|| h).clone())
}

impl Tessera {
    pub(crate) async fn password_auth(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        params: &HashMap<String, String>,
        api: Api,
    ) -> Result<AuthOutcome, CoreError> {
        let username = param(params, "USERNAME")?;
        let given = param(params, "PASSWORD")?;
        if api != Api::Hosted {
            Self::check_secret_hash(
                client,
                username,
                params.get("SECRET_HASH").map(String::as_str),
            )?;
        }
        let mut user = self.find_user(pool, username).await?;
        if let Some(u) = self
            .password_from_source(pool, client, username, given, user.as_ref())
            .await?
        {
            user = Some(u);
        }
        if user.is_none() {
            // Not here yet: the pool's UserMigration trigger may bring the user in.
            user = self
                .migrate_user(
                    pool,
                    client,
                    username,
                    Some(given),
                    super::client_metadata(params),
                )
                .await?;
        }
        self.pre_authentication(pool, client, user.as_ref(), username, params)
            .await?;
        // A missing user goes through the same reads, hash and writes as a wrong password.
        let key = lock_key(client, user.as_ref(), username);
        let attempt = self.begin_attempt(&pool.id, key).await?;
        let stored = match user.as_ref().and_then(|u| u.password_hash.as_ref()) {
            Some(h) => h.clone(),
            None => decoy_hash(self.rng.as_ref()).await?,
        };
        let ok = password::verify(given, &stored).await?;
        let user = match user {
            Some(u) if ok && u.password_hash.is_some() => u,
            // An imported user has no password yet: whatever is typed asks for the reset
            // (the guide, "Requiring imported users to reset their passwords").
            // So does a user brought in from a source pool that is no longer asked.
            Some(u)
                if u.password_hash.is_none()
                    && u.enabled
                    && (u.status == status::RESET_REQUIRED || crate::migration::is_pending(&u)) =>
            {
                return Err(CoreError::PasswordResetRequired(
                    "Password reset required for the user".into(),
                ));
            }
            found => {
                return Err(match found {
                    Some(_) => incorrect_password(),
                    None => missing_user(client),
                });
            }
        };
        self.attempt_succeeded(&pool.id, attempt).await?;
        // A password hash imported from another system is replaced, now that the password
        // is known, by Tessera's own hash and SRP verifier (as Cognito migrates it).
        let user = match &user.password_hash {
            Some(h)
                if crate::users::imported_hash::is_foreign(h.expose())
                    || user.extra["srp"].is_null() =>
            {
                let creds = self.credentials(&pool.id, &user.username, given).await?;
                let now = self.clock.now_millis();
                let verified = h.expose().clone();
                // Unless the password changed meanwhile (AdminSetUserPassword).
                self.modify_user(pool, &user.username, |u| {
                    if u.password_hash.as_ref().map(|x| x.expose()) == Some(&verified) {
                        creds.apply(u, now);
                    }
                    Ok(())
                })
                .await?
            }
            _ => user,
        };
        let device = params.get("DEVICE_KEY").cloned();
        // InitiateAuth's ClientMetadata reaches PreAuthentication and UserMigration only.
        self.after_password(pool, client, user, api, device, &serde_json::json!({}))
            .await
    }

    /// Live migration (`crate::migration`): a user missing here, or brought here without a
    /// password (pending), whose password the pool's source Cognito pool accepts; the user
    /// as it is now. The source is asked who the name is first, and the attempt is counted
    /// under that user's own key (whatever name was typed) before the password goes there,
    /// so no one can guess passwords at the source through us. `None`: nothing to do, or the
    /// source does not know the user (the caller goes on as without a source).
    async fn password_from_source(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        typed: &str,
        given: &str,
        found: Option<&UserRecord>,
    ) -> Result<Option<UserRecord>, CoreError> {
        let pending = found.filter(|u| crate::migration::is_pending(u));
        // A secondary Region creates and changes no user.
        if (found.is_some() && pending.is_none()) || self.secondary_here(&pool.id).await? {
            return Ok(None);
        }
        let Some(link) = self.live_source(pool).await? else {
            return Ok(None);
        };
        let (key, at_source) = match pending {
            Some(u) => (lock_key(client, Some(u), typed), None),
            None => match self.source_lookup(&link, typed).await? {
                Some(got) => {
                    let key = match got.sub() {
                        Some(sub) => format!("sub:{sub}"),
                        None => format!("migrate:{}", got.username.to_lowercase()),
                    };
                    (Some(key), Some(got))
                }
                None => return Ok(None),
            },
        };
        let attempt = self.begin_attempt(&pool.id, key).await?;
        let outcome = match (pending, at_source) {
            (Some(u), _) => self.complete_pending(pool, &link, u, given).await?,
            (None, Some(got)) => {
                self.migrate_from_source(pool, &link, got, Some(given))
                    .await?
            }
            (None, None) => return Ok(None),
        };
        match outcome {
            FromSource::User(u) => {
                self.attempt_succeeded(&pool.id, attempt).await?;
                Ok(Some(*u))
            }
            FromSource::Refused => Err(incorrect_password()),
            FromSource::Unconfirmed => {
                Err(CoreError::UserNotConfirmed("User is not confirmed.".into()))
            }
            FromSource::NotThere => Ok(None),
        }
    }

    /// What follows a proven password: the user-state errors, the temporary-password
    /// challenge, or tokens.
    pub(super) async fn after_password(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        user: UserRecord,
        api: Api,
        device: Option<String>,
        metadata: &serde_json::Value,
    ) -> Result<AuthOutcome, CoreError> {
        if !user.enabled {
            return Err(CoreError::NotAuthorized("User is disabled.".into()));
        }
        match user.status.as_str() {
            status::UNCONFIRMED => {
                return Err(CoreError::UserNotConfirmed("User is not confirmed.".into()));
            }
            status::RESET_REQUIRED => {
                return Err(CoreError::PasswordResetRequired(
                    "Password reset required for the user".into(),
                ));
            }
            status::FORCE_CHANGE_PASSWORD => {
                let days = self
                    .password_policy(pool)
                    .temporary_password_validity_days
                    .filter(|d| *d > 0)
                    .unwrap_or(7);
                let set = user.password_set_ms.unwrap_or(user.created_ms);
                if self.clock.now_millis() > set + i64::from(days) * 86_400_000 {
                    return Err(CoreError::NotAuthorized(
                        "Temporary password has expired and must be reset by an administrator."
                            .into(),
                    ));
                }
                return Ok(self.new_password_challenge(pool, client, &user, device));
            }
            _ => {}
        }
        if let Some(challenge) = self
            .device_step(pool, client, &user, device.as_deref())
            .await?
        {
            return Ok(challenge);
        }
        if let Some(challenge) = self
            .mfa_step(pool, client, &user, device.as_deref(), metadata)
            .await?
        {
            return Ok(challenge);
        }
        self.finish(pool, client, &user, api, device.as_deref(), metadata)
            .await
    }

    /// The end of a sign-in: tokens, or for the hosted pages the user it proved.
    pub(crate) async fn finish(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        user: &UserRecord,
        api: Api,
        device: Option<&str>,
        metadata: &serde_json::Value,
    ) -> Result<AuthOutcome, CoreError> {
        let firing = crate::triggers::Firing {
            trigger: crate::triggers::Trigger::PostAuthentication,
            source: "PostAuthentication_Authentication",
            user_name: &user.username,
            client_id: Some(&client.client_id),
            request: serde_json::json!({
                "userAttributes": crate::triggers::user_attributes(user),
                "newDeviceUsed": device.is_none() && pool.config.device_configuration.is_some(),
                "clientMetadata": metadata,
            }),
        };
        self.fire(pool, firing).await?;
        super::signed_in();
        if api == Api::Hosted {
            return Ok(AuthOutcome {
                signed_in: Some(user.sub.clone()),
                ..Default::default()
            });
        }
        Ok(AuthOutcome::tokens(
            self.issue_tokens_on(pool, client, user, device, metadata)
                .await?,
        ))
    }

    fn new_password_challenge(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        user: &UserRecord,
        device: Option<String>,
    ) -> AuthOutcome {
        let required: Vec<String> = attributes::required_names(pool)
            .into_iter()
            .filter(|n| user.attributes.get(n).is_none_or(String::is_empty))
            .map(|n| format!("userAttributes.{n}"))
            .collect();
        let shown: serde_json::Map<String, serde_json::Value> = user
            .attributes
            .iter()
            .filter(|(k, _)| !k.starts_with("dev:"))
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        let state = SessionState {
            p: pool.id.clone(),
            c: client.client_id.clone(),
            s: user.sub.clone(),
            u: user.username.clone(),
            ch: NEW_PASSWORD_REQUIRED.into(),
            x: self.clock.now_millis() + session_ttl_ms(client),
            d: device,
            ..Default::default()
        };
        let mut params = HashMap::new();
        params.insert("USER_ID_FOR_SRP".into(), user.username.clone());
        params.insert(
            "requiredAttributes".into(),
            serde_json::Value::from(required).to_string(),
        );
        params.insert(
            "userAttributes".into(),
            serde_json::Value::Object(shown).to_string(),
        );
        AuthOutcome {
            signed_in: None,
            available_challenges: None,
            challenge_name: Some(NEW_PASSWORD_REQUIRED.into()),
            session: Some(self.seal_session(&state)),
            challenge_parameters: Some(params),
            authentication_result: None,
        }
    }

    /// The answer to NEW_PASSWORD_REQUIRED: the new password and any required attributes.
    pub(crate) async fn new_password(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        session: &str,
        responses: &HashMap<String, String>,
        api: Api,
    ) -> Result<AuthOutcome, CoreError> {
        let state = self.open_session(session, &client.client_id, NEW_PASSWORD_REQUIRED)?;
        let new = param(responses, "NEW_PASSWORD")?;
        Self::check_answer_secret(client, &state.u, responses, api)?;
        let user = self
            .store
            .get_user_by_sub(&pool.id, &state.s)
            .await?
            .ok_or_else(super::session::expired_session)?;
        if user.status != status::FORCE_CHANGE_PASSWORD {
            return Err(super::session::expired_session());
        }
        let given: Vec<AttributeType> = responses
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("userAttributes.").map(|name| AttributeType {
                    name: name.to_string(),
                    value: Some(v.clone()),
                })
            })
            .collect();
        let writer = match api {
            Api::Admin => Writer::Admin,
            Api::Client | Api::Hosted => Writer::Client(client.config.write_attributes.as_deref()),
        };
        let attrs = attributes::check(pool, &given, writer, Some(&user))?;
        let mut merged = user.attributes.clone();
        merged.extend(attrs.clone());
        // A required attribute still missing: Cognito names the first one in its own words
        // here (aws/aws-sdk-js#1290, kdgregory/example-cognito-java#1; docs/fidelity.md,
        // "Audit: sign-in", S23), not in the schema's "did not conform" list.
        if let Some(name) = attributes::required_names(pool)
            .into_iter()
            .find(|name| merged.get(name).is_none_or(String::is_empty))
        {
            return Err(CoreError::InvalidParameter(format!(
                "Invalid attributes given, {name} is missing"
            )));
        }
        password::check_policy(&self.password_policy(pool), new)?;
        // The answer is valid: the one request that spends the session sets the password.
        self.spend(&state).await?;
        self.set_password(pool, &user.username, new, status::CONFIRMED)
            .await?;
        let user = self
            .modify_user(pool, &user.username, |u| {
                u.attributes.extend(attrs.clone());
                Ok(())
            })
            .await?;
        let device = responses
            .get("DEVICE_KEY")
            .map(String::as_str)
            .or(state.d.as_deref());
        let metadata = crate::auth::client_metadata(responses);
        if let Some(challenge) = self
            .mfa_step(pool, client, &user, device, &metadata)
            .await?
        {
            return Ok(challenge);
        }
        self.finish(pool, client, &user, api, device, &metadata)
            .await
    }
}
