//! Users: identity, lookup by username or alias, and how Cognito shows a user.
//!
//! Reference: "User pool attributes" and "Usernames and aliases" in the Cognito developer guide.

mod admin;
pub(crate) mod attributes;
pub(crate) mod codes;
pub(crate) mod imported_hash;
mod list;
mod own;
pub mod password;
pub(crate) mod signup;

use tessera_wire::idp::{AttributeType, UserType};

use crate::store::{ChangeKind, PoolRecord, UserRecord};
use crate::{CoreError, Tessera};

#[doc(hidden)]
pub use list::fuzz_filter;
pub use list::{format_filter, parse_filter};
pub use signup::secret_hash;

/// Cognito's user statuses.
pub mod status {
    pub const UNCONFIRMED: &str = "UNCONFIRMED";
    pub const CONFIRMED: &str = "CONFIRMED";
    pub const FORCE_CHANGE_PASSWORD: &str = "FORCE_CHANGE_PASSWORD";
    pub const RESET_REQUIRED: &str = "RESET_REQUIRED";
    /// A user made by a federated sign-in.
    pub const EXTERNAL_PROVIDER: &str = "EXTERNAL_PROVIDER";
}

pub(crate) fn user_not_found() -> CoreError {
    CoreError::UserNotFound("User does not exist.".into())
}

/// A missing user in the self-service code flows through an app client (ConfirmSignUp,
/// ResendConfirmationCode, ForgotPassword, ConfirmForgotPassword). Cognito's wording there
/// differs from `user_not_found`'s; sources in docs/fidelity.md (issue 19).
pub(crate) fn client_user_not_found() -> CoreError {
    CoreError::UserNotFound("Username/client id combination not found.".into())
}

/// The attribute whose unique sign-in key a store `Conflict` names: the unique indexes are
/// `users_alias_email`, `users_alias_phone` and `users_alias_preferred_username` (migration
/// 0002), and both backends quote the index or its column in the message. `None` for
/// another constraint (the username).
pub(crate) fn conflicting_alias(detail: &str) -> Option<&'static str> {
    [
        ("alias_preferred_username", "preferred_username"),
        ("alias_email", "email"),
        ("alias_phone", "phone_number"),
    ]
    .into_iter()
    .find(|(key, _)| detail.contains(key))
    .map(|(_, attribute)| attribute)
}

/// Cognito's message when an alias or username attribute value belongs to another user:
/// "An account with the given email already exists." (docs/fidelity.md, issue 19).
pub(crate) fn account_exists(attribute: &str) -> String {
    format!("An account with the given {attribute} already exists.")
}

/// Whether the pool compares usernames (and aliases) case-insensitively.
pub(crate) fn case_insensitive(pool: &PoolRecord) -> bool {
    pool.config
        .username_configuration
        .as_ref()
        .is_some_and(|c| !c.case_sensitive)
}

/// The lookup key of a username in this pool.
pub(crate) fn username_key(pool: &PoolRecord, username: &str) -> String {
    if case_insensitive(pool) {
        username.to_lowercase()
    } else {
        username.to_string()
    }
}

/// The lookup key of an alias value (emails compare case-insensitively, always).
pub(crate) fn alias_key(attribute: &str, value: &str) -> String {
    if attribute == "phone_number" {
        value.to_string()
    } else {
        value.to_lowercase()
    }
}

pub(crate) fn username_attributes(pool: &PoolRecord) -> &[String] {
    pool.config
        .username_attributes
        .as_deref()
        .unwrap_or_default()
}

pub(crate) fn alias_attributes(pool: &PoolRecord) -> &[String] {
    pool.config.alias_attributes.as_deref().unwrap_or_default()
}

/// Recomputes the unique sign-in keys of a user from its attributes: username attributes
/// always count; alias attributes count once verified (preferred_username: once set).
pub(crate) fn refresh_aliases(pool: &PoolRecord, u: &mut UserRecord) {
    let verified = |name: &str| {
        u.attributes
            .get(&format!("{name}_verified"))
            .map(String::as_str)
            == Some("true")
    };
    let pick = |name: &str| -> Option<String> {
        let value = u.attributes.get(name)?;
        let counts = username_attributes(pool).iter().any(|a| a == name)
            || (alias_attributes(pool).iter().any(|a| a == name)
                && (name == "preferred_username" || verified(name)));
        counts.then(|| alias_key(name, value))
    };
    u.alias_email = pick("email");
    u.alias_phone = pick("phone_number");
    u.alias_preferred_username = pick("preferred_username");
}

/// Cognito's view of a user (`UserType`): `sub` first, then the other attributes.
pub(crate) fn user_type(u: &UserRecord, only: Option<&[String]>) -> UserType {
    UserType {
        username: Some(u.username.clone()),
        attributes: Some(attribute_list(u, only)),
        user_create_date: Some(u.created_ms as f64 / 1000.0),
        user_last_modified_date: Some(u.modified_ms as f64 / 1000.0),
        enabled: Some(u.enabled),
        user_status: Some(u.status.clone()),
        mfa_options: crate::mfa::user_settings(u).0,
    }
}

pub(crate) fn attribute_list(u: &UserRecord, only: Option<&[String]>) -> Vec<AttributeType> {
    let wanted = |name: &str| only.is_none_or(|o| o.iter().any(|w| w == name));
    let mut out = Vec::with_capacity(u.attributes.len() + 1);
    if wanted("sub") {
        out.push(AttributeType {
            name: "sub".into(),
            value: Some(u.sub.clone()),
        });
    }
    for (name, value) in &u.attributes {
        if wanted(name) {
            out.push(AttributeType {
                name: name.clone(),
                value: Some(value.clone()),
            });
        }
    }
    out
}

impl Tessera {
    /// Finds a user by username, or by a username attribute / alias the pool allows.
    pub(crate) async fn find_user(
        &self,
        pool: &PoolRecord,
        username: &str,
    ) -> Result<Option<UserRecord>, CoreError> {
        if let Some(u) = self
            .store
            .get_user_by_username(&pool.id, &username_key(pool, username))
            .await?
        {
            return Ok(Some(u));
        }
        for attribute in username_attributes(pool)
            .iter()
            .chain(alias_attributes(pool))
        {
            let looks_right = match attribute.as_str() {
                "email" => username.contains('@'),
                "phone_number" => username.starts_with('+'),
                _ => true,
            };
            if looks_right
                && let Some(u) = self
                    .store
                    .get_user_by_alias(&pool.id, attribute, &alias_key(attribute, username))
                    .await?
            {
                return Ok(Some(u));
            }
        }
        Ok(None)
    }

    /// Like [`Tessera::find_user`], but a missing user is `UserNotFoundException`.
    pub(crate) async fn require_user(
        &self,
        pool: &PoolRecord,
        username: &str,
    ) -> Result<UserRecord, CoreError> {
        self.find_user(pool, username)
            .await?
            .ok_or_else(user_not_found)
    }

    /// Inserts a user brought in from elsewhere (a UserMigration trigger, a source pool).
    /// `None`: inserted; `Some`: a concurrent request brought them in first (found under
    /// `name`), and theirs is the user. A name or alias another user holds is
    /// `UsernameExistsException`.
    pub(crate) async fn insert_migrated(
        &self,
        pool: &PoolRecord,
        user: &UserRecord,
        name: &str,
    ) -> Result<Option<UserRecord>, CoreError> {
        match self.insert_new_user(user).await {
            Ok(()) => Ok(None),
            Err(CoreError::UsernameExists(taken)) => match self.find_user(pool, name).await? {
                Some(existing) => Ok(Some(existing)),
                None => Err(CoreError::UsernameExists(taken)),
            },
            Err(e) => Err(e),
        }
    }

    /// Read-modify-write of a user with optimistic concurrency.
    pub(crate) async fn modify_user(
        &self,
        pool: &PoolRecord,
        username: &str,
        mut change: impl FnMut(&mut UserRecord) -> Result<(), CoreError>,
    ) -> Result<UserRecord, CoreError> {
        for _ in 0..crate::MAX_RETRIES {
            let mut u = self.require_user(pool, username).await?;
            let expected = u.version;
            change(&mut u)?;
            refresh_aliases(pool, &mut u);
            u.version = expected + 1;
            u.modified_ms = self.clock.now_millis().max(u.modified_ms);
            match self.store.update_user(&u, expected).await {
                Ok(true) => {
                    self.changed(ChangeKind::User, &pool.id, &u.sub).await?;
                    return Ok(u);
                }
                Ok(false) => continue,
                Err(crate::store::StoreError::Conflict(detail)) => {
                    let attribute = conflicting_alias(&detail).unwrap_or("email or phone number");
                    return Err(CoreError::AliasExists(account_exists(attribute)));
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(crate::concurrent_modification("user"))
    }
}

#[cfg(test)]
mod tests {
    use super::conflicting_alias;

    #[test]
    fn names_the_attribute_a_unique_index_protects() {
        // SQLite names the columns, PostgreSQL the index.
        let sqlite = "UNIQUE constraint failed: users.pool_id, users.alias_phone";
        let pg = "duplicate key value violates unique constraint \"users_alias_email\"";
        let pref = "UNIQUE constraint failed: users.pool_id, users.alias_preferred_username";
        assert_eq!(conflicting_alias(sqlite), Some("phone_number"));
        assert_eq!(conflicting_alias(pg), Some("email"));
        assert_eq!(conflicting_alias(pref), Some("preferred_username"));
        let username = "UNIQUE constraint failed: users.pool_id, users.username_key";
        assert_eq!(conflicting_alias(username), None);
    }
}
