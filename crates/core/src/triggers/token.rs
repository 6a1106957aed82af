//! Pre token generation: the trigger adds, overrides and suppresses claims, overrides the
//! groups, and (version 2 and later) changes the access token's claims and scopes, as the
//! developer guide's "Pre token generation Lambda trigger" describes. Claims Cognito
//! protects cannot be changed.

use serde_json::{Map, Value, json};

use super::{Firing, Trigger};
use crate::groups::GroupClaims;
use crate::store::{ClientRecord, PoolRecord, UserRecord};
use crate::{CoreError, Tessera};

/// Claims a trigger may neither set nor remove.
const PROTECTED: &[&str] = &[
    "acr",
    "amr",
    "aud",
    "auth_time",
    "azp",
    "exp",
    "iat",
    "identities",
    "iss",
    "sub",
    "token_use",
    "nonce",
    "at_hash",
    "cognito:username",
    "origin_jti",
    "jti",
    "event_id",
    "client_id",
    "username",
    "scope",
    "device_key",
    "version",
];

fn apply_claims(target: &mut Map<String, Value>, given: Option<&Value>) {
    let Some(given) = given else { return };
    if let Some(Value::Object(add)) = given.get("claimsToAddOrOverride") {
        for (k, v) in add {
            if !PROTECTED.contains(&k.as_str()) && !k.starts_with("cognito:") {
                target.insert(k.clone(), v.clone());
            }
        }
    }
    if let Some(Value::Array(remove)) = given.get("claimsToSuppress") {
        for k in remove.iter().filter_map(Value::as_str) {
            if !PROTECTED.contains(&k) {
                target.remove(k);
            }
        }
    }
}

fn apply_groups(g: &Value, id: &mut Map<String, Value>, access: &mut Map<String, Value>) {
    if let Some(groups) = g.get("groupsToOverride").filter(|v| v.is_array()) {
        for t in [&mut *id, &mut *access] {
            if groups.as_array().is_some_and(Vec::is_empty) {
                t.remove("cognito:groups");
            } else {
                t.insert("cognito:groups".into(), groups.clone());
            }
        }
    }
    if let Some(roles) = g.get("iamRolesToOverride").filter(|v| v.is_array()) {
        id.insert("cognito:roles".into(), roles.clone());
    }
    if let Some(role) = g.get("preferredRole").filter(|v| v.is_string()) {
        id.insert("cognito:preferred_role".into(), role.clone());
    }
}

impl Tessera {
    /// Runs the pool's pre token generation trigger (if any) over the claims about to be
    /// signed. `source` is the trigger source (`TokenGeneration_Authentication`, ...).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn customise_tokens(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        user: &UserRecord,
        (source, metadata): (&str, &Value),
        groups: &GroupClaims,
        id: &mut Map<String, Value>,
        access: &mut Map<String, Value>,
    ) -> Result<(), CoreError> {
        let version = match Trigger::PreTokenGeneration.target(pool) {
            Some((_, v)) => v,
            None => return Ok(()),
        };
        let scopes = scopes_of(access);
        let mut request = json!({
            "userAttributes": super::user_attributes(user),
            "groupConfiguration": {
                "groupsToOverride": groups.groups,
                "iamRolesToOverride": groups.roles,
                "preferredRole": groups.preferred_role,
            },
            "clientMetadata": if metadata.is_object() { metadata.clone() } else { json!({}) },
        });
        if version != "1"
            && let Value::Object(r) = &mut request
        {
            r.insert("scopes".into(), json!(scopes));
        }
        let firing = Firing {
            trigger: Trigger::PreTokenGeneration,
            source,
            user_name: &user.username,
            client_id: Some(&client.client_id),
            request,
        };
        let Some(response) = self.fire(pool, firing).await? else {
            return Ok(());
        };
        if version == "1" {
            if let Some(d) = response
                .get("claimsOverrideDetails")
                .filter(|d| d.is_object())
            {
                apply_claims(id, Some(d));
                if let Some(g) = d.get("groupOverrideDetails").filter(|g| g.is_object()) {
                    apply_groups(g, id, access);
                }
            }
            return Ok(());
        }
        let Some(d) = response
            .get("claimsAndScopeOverrideDetails")
            .filter(|d| d.is_object())
        else {
            return Ok(());
        };
        apply_claims(id, d.get("idTokenGeneration"));
        apply_access(access, scopes, d.get("accessTokenGeneration"));
        if let Some(g) = d.get("groupOverrideDetails").filter(|g| g.is_object()) {
            apply_groups(g, id, access);
        }
        Ok(())
    }

    /// Pre token generation for a client_credentials access token: only a version 3
    /// trigger sees machine tokens (`TokenGeneration_ClientCredentials`), and only its
    /// `accessTokenGeneration` applies.
    pub(crate) async fn customise_client_token(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        metadata: Value,
        access: &mut Map<String, Value>,
    ) -> Result<(), CoreError> {
        if !matches!(Trigger::PreTokenGeneration.target(pool), Some((_, "3"))) {
            return Ok(());
        }
        let scopes = scopes_of(access);
        let firing = Firing {
            trigger: Trigger::PreTokenGeneration,
            source: "TokenGeneration_ClientCredentials",
            user_name: &client.client_id,
            client_id: Some(&client.client_id),
            request: json!({
                "userAttributes": {},
                "groupConfiguration": {
                    "groupsToOverride": [],
                    "iamRolesToOverride": [],
                    "preferredRole": null,
                },
                "scopes": scopes,
                "clientMetadata": metadata,
            }),
        };
        let Some(response) = self.fire(pool, firing).await? else {
            return Ok(());
        };
        let at = response
            .get("claimsAndScopeOverrideDetails")
            .and_then(|d| d.get("accessTokenGeneration"));
        apply_access(access, scopes, at);
        Ok(())
    }
}

/// The access token's scopes, as a list.
fn scopes_of(access: &Map<String, Value>) -> Vec<String> {
    access
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// An `accessTokenGeneration` answer: claims added, overridden and suppressed, scopes added
/// and suppressed.
fn apply_access(access: &mut Map<String, Value>, mut scopes: Vec<String>, at: Option<&Value>) {
    let Some(at) = at.filter(|a| a.is_object()) else {
        return;
    };
    apply_claims(access, Some(at));
    if let Some(Value::Array(add)) = at.get("scopesToAdd") {
        for s in add.iter().filter_map(Value::as_str) {
            if !s.is_empty() && !s.contains(' ') && !scopes.iter().any(|x| x == s) {
                scopes.push(s.to_string());
            }
        }
    }
    if let Some(Value::Array(remove)) = at.get("scopesToSuppress") {
        let remove: Vec<&str> = remove.iter().filter_map(Value::as_str).collect();
        scopes.retain(|s| !remove.contains(&s.as_str()));
    }
    access.insert("scope".into(), json!(scopes.join(" ")));
}
