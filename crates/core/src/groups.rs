//! Groups: create, get, update, delete, list, memberships, and what a user's groups put
//! in tokens.
//!
//! Rules (Cognito API reference: CreateGroup, UpdateGroup, AdminAddUserToGroup, ...):
//! - group names are case-sensitive and unique in their pool;
//! - `UpdateGroup` changes only the members the request carries;
//! - deleting a group ends its memberships, deleting a user ends the user's;
//! - adding a member twice, or removing a non-member, succeeds;
//! - a pool holds at most [`MAX_GROUPS_PER_POOL`] groups (Cognito's quota);
//! - lists are ordered by group name (users: by user name) with opaque keyset tokens.

use tessera_wire::idp::{CreateGroupRequest, GroupType, UpdateGroupRequest, UserType};

use crate::store::{ChangeKind, GroupRecord, PoolRecord, UserRecord};
use crate::{CoreError, Tessera, page};

/// Cognito's quota: "Groups per user pool: 10,000".
pub const MAX_GROUPS_PER_POOL: u64 = 10_000;

pub(crate) fn group_not_found() -> CoreError {
    CoreError::ResourceNotFound("Group not found.".into())
}

fn group_exists(name: &str) -> CoreError {
    CoreError::GroupExists(format!("A group with the name {name} already exists."))
}

/// Cognito's view of a group (`GroupType`).
pub fn group_type(g: &GroupRecord) -> GroupType {
    GroupType {
        group_name: Some(g.name.clone()),
        user_pool_id: Some(g.pool_id.clone()),
        description: g.description.clone(),
        role_arn: g.role_arn.clone(),
        precedence: g.precedence,
        last_modified_date: Some(g.modified_ms as f64 / 1000.0),
        creation_date: Some(g.created_ms as f64 / 1000.0),
    }
}

/// What a user's groups contribute to ID and access tokens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupClaims {
    /// `cognito:groups`: every group name, strongest precedence first.
    pub groups: Vec<String>,
    /// `cognito:roles`: every distinct role ARN of those groups, in the same order.
    pub roles: Vec<String>,
    /// `cognito:preferred_role`: the role of the strongest group that has one, unless
    /// groups of equal precedence disagree about it.
    pub preferred_role: Option<String>,
}

/// The claims for a user's groups, given in any order.
///
/// "If a user belongs to two or more groups, it is the group with the lowest precedence
/// value whose role ARN is given in the user's tokens for the cognito:roles and
/// cognito:preferred_role claims. [...] If two groups with the same Precedence have the
/// same role ARN, that role is used in the cognito:preferred_role claim [...]. If the two
/// groups have different role ARNs, the cognito:preferred_role claim isn't set."
/// (CreateGroup API reference, `Precedence`). A missing precedence ranks after all others.
pub fn group_claims(groups: &[GroupRecord]) -> GroupClaims {
    let mut sorted: Vec<&GroupRecord> = groups.iter().collect();
    sorted.sort_by(|a, b| {
        (a.precedence.is_none(), a.precedence, &a.name).cmp(&(
            b.precedence.is_none(),
            b.precedence,
            &b.name,
        ))
    });
    let mut claims = GroupClaims {
        groups: sorted.iter().map(|g| g.name.clone()).collect(),
        ..Default::default()
    };
    for g in &sorted {
        if let Some(r) = &g.role_arn
            && !claims.roles.contains(r)
        {
            claims.roles.push(r.clone());
        }
    }
    if let Some(first) = sorted.iter().find(|g| g.role_arn.is_some()) {
        let mut rivals = sorted
            .iter()
            .filter(|g| g.role_arn.is_some() && g.precedence == first.precedence);
        if rivals.all(|g| g.role_arn == first.role_arn) {
            claims.preferred_role = first.role_arn.clone();
        }
    }
    claims
}

impl Tessera {
    async fn load_group(&self, pool_id: &str, name: &str) -> Result<GroupRecord, CoreError> {
        self.store
            .get_group(pool_id, name)
            .await?
            .ok_or_else(group_not_found)
    }

    /// `CreateGroup`.
    pub async fn create_group(&self, req: CreateGroupRequest) -> Result<GroupType, CoreError> {
        let pool = self.load_pool(&req.user_pool_id).await?;
        if self
            .store
            .get_group(&pool.id, &req.group_name)
            .await?
            .is_some()
        {
            return Err(group_exists(&req.group_name));
        }
        if self.store.count_groups(&pool.id).await? >= MAX_GROUPS_PER_POOL {
            return Err(CoreError::LimitExceeded(format!(
                "A user pool can have at most {MAX_GROUPS_PER_POOL} groups."
            )));
        }
        let now = self.clock.now_millis();
        let rec = GroupRecord {
            pool_id: pool.id,
            name: req.group_name,
            description: req.description,
            precedence: req.precedence,
            role_arn: req.role_arn,
            created_ms: now,
            modified_ms: now,
            version: 1,
        };
        match self.store.insert_group(&rec).await {
            Ok(()) => Ok(group_type(&rec)),
            Err(crate::store::StoreError::Conflict(_)) => Err(group_exists(&rec.name)),
            // The pool was deleted meanwhile (the insert broke its foreign key).
            Err(e) => match self.store.get_pool(&rec.pool_id).await? {
                None => Err(crate::pools::not_found(&rec.pool_id)),
                Some(_) => Err(e.into()),
            },
        }
    }

    /// `GetGroup`.
    pub async fn get_group(&self, pool_id: &str, name: &str) -> Result<GroupType, CoreError> {
        let pool = self.load_pool(pool_id).await?;
        Ok(group_type(&self.load_group(&pool.id, name).await?))
    }

    /// `UpdateGroup`: only the members the request carries change.
    pub async fn update_group(&self, req: UpdateGroupRequest) -> Result<GroupType, CoreError> {
        let pool = self.load_pool(&req.user_pool_id).await?;
        for _ in 0..crate::MAX_RETRIES {
            let mut g = self.load_group(&pool.id, &req.group_name).await?;
            let expected = g.version;
            if let Some(d) = &req.description {
                g.description = Some(d.clone());
            }
            if let Some(p) = req.precedence {
                g.precedence = Some(p);
            }
            if let Some(r) = &req.role_arn {
                g.role_arn = Some(r.clone());
            }
            g.version = expected + 1;
            g.modified_ms = self.clock.now_millis().max(g.modified_ms);
            if self.store.update_group(&g, expected).await? {
                self.changed(ChangeKind::Groups, &g.pool_id, &g.name)
                    .await?;
                return Ok(group_type(&g));
            }
        }
        Err(crate::concurrent_modification("group"))
    }

    /// `DeleteGroup`: the group's memberships go with it.
    pub async fn delete_group(&self, pool_id: &str, name: &str) -> Result<(), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        if !self.store.delete_group(&pool.id, name).await? {
            return Err(group_not_found());
        }
        self.changed(ChangeKind::Groups, &pool.id, name).await
    }

    /// `ListGroups`: one page ordered by group name.
    pub async fn list_groups(
        &self,
        pool_id: &str,
        limit: Option<i32>,
        next_token: Option<&str>,
    ) -> Result<(Vec<GroupType>, Option<String>), CoreError> {
        let after = next_token.map(page::decode).transpose()?;
        let pool = self.load_pool(pool_id).await?;
        let limit = page::size(limit);
        let rows = self
            .store
            .list_groups(&pool.id, after.as_deref(), limit + 1)
            .await?;
        let (rows, next) = page::finish(rows, limit as usize, |g| &g.name);
        Ok((rows.iter().map(group_type).collect(), next))
    }

    /// `AdminAddUserToGroup`. Adding a member again changes nothing.
    pub async fn admin_add_user_to_group(
        &self,
        pool_id: &str,
        username: &str,
        group: &str,
    ) -> Result<(), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let g = self.load_group(&pool.id, group).await?;
        let user = self.require_user(&pool, username).await?;
        if self.store.add_member(&pool.id, &g.name, &user.sub).await? {
            return self.changed(ChangeKind::User, &pool.id, &user.sub).await;
        }
        // The group or the user went away meanwhile: say which.
        self.load_group(&pool.id, group).await?;
        Err(crate::users::user_not_found())
    }

    /// `AdminRemoveUserFromGroup`. Removing a non-member succeeds.
    pub async fn admin_remove_user_from_group(
        &self,
        pool_id: &str,
        username: &str,
        group: &str,
    ) -> Result<(), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let g = self.load_group(&pool.id, group).await?;
        let user = self.require_user(&pool, username).await?;
        self.store
            .remove_member(&pool.id, &g.name, &user.sub)
            .await?;
        self.changed(ChangeKind::User, &pool.id, &user.sub).await
    }

    /// `AdminListGroupsForUser`: one page of the user's groups ordered by name.
    pub async fn admin_list_groups_for_user(
        &self,
        pool_id: &str,
        username: &str,
        limit: Option<i32>,
        next_token: Option<&str>,
    ) -> Result<(Vec<GroupType>, Option<String>), CoreError> {
        let after = next_token.map(page::decode).transpose()?;
        let pool = self.load_pool(pool_id).await?;
        let user = self.require_user(&pool, username).await?;
        let limit = page::size(limit);
        let rows = self
            .store
            .page_groups_for_user(&pool.id, &user.sub, after.as_deref(), limit + 1)
            .await?;
        let (rows, next) = page::finish(rows, limit as usize, |g| &g.name);
        Ok((rows.iter().map(group_type).collect(), next))
    }

    /// `ListUsersInGroup`: one page of the group's members ordered by user name.
    pub async fn list_users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        limit: Option<i32>,
        next_token: Option<&str>,
    ) -> Result<(Vec<UserType>, Option<String>), CoreError> {
        let after = next_token.map(page::decode).transpose()?;
        let pool = self.load_pool(pool_id).await?;
        let g = self.load_group(&pool.id, group).await?;
        let limit = page::size(limit);
        let rows: Vec<UserRecord> = self
            .store
            .list_users_in_group(&pool.id, &g.name, after.as_deref(), limit + 1)
            .await?;
        let (rows, next) = page::finish(rows, limit as usize, |u| &u.username_key);
        Ok((
            rows.iter()
                .map(|u| crate::users::user_type(u, None))
                .collect(),
            next,
        ))
    }

    /// The claims a user's groups put in its tokens (`cognito:groups`, `cognito:roles`,
    /// `cognito:preferred_role`).
    pub async fn group_claims_for(
        &self,
        pool: &PoolRecord,
        sub: &str,
    ) -> Result<GroupClaims, CoreError> {
        let groups = self.store.list_groups_for_user(&pool.id, sub).await?;
        Ok(group_claims(&groups))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(name: &str, precedence: Option<i32>, role: Option<&str>) -> GroupRecord {
        GroupRecord {
            pool_id: "us-east-1_x".into(),
            name: name.into(),
            description: None,
            precedence,
            role_arn: role.map(str::to_owned),
            created_ms: 1_500,
            modified_ms: 2_500,
            version: 1,
        }
    }

    const R1: &str = "arn:aws:iam::123456789012:role/one";
    const R2: &str = "arn:aws:iam::123456789012:role/two";

    #[test]
    fn names_and_settings_are_checked_by_the_model() {
        // Group names and settings are constrained by the generated model validator, which
        // runs before any handler; these are the limits core relies on.
        let ok = |op: &str, body: serde_json::Value| {
            let op = tessera_wire::ops::find_operation(tessera_wire::ops::Service::CognitoIdp, op);
            op.is_some_and(|op| tessera_wire::validate::validate_input(op, &body).is_ok())
        };
        let create =
            |name: &str| serde_json::json!({"UserPoolId": "us-east-1_abc", "GroupName": name});
        assert!(ok("CreateGroup", create("admins")));
        assert!(ok("CreateGroup", create("Admins-ü/+=,.@")));
        assert!(!ok("CreateGroup", create("")));
        assert!(!ok("CreateGroup", create("two words")));
        assert!(ok("CreateGroup", create(&"x".repeat(128))));
        assert!(!ok("CreateGroup", create(&"x".repeat(129))));
        let update = |precedence: i64, description: &str, role: &str| {
            serde_json::json!({"UserPoolId": "us-east-1_abc", "GroupName": "g",
                "Precedence": precedence, "Description": description, "RoleArn": role})
        };
        assert!(ok("UpdateGroup", update(0, "d", R1)));
        assert!(ok("UpdateGroup", update(i64::from(i32::MAX), "d", R1)));
        assert!(!ok("UpdateGroup", update(-1, "d", R1)));
        assert!(!ok("UpdateGroup", update(0, &"d".repeat(2049), R1)));
        assert!(!ok(
            "UpdateGroup",
            update(0, "d", "not-an-arn-at-all-really")
        ));
        assert!(!ok("UpdateGroup", update(0, "d", "arn:x")));
    }

    #[test]
    fn group_type_shows_everything() {
        let t = group_type(&g("a", Some(3), Some(R1)));
        assert_eq!(t.group_name.as_deref(), Some("a"));
        assert_eq!(t.user_pool_id.as_deref(), Some("us-east-1_x"));
        assert_eq!(t.precedence, Some(3));
        assert_eq!(t.role_arn.as_deref(), Some(R1));
        assert_eq!(t.creation_date, Some(1.5));
        assert_eq!(t.last_modified_date, Some(2.5));
    }

    #[test]
    fn claims_order_by_precedence_then_name() {
        let c = group_claims(&[
            g("none", None, Some(R2)),
            g("b", Some(5), None),
            g("a", Some(5), Some(R1)),
            g("top", Some(1), None),
        ]);
        assert_eq!(c.groups, ["top", "a", "b", "none"]);
        assert_eq!(c.roles, [R1, R2]);
        assert_eq!(c.preferred_role.as_deref(), Some(R1));
    }

    #[test]
    fn equal_precedence_with_different_roles_has_no_preferred_role() {
        let c = group_claims(&[g("a", Some(1), Some(R1)), g("b", Some(1), Some(R2))]);
        assert_eq!(c.roles, [R1, R2]);
        assert_eq!(c.preferred_role, None);
        let c = group_claims(&[g("a", Some(1), Some(R1)), g("b", Some(1), Some(R1))]);
        assert_eq!(c.roles, [R1]);
        assert_eq!(c.preferred_role.as_deref(), Some(R1));
        // A weaker group's role does not matter.
        let c = group_claims(&[g("a", Some(1), Some(R1)), g("b", Some(2), Some(R2))]);
        assert_eq!(c.preferred_role.as_deref(), Some(R1));
        // Without precedence, groups tie with each other.
        let c = group_claims(&[g("a", None, Some(R1)), g("b", None, Some(R2))]);
        assert_eq!(c.preferred_role, None);
    }

    #[test]
    fn no_groups_no_claims() {
        assert_eq!(group_claims(&[]), GroupClaims::default());
        let c = group_claims(&[g("a", Some(0), None)]);
        assert_eq!(c.groups, ["a"]);
        assert!(c.roles.is_empty());
        assert_eq!(c.preferred_role, None);
    }
}
