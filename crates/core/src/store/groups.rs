//! The storage port for groups and memberships.
//!
//! A group is keyed by `(pool_id, name)`; names are compared byte for byte (Cognito's group
//! names are case-sensitive). A membership links a group to a user's `sub`; it goes away
//! with either side (the adapters use `ON DELETE CASCADE`), and both go away with the pool.

use async_trait::async_trait;

use super::{StoreError, UserRecord};

/// A group as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRecord {
    pub pool_id: String,
    /// Case-sensitive, unique in the pool.
    pub name: String,
    pub description: Option<String>,
    /// Lower is stronger; `None` ranks after every number.
    pub precedence: Option<i32>,
    pub role_arn: Option<String>,
    pub created_ms: i64,
    pub modified_ms: i64,
    /// Optimistic-concurrency version, bumped by every update.
    pub version: i64,
}

#[async_trait]
pub trait GroupStore: Send + Sync {
    /// Inserts a group; `Conflict` if the pool has one of that name; fails if the pool
    /// does not exist.
    async fn insert_group(&self, group: &GroupRecord) -> Result<(), StoreError>;
    async fn get_group(&self, pool_id: &str, name: &str)
    -> Result<Option<GroupRecord>, StoreError>;
    /// Replaces the group's description, precedence, role and modification time if its
    /// stored version is `expected_version` (the record's `version` is written as the new
    /// one). `false` if the group is gone or changed.
    async fn update_group(
        &self,
        group: &GroupRecord,
        expected_version: i64,
    ) -> Result<bool, StoreError>;
    /// Deletes a group and its memberships. `false` if it did not exist.
    async fn delete_group(&self, pool_id: &str, name: &str) -> Result<bool, StoreError>;
    /// Groups of a pool ordered by name, strictly after `after`, at most `limit`.
    async fn list_groups(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<GroupRecord>, StoreError>;
    async fn count_groups(&self, pool_id: &str) -> Result<u64, StoreError>;

    /// Makes the user (by `sub`) a member of the group; a no-op if it is one already.
    /// `false` if the group or the user does not exist.
    async fn add_member(&self, pool_id: &str, group: &str, sub: &str) -> Result<bool, StoreError>;
    /// Ends a membership. `false` if there was none.
    async fn remove_member(
        &self,
        pool_id: &str,
        group: &str,
        sub: &str,
    ) -> Result<bool, StoreError>;
    /// One page of a user's groups ordered by name, strictly after `after`, at most `limit`.
    async fn page_groups_for_user(
        &self,
        pool_id: &str,
        sub: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<GroupRecord>, StoreError>;
    /// All of a user's groups (token claims): ordered by precedence, groups without one
    /// last, then by name.
    async fn list_groups_for_user(
        &self,
        pool_id: &str,
        sub: &str,
    ) -> Result<Vec<GroupRecord>, StoreError>;
    /// One page of the pool's memberships as `(group, sub)`, ordered by group then sub,
    /// strictly after `after`, at most `limit` (export: one query per page, not per user).
    async fn page_memberships(
        &self,
        pool_id: &str,
        after: Option<(&str, &str)>,
        limit: u32,
    ) -> Result<Vec<(String, String)>, StoreError>;
    /// One page of a group's members ordered by `username_key`, strictly after `after`,
    /// at most `limit`.
    async fn list_users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<UserRecord>, StoreError>;
}
