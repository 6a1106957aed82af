//! User pool attribute schema: Cognito's standard attributes and the rules for custom ones.
//!
//! Reference: <https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-attributes.html>.

use tessera_wire::idp::{
    NumberAttributeConstraintsType, SchemaAttributeType, StringAttributeConstraintsType,
};

use crate::CoreError;

/// Cognito allows at most 50 custom attributes per pool.
pub const MAX_CUSTOM_ATTRIBUTES: usize = 50;

/// The longest a string attribute's length constraints may allow.
const MAX_STRING_LENGTH: i64 = 2048;

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

fn invalid(message: String) -> CoreError {
    CoreError::InvalidParameter(message)
}

/// Cognito's one refusal for a standard attribute given another data type or made
/// developer-only (terraform-provider-aws#23181; docs/fidelity.md, issue 19 row 3).
fn standard_refusal(name: &str) -> CoreError {
    invalid(format!(
        "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute {name}"
    ))
}

/// One bound of a constraint: absent or empty is no bound; anything that is not a whole
/// number (or, for a length, is negative) is refused as Cognito refuses it.
fn bound(
    value: &Option<String>,
    kind: &str,
    name: &str,
    allow_negative: bool,
) -> Result<Option<i64>, CoreError> {
    let Some(text) = value.as_deref().map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    match text.parse::<i64>() {
        Ok(n) if allow_negative || n >= 0 => Ok(Some(n)),
        _ => Err(invalid(format!(
            "Invalid {kind} for schema attribute {name}"
        ))),
    }
}

/// Checks the constraints a schema attribute named `name` (as stored) of type `ty` is
/// given, and puts the ones of its type on `out`. Wording from docs/fidelity.md, issue 19
/// row 1: `user.<name>: …` for the range checks, `Invalid <Kind>Constraints for schema
/// attribute <name>` for values that are not numbers.
fn constrain(
    out: &mut SchemaAttributeType,
    name: &str,
    ty: &str,
    req: &SchemaAttributeType,
) -> Result<(), CoreError> {
    match ty {
        "String" => {
            let Some(c) = &req.string_attribute_constraints else {
                return Ok(());
            };
            let kind = "StringAttributeConstraints";
            let min = bound(&c.min_length, kind, name, false)?;
            let max = bound(&c.max_length, kind, name, false)?;
            if min.is_some_and(|m| m > MAX_STRING_LENGTH)
                || max.is_some_and(|m| m > MAX_STRING_LENGTH)
            {
                return Err(invalid(format!(
                    "user.{name}: String attributes cannot have a length of more than {MAX_STRING_LENGTH}"
                )));
            }
            if let (Some(min), Some(max)) = (min, max)
                && min > max
            {
                return Err(invalid(format!(
                    "user.{name}: Max length cannot be less than min length."
                )));
            }
            out.string_attribute_constraints = Some(c.clone());
            out.number_attribute_constraints = None;
        }
        "Number" => {
            let Some(c) = &req.number_attribute_constraints else {
                return Ok(());
            };
            let kind = "NumberAttributeConstraints";
            // A negative bound is accepted: no source shows Cognito refusing one.
            let min = bound(&c.min_value, kind, name, true)?;
            let max = bound(&c.max_value, kind, name, true)?;
            if let (Some(min), Some(max)) = (min, max)
                && min > max
            {
                return Err(invalid(format!(
                    "user.{name}: Max value cannot be less than min value."
                )));
            }
            out.number_attribute_constraints = Some(c.clone());
            out.string_attribute_constraints = None;
        }
        _ => {}
    }
    Ok(())
}

/// Checks a requested custom attribute and returns it as stored (`custom:` prefixed,
/// `dev:custom:` when developer-only, defaults filled in). The name is prefixed as given:
/// Cognito turns `custom:plan` into `custom:custom:plan` (docs/fidelity.md, issue 19 row 4).
pub fn custom_attribute(req: &SchemaAttributeType) -> Result<SchemaAttributeType, CoreError> {
    let bare = req.name.as_deref().unwrap_or_default();
    if bare.is_empty() {
        return Err(invalid("Attribute name must not be empty.".into()));
    }
    let Some(ty) = req.attribute_data_type.clone() else {
        return Err(invalid(
            "Invalid AttributeDataType input, consider using the provided AttributeDataType enum."
                .into(),
        ));
    };
    let developer_only = req.developer_only_attribute.unwrap_or(false);
    let name = if developer_only {
        format!("dev:custom:{bare}")
    } else {
        format!("custom:{bare}")
    };
    if req.required == Some(true) {
        return Err(invalid(
            "Required custom attributes are not supported currently.".into(),
        ));
    }
    let mut out = SchemaAttributeType {
        name: Some(name.clone()),
        attribute_data_type: Some(ty.clone()),
        developer_only_attribute: Some(developer_only),
        mutable: Some(req.mutable.unwrap_or(true)),
        required: Some(false),
        ..Default::default()
    };
    match ty.as_str() {
        "String" => out.string_attribute_constraints = Some(Default::default()),
        "Number" => out.number_attribute_constraints = Some(Default::default()),
        _ => {}
    }
    constrain(&mut out, &name, &ty, req)?;
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
                return Err(invalid("The sub attribute cannot be modified.".into()));
            }
            let ty = std_attr.attribute_data_type.clone().unwrap_or_default();
            if req
                .attribute_data_type
                .as_ref()
                .is_some_and(|given| *given != ty)
                || req.developer_only_attribute == Some(true)
            {
                return Err(standard_refusal(name));
            }
            if let Some(r) = req.required {
                std_attr.required = Some(r);
            }
            if let Some(m) = req.mutable {
                std_attr.mutable = Some(m);
            }
            constrain(std_attr, name, &ty, req)?;
        } else {
            customs.push(custom_attribute(req)?);
        }
    }
    append_custom(&mut schema, customs)?;
    Ok(schema)
}

/// Adds custom attributes to a schema, refusing duplicates and the 50-attribute quota.
/// A duplicate is named as Cognito names it: `custom:x: Existing attribute already has
/// name dev:custom:x.`, the existing attribute as stored (docs/fidelity.md, issue 19 row 4).
pub fn append_custom(
    schema: &mut Vec<SchemaAttributeType>,
    customs: Vec<SchemaAttributeType>,
) -> Result<(), CoreError> {
    for c in customs {
        let name = c.name.clone().unwrap_or_default();
        let key = name.strip_prefix("dev:").unwrap_or(&name).to_string();
        let existing = schema.iter().find_map(|a| {
            let n = a.name.as_deref()?;
            (n.strip_prefix("dev:").unwrap_or(n) == key).then(|| n.to_string())
        });
        if let Some(existing) = existing {
            return Err(invalid(format!(
                "{key}: Existing attribute already has name {existing}."
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
        assert!(build_schema(&[attr("x", "String"), attr("x", "Number")]).is_err());
        assert!(build_schema(&[attr("email", "Number")]).is_err());
        // The name is prefixed as given, as Cognito does.
        let s = build_schema(&[attr("custom:x", "String")]).unwrap_or_default();
        assert!(
            s.iter()
                .any(|a| a.name.as_deref() == Some("custom:custom:x"))
        );
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

    /// The refusal's message, or a note that there was none.
    fn refusal(r: Result<Vec<SchemaAttributeType>, CoreError>) -> String {
        match r {
            Err(CoreError::InvalidParameter(m)) => m,
            other => format!("not an InvalidParameter refusal: {other:?}"),
        }
    }

    fn with_string(name: &str, min: Option<&str>, max: Option<&str>) -> SchemaAttributeType {
        SchemaAttributeType {
            string_attribute_constraints: Some(StringAttributeConstraintsType {
                min_length: min.map(Into::into),
                max_length: max.map(Into::into),
            }),
            ..attr(name, "String")
        }
    }

    fn with_number(name: &str, min: Option<&str>, max: Option<&str>) -> SchemaAttributeType {
        SchemaAttributeType {
            number_attribute_constraints: Some(NumberAttributeConstraintsType {
                min_value: min.map(Into::into),
                max_value: max.map(Into::into),
            }),
            ..attr(name, "Number")
        }
    }

    // Wording: docs/fidelity.md, "Schema, attribute and username refusals (issue 19)".
    #[test]
    fn constraint_refusals_name_the_attribute() {
        let cases = [
            (
                with_string("email", Some("abc"), None),
                "Invalid StringAttributeConstraints for schema attribute email",
            ),
            (
                with_string("email", None, Some("-1")),
                "Invalid StringAttributeConstraints for schema attribute email",
            ),
            (
                with_number("updated_at", None, Some("1.5")),
                "Invalid NumberAttributeConstraints for schema attribute updated_at",
            ),
            (
                with_string("email", None, Some("2049")),
                "user.email: String attributes cannot have a length of more than 2048",
            ),
            (
                with_string("email", Some("2049"), None),
                "user.email: String attributes cannot have a length of more than 2048",
            ),
            (
                with_string("email", Some("5"), Some("4")),
                "user.email: Max length cannot be less than min length.",
            ),
            (
                with_number("updated_at", Some("9"), Some("3")),
                "user.updated_at: Max value cannot be less than min value.",
            ),
            (
                with_string("plan", Some("5"), Some("4")),
                "user.custom:plan: Max length cannot be less than min length.",
            ),
            (
                with_number("age", Some("x"), None),
                "Invalid NumberAttributeConstraints for schema attribute custom:age",
            ),
        ];
        for (req, want) in cases {
            assert_eq!(refusal(build_schema(&[req])), want);
        }
        let mut dev = with_string("secret", None, Some("4096"));
        dev.developer_only_attribute = Some(true);
        assert_eq!(
            refusal(build_schema(&[dev])),
            "user.dev:custom:secret: String attributes cannot have a length of more than 2048"
        );
    }

    #[test]
    fn constraints_within_range_are_kept() {
        let s = build_schema(&[
            with_string("email", Some("3"), Some("2048")),
            with_number("updated_at", Some("-5"), Some("10")),
            with_string("plan", None, Some("20")),
        ])
        .unwrap_or_default();
        let find = |n: &str| s.iter().find(|a| a.name.as_deref() == Some(n)).cloned();
        assert_eq!(
            find("email").and_then(|a| a.string_attribute_constraints),
            string_constraints("3", "2048")
        );
        assert_eq!(
            find("updated_at")
                .and_then(|a| a.number_attribute_constraints)
                .and_then(|c| c.min_value),
            Some("-5".into())
        );
        assert_eq!(
            find("custom:plan")
                .and_then(|a| a.string_attribute_constraints)
                .and_then(|c| c.max_length),
            Some("20".into())
        );
    }

    #[test]
    fn custom_attribute_needs_a_data_type() {
        let req = SchemaAttributeType {
            name: Some("tier".into()),
            ..Default::default()
        };
        assert_eq!(
            refusal(build_schema(&[req])),
            "Invalid AttributeDataType input, consider using the provided AttributeDataType enum."
        );
    }

    #[test]
    fn standard_attributes_keep_type_and_visibility() {
        let want = "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute email";
        assert_eq!(refusal(build_schema(&[attr("email", "Number")])), want);
        let mut dev = attr("email", "String");
        dev.developer_only_attribute = Some(true);
        assert_eq!(refusal(build_schema(&[dev])), want);
        let untyped = SchemaAttributeType {
            name: Some("email".into()),
            developer_only_attribute: Some(true),
            ..Default::default()
        };
        assert_eq!(refusal(build_schema(&[untyped])), want);
        assert!(build_schema(&[attr("email", "String")]).is_ok());
    }

    #[test]
    fn duplicates_name_the_stored_attribute() {
        let mut dev = attr("banana", "String");
        dev.developer_only_attribute = Some(true);
        let mut schema = build_schema(&[dev.clone()]).unwrap_or_default();
        let again = |schema: &mut Vec<SchemaAttributeType>, req: &SchemaAttributeType| {
            let c = custom_attribute(req).map_err(|e| e.to_string())?;
            append_custom(schema, vec![c]).map_err(|e| e.to_string())
        };
        let want = "custom:banana: Existing attribute already has name dev:custom:banana.";
        assert_eq!(
            again(&mut schema, &attr("banana", "String")),
            Err(want.into())
        );
        assert_eq!(again(&mut schema, &dev), Err(want.into()));
        assert_eq!(again(&mut schema, &attr("custom:name", "String")), Ok(()));
        assert_eq!(
            again(&mut schema, &attr("custom:name", "String")),
            Err(
                "custom:custom:name: Existing attribute already has name custom:custom:name."
                    .into()
            )
        );
    }
}
