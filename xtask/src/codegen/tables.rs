//! `generated/mod.rs`: module declarations, table types, shape/pattern/operation tables.

use std::fmt::Write as _;

use super::*;

pub(super) const MOD_PRELUDE: &str = r#"
//! Code generated from the vendored botocore service models (`model/`).
//!
//! [`idp`] and [`identity`] hold one type per structure shape of each service. This
//! module holds the tables the rest of the wire layer is driven by: every shape of
//! both models with its constraints (for [`crate::validate`]), the patterns used by
//! those constraints, and every operation (for [`crate::ops`]).

pub mod identity;
pub mod idp;

use std::sync::OnceLock;

use crate::ops::{Operation, Service};

/// What a shape is, and for aggregates, what it contains. Shape references are indexes
/// into the same service's shape table ([`shapes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShapeKind {
    String,
    Integer,
    Long,
    Boolean,
    Double,
    Float,
    /// Epoch seconds as a JSON number.
    Timestamp,
    /// Base64 text.
    Blob,
    /// Arbitrary JSON.
    Document,
    List { member: u16 },
    Map { key: u16, value: u16 },
    Structure { members: &'static [Member] },
}

/// A member of a structure shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    /// Member name as on the wire (`PoolName`).
    pub name: &'static str,
    /// Name used in validation messages (`poolName`).
    pub path_name: &'static str,
    /// Index of the member's shape in the service's shape table.
    pub target: u16,
    /// Listed in the structure's `required` members.
    pub required: bool,
}

/// A shape of a service model with its validation constraints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub name: &'static str,
    pub kind: ShapeKind,
    /// Values of this shape must never be logged or echoed.
    pub sensitive: bool,
    /// `min` constraint: length (strings, blobs, lists, maps) or value (numbers).
    pub min: Option<i64>,
    /// `max` constraint: length (strings, blobs, lists, maps) or value (numbers).
    pub max: Option<i64>,
    /// Index into [`PATTERNS`].
    pub pattern: Option<u16>,
    /// Allowed values of an enum string shape (empty if not an enum).
    pub enum_values: &'static [&'static str],
}

/// A `pattern` constraint: the model's (Java) regular expression and its translation
/// into an anchored regex for the `regex` crate.
#[derive(Debug)]
pub struct Pattern {
    /// The pattern as written in the model (used in error messages).
    pub source: &'static str,
    /// Equivalent full-match regex for the `regex` crate.
    pub regex: &'static str,
    compiled: OnceLock<Option<regex::Regex>>,
    matcher: OnceLock<Option<crate::validate::Matcher>>,
}

impl Pattern {
    const fn new(source: &'static str, regex: &'static str) -> Self {
        Pattern {
            source,
            regex,
            compiled: OnceLock::new(),
            matcher: OnceLock::new(),
        }
    }

    /// The compiled regex, compiled on first use. `None` if it does not compile.
    pub fn compiled(&self) -> Option<&regex::Regex> {
        self.compiled
            .get_or_init(|| regex::Regex::new(self.regex).ok())
            .as_ref()
    }

    /// How values are checked against the pattern, built on first use. `None` if it does
    /// not compile.
    pub(crate) fn matcher(&self) -> Option<&crate::validate::Matcher> {
        self.matcher
            .get_or_init(|| crate::validate::Matcher::new(self))
            .as_ref()
    }
}

/// Prints `***` in place of a sensitive value.
pub(crate) struct Redacted;

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// Every shape of a service's model, sorted by name.
pub fn shapes(service: Service) -> &'static [Shape] {
    match service {
        Service::CognitoIdp => IDP_SHAPES,
        Service::CognitoIdentity => IDENTITY_SHAPES,
    }
}

/// A shape by index in [`shapes`].
pub fn shape(service: Service, index: u16) -> Option<&'static Shape> {
    shapes(service).get(usize::from(index))
}

/// A shape by name.
pub fn find_shape(service: Service, name: &str) -> Option<&'static Shape> {
    let table = shapes(service);
    let index = table.binary_search_by(|s| s.name.cmp(name)).ok()?;
    table.get(index)
}

/// Every operation of a service's model, sorted by name.
pub fn operation_table(service: Service) -> &'static [Operation] {
    match service {
        Service::CognitoIdp => IDP_OPERATIONS,
        Service::CognitoIdentity => IDENTITY_OPERATIONS,
    }
}
"#;

pub(super) fn mod_source(
    services: &[Service],
    patterns: &[(String, String)],
    pattern_index: &HashMap<&str, usize>,
) -> Result<String> {
    let files: Vec<&str> = services.iter().map(|s| s.spec.model_file).collect();
    let mut out = header(&files);
    out.push_str(MOD_PRELUDE);

    writeln!(
        out,
        "\n/// Every `pattern` of both models, sorted by source.\npub static PATTERNS: [Pattern; {}] = [",
        patterns.len()
    )?;
    for (source, regex) in patterns {
        writeln!(
            out,
            "Pattern::new({}, {}),",
            string_literal(source),
            string_literal(regex)
        )?;
    }
    writeln!(out, "];\n")?;

    for service in services {
        emit_shape_table(&mut out, service, pattern_index)?;
    }
    for service in services {
        emit_operation_table(&mut out, service)?;
    }
    Ok(out)
}

pub(super) fn emit_shape_table(
    out: &mut String,
    service: &Service,
    pattern_index: &HashMap<&str, usize>,
) -> Result<()> {
    let model = &service.model;
    let index: HashMap<&str, usize> = model
        .shapes
        .keys()
        .enumerate()
        .map(|(i, name)| (name.as_str(), i))
        .collect();
    if index.len() > usize::from(u16::MAX) {
        bail!("too many shapes for u16 indexes");
    }
    let idx = |name: &str| -> Result<usize> {
        index
            .get(name)
            .copied()
            .with_context(|| format!("shape {name:?} is referenced but not defined"))
    };

    writeln!(
        out,
        "/// Every shape of the `{}` model, sorted by name.\npub static {}_SHAPES: &[Shape] = &[",
        model.metadata.endpoint_prefix, service.spec.table_prefix
    )?;
    for (name, def) in &model.shapes {
        let kind = match def.kind.as_str() {
            "string" => "ShapeKind::String".to_string(),
            "integer" => "ShapeKind::Integer".to_string(),
            "long" => "ShapeKind::Long".to_string(),
            "boolean" => "ShapeKind::Boolean".to_string(),
            "double" => "ShapeKind::Double".to_string(),
            "float" => "ShapeKind::Float".to_string(),
            "timestamp" => "ShapeKind::Timestamp".to_string(),
            "blob" => "ShapeKind::Blob".to_string(),
            "document" => "ShapeKind::Document".to_string(),
            "structure" if def.is_document() => "ShapeKind::Document".to_string(),
            "list" => {
                let member = def
                    .member
                    .as_ref()
                    .with_context(|| format!("list {name} has no member"))?;
                format!("ShapeKind::List {{ member: {} }}", idx(&member.shape)?)
            }
            "map" => {
                let key = def
                    .key
                    .as_ref()
                    .with_context(|| format!("map {name} has no key"))?;
                let value = def
                    .value
                    .as_ref()
                    .with_context(|| format!("map {name} has no value"))?;
                format!(
                    "ShapeKind::Map {{ key: {}, value: {} }}",
                    idx(&key.shape)?,
                    idx(&value.shape)?
                )
            }
            "structure" => {
                let mut members = String::new();
                for (member, target) in &def.members {
                    write!(
                        members,
                        "Member {{ name: {member:?}, path_name: {:?}, target: {}, required: {} }},",
                        path_name(member),
                        idx(&target.shape)?,
                        def.required.contains(member)
                    )?;
                }
                format!("ShapeKind::Structure {{ members: &[{members}] }}")
            }
            other => bail!("shape {name} has unsupported type {other:?}"),
        };
        let pattern = match &def.pattern {
            Some(p) => format!(
                "Some({})",
                pattern_index
                    .get(p.as_str())
                    .with_context(|| format!("pattern {p:?} not in the table"))?
            ),
            None => "None".to_string(),
        };
        let enum_values: Vec<String> = def
            .enum_values
            .iter()
            .flatten()
            .map(|v| format!("{v:?}"))
            .collect();
        writeln!(
            out,
            "Shape {{ name: {name:?}, kind: {kind}, sensitive: {}, min: {}, max: {}, pattern: {pattern}, enum_values: &[{}] }},",
            def.sensitive,
            option_literal(def.min),
            option_literal(def.max),
            enum_values.join(", "),
        )?;
    }
    writeln!(out, "];\n")?;
    Ok(())
}

pub(super) fn emit_operation_table(out: &mut String, service: &Service) -> Result<()> {
    let model = &service.model;
    writeln!(
        out,
        "/// Every operation of the `{}` model, sorted by name.\npub static {}_OPERATIONS: &[Operation] = &[",
        model.metadata.endpoint_prefix, service.spec.table_prefix
    )?;
    for (key, op) in &model.operations {
        if *key != op.name {
            bail!("operation {key:?} is named {:?}", op.name);
        }
        let shape_name = |r: &Option<crate::model::ShapeRef>| -> Result<String> {
            Ok(match r {
                Some(r) => {
                    shape(model, &r.shape)?;
                    format!("Some({:?})", r.shape)
                }
                None => "None".to_string(),
            })
        };
        let mut errors = Vec::new();
        for error in &op.errors {
            let def = shape(model, &error.shape)?;
            if !def.exception {
                bail!(
                    "{}: error {} is not an exception shape",
                    op.name,
                    error.shape
                );
            }
            errors.push(format!("{:?}", error.shape));
        }
        writeln!(
            out,
            "Operation {{ service: Service::{}, name: {:?}, signed: {}, input: {}, output: {}, errors: &[{}] }},",
            service.spec.variant,
            op.name,
            op.signed(),
            shape_name(&op.input)?,
            shape_name(&op.output)?,
            errors.join(", ")
        )?;
    }
    writeln!(out, "];\n")?;
    Ok(())
}

pub(super) fn option_literal(value: Option<i64>) -> String {
    match value {
        Some(v) => format!("Some({v})"),
        None => "None".to_string(),
    }
}

/// A Rust string literal; raw when that reads better (patterns with backslashes).
pub(super) fn string_literal(text: &str) -> String {
    if text.contains('\\') && !text.contains('"') {
        format!("r\"{text}\"")
    } else {
        format!("{text:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_literals() {
        assert_eq!(string_literal(r"[\w]+"), r#"r"[\w]+""#);
        assert_eq!(string_literal("a\"b"), r#""a\"b""#);
        assert_eq!(string_literal("plain"), "\"plain\"");
    }
}
