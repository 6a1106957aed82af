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
pub(crate) fn check(
    pool: &PoolRecord,
    attributes: &[AttributeType],
    writer: Writer<'_>,
    existing: Option<&UserRecord>,
) -> Result<BTreeMap<String, String>, CoreError> {
    let mut out = BTreeMap::new();
    for a in attributes {
        let name = a.name.as_str();
        let value = a.value.clone().unwrap_or_default();
        if name == "sub" {
            return Err(invalid(
                name,
                "Attribute cannot be updated. (changing an immutable attribute)",
            ));
        }
        let Some(def) = find(pool, name).or_else(|| find(pool, &format!("dev:{name}"))) else {
            return Err(invalid(name, "Attribute does not exist in the schema."));
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
            return Err(invalid(
                name,
                "Attribute cannot be updated. (changing an immutable attribute)",
            ));
        }
        match def.attribute_data_type.as_deref().unwrap_or("String") {
            "Boolean" if value != "true" && value != "false" => {
                return Err(invalid(name, "Attribute value must be true or false."));
            }
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

/// Names of required attributes missing from `attributes`.
pub(crate) fn check_required(
    pool: &PoolRecord,
    attributes: &BTreeMap<String, String>,
) -> Result<(), CoreError> {
    for name in required_names(pool) {
        if attributes.get(&name).is_none_or(String::is_empty) {
            return Err(invalid(&name, &format!("The attribute {name} is required")));
        }
    }
    Ok(())
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
