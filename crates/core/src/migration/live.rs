//! Bringing one user in from the source pool: on a sign-in whose password the source
//! accepts, or on ForgotPassword (without a password).

use serde_json::{Value, json};
use tessera_wire::idp::{AdminGetUserResponse, AttributeType};

use super::{Link, SourceError, unavailable};
use crate::store::{PoolRecord, StoreError, UserRecord};
use crate::users::attributes::{self, Writer};
use crate::users::{refresh_aliases, status, username_attributes, username_key};
use crate::{CoreError, Tessera};

/// Challenges Cognito asks only once the password checked out.
const PROVING_CHALLENGES: &[&str] = &[
    "NEW_PASSWORD_REQUIRED",
    "SMS_MFA",
    "SOFTWARE_TOKEN_MFA",
    "EMAIL_OTP",
    "SELECT_MFA_TYPE",
    "MFA_SETUP",
    "DEVICE_SRP_AUTH",
];

/// What the source said of a password.
#[derive(Debug, PartialEq, Eq)]
enum Proof {
    /// It is the user's password (tokens, or a challenge that follows a right password).
    Proven,
    /// The user must reset it there (PasswordResetRequiredException): brought in without.
    ResetRequired,
    /// Wrong password (NotAuthorizedException).
    Refused,
    /// No such user at the source.
    NotThere,
}

fn counted(pool: &PoolRecord, via: &'static str, outcome: &'static str) {
    metrics::counter!("tessera_migration_users_total",
        "pool_id" => pool.id.clone(), "via" => via, "outcome" => outcome)
    .increment(1);
}

/// What the source made of a user this pool lacks.
pub(crate) enum FromSource {
    /// Brought in (or brought in by a concurrent request a moment ago).
    User(Box<UserRecord>),
    /// The source refused the password: NotAuthorized here too.
    Refused,
    /// The source has no such user (or none that signs in with a password).
    NotThere,
}

impl Tessera {
    /// A user this pool lacks, brought in from the pool's live source: with `password` if
    /// the source accepts it, or without one (ForgotPassword). The caller counts a sign-in
    /// attempt before this asks the source. Concurrent first sign-ins create the user once;
    /// the others read it.
    pub(crate) async fn migrate_from_source(
        &self,
        pool: &PoolRecord,
        link: &Link,
        typed: &str,
        password: Option<&str>,
    ) -> Result<FromSource, CoreError> {
        let via = if password.is_some() {
            "sign_in"
        } else {
            "forgot_password"
        };
        let mut proven = false;
        if let Some(p) = password {
            match self.source_password(link, typed, p).await? {
                Proof::Proven => proven = true,
                Proof::ResetRequired => {}
                Proof::Refused => {
                    counted(pool, via, "refused");
                    return Ok(FromSource::Refused);
                }
                Proof::NotThere => {
                    counted(pool, via, "not_found");
                    return Ok(FromSource::NotThere);
                }
            }
        }
        let Some(got) = self.source_user(link, typed).await? else {
            counted(pool, via, "not_found");
            return Ok(FromSource::NotThere);
        };
        let groups = self.source_groups(link, &got.username).await?;
        let Some(mut user) = self.user_from_source(pool, link, &got, via)? else {
            counted(pool, via, "not_migratable");
            return Ok(FromSource::NotThere);
        };
        if let Some(p) = password.filter(|_| proven && user.status != status::RESET_REQUIRED) {
            let created = user.created_ms;
            self.credentials(&pool.id, &user.username, p)
                .await?
                .apply(&mut user, created);
        }
        match self.store.insert_user(&user).await {
            Ok(()) => {}
            Err(StoreError::Conflict(detail)) => {
                // A concurrent first sign-in brought the user in: theirs is the user.
                counted(pool, via, "raced");
                return match self.find_user(pool, typed).await? {
                    Some(existing) => Ok(FromSource::User(Box::new(existing))),
                    None => Err(unavailable(&format!(
                        "the source user conflicts with another user here: {detail}"
                    ))),
                };
            }
            Err(e) => return Err(e.into()),
        }
        for group in groups {
            // Groups the pool does not have (not copied yet) are left out.
            if self.store.get_group(&pool.id, &group).await?.is_some() {
                self.store.add_member(&pool.id, &group, &user.sub).await?;
            }
        }
        counted(pool, via, "created");
        tracing::info!(pool_id = %pool.id, sub = %user.sub, via, "user migrated from the source pool");
        Ok(FromSource::User(Box::new(user)))
    }

    async fn call_source(
        &self,
        link: &Link,
        operation: &'static str,
        body: Value,
    ) -> Result<Result<Value, (String, String)>, CoreError> {
        match self.source_pool.call(&link.source, operation, body).await {
            Ok(v) => Ok(Ok(v)),
            Err(SourceError::Service { kind, message }) => Ok(Err((kind, message))),
            Err(SourceError::Unavailable(detail)) => Err(unavailable(&format!(
                "{operation} at {}: {detail}",
                link.source.user_pool_id
            ))),
        }
    }

    /// ADMIN_USER_PASSWORD_AUTH at the source (its tokens are dropped).
    async fn source_password(
        &self,
        link: &Link,
        typed: &str,
        password: &str,
    ) -> Result<Proof, CoreError> {
        let mut params = json!({ "USERNAME": typed, "PASSWORD": password });
        if let Some(secret) = self.source_secret(link)? {
            params["SECRET_HASH"] = json!(crate::users::secret_hash(
                &secret,
                typed,
                &link.source.client_id
            ));
        }
        let body = json!({
            "UserPoolId": link.source.user_pool_id,
            "ClientId": link.source.client_id,
            "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
            "AuthParameters": params,
        });
        Ok(
            match self.call_source(link, "AdminInitiateAuth", body).await? {
                Ok(v) => {
                    let challenge = v["ChallengeName"].as_str();
                    if v["AuthenticationResult"].is_object()
                        || challenge.is_some_and(|c| PROVING_CHALLENGES.contains(&c))
                    {
                        Proof::Proven
                    } else {
                        // A challenge that does not follow a password (CUSTOM_CHALLENGE):
                        // nothing was proven.
                        Proof::Refused
                    }
                }
                Err((kind, _)) => match kind.as_str() {
                    "UserNotFoundException" => Proof::NotThere,
                    "NotAuthorizedException" => Proof::Refused,
                    "PasswordResetRequiredException" => Proof::ResetRequired,
                    // Cognito says "not confirmed" only to the right password.
                    "UserNotConfirmedException" => Proof::Proven,
                    other => {
                        return Err(unavailable(&format!("AdminInitiateAuth answered {other}")));
                    }
                },
            },
        )
    }

    async fn source_user(
        &self,
        link: &Link,
        typed: &str,
    ) -> Result<Option<AdminGetUserResponse>, CoreError> {
        let body = json!({ "UserPoolId": link.source.user_pool_id, "Username": typed });
        match self.call_source(link, "AdminGetUser", body).await? {
            Ok(v) => serde_json::from_value(v)
                .map(Some)
                .map_err(|_| unavailable("AdminGetUser's answer does not parse")),
            Err((kind, _)) if kind == "UserNotFoundException" => Ok(None),
            Err((kind, _)) => Err(unavailable(&format!("AdminGetUser answered {kind}"))),
        }
    }

    /// The user's groups at the source (at most 10 pages of 60).
    async fn source_groups(&self, link: &Link, username: &str) -> Result<Vec<String>, CoreError> {
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        for _ in 0..10 {
            let mut body = json!({
                "UserPoolId": link.source.user_pool_id, "Username": username, "Limit": 60,
            });
            if let Some(t) = &next {
                body["NextToken"] = json!(t);
            }
            let v = match self
                .call_source(link, "AdminListGroupsForUser", body)
                .await?
            {
                Ok(v) => v,
                Err((kind, _)) => {
                    return Err(unavailable(&format!(
                        "AdminListGroupsForUser answered {kind}"
                    )));
                }
            };
            out.extend(
                v["Groups"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|g| g["GroupName"].as_str().map(str::to_owned)),
            );
            next = v["NextToken"].as_str().map(str::to_owned);
            if next.is_none() {
                break;
            }
        }
        Ok(out)
    }

    /// The user record for a source user: their username and `sub` kept, the attributes this
    /// pool knows, the status, enabled flag and SMS/email MFA settings. `None` for users that
    /// cannot sign in with a password (federated ones).
    fn user_from_source(
        &self,
        pool: &PoolRecord,
        link: &Link,
        got: &AdminGetUserResponse,
        via: &str,
    ) -> Result<Option<UserRecord>, CoreError> {
        let source_status = got.user_status.as_deref().unwrap_or(status::CONFIRMED);
        let user_status = match (source_status, via) {
            (status::UNCONFIRMED, _) => status::UNCONFIRMED,
            (status::FORCE_CHANGE_PASSWORD, _) => status::FORCE_CHANGE_PASSWORD,
            (status::RESET_REQUIRED, _) | (_, "forgot_password") => status::RESET_REQUIRED,
            (status::CONFIRMED, _) => status::CONFIRMED,
            _ => return Ok(None),
        };
        let given = got.user_attributes.as_deref().unwrap_or_default();
        let sub = given
            .iter()
            .find(|a| a.name == "sub")
            .and_then(|a| a.value.clone());
        let attrs: Vec<AttributeType> = given
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
        if let Some(sub) = sub {
            if !by_attribute.is_empty() {
                // The username of a pool with username attributes is the user's sub.
                user.username = got.username.clone();
                user.username_key = username_key(pool, &user.username);
            }
            user.sub = sub;
        }
        user.enabled = got.enabled.unwrap_or(true);
        let factors = got.user_mfa_setting_list.clone().unwrap_or_default();
        let preferred = got.preferred_mfa_setting.as_deref();
        let mut mfa = serde_json::Map::new();
        for (factor, key) in [("SMS_MFA", "sms"), ("EMAIL_OTP", "email")] {
            if factors.iter().any(|f| f == factor) {
                mfa.insert(
                    key.into(),
                    json!({ "enabled": true, "preferred": preferred == Some(factor) }),
                );
            }
        }
        if !mfa.is_empty() {
            user.extra["mfa"] = Value::Object(mfa);
        }
        user.extra["migration"] = json!({
            "source": link.source.user_pool_id,
            "sourceStatus": source_status,
            "via": via,
            // Cognito never reveals TOTP secrets: such a user sets up an authenticator again.
            "totpLost": factors.iter().any(|f| f == "SOFTWARE_TOKEN_MFA"),
        });
        refresh_aliases(pool, &mut user);
        Ok(Some(user))
    }
}
