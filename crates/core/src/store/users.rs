//! The storage port for users and their one-time codes.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::StoreError;
use crate::secret::Secret;

/// A user as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRecord {
    pub pool_id: String,
    /// The immutable `sub` (a UUID).
    pub sub: String,
    /// The user name as given (or the `sub` when the pool signs in by email/phone).
    pub username: String,
    /// `username` as looked up: lower-cased when the pool is case-insensitive.
    pub username_key: String,
    /// Cognito's `UserStatus`: UNCONFIRMED, CONFIRMED, FORCE_CHANGE_PASSWORD, RESET_REQUIRED, ...
    pub status: String,
    pub enabled: bool,
    /// Every attribute except `sub`, by name.
    pub attributes: BTreeMap<String, String>,
    /// Unique sign-in keys (username attributes and verified aliases), lower-cased as
    /// compared: `email`, `phone_number`, `preferred_username`. The store enforces that no
    /// two users of a pool share one.
    pub alias_email: Option<String>,
    pub alias_phone: Option<String>,
    pub alias_preferred_username: Option<String>,
    /// argon2id PHC string.
    pub password_hash: Option<Secret<String>>,
    /// When the current password was set (temporary password expiry).
    pub password_set_ms: Option<i64>,
    /// Other per-user state (MFA settings, password history, lockout), as a JSON document.
    pub extra: serde_json::Value,
    pub created_ms: i64,
    pub modified_ms: i64,
    pub version: i64,
}

/// The attributes `ListUsers` can filter on, each backed by an indexed column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterAttribute {
    Username,
    Email,
    PhoneNumber,
    Name,
    GivenName,
    FamilyName,
    PreferredUsername,
    /// `cognito:user_status`
    UserStatus,
    /// `status`: Enabled / Disabled
    Status,
    Sub,
}

impl FilterAttribute {
    /// Every filter attribute with its name in Cognito's filter language.
    pub const ALL: [(&'static str, FilterAttribute); 10] = [
        ("username", FilterAttribute::Username),
        ("email", FilterAttribute::Email),
        ("phone_number", FilterAttribute::PhoneNumber),
        ("name", FilterAttribute::Name),
        ("given_name", FilterAttribute::GivenName),
        ("family_name", FilterAttribute::FamilyName),
        ("preferred_username", FilterAttribute::PreferredUsername),
        ("cognito:user_status", FilterAttribute::UserStatus),
        ("status", FilterAttribute::Status),
        ("sub", FilterAttribute::Sub),
    ];

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
    }

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, a)| *a == self)
            .map_or("", |(n, _)| n)
    }

    /// The user's value for this attribute, as the store's indexed column holds it.
    pub fn value_of(self, u: &UserRecord) -> String {
        match self {
            FilterAttribute::Username => u.username_key.clone(),
            FilterAttribute::UserStatus => u.status.clone(),
            FilterAttribute::Status => if u.enabled { "Enabled" } else { "Disabled" }.into(),
            FilterAttribute::Sub => u.sub.clone(),
            other => u.attributes.get(other.name()).cloned().unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    Equals,
    StartsWith,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFilter {
    pub attribute: FilterAttribute,
    pub op: FilterOp,
    pub value: String,
}

/// Keyset position: the sort value of the last row and its `username_key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserCursor {
    pub sort_value: String,
    pub username_key: String,
}

impl UserCursor {
    /// The position just after `u` in a listing with `filter`.
    pub fn after(u: &UserRecord, filter: Option<&UserFilter>) -> Self {
        UserCursor {
            sort_value: filter.map_or_else(|| u.username_key.clone(), |f| f.attribute.value_of(u)),
            username_key: u.username_key.clone(),
        }
    }
}

/// A one-time code (confirmation, password reset, attribute verification), stored hashed.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeRecord {
    pub pool_id: String,
    pub sub: String,
    /// `signup`, `forgot_password`, `verify:<attribute>`.
    pub purpose: String,
    pub code_hash: String,
    pub expires_ms: i64,
    pub attempts: i64,
    pub created_ms: i64,
}

/// What [`UserStore::reserve_code_attempt`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum CodeAttempt {
    /// The attempt is counted; the code as stored, with its new count.
    Reserved(CodeRecord),
    /// The code exists but its attempts are used up.
    Exhausted,
    /// No code for that user and purpose.
    Missing,
}

#[async_trait]
pub trait UserStore: Send + Sync {
    /// Inserts a user; `Conflict` if the username key or a unique alias is taken.
    async fn insert_user(&self, user: &UserRecord) -> Result<(), StoreError>;
    async fn get_user_by_username(
        &self,
        pool_id: &str,
        username_key: &str,
    ) -> Result<Option<UserRecord>, StoreError>;
    async fn get_user_by_sub(
        &self,
        pool_id: &str,
        sub: &str,
    ) -> Result<Option<UserRecord>, StoreError>;
    /// A user by a unique alias (`email`, `phone_number`, `preferred_username`), compared lower-cased.
    async fn get_user_by_alias(
        &self,
        pool_id: &str,
        alias: &str,
        value_key: &str,
    ) -> Result<Option<UserRecord>, StoreError>;
    /// Replaces the user if its stored version is `expected_version`; `Conflict` if an
    /// alias is taken by someone else; `false` if the user is gone or changed.
    async fn update_user(
        &self,
        user: &UserRecord,
        expected_version: i64,
    ) -> Result<bool, StoreError>;
    /// Deletes a user and everything that belongs to it (codes, group memberships, ...).
    async fn delete_user(&self, pool_id: &str, sub: &str) -> Result<bool, StoreError>;
    /// A page of users, optionally filtered, ordered by (filtered column, username_key).
    async fn list_users(
        &self,
        pool_id: &str,
        filter: Option<&UserFilter>,
        after: Option<&UserCursor>,
        limit: u32,
    ) -> Result<Vec<UserRecord>, StoreError>;
    async fn count_users(&self, pool_id: &str) -> Result<u64, StoreError>;

    /// Stores a code, replacing any earlier one for the same user and purpose.
    async fn put_code(&self, code: &CodeRecord) -> Result<(), StoreError>;
    async fn get_code(
        &self,
        pool_id: &str,
        sub: &str,
        purpose: &str,
    ) -> Result<Option<CodeRecord>, StoreError>;
    /// Counts an attempt at the code **before** it is compared, atomically and only while
    /// fewer than `max_attempts` were made: N parallel guesses cost N attempts.
    async fn reserve_code_attempt(
        &self,
        pool_id: &str,
        sub: &str,
        purpose: &str,
        max_attempts: i64,
    ) -> Result<CodeAttempt, StoreError>;
    /// Deletes the code if its digest is still `code_hash`: of parallel callers with the
    /// right code exactly one gets `true` (the single-use rule, docs/adr/0014).
    async fn consume_code(
        &self,
        pool_id: &str,
        sub: &str,
        purpose: &str,
        code_hash: &str,
    ) -> Result<bool, StoreError>;
}
