//! Bringing one user in from the source pool: on a sign-in whose password the source
//! accepts, or on ForgotPassword (without a password).

use serde_json::{Value, json};
use tessera_wire::idp::AdminGetUserResponse;

use super::user::SourceUser;
use super::{Link, SourceError, SourceRef, unavailable};
use crate::store::{PoolRecord, UserRecord};
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
    /// UserNotConfirmedException: Cognito answers it whatever the password, so it proves
    /// nothing (amazon-cognito-identity-js#288).
    Unconfirmed,
}

fn counted(pool: &PoolRecord, via: &'static str, outcome: &'static str) {
    metrics::counter!("tessera_migration_users_total",
        "pool_id" => pool.id.clone(), "via" => via, "outcome" => outcome)
    .increment(1);
}

/// What the source made of a user.
pub(crate) enum FromSource {
    /// Brought in, or updated (or brought in by a concurrent request a moment ago).
    User(Box<UserRecord>),
    /// The source refused the password: NotAuthorized here too.
    Refused,
    /// The source has no such user (or none that signs in with a password).
    NotThere,
    /// The user has not confirmed their sign-up at the source: nothing is brought in, and
    /// the sign-in answers UserNotConfirmedException as Cognito does.
    Unconfirmed,
}

impl FromSource {
    fn of(proof: Proof) -> Option<FromSource> {
        match proof {
            Proof::Proven | Proof::ResetRequired => None,
            Proof::Refused => Some(FromSource::Refused),
            Proof::NotThere => Some(FromSource::NotThere),
            Proof::Unconfirmed => Some(FromSource::Unconfirmed),
        }
    }
}

impl Tessera {
    /// Who the typed name is at the source (AdminGetUser, which also finds users by their
    /// email or phone number), before any password is checked: the caller counts the
    /// attempt under the user's own key, whatever name they typed.
    pub(crate) async fn source_lookup(
        &self,
        link: &Link,
        typed: &str,
    ) -> Result<Option<SourceUser>, CoreError> {
        Ok(self
            .source_user(link, typed)
            .await?
            .map(SourceUser::from_admin))
    }

    /// A user this pool lacks, found at the source (`got`), brought in: with `password` if
    /// the source accepts it for that user, or without one (ForgotPassword), *pending* then
    /// with the source's status until a password sign-in. Concurrent first sign-ins create
    /// the user once; the others read it.
    pub(crate) async fn migrate_from_source(
        &self,
        pool: &PoolRecord,
        link: &Link,
        got: SourceUser,
        password: Option<&str>,
    ) -> Result<FromSource, CoreError> {
        let via = if password.is_some() {
            "sign_in"
        } else {
            "forgot_password"
        };
        let mut proven = false;
        if let Some(p) = password {
            let proof = self.source_password(link, &got.username, p).await?;
            proven = proof == Proof::Proven;
            if let Some(out) = FromSource::of(proof) {
                counted(pool, via, "refused");
                return Ok(out);
            }
        }
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
            user.extra["migration"]["pending"] = json!(false);
        }
        match self.insert_migrated(pool, &user, &user.username).await {
            Ok(None) => {}
            // A concurrent request brought the user in: theirs is the user (still pending if
            // it was a ForgotPassword or a copy: this password completes it).
            Ok(Some(existing)) => {
                counted(pool, via, "raced");
                return match password {
                    Some(p) if super::is_pending(&existing) => {
                        self.complete_pending(pool, link, &existing, p).await
                    }
                    _ => Ok(FromSource::User(Box::new(existing))),
                };
            }
            // Another user here holds the name or an alias: the operator must settle it.
            Err(CoreError::UsernameExists(why)) => {
                counted(pool, via, "conflict");
                tracing::warn!(pool_id = %pool.id, sub = %user.sub, %why,
                    "a source user cannot be brought in: another user here has the name or alias");
                return Ok(FromSource::Refused);
            }
            Err(e) => return Err(e),
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
                    "UserNotConfirmedException" => Proof::Unconfirmed,
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

    /// The user's groups at the source.
    async fn source_groups(&self, link: &Link, username: &str) -> Result<Vec<String>, CoreError> {
        let body = json!({ "UserPoolId": link.source.user_pool_id, "Username": username });
        let groups = self
            .all_with(
                &link.source,
                "AdminListGroupsForUser",
                body,
                "Groups",
                "Limit",
                60,
            )
            .await?;
        Ok(groups
            .iter()
            .filter_map(|g| g["GroupName"].as_str().map(str::to_owned))
            .collect())
    }

    /// A user brought in without a password (pending: by the copy or a ForgotPassword)
    /// signs in with one: if the source accepts it, it becomes the user's password here
    /// (unless one was set meanwhile), the MFA settings are the source's as they are now,
    /// and the user is no longer pending.
    pub(crate) async fn complete_pending(
        &self,
        pool: &PoolRecord,
        link: &Link,
        user: &UserRecord,
        password: &str,
    ) -> Result<FromSource, CoreError> {
        let proof = self.source_password(link, &user.username, password).await?;
        let reset = proof == Proof::ResetRequired;
        if let Some(out) = FromSource::of(proof) {
            counted(pool, "sign_in", "refused");
            return Ok(out);
        }
        let now_at_source = self.source_lookup(link, &user.username).await?;
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
                    if let Some(s) = &now_at_source {
                        s.apply_mfa(u);
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
