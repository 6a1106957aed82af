//! Input validation against the service models, with Cognito's error wording.
//!
//! Cognito (like every AWS JSON service) first deserializes the request body, failing
//! with a `SerializationException` on a JSON type mismatch, then checks the model's
//! constraints (`required`, `min`/`max`, `pattern`, `enum`), reporting every violation
//! at once. Which exception carries that text depends on the service, not on its model:
//! cognito-idp answers `InvalidParameterException`, cognito-identity `ValidationException`
//! (which its model does not list; see [`InputError::Validation`]):
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
    /// The body violates model constraints, on cognito-idp (→ `InvalidParameterException`).
    Invalid(String),
    /// The body violates model constraints, on cognito-identity (→ `ValidationException`).
    /// The real service answers so although its model lists no such exception: GetId in
    /// aws/amazon-freertos#1829 and aws-amplify/amplify-swift#2864 (`x-amzn-ErrorType:
    /// ValidationException`), GetCredentialsForIdentity in aws/aws-sdk-cpp#1085. Botocore
    /// turns the unmodelled code into a plain `ClientError` with that code.
    Validation(String),
}

impl InputError {
    /// The client-facing message.
    pub fn message(&self) -> &str {
        match self {
            InputError::Serialization(message)
            | InputError::Invalid(message)
            | InputError::Validation(message) => message,
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
        1 => Err(violation(
            op.service,
            format!("1 validation error detected: {}", violations.join("; ")),
        )),
        n => Err(violation(
            op.service,
            format!("{n} validation errors detected: {}", violations.join("; ")),
        )),
    }
}

/// Constraint violations, as the service names them (the text is the same on both).
fn violation(service: Service, message: String) -> InputError {
    match service {
        Service::CognitoIdp => InputError::Invalid(message),
        Service::CognitoIdentity => InputError::Validation(message),
    }
}

/// Whether `op`'s input structure defines a member `name` (as on the wire).
pub fn input_has_member(op: &Operation, name: &str) -> bool {
    op.input
        .and_then(|shape| generated::find_shape(op.service, shape))
        .is_some_and(|s| match s.kind {
            generated::ShapeKind::Structure { members } => members.iter().any(|m| m.name == name),
            _ => false,
        })
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

/// The model's `DomainType` pattern admits only prefix domains (one label), yet Cognito
/// takes custom domains (`auth.example.com`) through the same member: a dotted host name
/// whose labels each match the pattern is let through (core decides which kind it is).
fn custom_domain(shape: &Shape, text: &str) -> bool {
    let label = |l: &str| {
        let b = l.as_bytes();
        !b.is_empty()
            && b.len() <= 63
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
            && b[0] != b'-'
            && b[b.len() - 1] != b'-'
    };
    shape.name == "DomainType" && text.contains('.') && text.split('.').all(label)
}

/// How a pattern is checked. Most of the model's patterns are one character class repeated,
/// every token's `[A-Za-z0-9-_=.]+` among them: those are checked character by character
/// against a table, since walking the regex's DFA over a 1 KB access token cost about 2 µs of
/// every token operation's 24.
#[derive(Debug)]
pub(crate) enum Matcher {
    /// `^(?:[class]+)$` (or `*` when `empty` is allowed).
    Class {
        ascii: [bool; 128],
        ranges: Vec<(char, char)>,
        empty: bool,
    },
    Regex(regex::Regex),
}

impl Matcher {
    pub(crate) fn new(pattern: &generated::Pattern) -> Option<Matcher> {
        let regex = pattern.compiled()?.clone();
        let class = regex_syntax::parse(pattern.regex)
            .ok()
            .and_then(|hir| one_class_repeated(&hir));
        Some(match class {
            Some((ranges, empty)) => {
                let mut ascii = [false; 128];
                for (b, slot) in (0u8..).zip(ascii.iter_mut()) {
                    *slot = in_ranges(&ranges, char::from(b));
                }
                Matcher::Class {
                    ascii,
                    ranges,
                    empty,
                }
            }
            None => Matcher::Regex(regex),
        })
    }

    pub(crate) fn is_match(&self, text: &str) -> bool {
        match self {
            Matcher::Class {
                ascii,
                ranges,
                empty,
            } => {
                (*empty || !text.is_empty())
                    && if text.is_ascii() {
                        text.bytes()
                            .all(|b| ascii.get(usize::from(b)) == Some(&true))
                    } else {
                        text.chars().all(|c| in_ranges(ranges, c))
                    }
            }
            Matcher::Regex(re) => re.is_match(text),
        }
    }
}

/// `^(?:[class]+)$` or `^(?:[class]*)$`: the class's ranges, and whether the empty text
/// matches.
fn one_class_repeated(hir: &regex_syntax::hir::Hir) -> Option<(Vec<(char, char)>, bool)> {
    use regex_syntax::hir::{Class, HirKind, Look};
    let HirKind::Concat(parts) = hir.kind() else {
        return None;
    };
    let [start, repeated, end] = parts.as_slice() else {
        return None;
    };
    if *start.kind() != HirKind::Look(Look::Start) || *end.kind() != HirKind::Look(Look::End) {
        return None;
    }
    let HirKind::Repetition(r) = repeated.kind() else {
        return None;
    };
    let HirKind::Class(Class::Unicode(class)) = r.sub.kind() else {
        return None;
    };
    (r.max.is_none() && r.min <= 1).then(|| {
        let ranges = class.ranges().iter().map(|r| (r.start(), r.end()));
        (ranges.collect(), r.min == 0)
    })
}

fn in_ranges(ranges: &[(char, char)], c: char) -> bool {
    ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c))
}

/// Enum shapes whose values Cognito lists in another order than the model's, with its
/// order (docs/fidelity.md, "Schema, attribute and username refusals (issue 19)", row 15).
const ENUM_ORDER: &[(&str, &[&str])] = &[(
    "AttributeDataType",
    &["Boolean", "Number", "String", "DateTime"],
)];

/// The constraints a string violates (length in characters, pattern, enum).
fn string_constraints(shape: &Shape, text: &str) -> Vec<String> {
    let mut constraints = Vec::new();
    let length = i64::try_from(text.chars().count()).unwrap_or(i64::MAX);
    length_constraints(shape, length, &mut constraints);
    let pattern = shape.pattern.and_then(|i| PATTERNS.get(usize::from(i)));
    // A pattern that does not compile is skipped rather than failing every request.
    if let Some(pattern) = pattern
        && pattern.matcher().is_some_and(|m| !m.is_match(text))
        && !custom_domain(shape, text)
    {
        constraints.push(format!(
            "Member must satisfy regular expression pattern: {}",
            pattern.source
        ));
    }
    if !shape.enum_values.is_empty() && !shape.enum_values.contains(&text) {
        let listed = ENUM_ORDER
            .iter()
            .find(|(name, _)| *name == shape.name)
            .map_or(shape.enum_values, |(_, order)| order);
        constraints.push(format!(
            "Member must satisfy enum value set: [{}]",
            listed.join(", ")
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
mod tests;
