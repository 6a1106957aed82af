//! The per-service modules: one type per structure shape, and enum value lists.

use std::fmt::Write as _;

use super::*;

pub(super) fn header(files: &[&str]) -> String {
    let files: Vec<String> = files.iter().map(|f| format!("model/{f}")).collect();
    format!(
        "{HEADER_PREFIX} from {}. Do not edit.\n",
        files.join(" and ")
    )
}

pub(super) fn module_source(service: &Service) -> Result<String> {
    let model = &service.model;
    let spec = service.spec;
    let mut out = header(&[spec.model_file]);
    writeln!(
        out,
        "\n//! Types of {} (`{}`, API version {}).\n\
         //!\n\
         //! One struct per structure shape of the model (operation inputs and outputs, nested\n\
         //! types and exceptions) and the allowed values of each enum shape.\n",
        spec.title, model.metadata.endpoint_prefix, model.metadata.api_version
    )?;

    let mut roles: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (name, op) in &model.operations {
        if let Some(input) = &op.input {
            roles
                .entry(input.shape.as_str())
                .or_default()
                .push(format!("Input of `{name}`."));
        }
        if let Some(output) = &op.output {
            roles
                .entry(output.shape.as_str())
                .or_default()
                .push(format!("Output of `{name}`."));
        }
    }

    let mut const_names = HashSet::new();
    for (name, shape) in &model.shapes {
        if shape.kind == "structure" {
            if shape.is_document() {
                writeln!(
                    out,
                    "/// The `{name}` document shape: arbitrary JSON.\npub type {name} = serde_json::Value;\n"
                )?;
                continue;
            }
            emit_struct(&mut out, model, name, shape, roles.get(name.as_str()))?;
        } else if let Some(values) = &shape.enum_values {
            let const_name = format!("{}_VALUES", upper_snake_case(name));
            if !const_names.insert(const_name.clone()) {
                bail!("two enum shapes map to the constant {const_name}");
            }
            let list: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
            writeln!(
                out,
                "/// Values of the `{name}` enum.\npub const {const_name}: &[&str] = &[{}];\n",
                list.join(", ")
            )?;
        }
    }
    Ok(out)
}

pub(super) fn shape<'m>(model: &'m Model, name: &str) -> Result<&'m ShapeDef> {
    model
        .shapes
        .get(name)
        .with_context(|| format!("shape {name:?} is referenced but not defined"))
}

pub(super) fn emit_struct(
    out: &mut String,
    model: &Model,
    name: &str,
    shape: &ShapeDef,
    roles: Option<&Vec<String>>,
) -> Result<()> {
    struct Field {
        member: String,
        ident: String,
        ty: String,
        required: bool,
        redacted: bool,
    }

    for required in &shape.required {
        if !shape.members.contains_key(required) {
            bail!("{name}: required member {required:?} is not a member");
        }
    }

    let mut fields = Vec::new();
    let mut idents = HashSet::new();
    for (member, target) in &shape.members {
        let ident = field_ident(member);
        if !idents.insert(ident.clone()) {
            bail!("{name}: two members map to the field name {ident}");
        }
        let mut ty = rust_type(model, &target.shape)?;
        if is_direct_cycle(model, &target.shape, name, &mut HashSet::new())? {
            ty = format!("Box<{ty}>");
        }
        fields.push(Field {
            member: member.clone(),
            ident,
            required: shape.required.contains(member),
            redacted: holds_secret(model, &target.shape)?,
            ty,
        });
    }

    let mut doc = format!("/// `{name}`");
    match roles {
        Some(roles) => {
            doc.push(':');
            for role in roles {
                doc.push_str("\n/// ");
                doc.push_str(role);
            }
        }
        None if shape.exception => doc.push_str(": exception."),
        None => doc.push('.'),
    }
    let any_redacted = fields.iter().any(|f| f.redacted);
    if any_redacted {
        doc.push_str("\n///\n/// `Debug` redacts the members the model marks as sensitive.");
    }
    writeln!(out, "{doc}")?;
    let derives = if any_redacted {
        "Clone, Default, PartialEq, serde::Serialize, serde::Deserialize"
    } else {
        "Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize"
    };
    writeln!(out, "#[derive({derives})]")?;
    writeln!(out, "pub struct {name} {{")?;
    for field in &fields {
        writeln!(out, "#[serde(rename = {:?})]", field.member)?;
        if field.required {
            writeln!(out, "pub {}: {},", field.ident, field.ty)?;
        } else {
            writeln!(
                out,
                "#[serde(default, skip_serializing_if = \"Option::is_none\")]\npub {}: Option<{}>,",
                field.ident, field.ty
            )?;
        }
    }
    writeln!(out, "}}\n")?;

    if any_redacted {
        writeln!(out, "impl std::fmt::Debug for {name} {{")?;
        writeln!(
            out,
            "fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{"
        )?;
        write!(out, "f.debug_struct({name:?})")?;
        for field in &fields {
            let label = field.ident.trim_start_matches("r#");
            let ident = &field.ident;
            let value = match (field.redacted, field.required) {
                (false, _) => format!("&self.{ident}"),
                (true, true) => "&super::Redacted".to_string(),
                (true, false) => format!("&self.{ident}.as_ref().map(|_| super::Redacted)"),
            };
            write!(out, ".field({label:?}, {value})")?;
        }
        writeln!(out, ".finish()\n}}\n}}\n")?;
    }
    Ok(())
}

/// The Rust type of a value of the given shape.
pub(super) fn rust_type(model: &Model, name: &str) -> Result<String> {
    let target = shape(model, name)?;
    Ok(match target.kind.as_str() {
        "string" | "blob" => "String".to_string(),
        "integer" => "i32".to_string(),
        "long" => "i64".to_string(),
        "boolean" => "bool".to_string(),
        "double" | "float" | "timestamp" => "f64".to_string(),
        "document" => "serde_json::Value".to_string(),
        "structure" if target.is_document() => "serde_json::Value".to_string(),
        "structure" => name.to_string(),
        "list" => {
            let member = target
                .member
                .as_ref()
                .with_context(|| format!("list {name} has no member"))?;
            format!("Vec<{}>", rust_type(model, &member.shape)?)
        }
        "map" => {
            let value = target
                .value
                .as_ref()
                .with_context(|| format!("map {name} has no value"))?;
            format!(
                "std::collections::HashMap<String, {}>",
                rust_type(model, &value.shape)?
            )
        }
        other => bail!("shape {name} has unsupported type {other:?}"),
    })
}

/// Whether a field of shape `target` would contain `owner` inline (without a `Vec` or
/// `HashMap` in between), which needs a `Box`.
pub(super) fn is_direct_cycle(
    model: &Model,
    target: &str,
    owner: &str,
    seen: &mut HashSet<String>,
) -> Result<bool> {
    if target == owner {
        return Ok(true);
    }
    let def = shape(model, target)?;
    if def.kind != "structure" || def.is_document() || !seen.insert(target.to_string()) {
        return Ok(false);
    }
    for member in def.members.values() {
        if is_direct_cycle(model, &member.shape, owner, seen)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether a field of shape `name` must be redacted by `Debug`: the shape is sensitive,
/// or it is a list or map of sensitive values. (Nested structures redact themselves.)
pub(super) fn holds_secret(model: &Model, name: &str) -> Result<bool> {
    let def = shape(model, name)?;
    if def.sensitive {
        return Ok(true);
    }
    Ok(match def.kind.as_str() {
        "list" => match &def.member {
            Some(member) => holds_secret(model, &member.shape)?,
            None => false,
        },
        "map" => {
            let key = match &def.key {
                Some(key) => holds_secret(model, &key.shape)?,
                None => false,
            };
            let value = match &def.value {
                Some(value) => holds_secret(model, &value.shape)?,
                None => false,
            };
            key || value
        }
        _ => false,
    })
}
