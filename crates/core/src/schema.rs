//! User pool attribute schema: Cognito's standard attributes and the rules for custom ones.
//!
//! Reference: <https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-attributes.html>.

use tessera_wire::idp::{
    NumberAttributeConstraintsType, SchemaAttributeType, StringAttributeConstraintsType,
};

use crate::CoreError;

/// Cognito allows at most 50 custom attributes per pool.
pub const MAX_CUSTOM_ATTRIBUTES: usize = 50;

/// Standard attributes in the order `DescribeUserPool` lists them.
const STANDARD: &[(&str, &str)] = &[
    ("sub", "String"),
    ("name", "String"),
    ("given_name", "String"),
    ("family_name", "String"),
    ("middle_name", "String"),
    ("nickname", "String"),
    ("preferred_username", "String"),
    ("profile", "String"),
    ("picture", "String"),
    ("website", "String"),
    ("email", "String"),
    ("email_verified", "Boolean"),
    ("gender", "String"),
    ("birthdate", "String"),
    ("zoneinfo", "String"),
    ("locale", "String"),
    ("phone_number", "String"),
    ("phone_number_verified", "Boolean"),
    ("address", "String"),
    ("updated_at", "Number"),
];

pub fn is_standard(name: &str) -> bool {
    STANDARD.iter().any(|(n, _)| *n == name)
}

fn string_constraints(min: &str, max: &str) -> Option<StringAttributeConstraintsType> {
    Some(StringAttributeConstraintsType {
        min_length: Some(min.into()),
        max_length: Some(max.into()),
    })
}

/// The standard schema exactly as Cognito describes a new pool's.
pub fn standard_schema() -> Vec<SchemaAttributeType> {
    STANDARD
        .iter()
        .map(|(name, ty)| {
            let mut a = SchemaAttributeType {
                name: Some((*name).into()),
                attribute_data_type: Some((*ty).into()),
                developer_only_attribute: Some(false),
                mutable: Some(*name != "sub"),
                required: Some(*name == "sub"),
                ..Default::default()
            };
            match (*name, *ty) {
                ("sub", _) => a.string_attribute_constraints = string_constraints("1", "2048"),
                ("birthdate", _) => a.string_attribute_constraints = string_constraints("10", "10"),
                (_, "String") => a.string_attribute_constraints = string_constraints("0", "2048"),
                (_, "Number") => {
                    a.number_attribute_constraints = Some(NumberAttributeConstraintsType {
                        min_value: Some("0".into()),
                        max_value: None,
                    })
                }
                _ => {}
            }
            a
        })
        .collect()
}

fn check_number(field: &str, v: &Option<String>) -> Result<Option<i64>, CoreError> {
    match v {
        None => Ok(None),
        Some(s) => s.trim().parse::<i64>().map(Some).map_err(|_| {
            CoreError::InvalidParameter(format!("{field} must be a number, got '{}'.", truncate(s)))
        }),
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Checks a requested custom attribute and returns it as stored (`custom:` prefixed,
/// `dev:custom:` when developer-only, defaults filled in).
pub fn custom_attribute(req: &SchemaAttributeType) -> Result<SchemaAttributeType, CoreError> {
    let raw = req.name.as_deref().unwrap_or_default();
    let bare = raw.strip_prefix("custom:").unwrap_or(raw);
    if bare.is_empty() {
        return Err(CoreError::InvalidParameter(
            "Attribute name must not be empty.".into(),
        ));
    }
    let ty = req
        .attribute_data_type
        .clone()
        .unwrap_or_else(|| "String".into());
    if req.required == Some(true) {
        return Err(CoreError::InvalidParameter(
            "Required custom attributes are not supported currently.".into(),
        ));
    }
    let developer_only = req.developer_only_attribute.unwrap_or(false);
    let mut out = SchemaAttributeType {
        name: Some(if developer_only {
            format!("dev:custom:{bare}")
        } else {
            format!("custom:{bare}")
        }),
        attribute_data_type: Some(ty.clone()),
        developer_only_attribute: Some(developer_only),
        mutable: Some(req.mutable.unwrap_or(true)),
        required: Some(false),
        ..Default::default()
    };
    match ty.as_str() {
        "String" => {
            let c = req.string_attribute_constraints.clone().unwrap_or_default();
            let min = check_number("MinLength", &c.min_length)?;
            let max = check_number("MaxLength", &c.max_length)?;
            if let (Some(min), Some(max)) = (min, max)
                && min > max
            {
                return Err(CoreError::InvalidParameter(format!(
                    "MinLength must not be greater than MaxLength for attribute {bare}."
                )));
            }
            if min.is_some_and(|m| m < 0) || max.is_some_and(|m| !(0..=2048).contains(&m)) {
                return Err(CoreError::InvalidParameter(format!(
                    "String attribute {bare} lengths must be between 0 and 2048."
                )));
            }
            out.string_attribute_constraints = Some(c);
        }
        "Number" => {
            let c = req.number_attribute_constraints.clone().unwrap_or_default();
            let min = check_number("MinValue", &c.min_value)?;
            let max = check_number("MaxValue", &c.max_value)?;
            if let (Some(min), Some(max)) = (min, max)
                && min > max
            {
                return Err(CoreError::InvalidParameter(format!(
                    "MinValue must not be greater than MaxValue for attribute {bare}."
                )));
            }
            out.number_attribute_constraints = Some(c);
        }
        _ => {}
    }
    Ok(out)
}

/// Builds a new pool's schema: the standard attributes, adjusted where the request names
/// one of them, followed by the requested custom attributes.
pub fn build_schema(
    requested: &[SchemaAttributeType],
) -> Result<Vec<SchemaAttributeType>, CoreError> {
    let mut schema = standard_schema();
    let mut customs = Vec::new();
    for req in requested {
        let name = req.name.as_deref().unwrap_or_default();
        if let Some(std_attr) = schema.iter_mut().find(|a| a.name.as_deref() == Some(name)) {
            if name == "sub" {
                return Err(CoreError::InvalidParameter(
                    "The sub attribute cannot be modified.".into(),
                ));
            }
            if let Some(ty) = &req.attribute_data_type
                && Some(ty) != std_attr.attribute_data_type.as_ref()
            {
                return Err(CoreError::InvalidParameter(format!(
                    "Attribute {name} has data type {} and cannot be changed to {ty}.",
                    std_attr.attribute_data_type.as_deref().unwrap_or_default()
                )));
            }
            if req.developer_only_attribute == Some(true) {
                return Err(CoreError::InvalidParameter(format!(
                    "Standard attribute {name} cannot be developer only."
                )));
            }
            if let Some(r) = req.required {
                std_attr.required = Some(r);
            }
            if let Some(m) = req.mutable {
                std_attr.mutable = Some(m);
            }
            if let Some(c) = &req.string_attribute_constraints {
                std_attr.string_attribute_constraints = Some(c.clone());
            }
            if let Some(c) = &req.number_attribute_constraints {
                std_attr.number_attribute_constraints = Some(c.clone());
            }
        } else {
            customs.push(custom_attribute(req)?);
        }
    }
    append_custom(&mut schema, customs)?;
    Ok(schema)
}

/// Adds custom attributes to a schema, refusing duplicates and the 50-attribute quota.
pub fn append_custom(
    schema: &mut Vec<SchemaAttributeType>,
    customs: Vec<SchemaAttributeType>,
) -> Result<(), CoreError> {
    for c in customs {
        let name = c.name.clone().unwrap_or_default();
        let bare = name.trim_start_matches("dev:").to_string();
        if schema
            .iter()
            .any(|a| a.name.as_deref().map(|n| n.trim_start_matches("dev:")) == Some(bare.as_str()))
        {
            return Err(CoreError::InvalidParameter(format!(
                "Existing attribute already has name {bare}."
            )));
        }
        schema.push(c);
    }
    let custom_count = schema
        .iter()
        .filter(|a| a.name.as_deref().is_some_and(|n| !is_standard(n)))
        .count();
    if custom_count > MAX_CUSTOM_ATTRIBUTES {
        return Err(CoreError::LimitExceeded(format!(
            "A user pool can have at most {MAX_CUSTOM_ATTRIBUTES} custom attributes."
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(name: &str, ty: &str) -> SchemaAttributeType {
        SchemaAttributeType {
            name: Some(name.into()),
            attribute_data_type: Some(ty.into()),
            ..Default::default()
        }
    }

    #[test]
    fn standard_schema_matches_cognito() {
        let s = standard_schema();
        assert_eq!(s.len(), 20);
        assert_eq!(s[0].name.as_deref(), Some("sub"));
        assert_eq!(s[0].required, Some(true));
        assert_eq!(s[0].mutable, Some(false));
        let b = s.iter().find(|a| a.name.as_deref() == Some("birthdate"));
        assert_eq!(
            b.and_then(|a| a.string_attribute_constraints.clone()),
            string_constraints("10", "10")
        );
        let v = s
            .iter()
            .find(|a| a.name.as_deref() == Some("email_verified"));
        assert!(v.is_some_and(|a| a.string_attribute_constraints.is_none()));
    }

    #[test]
    fn custom_attributes_are_prefixed_and_checked() {
        let s = build_schema(&[attr("tenant", "String"), attr("email", "String")]);
        let s = s.unwrap_or_default();
        assert!(s.iter().any(|a| a.name.as_deref() == Some("custom:tenant")));
        assert_eq!(s.len(), 21);
        let mut req = attr("x", "String");
        req.required = Some(true);
        assert!(matches!(
            build_schema(&[req]),
            Err(CoreError::InvalidParameter(_))
        ));
        assert!(build_schema(&[attr("x", "String"), attr("custom:x", "Number")]).is_err());
        assert!(build_schema(&[attr("email", "Number")]).is_err());
        let mut dev = attr("secret", "String");
        dev.developer_only_attribute = Some(true);
        let s = build_schema(&[dev]).unwrap_or_default();
        assert!(
            s.iter()
                .any(|a| a.name.as_deref() == Some("dev:custom:secret"))
        );
    }

    #[test]
    fn quota() {
        let many: Vec<_> = (0..51).map(|i| attr(&format!("a{i}"), "String")).collect();
        assert!(matches!(
            build_schema(&many),
            Err(CoreError::LimitExceeded(_))
        ));
        assert!(build_schema(&many[..50]).is_ok());
    }
}
