//! Cognito's Lambda triggers, delivered to whatever target the deployment maps each function
//! ARN to (an HTTP endpoint or a local command: the `TriggerInvoker` port). The event is the
//! JSON Cognito sends to Lambda (version, triggerSource, region, userPoolId, userName,
//! callerContext, request, response), and the answer is read back as Lambda's return value.
//!
//! Failures answer as Cognito's do: the target's own error →
//! `UserLambdaValidationException` "<Trigger> failed with error <message>."; a timeout or an
//! unreachable or unmapped target → `UnexpectedLambdaException`; an answer that is not the
//! event JSON → `InvalidLambdaResponseException`.

pub mod sender;
pub mod token;

use std::time::Instant;

use async_trait::async_trait;
use serde_json::{Map, Value, json};

use crate::store::PoolRecord;
use crate::{CoreError, Tessera};

/// Why an invocation gave no answer.
#[derive(Debug, Clone, PartialEq)]
pub enum TriggerError {
    /// No target is configured for the ARN.
    Unmapped,
    /// No answer within the time limit (5 seconds, as Lambda's for Cognito).
    Timeout,
    /// The target could not be reached or run.
    Unreachable(String),
    /// The target answered with an error (its message).
    Failed(String),
    /// The answer was not JSON.
    Invalid(String),
}

/// Where trigger events go.
#[async_trait]
pub trait TriggerInvoker: Send + Sync {
    async fn invoke(&self, arn: &str, event: &Value) -> Result<Value, TriggerError>;
    /// Whether the ARN has a target (for the warning at start).
    fn knows(&self, arn: &str) -> bool;
}

/// No targets: every configured trigger fails clearly.
pub struct NoTriggers;

#[async_trait]
impl TriggerInvoker for NoTriggers {
    async fn invoke(&self, _arn: &str, _event: &Value) -> Result<Value, TriggerError> {
        Err(TriggerError::Unmapped)
    }
    fn knows(&self, _arn: &str) -> bool {
        false
    }
}

/// The triggers Tessera fires, by Cognito's name for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    PreSignUp,
    PostConfirmation,
    PreAuthentication,
    PostAuthentication,
    PreTokenGeneration,
    CustomMessage,
    UserMigration,
    DefineAuthChallenge,
    CreateAuthChallenge,
    VerifyAuthChallengeResponse,
    CustomEmailSender,
    CustomSmsSender,
}

impl Trigger {
    pub fn name(self) -> &'static str {
        match self {
            Trigger::PreSignUp => "PreSignUp",
            Trigger::PostConfirmation => "PostConfirmation",
            Trigger::PreAuthentication => "PreAuthentication",
            Trigger::PostAuthentication => "PostAuthentication",
            Trigger::PreTokenGeneration => "PreTokenGeneration",
            Trigger::CustomMessage => "CustomMessage",
            Trigger::UserMigration => "UserMigration",
            Trigger::DefineAuthChallenge => "DefineAuthChallenge",
            Trigger::CreateAuthChallenge => "CreateAuthChallenge",
            Trigger::VerifyAuthChallengeResponse => "VerifyAuthChallengeResponse",
            Trigger::CustomEmailSender => "CustomEmailSender",
            Trigger::CustomSmsSender => "CustomSMSSender",
        }
    }

    /// The pool's function ARN for this trigger, and the event version it takes.
    pub(crate) fn target(self, pool: &PoolRecord) -> Option<(String, &'static str)> {
        let c = pool.config.lambda_config.as_ref()?;
        let plain = |v: &Option<String>| v.clone().filter(|a| !a.is_empty()).map(|a| (a, "1"));
        match self {
            Trigger::PreSignUp => plain(&c.pre_sign_up),
            Trigger::PostConfirmation => plain(&c.post_confirmation),
            Trigger::PreAuthentication => plain(&c.pre_authentication),
            Trigger::PostAuthentication => plain(&c.post_authentication),
            Trigger::CustomMessage => plain(&c.custom_message),
            Trigger::UserMigration => plain(&c.user_migration),
            Trigger::DefineAuthChallenge => plain(&c.define_auth_challenge),
            Trigger::CreateAuthChallenge => plain(&c.create_auth_challenge),
            Trigger::VerifyAuthChallengeResponse => plain(&c.verify_auth_challenge_response),
            Trigger::CustomEmailSender => {
                plain(&c.custom_email_sender.as_ref().map(|s| s.lambda_arn.clone()))
            }
            Trigger::CustomSmsSender => {
                plain(&c.custom_sms_sender.as_ref().map(|s| s.lambda_arn.clone()))
            }
            Trigger::PreTokenGeneration => match &c.pre_token_generation_config {
                Some(v) if !v.lambda_arn.is_empty() => Some((
                    v.lambda_arn.clone(),
                    match v.lambda_version.as_str() {
                        "V3_0" => "3",
                        "V2_0" => "2",
                        _ => "1",
                    },
                )),
                _ => plain(&c.pre_token_generation),
            },
        }
    }
}

/// Every function ARN a pool names in its LambdaConfig.
pub fn configured_arns(pool: &PoolRecord) -> Vec<String> {
    let Some(c) = pool.config.lambda_config.as_ref() else {
        return Vec::new();
    };
    let mut out: Vec<String> = [
        &c.pre_sign_up,
        &c.post_confirmation,
        &c.pre_authentication,
        &c.post_authentication,
        &c.pre_token_generation,
        &c.custom_message,
        &c.user_migration,
        &c.define_auth_challenge,
        &c.create_auth_challenge,
        &c.verify_auth_challenge_response,
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect();
    if let Some(v) = &c.pre_token_generation_config {
        out.push(v.lambda_arn.clone());
    }
    if let Some(v) = &c.custom_email_sender {
        out.push(v.lambda_arn.clone());
    }
    if let Some(v) = &c.custom_sms_sender {
        out.push(v.lambda_arn.clone());
    }
    out.retain(|a| !a.is_empty());
    out.sort();
    out.dedup();
    out
}

/// What a trigger is fired with.
pub(crate) struct Firing<'a> {
    pub trigger: Trigger,
    pub source: &'a str,
    pub user_name: &'a str,
    pub client_id: Option<&'a str>,
    pub request: Value,
}

impl Tessera {
    /// Fires a trigger when the pool configures one: `Ok(None)` when it does not, else the
    /// event's `response`. The event's version is the configured one.
    pub(crate) async fn fire(
        &self,
        pool: &PoolRecord,
        f: Firing<'_>,
    ) -> Result<Option<Map<String, Value>>, CoreError> {
        let Some((arn, version)) = f.trigger.target(pool) else {
            return Ok(None);
        };
        // The Region that runs the trigger: a secondary's own (its triggers are its own).
        let region = self.settings.site_region.as_deref().unwrap_or(&pool.region);
        let event = json!({
            "version": version,
            "triggerSource": f.source,
            "region": region,
            "userPoolId": pool.id,
            "userName": f.user_name,
            "callerContext": {
                "awsSdkVersion": "aws-sdk-unknown-unknown",
                "clientId": f.client_id.unwrap_or("CLIENT_ID_NOT_APPLICABLE"),
            },
            "request": f.request,
            "response": {},
        });
        let started = Instant::now();
        let answer = self.triggers.invoke(&arn, &event).await;
        let outcome = match &answer {
            Ok(_) => "ok",
            Err(TriggerError::Failed(_)) => "refused",
            Err(TriggerError::Timeout) => "timeout",
            Err(TriggerError::Unmapped) => "unmapped",
            Err(TriggerError::Unreachable(_)) => "unreachable",
            Err(TriggerError::Invalid(_)) => "invalid",
        };
        let elapsed = started.elapsed();
        // Never the event or the answer: they hold user attributes and codes.
        tracing::info!(
            trigger = f.trigger.name(),
            source = f.source,
            target = %arn,
            duration_ms = elapsed.as_millis() as u64,
            outcome,
            "trigger invoked"
        );
        metrics::counter!(
            "tessera_trigger_invocations_total",
            "trigger" => f.trigger.name(),
            "outcome" => outcome,
        )
        .increment(1);
        metrics::histogram!("tessera_trigger_duration_seconds", "trigger" => f.trigger.name())
            .record(elapsed.as_secs_f64());
        let name = f.trigger.name();
        match answer {
            Ok(Value::Object(mut e)) => match e.remove("response") {
                Some(Value::Object(r)) => Ok(Some(r)),
                Some(Value::Null) | None => Ok(Some(Map::new())),
                Some(_) => Err(CoreError::InvalidLambdaResponse(
                    "Unrecognizable lambda output".into(),
                )),
            },
            Ok(_) => Err(CoreError::InvalidLambdaResponse(
                "Unrecognizable lambda output".into(),
            )),
            Err(TriggerError::Failed(m)) => Err(CoreError::UserLambdaValidation(format!(
                "{name} failed with error {m}."
            ))),
            Err(TriggerError::Invalid(_)) => Err(CoreError::InvalidLambdaResponse(
                "Unrecognizable lambda output".into(),
            )),
            Err(TriggerError::Timeout) => Err(CoreError::UnexpectedLambda(format!(
                "{name} invocation failed due to error Socket timeout while invoking Lambda function."
            ))),
            Err(TriggerError::Unreachable(_)) => Err(CoreError::UnexpectedLambda(format!(
                "{name} invocation failed due to error: the trigger target could not be reached."
            ))),
            Err(TriggerError::Unmapped) => Err(CoreError::UnexpectedLambda(format!(
                "{name} invocation failed: no trigger target is configured for {arn}."
            ))),
        }
    }
}

impl Tessera {
    /// PreAuthentication, before a sign-in checks the password: the trigger may refuse it.
    /// A user who does not exist is announced (`userNotFound`) only to clients with
    /// PreventUserExistenceErrors, whose callers cannot tell the difference anyway.
    pub(crate) async fn pre_authentication(
        &self,
        pool: &PoolRecord,
        client: &crate::store::ClientRecord,
        user: Option<&crate::store::UserRecord>,
        username: &str,
        params: &std::collections::HashMap<String, String>,
    ) -> Result<(), CoreError> {
        if Trigger::PreAuthentication.target(pool).is_none()
            || (user.is_none() && !crate::users::signup::hides_users(client))
        {
            return Ok(());
        }
        let validation: Map<String, Value> = params
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("VALIDATION_DATA_")
                    .map(|n| (n.to_string(), Value::String(v.clone())))
            })
            .collect();
        let firing = Firing {
            trigger: Trigger::PreAuthentication,
            source: "PreAuthentication_Authentication",
            user_name: user.map_or(username, |u| u.username.as_str()),
            client_id: Some(&client.client_id),
            request: json!({
                "userAttributes": user.map_or_else(|| json!({}), user_attributes),
                "validationData": validation,
                "clientMetadata": crate::auth::client_metadata(params),
                "userNotFound": user.is_none(),
            }),
        };
        self.fire(pool, firing).await?;
        Ok(())
    }
}

impl Tessera {
    /// CustomMessage: the trigger may replace a code message's text (which must keep the
    /// `{####}` placeholder) and subject. Returns the subject and template to use. Not fired
    /// for a channel a custom sender composes itself.
    pub(crate) async fn custom_message(
        &self,
        pool: &PoolRecord,
        user: &crate::store::UserRecord,
        purpose: crate::messages::Purpose,
        delivery: &crate::users::codes::Delivery,
        subject: Option<String>,
        template: String,
    ) -> Result<(Option<String>, String), CoreError> {
        use crate::messages::{Channel, Purpose};
        let channel = delivery.channel;
        if Trigger::CustomMessage.target(pool).is_none()
            || sender::sender_for(pool, channel).is_some()
        {
            return Ok((subject, template));
        }
        let source = format!("CustomMessage_{}", sender::purpose_name(purpose));
        // AdminCreateUser's invitation names the user: `usernameParameter` is a placeholder
        // there, the user's name elsewhere.
        let invitation = purpose == Purpose::AdminCreateUser;
        let firing = Firing {
            trigger: Trigger::CustomMessage,
            source: &source,
            user_name: &user.username,
            client_id: None,
            request: json!({
                "userAttributes": user_attributes(user),
                "codeParameter": "{####}",
                "usernameParameter": if invitation { "{username}" } else { user.username.as_str() },
                "linkParameter": "{##Click Here##}",
                "clientMetadata": delivery.metadata,
            }),
        };
        let Some(r) = self.fire(pool, firing).await? else {
            return Ok((subject, template));
        };
        let text = |k: &str| r.get(k).and_then(Value::as_str).filter(|t| !t.is_empty());
        let body = match channel {
            Channel::Email => text("emailMessage"),
            Channel::Sms => text("smsMessage"),
        };
        let template = match body {
            Some(b) if invitation && !b.contains("{username}") => {
                return Err(CoreError::InvalidLambdaResponse(
                    "Invalid lambda response received: CustomMessage for AdminCreateUser must keep the {username} and {####} placeholders."
                        .into(),
                ));
            }
            Some(b) if b.contains("{####}") => b.to_string(),
            Some(_) => {
                return Err(CoreError::InvalidLambdaResponse(
                    "Invalid lambda response received: CustomMessage must keep the {####} code placeholder."
                        .into(),
                ));
            }
            None => template,
        };
        let subject = match channel {
            Channel::Email => text("emailSubject").map(str::to_owned).or(subject),
            Channel::Sms => subject,
        };
        Ok((subject, template))
    }
}

impl Tessera {
    /// UserMigration: a user who is not in the pool yet may be created from the trigger's
    /// answer (its `userAttributes` and `finalUserStatus`), with `password` when the sign-in
    /// gave one (UserMigration_Authentication) or in RESET_REQUIRED
    /// (UserMigration_ForgotPassword). `Ok(None)`: no trigger, or it did not answer with a
    /// user.
    pub(crate) async fn migrate_user(
        &self,
        pool: &PoolRecord,
        client: &crate::store::ClientRecord,
        username: &str,
        password: Option<&str>,
        metadata: Value,
    ) -> Result<Option<crate::store::UserRecord>, CoreError> {
        use crate::users::status;
        // A secondary Region creates no user.
        if Trigger::UserMigration.target(pool).is_none() || self.secondary_here(&pool.id).await? {
            return Ok(None);
        }
        let (source, request) = match password {
            Some(p) => (
                "UserMigration_Authentication",
                json!({ "password": p, "validationData": {}, "clientMetadata": metadata }),
            ),
            None => (
                "UserMigration_ForgotPassword",
                json!({ "validationData": {}, "clientMetadata": metadata }),
            ),
        };
        let firing = Firing {
            trigger: Trigger::UserMigration,
            source,
            user_name: username,
            client_id: Some(&client.client_id),
            request,
        };
        let Some(r) = self.fire(pool, firing).await? else {
            return Ok(None);
        };
        let Some(Value::Object(given)) = r.get("userAttributes") else {
            return Ok(None);
        };
        let attrs: Vec<tessera_wire::idp::AttributeType> = given
            .iter()
            .filter(|(k, _)| k.as_str() != "sub" && k.as_str() != "username")
            .map(|(k, v)| tessera_wire::idp::AttributeType {
                name: k.clone(),
                value: Some(v.as_str().map_or_else(|| v.to_string(), str::to_owned)),
            })
            .collect();
        let checked = crate::users::attributes::check(
            pool,
            &attrs,
            crate::users::attributes::Writer::Admin,
            None,
        )
        .map_err(|e| CoreError::InvalidLambdaResponse(format!("UserMigration: {e}")))?;
        let final_status = match (password, r.get("finalUserStatus").and_then(Value::as_str)) {
            (Some(_), Some("RESET_REQUIRED")) | (None, _) => status::RESET_REQUIRED,
            _ => status::CONFIRMED,
        };
        let mut user = self.new_user(pool, username, checked, final_status)?;
        if let Some(p) = password {
            let created = user.created_ms;
            self.credentials(&pool.id, &user.username, p)
                .await?
                .apply(&mut user, created);
        }
        // A concurrent sign-in for the same user may have brought them in first: the user is
        // theirs, and the caller checks this password against it as for anyone.
        Ok(Some(
            self.insert_migrated(pool, &user, username)
                .await?
                .unwrap_or(user),
        ))
    }
}

/// PreSignUp's `request`: the new user's attributes (no `sub` yet), the validation data and
/// the client metadata.
pub(crate) fn sign_up_request(
    u: &crate::store::UserRecord,
    validation_data: Option<&[tessera_wire::idp::AttributeType]>,
    client_metadata: Option<&std::collections::HashMap<String, String>>,
) -> Value {
    let mut attrs = user_attributes(u);
    if let Some(m) = attrs.as_object_mut() {
        m.remove("sub");
        m.remove("cognito:user_status");
    }
    let validation: Map<String, Value> = validation_data
        .unwrap_or_default()
        .iter()
        .filter_map(|a| a.value.clone().map(|v| (a.name.clone(), Value::String(v))))
        .collect();
    json!({
        "userAttributes": attrs,
        "validationData": validation,
        "clientMetadata": client_metadata.cloned().unwrap_or_default(),
    })
}

/// A user's attributes as a trigger's `request.userAttributes` (strings, `sub` included).
pub(crate) fn user_attributes(u: &crate::store::UserRecord) -> Value {
    let mut m: Map<String, Value> = u
        .attributes
        .iter()
        .filter(|(k, _)| !k.starts_with("dev:"))
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    m.insert("sub".into(), Value::String(u.sub.clone()));
    m.insert(
        "cognito:user_status".into(),
        Value::String(u.status.clone()),
    );
    Value::Object(m)
}
