//! User attributes checked against the pool's schema and the client's write permissions.

use std::collections::BTreeMap;

use tessera_wire::idp::{AttributeType, SchemaAttributeType};

use crate::CoreError;
use crate::store::{PoolRecord, UserRecord};

fn schema(pool: &PoolRecord) -> &[SchemaAttributeType] {
    pool.config.schema_attributes.as_deref().unwrap_or_default()
}

fn find<'a>(pool: &'a PoolRecord, name: &str) -> Option<&'a SchemaAttributeType> {
    schema(pool)
        .iter()
        .find(|a| a.name.as_deref() == Some(name))
}

/// Whether the pool's schema has the attribute.
pub(crate) fn is_known(pool: &PoolRecord, name: &str) -> bool {
    find(pool, name).is_some()
}

fn invalid(name: &str, why: &str) -> CoreError {
    CoreError::InvalidParameter(format!(
        "Attributes did not conform to the schema: {name}: {why}"
    ))
}

/// Who is writing: administrators may write developer-only attributes and `*_verified`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Writer<'a> {
    Admin,
    Client(Option<&'a [String]>),
}

/// Validates attribute values and returns them as a name → value map.
///
/// Refusals in Cognito's order and words (docs/fidelity.md, "Audit: users"): an attribute
/// without a value, then every name the schema lacks, listed together one line each, as
/// `name: …\n` after "Attributes did not conform to the schema: " when a user is created,
/// and as `user.name: …\n` with no prefix when one is updated (`existing`); then, per
/// attribute, the client's write permission, immutability and the value's type.
pub(crate) fn check(
    pool: &PoolRecord,
    attributes: &[AttributeType],
    writer: Writer<'_>,
    existing: Option<&UserRecord>,
) -> Result<BTreeMap<String, String>, CoreError> {
    if let Some(a) = attributes.iter().find(|a| a.value.is_none()) {
        return Err(CoreError::InvalidParameter(format!(
            "Attribute value for {} must not be null",
            a.name
        )));
    }
    let lookup = |name: &str| find(pool, name).or_else(|| find(pool, &format!("dev:{name}")));
    let unknown: String = attributes
        .iter()
        .filter(|a| a.name != "sub" && lookup(&a.name).is_none())
        .map(|a| match existing {
            Some(_) => format!("user.{}: Attribute does not exist in the schema.\n", a.name),
            None => format!("{}: Attribute does not exist in the schema.\n", a.name),
        })
        .collect();
    if !unknown.is_empty() {
        return Err(CoreError::InvalidParameter(match existing {
            Some(_) => unknown,
            None => format!("Attributes did not conform to the schema: {unknown}"),
        }));
    }
    let mut out = BTreeMap::new();
    for a in attributes {
        let name = a.name.as_str();
        let value = a.value.clone().unwrap_or_default();
        if name == "sub" {
            return Err(match existing {
                Some(_) => cannot_update(name),
                None => invalid(
                    name,
                    "Attribute cannot be updated. (changing an immutable attribute)",
                ),
            });
        }
        let Some(def) = lookup(name) else {
            return Err(invalid(name, "Attribute does not exist in the schema.\n"));
        };
        let developer_only = def.developer_only_attribute == Some(true);
        if let Writer::Client(write) = writer {
            let allowed = !developer_only
                && write.is_none_or(|w| w.iter().any(|x| x == name))
                && (write.is_some() || !name.ends_with("_verified"));
            if !allowed {
                return Err(CoreError::NotAuthorized(
                    "A client attempted to write unauthorized attribute".into(),
                ));
            }
        }
        if let Some(u) = existing
            && def.mutable == Some(false)
            && u.attributes.get(name).is_some_and(|old| *old != value)
        {
            return Err(cannot_update(name));
        }
        let mut value = value;
        match def.attribute_data_type.as_deref().unwrap_or("String") {
            // Cognito takes a boolean in any case ("True" included: aws-amplify/amplify-js
            // #8205; docs/fidelity.md, issue 19 row 5); it is kept as `true` or `false`,
            // the form every check and token claim here reads.
            "Boolean" => match boolean(&value) {
                Some(b) => value = b.to_string(),
                None => return Err(invalid(name, "Attribute value must be true or false.")),
            },
            "Number" => {
                let n: f64 = value
                    .parse()
                    .map_err(|_| invalid(name, "Attribute value must be a number."))?;
                let c = def.number_attribute_constraints.clone().unwrap_or_default();
                let bound = |s: &Option<String>| s.as_deref().and_then(|v| v.parse::<f64>().ok());
                if bound(&c.min_value).is_some_and(|m| n < m)
                    || bound(&c.max_value).is_some_and(|m| n > m)
                {
                    return Err(invalid(name, "Number is out of range."));
                }
            }
            "String" => {
                let c = def.string_attribute_constraints.clone().unwrap_or_default();
                let len = value.chars().count();
                let bound = |s: &Option<String>| s.as_deref().and_then(|v| v.parse::<usize>().ok());
                if bound(&c.max_length).is_some_and(|m| len > m) {
                    return Err(invalid(name, "String is too long."));
                }
                if bound(&c.min_length).is_some_and(|m| len < m) && !value.is_empty() {
                    return Err(invalid(name, "String is too short."));
                }
            }
            _ => {}
        }
        if name == "email" && !value.is_empty() && !looks_like_email(&value) {
            return Err(CoreError::InvalidParameter(
                "Invalid email address format.".into(),
            ));
        }
        if name == "phone_number" && !value.is_empty() && !looks_like_phone(&value) {
            return Err(CoreError::InvalidParameter(
                "Invalid phone number format.".into(),
            ));
        }
        out.insert(name.to_string(), value);
    }
    Ok(out)
}

/// Writing an immutable attribute of an existing user: `user.email: Attribute cannot be
/// updated.\n` (aws-amplify/amplify-js#3526, aws-amplify/amplify-swift#3981).
fn cannot_update(name: &str) -> CoreError {
    CoreError::InvalidParameter(format!("user.{name}: Attribute cannot be updated.\n"))
}

/// A boolean attribute value, read case-insensitively (as Java's `Boolean` reads it).
fn boolean(value: &str) -> Option<bool> {
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Checks the names given to `AdminDeleteUserAttributes` / `DeleteUserAttributes`.
/// Names the schema lacks are refused together, one line each, as Cognito lists them
/// (docs/fidelity.md, issue 19 row 7); a required attribute cannot be removed.
pub(crate) fn check_deletable(pool: &PoolRecord, names: &[String]) -> Result<(), CoreError> {
    let unknown: String = names
        .iter()
        .filter(|n| {
            find(pool, n)
                .or_else(|| find(pool, &format!("dev:{n}")))
                .is_none()
        })
        .map(|n| format!("user.{n}: Attribute does not exist in the schema.\n"))
        .collect();
    if !unknown.is_empty() {
        return Err(CoreError::InvalidParameter(format!(
            "Invalid user attributes: {unknown}"
        )));
    }
    for n in names {
        if n == "sub" || find(pool, n).is_some_and(|d| d.required == Some(true)) {
            return Err(CoreError::InvalidParameter(format!(
                "Invalid user attributes: {n}: Required attribute cannot be deleted."
            )));
        }
    }
    Ok(())
}

/// The refusal for a username that is not of the form the pool's username attributes
/// take (docs/fidelity.md, issue 19 row 13).
pub(crate) fn username_refusal(username_attributes: &[String]) -> CoreError {
    let email = username_attributes.iter().any(|a| a == "email");
    let phone = username_attributes.iter().any(|a| a == "phone_number");
    CoreError::InvalidParameter(
        match (email, phone) {
            (true, true) => "Username should be either an email or a phone number.",
            (true, false) => "Username should be an email.",
            _ => "Username should be a phone number.",
        }
        .into(),
    )
}

/// Refuses a user that lacks required attributes, naming every one on its own line:
/// `Attributes did not conform to the schema: email: The attribute is required\n`.
pub(crate) fn check_required(
    pool: &PoolRecord,
    attributes: &BTreeMap<String, String>,
) -> Result<(), CoreError> {
    let missing: String = required_names(pool)
        .into_iter()
        .filter(|name| attributes.get(name).is_none_or(String::is_empty))
        .map(|name| format!("{name}: The attribute is required\n"))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(CoreError::InvalidParameter(format!(
            "Attributes did not conform to the schema: {missing}"
        )))
    }
}

/// The attributes the pool's schema requires (other than `sub`, which Tessera sets).
pub(crate) fn required_names(pool: &PoolRecord) -> Vec<String> {
    schema(pool)
        .iter()
        .filter(|def| def.required == Some(true))
        .filter_map(|def| def.name.clone())
        .filter(|name| name != "sub")
        .collect()
}

pub(crate) fn looks_like_email(v: &str) -> bool {
    match v.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !v.contains(char::is_whitespace)
        }
        None => false,
    }
}

/// E.164: a plus sign and up to 15 digits.
pub(crate) fn looks_like_phone(v: &str) -> bool {
    v.strip_prefix('+')
        .is_some_and(|d| (2..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> PoolRecord {
        let mut schema = crate::schema::standard_schema();
        let mut required = crate::schema::standard_schema()
            .into_iter()
            .find(|a| a.name.as_deref() == Some("email"))
            .unwrap_or_default();
        required.required = Some(true);
        schema.retain(|a| a.name.as_deref() != Some("email"));
        schema.push(required);
        schema.push(SchemaAttributeType {
            name: Some("dev:custom:secret".into()),
            attribute_data_type: Some("String".into()),
            developer_only_attribute: Some(true),
            ..Default::default()
        });
        PoolRecord {
            id: "us-east-1_test".into(),
            name: "t".into(),
            region: "us-east-1".into(),
            created_ms: 0,
            modified_ms: 0,
            version: 1,
            config: tessera_wire::idp::UserPoolType {
                schema_attributes: Some(schema),
                ..Default::default()
            },
        }
    }

    fn message(r: Result<impl std::fmt::Debug, CoreError>) -> String {
        match r {
            Err(CoreError::InvalidParameter(m)) => m,
            other => format!("not an InvalidParameter refusal: {other:?}"),
        }
    }

    fn attr(name: &str, value: &str) -> AttributeType {
        AttributeType {
            name: name.into(),
            value: Some(value.into()),
        }
    }

    #[test]
    fn booleans_are_read_in_any_case() {
        let pool = pool();
        for (given, kept) in [("True", "true"), ("FALSE", "false"), ("true", "true")] {
            let out = check(&pool, &[attr("email_verified", given)], Writer::Admin, None);
            assert_eq!(
                out.ok().and_then(|m| m.get("email_verified").cloned()),
                Some(kept.to_string())
            );
        }
        let r = check(
            &pool,
            &[attr("phone_number_verified", "yes")],
            Writer::Admin,
            None,
        );
        assert!(matches!(r, Err(CoreError::InvalidParameter(_))));
    }

    #[test]
    fn deletion_lists_every_unknown_name() {
        let pool = pool();
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            message(check_deletable(&pool, &names(&["custom:foo"]))),
            "Invalid user attributes: user.custom:foo: Attribute does not exist in the schema.\n"
        );
        assert_eq!(
            message(check_deletable(&pool, &names(&["name", "custom:a", "b"]))),
            "Invalid user attributes: user.custom:a: Attribute does not exist in the schema.\n\
             user.b: Attribute does not exist in the schema.\n"
        );
        assert_eq!(
            message(check_deletable(&pool, &names(&["email"]))),
            "Invalid user attributes: email: Required attribute cannot be deleted."
        );
        assert!(check_deletable(&pool, &names(&["name", "custom:secret"])).is_ok());
    }

    #[test]
    fn username_refusal_names_the_forms() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let text = |a: &[&str]| username_refusal(&v(a)).to_string();
        assert_eq!(
            text(&["email", "phone_number"]),
            "Username should be either an email or a phone number."
        );
        assert_eq!(
            text(&["phone_number", "email"]),
            "Username should be either an email or a phone number."
        );
        assert_eq!(text(&["email"]), "Username should be an email.");
        assert_eq!(
            text(&["phone_number"]),
            "Username should be a phone number."
        );
    }

    #[test]
    fn formats() {
        assert!(looks_like_email("a@b.co"));
        assert!(!looks_like_email("a@b"));
        assert!(!looks_like_email("ab.co"));
        assert!(looks_like_phone("+15551234567"));
        assert!(!looks_like_phone("5551234567"));
        assert!(!looks_like_phone("+1-555"));
    }
}
