//! Input validation against the service models, with Cognito's error wording.
//!
//! Cognito (like every AWS JSON service) first deserializes the request body, failing
//! with a `SerializationException` on a JSON type mismatch, then checks the model's
//! constraints (`required`, `min`/`max`, `pattern`, `enum`), reporting every violation
//! at once in a `ValidationException`/`InvalidParameterException`:
//!
//! ```text
//! 2 validation errors detected: Value null at 'poolName' failed to satisfy constraint:
//! Member must not be null; Value '61' at 'maxResults' failed to satisfy constraint:
//! Member must have value less than or equal to 60
//! ```
//!
//! Everything here is driven by the generated shape tables ([`crate::generated`]).
//! Values of sensitive shapes (passwords, tokens, usernames, ...) are never echoed.

use std::fmt;

use serde_json::{Map, Value};

use crate::generated::{self, PATTERNS, Shape, ShapeKind};
use crate::ops::{Operation, Service};

/// Why a request body was rejected. The string is the client-facing message.
#[derive(Debug, Clone, PartialEq)]
pub enum InputError {
    /// The body is not JSON of the modelled types (→ `SerializationException`).
    Serialization(String),
    /// The body violates model constraints (→ `InvalidParameterException`).
    Invalid(String),
}

impl InputError {
    /// The client-facing message.
    pub fn message(&self) -> &str {
        match self {
            InputError::Serialization(message) | InputError::Invalid(message) => message,
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for InputError {}

/// Values longer than this (in characters) are truncated in messages.
const MAX_ECHO_CHARS: usize = 64;

/// Nesting depth beyond which the body is rejected (the models nest far less deeply).
const MAX_DEPTH: usize = 64;

/// Checks a request body (already parsed JSON) against the operation's input shape.
pub fn validate_input(op: &Operation, body: &Value) -> Result<(), InputError> {
    if !body.is_object() {
        return Err(InputError::Serialization(
            "Expected a JSON object as the request body".to_string(),
        ));
    }
    let Some(input) = op
        .input
        .and_then(|name| generated::find_shape(op.service, name))
    else {
        return Ok(());
    };
    let mut validator = Validator {
        service: op.service,
        violations: Vec::new(),
    };
    validator.check(input, body, "", false, 0)?;
    let violations = validator.violations;
    match violations.len() {
        0 => Ok(()),
        1 => Err(InputError::Invalid(format!(
            "1 validation error detected: {}",
            violations.join("; ")
        ))),
        n => Err(InputError::Invalid(format!(
            "{n} validation errors detected: {}",
            violations.join("; ")
        ))),
    }
}

/// Validates, then deserializes into the generated type.
pub fn parse_input<T: serde::de::DeserializeOwned>(
    op: &Operation,
    body: Value,
) -> Result<T, InputError> {
    validate_input(op, &body)?;
    // The body has the modelled types, so this only fails if `T` is not the operation's
    // input type. The serde message is not forwarded: it could quote a secret.
    serde_json::from_value(body).map_err(|_| {
        InputError::Serialization(format!(
            "Unable to deserialize the request body of {}",
            op.name
        ))
    })
}

struct Validator {
    service: Service,
    violations: Vec<String>,
}

impl Validator {
    fn shape(&self, index: u16) -> Option<&'static Shape> {
        generated::shape(self.service, index)
    }

    /// Checks a non-null `value` against `shape`. `hidden` is true inside a sensitive
    /// shape. Type mismatches abort with a serialization error; constraint violations
    /// are collected.
    fn check(
        &mut self,
        shape: &'static Shape,
        value: &Value,
        path: &str,
        hidden: bool,
        depth: usize,
    ) -> Result<(), InputError> {
        if depth > MAX_DEPTH {
            return Err(InputError::Serialization(
                "The request body is nested too deeply".to_string(),
            ));
        }
        let hidden = hidden || shape.sensitive;
        match shape.kind {
            ShapeKind::String => {
                let Some(text) = value.as_str() else {
                    return Err(expected("string", path));
                };
                let echo = (!hidden).then(|| echo_text(text));
                let constraints = string_constraints(shape, text);
                self.report(echo.as_deref(), path, constraints);
            }
            ShapeKind::Blob => {
                let Some(text) = value.as_str() else {
                    return Err(expected("blob (base64 string)", path));
                };
                let mut constraints = Vec::new();
                length_constraints(shape, decoded_len(text), &mut constraints);
                // Blobs are not echoed: their text is an encoding, not the value.
                self.report(None, path, constraints);
            }
            ShapeKind::Integer | ShapeKind::Long => {
                let number = value
                    .as_i64()
                    .filter(|n| shape.kind == ShapeKind::Long || i32::try_from(*n).is_ok());
                let Some(number) = number else {
                    let kind = if shape.kind == ShapeKind::Long {
                        "long"
                    } else {
                        "integer"
                    };
                    return Err(expected(kind, path));
                };
                let mut constraints = Vec::new();
                if let Some(min) = shape.min.filter(|min| number < *min) {
                    constraints.push(format!(
                        "Member must have value greater than or equal to {min}"
                    ));
                }
                if let Some(max) = shape.max.filter(|max| number > *max) {
                    constraints.push(format!(
                        "Member must have value less than or equal to {max}"
                    ));
                }
                let echo = (!hidden).then(|| number.to_string());
                self.report(echo.as_deref(), path, constraints);
            }
            ShapeKind::Boolean => {
                if !value.is_boolean() {
                    return Err(expected("boolean", path));
                }
            }
            ShapeKind::Double | ShapeKind::Float => {
                if !value.is_number() {
                    return Err(expected("number", path));
                }
            }
            ShapeKind::Timestamp => {
                if !value.is_number() {
                    return Err(expected("timestamp (epoch seconds)", path));
                }
            }
            ShapeKind::Document => {}
            ShapeKind::List { member } => {
                let Some(items) = value.as_array() else {
                    return Err(expected("list", path));
                };
                let Some(member_shape) = self.shape(member) else {
                    return Ok(());
                };
                let mut constraints = Vec::new();
                let length = i64::try_from(items.len()).unwrap_or(i64::MAX);
                length_constraints(shape, length, &mut constraints);
                if !constraints.is_empty() {
                    let echo = self.echo_aggregate(shape, value, hidden);
                    self.report(echo.as_deref(), path, constraints);
                }
                for (i, item) in items.iter().enumerate() {
                    let item_path = format!("{path}.{}.member", i + 1);
                    if item.is_null() {
                        self.report_null(&item_path);
                    } else {
                        self.check(member_shape, item, &item_path, hidden, depth + 1)?;
                    }
                }
            }
            ShapeKind::Map {
                key,
                value: value_index,
            } => {
                let Some(entries) = value.as_object() else {
                    return Err(expected("map", path));
                };
                let (Some(key_shape), Some(value_shape)) =
                    (self.shape(key), self.shape(value_index))
                else {
                    return Ok(());
                };
                let mut constraints = Vec::new();
                let length = i64::try_from(entries.len()).unwrap_or(i64::MAX);
                length_constraints(shape, length, &mut constraints);
                for entry_key in entries.keys() {
                    let key_constraints = string_constraints(key_shape, entry_key);
                    if !key_constraints.is_empty() {
                        constraints.push(format!(
                            "Map keys must satisfy constraint: [{}]",
                            key_constraints.join(", ")
                        ));
                    }
                }
                if !constraints.is_empty() {
                    let echo = self.echo_aggregate(shape, value, hidden);
                    self.report(echo.as_deref(), path, constraints);
                }
                for (entry_key, entry_value) in entries {
                    let entry_path = format!("{path}.{entry_key}");
                    if entry_value.is_null() {
                        self.report_null(&entry_path);
                    } else {
                        self.check(value_shape, entry_value, &entry_path, hidden, depth + 1)?;
                    }
                }
            }
            ShapeKind::Structure { members } => {
                let Some(object) = value.as_object() else {
                    return Err(expected("structure", path));
                };
                for member in members {
                    let member_path = if path.is_empty() {
                        member.path_name.to_string()
                    } else {
                        format!("{path}.{}", member.path_name)
                    };
                    match object.get(member.name) {
                        None | Some(Value::Null) => {
                            if member.required {
                                self.report_null(&member_path);
                            }
                        }
                        Some(member_value) => {
                            if let Some(member_shape) = self.shape(member.target) {
                                self.check(
                                    member_shape,
                                    member_value,
                                    &member_path,
                                    hidden,
                                    depth + 1,
                                )?;
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn report(&mut self, echo: Option<&str>, path: &str, constraints: Vec<String>) {
        for constraint in constraints {
            let value = match echo {
                Some(text) => format!("Value '{text}'"),
                None => "Value".to_string(),
            };
            self.violations.push(format!(
                "{value} at '{path}' failed to satisfy constraint: {constraint}"
            ));
        }
    }

    fn report_null(&mut self, path: &str) {
        self.violations.push(format!(
            "Value null at '{path}' failed to satisfy constraint: Member must not be null"
        ));
    }

    /// The text echoed for a list or map, or `None` if it may contain a secret.
    fn echo_aggregate(&self, shape: &'static Shape, value: &Value, hidden: bool) -> Option<String> {
        if hidden || self.holds_secret(shape, 0) {
            return None;
        }
        let mut text = String::new();
        render(value, &mut text);
        Some(echo_text(&text))
    }

    /// Whether values of `shape` may contain a sensitive or binary value.
    fn holds_secret(&self, shape: &'static Shape, depth: usize) -> bool {
        if shape.sensitive || depth > MAX_DEPTH {
            return true;
        }
        let holds = |index: u16| {
            self.shape(index)
                .is_none_or(|inner| self.holds_secret(inner, depth + 1))
        };
        match shape.kind {
            ShapeKind::Blob => true,
            ShapeKind::List { member } => holds(member),
            ShapeKind::Map { key, value } => holds(key) || holds(value),
            ShapeKind::Structure { members } => members.iter().any(|m| holds(m.target)),
            _ => false,
        }
    }
}

/// The constraints a string violates (length in characters, pattern, enum).
fn string_constraints(shape: &Shape, text: &str) -> Vec<String> {
    let mut constraints = Vec::new();
    let length = i64::try_from(text.chars().count()).unwrap_or(i64::MAX);
    length_constraints(shape, length, &mut constraints);
    let pattern = shape.pattern.and_then(|i| PATTERNS.get(usize::from(i)));
    // A pattern that does not compile is skipped rather than failing every request.
    if let Some(pattern) = pattern
        && pattern.compiled().is_some_and(|re| !re.is_match(text))
    {
        constraints.push(format!(
            "Member must satisfy regular expression pattern: {}",
            pattern.source
        ));
    }
    if !shape.enum_values.is_empty() && !shape.enum_values.contains(&text) {
        constraints.push(format!(
            "Member must satisfy enum value set: [{}]",
            shape.enum_values.join(", ")
        ));
    }
    constraints
}

fn length_constraints(shape: &Shape, length: i64, constraints: &mut Vec<String>) {
    if let Some(min) = shape.min.filter(|min| length < *min) {
        constraints.push(format!(
            "Member must have length greater than or equal to {min}"
        ));
    }
    if let Some(max) = shape.max.filter(|max| length > *max) {
        constraints.push(format!(
            "Member must have length less than or equal to {max}"
        ));
    }
}

/// Decoded length of base64 text (approximate for malformed input).
fn decoded_len(text: &str) -> i64 {
    let trimmed = text.trim_end_matches('=');
    let len = i64::try_from(trimmed.len()).unwrap_or(i64::MAX);
    len.saturating_mul(3) / 4
}

fn expected(kind: &str, path: &str) -> InputError {
    if path.is_empty() {
        InputError::Serialization(format!("Expected {kind} as the request body"))
    } else {
        InputError::Serialization(format!("Expected {kind} at '{path}'"))
    }
}

/// A value as echoed in a message, truncated if long.
fn echo_text(text: &str) -> String {
    if text.chars().count() <= MAX_ECHO_CHARS {
        text.to_string()
    } else {
        let mut truncated: String = text.chars().take(MAX_ECHO_CHARS).collect();
        truncated.push_str("...");
        truncated
    }
}

/// Renders JSON the way Java's `toString` renders the deserialized value
/// (`[a, b]`, `{k=v}`), which is what AWS echoes for lists and maps.
fn render(value: &Value, out: &mut String) {
    // Stop early: only the first MAX_ECHO_CHARS characters are ever shown.
    if out.len() > MAX_ECHO_CHARS * 4 {
        return;
    }
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => render_map(map, out),
    }
}

fn render_map(map: &Map<String, Value>, out: &mut String) {
    out.push('{');
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(key);
        out.push('=');
        render(value, out);
    }
    out.push('}');
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use serde_json::json;

    use super::*;
    use crate::ops::find_operation;
    use crate::{identity, idp};

    fn idp_op(name: &str) -> &'static Operation {
        find_operation(Service::CognitoIdp, name).unwrap()
    }

    fn invalid(op: &str, body: Value) -> String {
        match validate_input(idp_op(op), &body) {
            Err(InputError::Invalid(message)) => message,
            other => panic!("expected Invalid for {op} {body}, got {other:?}"),
        }
    }

    fn serialization(op: &str, body: Value) -> String {
        match validate_input(idp_op(op), &body) {
            Err(InputError::Serialization(message)) => message,
            other => panic!("expected Serialization for {op} {body}, got {other:?}"),
        }
    }

    #[test]
    fn every_pattern_compiles() {
        assert!(!PATTERNS.is_empty());
        for pattern in &PATTERNS {
            assert!(
                pattern.regex.starts_with("^(?:") && pattern.regex.ends_with(")$"),
                "{} is not anchored",
                pattern.regex
            );
            assert!(
                pattern.compiled().is_some(),
                "{} (from {}) does not compile",
                pattern.regex,
                pattern.source
            );
        }
        // Every pattern referenced by a shape is in the table.
        for service in Service::all() {
            for shape in generated::shapes(service) {
                if let Some(index) = shape.pattern {
                    assert!(PATTERNS.get(usize::from(index)).is_some(), "{}", shape.name);
                }
            }
        }
    }

    #[test]
    fn look_behind_pattern_is_translated() {
        let pattern = PATTERNS
            .iter()
            .find(|p| p.source == r"^[0-9A-Za-z\.\-_]*(?<!\.)$")
            .expect("S3BucketType pattern");
        let re = pattern.compiled().unwrap();
        for ok in ["a.b", "my-bucket_1", "a", ""] {
            assert!(re.is_match(ok), "{ok:?} must match");
        }
        for bad in ["ab.", ".", "a b", "a/b", "a.b."] {
            assert!(!re.is_match(bad), "{bad:?} must not match");
        }
        let s3 = generated::find_shape(Service::CognitoIdp, "S3BucketType").unwrap();
        assert!(std::ptr::eq(
            PATTERNS.get(usize::from(s3.pattern.unwrap())).unwrap(),
            pattern
        ));
    }

    #[test]
    fn java_word_class_is_ascii() {
        // UserPoolNameType: [\w\s+=,.@-]+ with Java's ASCII \w.
        assert!(
            validate_input(idp_op("CreateUserPool"), &json!({"PoolName": "my pool_1"})).is_ok()
        );
        assert_eq!(
            invalid("CreateUserPool", json!({"PoolName": "pöol"})),
            "1 validation error detected: Value 'pöol' at 'poolName' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+"
        );
    }

    #[test]
    fn missing_required_member() {
        assert_eq!(
            invalid("CreateUserPool", json!({})),
            "1 validation error detected: Value null at 'poolName' failed to satisfy \
             constraint: Member must not be null"
        );
        // JSON null counts as absent.
        assert_eq!(
            invalid("CreateUserPool", json!({"PoolName": null})),
            "1 validation error detected: Value null at 'poolName' failed to satisfy \
             constraint: Member must not be null"
        );
        // Optional null members and unknown members are accepted.
        assert!(
            validate_input(
                idp_op("CreateUserPool"),
                &json!({"PoolName": "p", "Policies": null, "NoSuchMember": [1, 2]})
            )
            .is_ok()
        );
    }

    #[test]
    fn length_violations() {
        let long = "a".repeat(129);
        assert_eq!(
            invalid("CreateUserPool", json!({ "PoolName": long })),
            format!(
                "1 validation error detected: Value '{}...' at 'poolName' failed to satisfy \
                 constraint: Member must have length less than or equal to 128",
                "a".repeat(64)
            )
        );
        // Exactly the maximum, counted in characters (not bytes).
        assert!(
            validate_input(
                idp_op("CreateUserPool"),
                &json!({ "PoolName": "a".repeat(128) })
            )
            .is_ok()
        );
        assert_eq!(
            invalid("CreateUserPool", json!({"PoolName": ""})),
            "2 validation errors detected: Value '' at 'poolName' failed to satisfy \
             constraint: Member must have length greater than or equal to 1; Value '' at \
             'poolName' failed to satisfy constraint: Member must satisfy regular expression \
             pattern: [\\w\\s+=,.@-]+"
        );
    }

    #[test]
    fn unicode_length_counts_characters() {
        // AttributeNameType: max 32 characters.
        let name = "é".repeat(32);
        let body = json!({"UserPoolId": "eu-west-1_abc", "Username": "u",
                          "UserAttributes": [{ "Name": name }]});
        assert!(validate_input(idp_op("AdminCreateUser"), &body).is_ok());
    }

    #[test]
    fn pattern_violation() {
        assert_eq!(
            invalid(
                "AdminGetUser",
                json!({"UserPoolId": "no-underscore", "Username": "bob"})
            ),
            "1 validation error detected: Value 'no-underscore' at 'userPoolId' failed to \
             satisfy constraint: Member must satisfy regular expression pattern: \
             [\\w-]+_[0-9a-zA-Z]+"
        );
    }

    #[test]
    fn enum_violation() {
        assert_eq!(
            invalid(
                "CreateUserPool",
                json!({"PoolName": "p", "MfaConfiguration": "MAYBE"})
            ),
            "1 validation error detected: Value 'MAYBE' at 'mfaConfiguration' failed to \
             satisfy constraint: Member must satisfy enum value set: [OFF, ON, OPTIONAL]"
        );
    }

    #[test]
    fn range_violations() {
        assert_eq!(
            invalid("ListUserPools", json!({"MaxResults": 61})),
            "1 validation error detected: Value '61' at 'maxResults' failed to satisfy \
             constraint: Member must have value less than or equal to 60"
        );
        assert_eq!(
            invalid("ListUserPools", json!({"MaxResults": 0})),
            "1 validation error detected: Value '0' at 'maxResults' failed to satisfy \
             constraint: Member must have value greater than or equal to 1"
        );
        assert!(validate_input(idp_op("ListUserPools"), &json!({"MaxResults": 60})).is_ok());
        // A long with a range, in cognito-identity.
        let op = find_operation(
            Service::CognitoIdentity,
            "GetOpenIdTokenForDeveloperIdentity",
        )
        .unwrap();
        let body = json!({"IdentityPoolId": "us-east-1:0000", "Logins": {"login.dev": "u"},
                          "TokenDuration": 86401});
        assert_eq!(
            validate_input(op, &body),
            Err(InputError::Invalid(
                "1 validation error detected: Value '86401' at 'tokenDuration' failed to \
                 satisfy constraint: Member must have value less than or equal to 86400"
                    .to_string()
            ))
        );
    }

    #[test]
    fn multiple_violations_are_all_reported() {
        let message = invalid(
            "CreateUserPool",
            json!({"MfaConfiguration": "MAYBE", "SmsVerificationMessage": "short"}),
        );
        assert_eq!(
            message,
            "4 validation errors detected: Value 'MAYBE' at 'mfaConfiguration' failed to \
             satisfy constraint: Member must satisfy enum value set: [OFF, ON, OPTIONAL]; \
             Value null at 'poolName' failed to satisfy constraint: Member must not be null; \
             Value 'short' at 'smsVerificationMessage' failed to satisfy constraint: Member \
             must have length greater than or equal to 6; Value 'short' at \
             'smsVerificationMessage' failed to satisfy constraint: Member must satisfy \
             regular expression pattern: .*\\{####\\}.*"
        );
    }

    #[test]
    fn nested_paths() {
        // List elements: name.N.member.field (1-based).
        let body = json!({"UserPoolId": "eu-west-1_abc", "Username": "bob",
            "UserAttributes": [{"Name": "email", "Value": "a@b.c"}, {"Value": "x"}]});
        assert_eq!(
            invalid("AdminCreateUser", body),
            "1 validation error detected: Value null at 'userAttributes.2.member.name' \
             failed to satisfy constraint: Member must not be null"
        );
        // Nested structures.
        let body = json!({"PoolName": "p",
            "Policies": {"PasswordPolicy": {"MinimumLength": 5}}});
        assert_eq!(
            invalid("CreateUserPool", body),
            "1 validation error detected: Value '5' at \
             'policies.passwordPolicy.minimumLength' failed to satisfy constraint: Member \
             must have value greater than or equal to 6"
        );
        // Map values: name.<key>.
        let body = json!({"PoolName": "p", "UserPoolTags": {"team": "x".repeat(257)}});
        assert_eq!(
            invalid("CreateUserPool", body),
            format!(
                "1 validation error detected: Value '{}...' at 'userPoolTags.team' failed to \
                 satisfy constraint: Member must have length less than or equal to 256",
                "x".repeat(64)
            )
        );
        // Map keys.
        let body = json!({"PoolName": "p", "UserPoolTags": {"": "v"}});
        assert_eq!(
            invalid("CreateUserPool", body),
            "1 validation error detected: Value '{=v}' at 'userPoolTags' failed to satisfy \
             constraint: Map keys must satisfy constraint: [Member must have length greater \
             than or equal to 1]"
        );
        // Null list elements.
        let body = json!({"UserPoolId": "eu-west-1_abc", "Username": "bob",
            "DesiredDeliveryMediums": ["EMAIL", null]});
        assert_eq!(
            invalid("AdminCreateUser", body),
            "1 validation error detected: Value null at 'desiredDeliveryMediums.2.member' \
             failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn list_length() {
        // SchemaAttributesListType: 1..=50 entries.
        let body = json!({"PoolName": "p", "Schema": []});
        assert_eq!(
            invalid("CreateUserPool", body),
            "1 validation error detected: Value '[]' at 'schema' failed to satisfy \
             constraint: Member must have length greater than or equal to 1"
        );
    }

    #[test]
    fn wrong_json_types_are_serialization_errors() {
        assert_eq!(
            serialization("CreateUserPool", json!({"PoolName": 5})),
            "Expected string at 'poolName'"
        );
        assert_eq!(
            serialization("CreateUserPool", json!({"PoolName": "p", "Policies": []})),
            "Expected structure at 'policies'"
        );
        assert_eq!(
            serialization("ListUserPools", json!({"MaxResults": "10"})),
            "Expected integer at 'maxResults'"
        );
        assert_eq!(
            serialization("ListUserPools", json!({"MaxResults": 1.5})),
            "Expected integer at 'maxResults'"
        );
        assert_eq!(
            serialization("ListUserPools", json!({"MaxResults": 4_294_967_296_i64})),
            "Expected integer at 'maxResults'"
        );
        assert_eq!(
            serialization(
                "AdminCreateUser",
                json!({"UserPoolId": "a_b", "Username": "u", "UserAttributes": {"a": 1}})
            ),
            "Expected list at 'userAttributes'"
        );
        assert_eq!(
            serialization(
                "AdminCreateUser",
                json!({"UserPoolId": "a_b", "Username": "u", "ForceAliasCreation": "true"})
            ),
            "Expected boolean at 'forceAliasCreation'"
        );
        assert_eq!(
            serialization(
                "AdminCreateUser",
                json!({"UserPoolId": "a_b", "Username": "u", "ClientMetadata": {"k": 1}})
            ),
            "Expected string at 'clientMetadata.k'"
        );
        // The body itself must be an object.
        for body in [json!([]), json!("x"), json!(null), json!(1)] {
            assert!(matches!(
                validate_input(idp_op("ListUserPools"), &body),
                Err(InputError::Serialization(_))
            ));
        }
        // A type error wins over constraint violations.
        assert!(matches!(
            validate_input(idp_op("CreateUserPool"), &json!({"MfaConfiguration": 1})),
            Err(InputError::Serialization(_))
        ));
    }

    #[test]
    fn sensitive_values_are_not_echoed() {
        let op = idp_op("SignUp");
        let body = json!({"ClientId": "client1", "Username": "bob",
                          "Password": "hunter2 with spaces"});
        let message = invalid("SignUp", body);
        assert_eq!(
            message,
            "1 validation error detected: Value at 'password' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: [\\S]+"
        );
        assert!(!message.contains("hunter2"));

        let body = json!({"ClientId": "bad client", "Username": "bad user"});
        let message = match validate_input(op, &body) {
            Err(InputError::Invalid(message)) => message,
            other => panic!("{other:?}"),
        };
        assert!(message.starts_with("2 validation errors detected: Value at 'clientId'"));
        assert!(!message.contains("bad client") && !message.contains("bad user"));

        // Members of a sensitive structure.
        let body = json!({"ClientId": "c", "Username": "u",
                          "UserContextData": {"EncodedData": "s".repeat(131_073)}});
        let message = invalid("SignUp", body);
        assert!(
            message.contains("Value at 'userContextData.encodedData'"),
            "{message}"
        );
        assert!(!message.contains("sss"));

        // Sensitive list elements (AttributeValueType).
        let body = json!({"UserPoolId": "eu-west-1_abc", "Username": "bob",
            "UserAttributes": [{"Name": "custom:secret", "Value": "v".repeat(2049)}]});
        let message = invalid("AdminCreateUser", body);
        assert_eq!(
            message,
            "1 validation error detected: Value at 'userAttributes.1.member.value' failed to \
             satisfy constraint: Member must have length less than or equal to 2048"
        );

        // Maps of sensitive values are not echoed when the map itself is invalid.
        let op = find_operation(Service::CognitoIdentity, "GetId").unwrap();
        let logins: serde_json::Map<String, Value> = (0..11)
            .map(|i| (format!("provider{i}"), json!(format!("token-secret-{i}"))))
            .collect();
        let body = json!({"IdentityPoolId": "us-east-1:abc", "Logins": logins});
        let Err(InputError::Invalid(message)) = validate_input(op, &body) else {
            panic!("expected a violation");
        };
        assert_eq!(
            message,
            "1 validation error detected: Value at 'logins' failed to satisfy constraint: \
             Member must have length less than or equal to 10"
        );
    }

    #[test]
    fn debug_redacts_secrets() {
        let request = idp::InitiateAuthRequest {
            auth_flow: "USER_PASSWORD_AUTH".to_string(),
            client_id: "client-id-value".to_string(),
            auth_parameters: Some(
                [
                    ("USERNAME".to_string(), "alice".to_string()),
                    ("PASSWORD".to_string(), "hunter2-secret".to_string()),
                ]
                .into_iter()
                .collect(),
            ),
            ..Default::default()
        };
        let debug = format!("{request:?}");
        assert!(!debug.contains("hunter2-secret"), "{debug}");
        assert!(!debug.contains("alice"), "{debug}");
        assert!(debug.contains("auth_parameters: Some(***)"), "{debug}");
        assert!(debug.contains("USER_PASSWORD_AUTH"), "{debug}");
        assert!(debug.contains("session: None"), "{debug}");

        let request = idp::SignUpRequest {
            client_id: "c".to_string(),
            username: "alice".to_string(),
            password: Some("correct horse battery staple".to_string()),
            user_attributes: Some(vec![idp::AttributeType {
                name: "email".to_string(),
                value: Some("alice@example.com".to_string()),
            }]),
            ..Default::default()
        };
        let debug = format!("{request:?}");
        assert!(!debug.contains("correct horse"), "{debug}");
        assert!(!debug.contains("alice@example.com"), "{debug}");
        assert!(debug.contains("password: Some(***)"), "{debug}");
        assert!(debug.contains("name: \"email\""), "{debug}");

        // Map values that are sensitive (LoginsMap → IdentityProviderToken).
        let request = identity::GetIdInput {
            identity_pool_id: "us-east-1:abc".to_string(),
            logins: Some(
                [("accounts.google.com".to_string(), "eyJ-token".to_string())]
                    .into_iter()
                    .collect(),
            ),
            ..Default::default()
        };
        let debug = format!("{request:?}");
        assert!(!debug.contains("eyJ-token"), "{debug}");

        // Types without sensitive members derive Debug.
        let debug = format!("{:?}", idp::ListUserPoolsRequest::default());
        assert!(debug.contains("max_results: 0"), "{debug}");
    }

    #[test]
    fn parse_create_user_pool() {
        let body = json!({
            "PoolName": "tessera-test",
            "Policies": {"PasswordPolicy": {
                "MinimumLength": 12, "RequireUppercase": true, "RequireLowercase": true,
                "RequireNumbers": true, "RequireSymbols": false,
                "TemporaryPasswordValidityDays": 7}},
            "DeletionProtection": "INACTIVE",
            "AutoVerifiedAttributes": ["email"],
            "UsernameAttributes": ["email"],
            "UsernameConfiguration": {"CaseSensitive": false},
            "MfaConfiguration": "OFF",
            "AccountRecoverySetting": {"RecoveryMechanisms": [
                {"Priority": 1, "Name": "verified_email"}]},
            "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": false},
            "Schema": [{"Name": "department", "AttributeDataType": "String", "Mutable": true,
                        "StringAttributeConstraints": {"MinLength": "0", "MaxLength": "64"}}],
            "UserPoolTags": {"env": "test"},
            "LambdaConfig": null,
            "SomethingNew": {"ignored": true}
        });
        let request: idp::CreateUserPoolRequest =
            parse_input(idp_op("CreateUserPool"), body).unwrap();
        assert_eq!(request.pool_name, "tessera-test");
        let policy = request.policies.unwrap().password_policy.unwrap();
        assert_eq!(policy.minimum_length, Some(12));
        assert_eq!(policy.require_symbols, Some(false));
        assert_eq!(request.deletion_protection.as_deref(), Some("INACTIVE"));
        assert_eq!(
            request.auto_verified_attributes,
            Some(vec!["email".to_string()])
        );
        assert!(!request.username_configuration.unwrap().case_sensitive);
        let recovery = request.account_recovery_setting.unwrap();
        assert_eq!(recovery.recovery_mechanisms.unwrap()[0].priority, 1);
        let schema = request.schema.unwrap();
        assert_eq!(schema[0].name.as_deref(), Some("department"));
        assert_eq!(
            schema[0]
                .string_attribute_constraints
                .as_ref()
                .unwrap()
                .max_length
                .as_deref(),
            Some("64")
        );
        assert_eq!(request.user_pool_tags.unwrap()["env"], "test");
        assert!(request.lambda_config.is_none());
        assert!(idp::USER_POOL_MFA_TYPE_VALUES.contains(&"OPTIONAL"));

        // Serializing back uses the wire names and omits absent members.
        let round_trip = serde_json::to_value(idp::ListUserPoolsRequest {
            max_results: 10,
            next_token: None,
        })
        .unwrap();
        assert_eq!(round_trip, json!({"MaxResults": 10}));

        // Validation errors come first.
        let result: Result<idp::CreateUserPoolRequest, _> =
            parse_input(idp_op("CreateUserPool"), json!({"PoolName": ""}));
        assert!(matches!(result, Err(InputError::Invalid(_))));
    }

    #[test]
    fn blob_length_counts_decoded_bytes() {
        // ImageFileType (SetUICustomization.ImageFile): max 131072 bytes.
        let op = idp_op("SetUICustomization");
        let ok = "A".repeat(131_072 / 3 * 4);
        assert!(validate_input(op, &json!({"UserPoolId": "a_b", "ImageFile": ok})).is_ok());
        let too_big = "A".repeat(174_768);
        let Err(InputError::Invalid(message)) =
            validate_input(op, &json!({"UserPoolId": "a_b", "ImageFile": too_big}))
        else {
            panic!("expected a violation");
        };
        assert_eq!(
            message,
            "1 validation error detected: Value at 'imageFile' failed to satisfy constraint: \
             Member must have length less than or equal to 131072"
        );
    }

    #[test]
    fn input_error_message() {
        let error = InputError::Invalid("m".to_string());
        assert_eq!(error.message(), "m");
        assert_eq!(error.to_string(), "m");
    }
}
