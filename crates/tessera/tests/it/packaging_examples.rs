//! The example configurations in packaging/ stay true to the loader: each resolves as it
//! is, each setting line parses when uncommented (so no key is misspelt or mistyped), and
//! tessera.toml.example names every key the loader accepts, in its section.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::de::{self, Deserialize, Visitor};
use tessera::config::{
    AdminFileConfig, FileConfig, KmsKeyFileConfig, MessagesFileConfig, SmsWebhookFileConfig,
    SmtpFileConfig, TriggerFileConfig,
};

fn packaging() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packaging")
}

fn examples() -> Vec<PathBuf> {
    let mut files = vec![packaging().join("tessera.toml.example")];
    for entry in std::fs::read_dir(packaging().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
    files
}

/// `#key = ...` and `#[section]` lines with the `#` taken off (`# ` comments stay).
fn uncommented(text: &str) -> String {
    text.lines()
        .map(|l| match l.strip_prefix('#') {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_lowercase() || c == '[') => rest,
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn examples_resolve_and_every_setting_parses() {
    for path in examples() {
        tessera::Settings::resolve(tessera::ServeArgs {
            config: Some(path.clone()),
            ..Default::default()
        })
        .unwrap_or_else(|e| panic!("{}: {e:#}", path.display()));
        let text = std::fs::read_to_string(&path).unwrap();
        toml::from_str::<FileConfig>(&uncommented(&text))
            .unwrap_or_else(|e| panic!("{} with every setting uncommented: {e}", path.display()));
    }
}

/// A deserializer that answers a struct's field names (serde passes them to
/// `deserialize_struct`) and then stops with an error.
struct FieldNames<'a>(&'a mut Vec<&'static str>);

impl<'de> de::Deserializer<'de> for FieldNames<'_> {
    type Error = de::value::Error;
    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("field names only"))
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.extend_from_slice(fields);
        Err(de::Error::custom("field names only"))
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

fn fields<T: for<'de> Deserialize<'de>>() -> Vec<&'static str> {
    let mut names = Vec::new();
    let _ = T::deserialize(FieldNames(&mut names));
    assert!(!names.is_empty());
    names
}

#[test]
fn the_full_example_names_every_key() {
    let tables = [
        "admin",
        "messages",
        "trigger",
        "kms_key",
        "identity_oidc_provider",
        "federation_endpoint",
        "smtp",
        "sms_webhook",
    ];
    let keys = |names: Vec<&'static str>| -> Vec<&'static str> {
        names.into_iter().filter(|n| !tables.contains(n)).collect()
    };
    let sections: [(&str, Vec<&str>); 9] = [
        ("", keys(fields::<FileConfig>())),
        ("admin", keys(fields::<AdminFileConfig>())),
        ("messages", keys(fields::<MessagesFileConfig>())),
        ("messages.smtp", fields::<SmtpFileConfig>()),
        ("messages.sms_webhook", fields::<SmsWebhookFileConfig>()),
        ("trigger", fields::<TriggerFileConfig>()),
        ("kms_key", fields::<KmsKeyFileConfig>()),
        (
            "identity_oidc_provider",
            fields::<tessera_identity::OidcProvider>(),
        ),
        (
            "federation_endpoint",
            fields::<tessera_core::federation::details::EndpointOverride>(),
        ),
    ];
    let path = packaging().join("tessera.toml.example");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut found = BTreeSet::new();
    let mut section = String::new();
    for line in uncommented(&text).lines() {
        let line = line.trim();
        if let Some(name) = line.strip_prefix('[') {
            section = name.trim_matches(|c| c == '[' || c == ']').to_string();
        } else if let Some((key, _)) = line.split_once(" = ") {
            found.insert((section.clone(), key.to_string()));
        }
    }
    let mut missing = Vec::new();
    for (section, names) in &sections {
        for name in names {
            if !found.contains(&(section.to_string(), name.to_string())) {
                missing.push(format!("[{section}] {name}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{} does not document {missing:?}: add each, commented, with its default",
        path.display()
    );
}
