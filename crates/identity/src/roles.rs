//! Which IAM role an identity's credentials are for, as Cognito chooses it (developer guide,
//! "Role-based access control"): a role mapping for the login's provider first (Token: the
//! `CustomRoleArn` if the token's `cognito:roles` has it, else `cognito:preferred_role`;
//! Rules: the first rule whose claim matches), its `AmbiguousRoleResolution` when that gives
//! nothing, and otherwise the pool's default authenticated or unauthenticated role.

use serde_json::{Map, Value};
use tessera_wire::identity::{IdentityPool, MappingRule, RoleMapping};

use crate::IdentityError;
use crate::identities::Authenticated;
use crate::logins::{LoginKind, user_pool_id_of_provider};
use crate::pools::PoolDoc;

/// At most this many rules per mapping (the service's limit; the model allows more).
const MAX_RULES: usize = 25;

fn no_role() -> IdentityError {
    IdentityError::InvalidIdentityPoolConfiguration(
        "Invalid identity pool configuration. Check assigned IAM roles for this pool.".into(),
    )
}

fn denied() -> IdentityError {
    IdentityError::NotAuthorized(
        "No role could be chosen for this identity: its role mapping resolves ambiguous roles with Deny."
            .into(),
    )
}

/// A role mapping's own rules (the provider is checked against the pool elsewhere).
pub(crate) fn check_mapping(m: &RoleMapping) -> Result<(), IdentityError> {
    if m.ambiguous_role_resolution.is_none() {
        return Err(IdentityError::InvalidParameter(
            "AmbiguousRoleResolution is required when the role mapping Type is Token or Rules."
                .into(),
        ));
    }
    if m.r#type == "Rules" {
        let rules = m.rules_configuration.as_ref().map(|r| r.rules.len());
        match rules {
            None | Some(0) => {
                return Err(IdentityError::InvalidParameter(
                    "RulesConfiguration with at least one rule is required when the role mapping Type is Rules."
                        .into(),
                ));
            }
            Some(n) if n > MAX_RULES => {
                return Err(IdentityError::InvalidParameter(format!(
                    "RulesConfiguration may have at most {MAX_RULES} rules."
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Whether a role-mapping key names a provider of the pool: `<user pool provider>:<client>`
/// for a listed user pool app client, else a provider name the pool lists.
pub(crate) fn mapping_key_configured(pool: &IdentityPool, key: &str) -> bool {
    if let Some((provider, client)) = key.rsplit_once(':')
        && user_pool_id_of_provider(provider).is_some()
    {
        return pool.cognito_identity_providers.iter().flatten().any(|p| {
            p.provider_name.as_deref() == Some(provider) && p.client_id.as_deref() == Some(client)
        });
    }
    pool.supported_login_providers
        .as_ref()
        .is_some_and(|m| m.contains_key(key))
        || pool
            .open_id_connect_provider_arns
            .iter()
            .flatten()
            .any(|arn| arn.split_once(":oidc-provider/").map(|x| x.1) == Some(key))
        || pool
            .saml_provider_arns
            .iter()
            .flatten()
            .any(|arn| arn == key)
}

/// The claim's values: a string, or each string of an array.
fn claim_values(claims: &Map<String, Value>, name: &str) -> Option<Vec<String>> {
    match claims.get(name)? {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(a) => Some(
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
        ),
        Value::Number(n) => Some(vec![n.to_string()]),
        Value::Bool(b) => Some(vec![b.to_string()]),
        _ => None,
    }
}

fn rule_matches(rule: &MappingRule, claims: &Map<String, Value>) -> bool {
    let Some(values) = claim_values(claims, &rule.claim) else {
        // A missing claim matches nothing (and a NotEqual rule is not evaluated).
        return false;
    };
    let v = rule.value.as_str();
    match rule.match_type.as_str() {
        "Equals" => values.iter().any(|x| x == v),
        "Contains" => values.iter().any(|x| x.contains(v)),
        "StartsWith" => values.iter().any(|x| x.starts_with(v)),
        "NotEqual" => !values.iter().any(|x| x == v),
        _ => false,
    }
}

/// The role for an authenticated (or guest) identity.
pub(crate) fn choose_role(
    doc: &PoolDoc,
    auth: &Authenticated,
    custom_role_arn: Option<&str>,
) -> Result<String, IdentityError> {
    if auth.logins.is_empty() {
        return doc
            .roles
            .get("unauthenticated")
            .cloned()
            .ok_or_else(no_role);
    }
    let default = || doc.roles.get("authenticated").cloned().ok_or_else(no_role);
    for login in &auth.logins {
        if login.kind == LoginKind::CognitoIdentity {
            continue;
        }
        let Some(mapping) = doc.role_mappings.get(&login.mapping_key()) else {
            continue;
        };
        let chosen = match mapping.r#type.as_str() {
            "Token" => {
                let roles = claim_values(&login.claims, "cognito:roles").unwrap_or_default();
                match custom_role_arn {
                    Some(custom) if roles.iter().any(|r| r == custom) => Some(custom.to_string()),
                    Some(_) => return Err(denied()),
                    None => login
                        .claims
                        .get("cognito:preferred_role")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                }
            }
            "Rules" => {
                let matching: Vec<&MappingRule> = mapping
                    .rules_configuration
                    .iter()
                    .flat_map(|c| c.rules.iter())
                    .filter(|r| rule_matches(r, &login.claims))
                    .collect();
                match custom_role_arn {
                    Some(custom) if matching.iter().any(|r| r.role_arn == custom) => {
                        Some(custom.to_string())
                    }
                    _ => matching.first().map(|r| r.role_arn.clone()),
                }
            }
            _ => None,
        };
        return match chosen {
            Some(role) => Ok(role),
            None => match mapping.ambiguous_role_resolution.as_deref() {
                Some("AuthenticatedRole") => default(),
                _ => Err(denied()),
            },
        };
    }
    default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tessera_wire::identity::RulesConfigurationType;

    fn rule(claim: &str, match_type: &str, value: &str, role: &str) -> MappingRule {
        MappingRule {
            claim: claim.into(),
            match_type: match_type.into(),
            value: value.into(),
            role_arn: role.into(),
        }
    }

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn match_types() {
        let c = claims(json!({"email": "ana@example.com", "cognito:groups": ["admins", "staff"]}));
        assert!(rule_matches(
            &rule("email", "Equals", "ana@example.com", "r"),
            &c
        ));
        assert!(!rule_matches(&rule("email", "Equals", "ana", "r"), &c));
        assert!(rule_matches(
            &rule("email", "Contains", "@example", "r"),
            &c
        ));
        assert!(rule_matches(&rule("email", "StartsWith", "ana@", "r"), &c));
        assert!(!rule_matches(
            &rule("email", "StartsWith", "example", "r"),
            &c
        ));
        assert!(rule_matches(
            &rule("email", "NotEqual", "bob@example.com", "r"),
            &c
        ));
        assert!(!rule_matches(
            &rule("email", "NotEqual", "ana@example.com", "r"),
            &c
        ));
        // A missing claim: no rule matches, NotEqual included.
        assert!(!rule_matches(&rule("phone", "NotEqual", "x", "r"), &c));
        // Arrays (groups): any element.
        assert!(rule_matches(
            &rule("cognito:groups", "Equals", "staff", "r"),
            &c
        ));
        assert!(rule_matches(
            &rule("cognito:groups", "Contains", "dmi", "r"),
            &c
        ));
        assert!(!rule_matches(
            &rule("cognito:groups", "NotEqual", "admins", "r"),
            &c
        ));
    }

    #[test]
    fn rules_need_a_configuration_and_ambiguity_a_resolution() {
        let mut m = RoleMapping {
            r#type: "Rules".into(),
            ambiguous_role_resolution: Some("Deny".into()),
            rules_configuration: None,
        };
        assert!(check_mapping(&m).is_err());
        m.rules_configuration = Some(RulesConfigurationType {
            rules: vec![rule("a", "Equals", "b", "arn:aws:iam::1:role/x")],
        });
        assert!(check_mapping(&m).is_ok());
        m.ambiguous_role_resolution = None;
        assert!(check_mapping(&m).is_err());
        m.ambiguous_role_resolution = Some("Deny".into());
        m.rules_configuration = Some(RulesConfigurationType {
            rules: vec![rule("a", "Equals", "b", "arn:aws:iam::1:role/x"); 26],
        });
        assert!(check_mapping(&m).is_err());
    }
}
