//! `cargo xtask vendor-model`: copies botocore's service models into `model/`.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

use crate::model::{SERVICES, ServiceSpec};

/// Keys removed wherever they appear as a property of a model object.
const STRIPPED_KEYS: &[&str] = &[
    "documentation",
    "documentationUrl",
    "deprecatedMessage",
    "examples",
];

/// Objects whose keys are names (of operations, shapes or members) rather than
/// properties; their keys are never stripped, only their values are cleaned.
const NAME_MAPS: &[&str] = &["operations", "shapes", "members"];

pub fn vendor_models(root: &Path, idp: &Path, identity: &Path, version: &str) -> Result<()> {
    let version = version.trim();
    if version.is_empty() {
        bail!("botocore version must not be empty");
    }
    let model_dir = root.join("model");
    fs::create_dir_all(&model_dir).with_context(|| format!("creating {}", model_dir.display()))?;

    // Process both models before writing either, so a bad argument changes nothing.
    let mut outputs = Vec::new();
    for (spec, source) in SERVICES.iter().zip([idp, identity]) {
        outputs.push((spec, vendor_one(spec, source)?));
    }
    for (spec, text) in outputs {
        let dest = model_dir.join(spec.model_file);
        fs::write(&dest, text).with_context(|| format!("writing {}", dest.display()))?;
        println!("wrote {}", dest.display());
    }

    let version_file = model_dir.join("VERSION");
    fs::write(&version_file, format!("botocore {version}\n"))
        .with_context(|| format!("writing {}", version_file.display()))?;
    println!("wrote {}", version_file.display());

    let readme = model_dir.join("README.md");
    fs::write(&readme, readme_text(version))
        .with_context(|| format!("writing {}", readme.display()))?;
    println!("wrote {}", readme.display());
    Ok(())
}

fn vendor_one(spec: &ServiceSpec, source: &Path) -> Result<String> {
    let raw =
        fs::read_to_string(source).with_context(|| format!("reading {}", source.display()))?;
    let mut model: Value =
        serde_json::from_str(&raw).with_context(|| format!("parsing {}", source.display()))?;

    let uid = model
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if uid != spec.uid {
        bail!(
            "{} is the model of {uid:?}, expected {:?} (argument order: idp first, then identity)",
            source.display(),
            spec.uid
        );
    }
    for key in ["operations", "shapes"] {
        if !model.get(key).is_some_and(Value::is_object) {
            bail!("{} has no {key:?} object", source.display());
        }
    }

    strip(&mut model, false);
    let mut text = serde_json::to_string_pretty(&Sorted(&model))?;
    text.push('\n');
    Ok(text)
}

/// Removes documentation-like keys recursively. `names` is true when `value` is an
/// object keyed by names (whose keys must be kept).
fn strip(value: &mut Value, names: bool) {
    match value {
        Value::Object(map) => {
            if !names {
                map.retain(|key, _| !STRIPPED_KEYS.contains(&key.as_str()));
            }
            for (key, child) in map.iter_mut() {
                let child_is_name_map = !names && NAME_MAPS.contains(&key.as_str());
                strip(child, child_is_name_map);
            }
        }
        Value::Array(items) => {
            for item in items {
                strip(item, false);
            }
        }
        _ => {}
    }
}

/// Serializes a JSON value with object keys sorted, whatever map type serde_json uses.
struct Sorted<'a>(&'a Value);

impl Serialize for Sorted<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                let mut out = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    out.serialize_entry(key, &Sorted(value))?;
                }
                out.end()
            }
            Value::Array(items) => {
                let mut out = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    out.serialize_element(&Sorted(item))?;
                }
                out.end()
            }
            other => other.serialize(serializer),
        }
    }
}

fn readme_text(version: &str) -> String {
    let files: Vec<String> = SERVICES
        .iter()
        .map(|s| format!("- `{}`: {} (`{}`)", s.model_file, s.title, s.uid))
        .collect();
    format!(
        "# Vendored Cognito service models\n\
         \n\
         These are the AWS service models Tessera's wire layer is generated from, taken from\n\
         [botocore](https://github.com/boto/botocore) ({version}, `botocore/data/<service>/<api-version>/service-2.json`):\n\
         \n\
         {files}\n\
         \n\
         They are reduced to what the code generator needs: every `documentation`,\n\
         `documentationUrl`, `deprecatedMessage` and `examples` key is removed, everything else\n\
         (metadata, operations, shapes, constraints, auth flags) is kept as is. Keys are sorted\n\
         and the JSON is pretty-printed so that refreshes produce reviewable diffs.\n\
         \n\
         Do not edit these files by hand. To refresh them:\n\
         \n\
         ```sh\n\
         pip download --no-deps botocore==<version>   # or take service-2.json from a botocore checkout\n\
         # unzip / gunzip botocore/data/cognito-idp/2016-04-18/service-2.json(.gz)\n\
         # and botocore/data/cognito-identity/2014-06-30/service-2.json(.gz)\n\
         cargo xtask vendor-model <cognito-idp service-2.json> <cognito-identity service-2.json> <botocore-version>\n\
         cargo xtask codegen\n\
         ```\n\
         \n\
         `cargo xtask codegen` regenerates `crates/wire/src/generated/` from these files;\n\
         `cargo xtask codegen --check` fails if the committed generated code is stale.\n\
         `VERSION` records the botocore release the models were taken from.\n",
        files = files.join("\n"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_documentation_but_not_names() {
        let mut value = serde_json::json!({
            "documentation": "x",
            "shapes": {
                "documentation": {"type": "structure", "documentation": "y", "members": {
                    "examples": {"shape": "S", "documentation": "z"}
                }},
            },
            "operations": {"Op": {"name": "Op", "documentationUrl": "u", "deprecated": true, "deprecatedMessage": "m"}},
        });
        strip(&mut value, false);
        assert_eq!(
            value,
            serde_json::json!({
                "shapes": {
                    "documentation": {"type": "structure", "members": {"examples": {"shape": "S"}}},
                },
                "operations": {"Op": {"name": "Op", "deprecated": true}},
            })
        );
    }
}
