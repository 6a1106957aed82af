//! Bringing one user in from the source pool: on a sign-in whose password the source
//! accepts, or on ForgotPassword (without a password).

use serde_json::{Value, json};
use tessera_wire::idp::AdminGetUserResponse;

use super::user::SourceUser;
use super::{Link, SourceError, SourceRef, unavailable};
use crate::store::{PoolRecord, StoreError, UserRecord};
use crate::users::status;
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
        let Some(got) = self
            .source_user(link, typed)
            .await?
            .map(SourceUser::from_admin)
        else {
            counted(pool, via, "not_found");
            return Ok(FromSource::NotThere);
        };
        let groups = self.source_groups(link, &got.username).await?;
        let Some(mut user) = self.user_from_source(pool, &link.source.user_pool_id, &got, via)?
        else {
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

    /// One call to the source: its answer, or the AWS error it answered (exception name
    /// and message); unreachable is InternalErrorException.
    pub(super) async fn call_source(
        &self,
        source: &SourceRef,
        operation: &'static str,
        body: Value,
    ) -> Result<Result<Value, (String, String)>, CoreError> {
        match self.source_pool.call(source, operation, body).await {
            Ok(v) => Ok(Ok(v)),
            Err(SourceError::Service { kind, message }) => Ok(Err((kind, message))),
            Err(SourceError::Unavailable(detail)) => Err(unavailable(&format!(
                "{operation} at {}: {detail}",
                source.user_pool_id
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
            match self
                .call_source(&link.source, "AdminInitiateAuth", body)
                .await?
            {
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
        match self.call_source(&link.source, "AdminGetUser", body).await? {
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
                .call_source(&link.source, "AdminListGroupsForUser", body)
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

    /// A user the bulk copy brought in without a password (pending) signs in with one: if
    /// the source accepts it, it becomes the user's password here (unless one was set
    /// meanwhile) and the user is no longer pending.
    pub(crate) async fn complete_pending(
        &self,
        pool: &PoolRecord,
        link: &Link,
        user: &UserRecord,
        password: &str,
    ) -> Result<FromSource, CoreError> {
        let reset = match self.source_password(link, &user.username, password).await? {
            Proof::Proven => false,
            Proof::ResetRequired => true,
            Proof::Refused => {
                counted(pool, "sign_in", "refused");
                return Ok(FromSource::Refused);
            }
            Proof::NotThere => {
                counted(pool, "sign_in", "not_found");
                return Ok(FromSource::NotThere);
            }
        };
        let creds = self.credentials(&pool.id, &user.username, password).await?;
        let now = self.clock.now_millis();
        let updated = self
            .modify_user(pool, &user.username, |u| {
                if u.password_hash.is_none() && super::is_pending(u) {
                    if reset {
                        u.status = status::RESET_REQUIRED.into();
                    } else {
                        creds.apply(u, now);
                    }
                    u.extra["migration"]["pending"] = json!(false);
                }
                Ok(())
            })
            .await?;
        counted(pool, "sign_in", "password_set");
        Ok(FromSource::User(Box::new(updated)))
    }
}
