//! What Tessera does with each pool and app-client setting: one declaration, [`SETTINGS`].
//!
//! Every member of the CreateUserPool, UpdateUserPool, CreateUserPoolClient and
//! UpdateUserPoolClient inputs is either honoured, mapped to something of Tessera's own (an
//! AWS resource such as an SNS role, an SES identity or a Lambda ARN stands for a sender or
//! a target the deployment configures), or stored and echoed with a reason it has no effect
//! here. Nothing is a silent no-op: `docs/compat.md`'s settings table is generated from this
//! declaration ([`markdown`]), a test fails when the model gains a member it does not cover
//! ([`uncovered`]), and a pool or client that sets a member that is not honoured says so once
//! in the log ([`log_unhonoured`]), naming the setting and the reason, never its value.
//!
//! A row names a member by its path from the input (`LambdaConfig.PreSignUp`); a member is
//! covered by a row of its own or, for a structure, by rows for each of its members.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use serde::Serialize;
use serde_json::Value;
use tessera_wire::generated::{ShapeKind, find_shape, shape};
use tessera_wire::ops::Service;

/// Which settings document a row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `CreateUserPool` / `UpdateUserPool`, stored as `UserPoolType`.
    Pool,
    /// `CreateUserPoolClient` / `UpdateUserPoolClient`, stored as `UserPoolClientType`.
    Client,
}

impl Scope {
    /// The modeled input shapes whose members this scope's rows cover.
    pub fn inputs(self) -> [&'static str; 2] {
        match self {
            Scope::Pool => ["CreateUserPoolRequest", "UpdateUserPoolRequest"],
            Scope::Client => ["CreateUserPoolClientRequest", "UpdateUserPoolClientRequest"],
        }
    }

    /// The stored (and described) settings document.
    pub fn document(self) -> &'static str {
        match self {
            Scope::Pool => "UserPoolType",
            Scope::Client => "UserPoolClientType",
        }
    }
}

/// What Tessera does with a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// Tessera applies the setting as Cognito does; `how` says where.
    Honoured { how: &'static str },
    /// The setting names an AWS resource; Tessera uses `what` of its own instead.
    MappedTo {
        what: &'static str,
        reason: &'static str,
    },
    /// Stored and echoed by Describe*, with no effect here, for `reason`.
    StoredOnly { reason: &'static str },
}

impl Support {
    /// The table's word for it.
    pub fn label(&self) -> &'static str {
        match self {
            Support::Honoured { .. } => "honoured",
            Support::MappedTo { .. } => "mapped",
            Support::StoredOnly { .. } => "stored only",
        }
    }

    /// Why it has no (or another) effect here; `None` when honoured.
    pub fn reason(&self) -> Option<String> {
        match self {
            Support::Honoured { .. } => None,
            Support::MappedTo { what, reason } => Some(format!("mapped to {what}: {reason}")),
            Support::StoredOnly { reason } => Some((*reason).to_string()),
        }
    }
}

/// One row of the declaration.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    pub scope: Scope,
    /// Member path from the input shape, `.`-separated wire names.
    pub path: &'static str,
    pub support: Support,
    /// JSON values (as text) that are no different from leaving the member out, such as
    /// the default Tessera fills in itself; they are not logged.
    pub inert: &'static [&'static str],
}

mod table;
pub use table::SETTINGS;

/// Rows of one scope.
pub fn rows(scope: Scope) -> impl Iterator<Item = &'static Setting> {
    SETTINGS.iter().filter(move |s| s.scope == scope)
}

/// The members of a structure shape of cognito-idp (through lists), `None` if not a structure.
fn members(shape_name: &str) -> Option<Vec<(&'static str, &'static str)>> {
    let mut s = find_shape(Service::CognitoIdp, shape_name)?;
    loop {
        match s.kind {
            ShapeKind::List { member } => s = shape(Service::CognitoIdp, member)?,
            ShapeKind::Structure { members } => {
                return Some(
                    members
                        .iter()
                        .filter_map(|m| {
                            shape(Service::CognitoIdp, m.target).map(|t| (m.name, t.name))
                        })
                        .collect(),
                );
            }
            _ => return None,
        }
    }
}

/// Whether `path` (of a member whose shape is `shape_name`) is covered by a row, or by rows
/// for each of its members; pushes what is not onto `missing`.
fn cover(scope: Scope, path: &str, shape_name: &str, missing: &mut Vec<String>) {
    if rows(scope).any(|r| r.path == path) {
        return;
    }
    let prefix = format!("{path}.");
    let split = rows(scope).any(|r| r.path.starts_with(&prefix));
    match members(shape_name) {
        Some(ms) if split => {
            for (name, target) in ms {
                cover(scope, &format!("{path}.{name}"), target, missing);
            }
        }
        _ => missing.push(format!("{scope:?} {path}")),
    }
}

/// Members of the four inputs that no row covers (must stay empty).
pub fn uncovered() -> Vec<String> {
    let mut missing = Vec::new();
    for scope in [Scope::Pool, Scope::Client] {
        let mut seen = HashSet::new();
        for input in scope.inputs() {
            for (name, target) in members(input).unwrap_or_default() {
                if seen.insert(name) {
                    cover(scope, name, target, &mut missing);
                }
            }
        }
    }
    missing
}

/// The shape a member path leads to from `root`, if every step is a member.
fn resolve(root: &str, path: &str) -> Option<&'static str> {
    let mut at: &'static str = find_shape(Service::CognitoIdp, root)?.name;
    for step in path.split('.') {
        at = members(at)?.into_iter().find(|(n, _)| *n == step)?.1;
    }
    Some(at)
}

/// Rows that name no member of their inputs, or name a member and one of its members
/// (must stay empty).
pub fn stale_rows() -> Vec<String> {
    SETTINGS
        .iter()
        .filter(|r| {
            r.scope
                .inputs()
                .iter()
                .all(|i| resolve(i, r.path).is_none())
                || rows(r.scope).any(|o| o.path.starts_with(&format!("{}.", r.path)))
        })
        .map(|r| format!("{:?} {}", r.scope, r.path))
        .collect()
}

/// Rows that are not honoured yet cannot be described back, because the stored document
/// has no such member (must stay empty: "stored" means echoed by Describe*).
pub fn unechoed_rows() -> Vec<String> {
    SETTINGS
        .iter()
        .filter(|r| !matches!(r.support, Support::Honoured { .. }))
        .filter(|r| resolve(r.scope.document(), r.path).is_none())
        .map(|r| format!("{:?} {}", r.scope, r.path))
        .collect()
}

fn escape(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The settings section of `docs/compat.md`.
pub fn markdown() -> String {
    let mut out = String::from(
        "\n## Settings\n\n\
         Generated from `tessera_core::settings::SETTINGS`. Each member of the four inputs is\n\
         honoured, mapped to something of Tessera's own, or stored and echoed by Describe* with\n\
         no effect here; a pool or client that sets a member that is not honoured says so once\n\
         in the log (`setting stored without its AWS effect`).\n",
    );
    for (scope, title) in [
        (Scope::Pool, "User pools (CreateUserPool, UpdateUserPool)"),
        (
            Scope::Client,
            "App clients (CreateUserPoolClient, UpdateUserPoolClient)",
        ),
    ] {
        let count = |label: &str| rows(scope).filter(|r| r.support.label() == label).count();
        out.push_str(&format!(
            "\n### {title}: {} honoured, {} mapped, {} stored only\n\n\
             | Setting | Support | Details |\n|---|---|---|\n",
            count("honoured"),
            count("mapped"),
            count("stored only"),
        ));
        for r in rows(scope) {
            let details = match r.support {
                Support::Honoured { how } => how.to_string(),
                Support::MappedTo { what, reason } => format!("to {what}: {reason}"),
                Support::StoredOnly { reason } => reason.to_string(),
            };
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                r.path,
                r.support.label(),
                escape(&details)
            ));
        }
    }
    out
}

/// The values at `path` in a settings document (lists are looked through).
fn values_at<'a>(doc: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut at = vec![doc];
    for step in path.split('.') {
        at = at
            .into_iter()
            .flat_map(|v| match v {
                Value::Array(items) => items.iter().filter_map(|i| i.get(step)).collect(),
                other => other.get(step).into_iter().collect::<Vec<_>>(),
            })
            .collect();
    }
    at.retain(|v| !v.is_null());
    at
}

/// Whether a document sets the row's member to something that matters.
fn sets(row: &Setting, doc: &Value) -> bool {
    values_at(doc, row.path).into_iter().any(|v| {
        !row.inert
            .iter()
            .any(|i| serde_json::from_str::<Value>(i).is_ok_and(|i| &i == v))
    })
}

/// Which (pool or client, setting) pairs this process has already logged.
fn logged() -> &'static Mutex<HashSet<(String, &'static str)>> {
    static LOGGED: OnceLock<Mutex<HashSet<(String, &'static str)>>> = OnceLock::new();
    LOGGED.get_or_init(Mutex::default)
}

/// The settings of a stored document that are set but not honoured, each logged once per
/// process and owner (`owner`: the pool id, or the client id), naming the setting and the
/// reason, never the value. Runs when a pool or client is written, never on a read path.
pub fn log_unhonoured(
    scope: Scope,
    pool_id: &str,
    owner: &str,
    doc: &impl Serialize,
) -> Vec<&'static str> {
    let Ok(doc) = serde_json::to_value(doc) else {
        return Vec::new();
    };
    let set: Vec<&'static Setting> = rows(scope)
        .filter(|r| !matches!(r.support, Support::Honoured { .. }))
        .filter(|r| sets(r, &doc))
        .collect();
    if set.is_empty() {
        return Vec::new();
    }
    let mut seen = logged().lock().unwrap_or_else(|e| e.into_inner());
    let mut out = Vec::new();
    for r in set {
        if !seen.insert((owner.to_string(), r.path)) {
            continue;
        }
        let reason = r.support.reason().unwrap_or_default();
        match scope {
            Scope::Pool => tracing::info!(
                pool_id,
                setting = r.path,
                support = r.support.label(),
                reason = %reason,
                "setting stored without its AWS effect"
            ),
            Scope::Client => tracing::info!(
                pool_id,
                client_id = owner,
                setting = r.path,
                support = r.support.label(),
                reason = %reason,
                "setting stored without its AWS effect"
            ),
        }
        out.push(r.path);
    }
    out
}

/// After a pool is created or changed: logs the settings it newly uses that are not honoured.
pub(crate) fn pool_saved(rec: &crate::store::PoolRecord) {
    log_unhonoured(Scope::Pool, &rec.id, &rec.id, &rec.config);
}

/// After an app client is created or updated: logs the settings it newly uses that are not
/// honoured.
pub(crate) fn client_saved(rec: &crate::store::ClientRecord) {
    log_unhonoured(Scope::Client, &rec.pool_id, &rec.client_id, &rec.config);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn every_member_of_the_four_inputs_is_declared() {
        let missing = uncovered();
        assert!(
            missing.is_empty(),
            "settings without a row in settings::SETTINGS (say whether Tessera honours, maps \
             or only stores each, and why): {missing:?}"
        );
    }

    #[test]
    fn every_row_names_a_member() {
        assert!(stale_rows().is_empty(), "stale rows: {:?}", stale_rows());
    }

    #[test]
    fn what_is_not_honoured_is_echoed() {
        assert!(unechoed_rows().is_empty(), "{:?}", unechoed_rows());
    }

    /// The coverage check reads the generated shape table; the table must agree with the
    /// vendored model it was generated from (a guard against a stale codegen).
    #[test]
    fn the_generated_inputs_match_the_vendored_model() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../model/cognito-idp-2016-04-18.json"
        );
        let model: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for scope in [Scope::Pool, Scope::Client] {
            for input in scope.inputs() {
                let mut want: Vec<&str> = model["shapes"][input]["members"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .map(String::as_str)
                    .collect();
                let mut have: Vec<&str> = members(input)
                    .unwrap()
                    .into_iter()
                    .map(|(n, _)| n)
                    .collect();
                want.sort_unstable();
                have.sort_unstable();
                assert_eq!(have, want, "{input}");
            }
        }
    }

    #[test]
    fn a_missing_member_is_reported() {
        let mut missing = Vec::new();
        cover(Scope::Pool, "NotASetting", "StringType", &mut missing);
        assert_eq!(missing, ["Pool NotASetting"]);
    }

    #[test]
    fn defaults_are_not_logged_and_settings_are_logged_once() {
        let doc = serde_json::json!({
            "UserPoolTier": "ESSENTIALS",
            "UserPoolAddOns": {"AdvancedSecurityMode": "OFF"},
            "VerificationMessageTemplate": {"DefaultEmailOption": "CONFIRM_WITH_CODE"},
            "AdminCreateUserConfig": {"UnusedAccountValidityDays": 7},
        });
        assert!(log_unhonoured(Scope::Pool, "p1", "p1", &doc).is_empty());
        let doc = serde_json::json!({
            "UserPoolTier": "PLUS",
            "SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::1:role/x", "ExternalId": "e"},
            "LambdaConfig": {"PreSignUp": null},
        });
        assert_eq!(
            log_unhonoured(Scope::Pool, "p2", "p2", &doc),
            ["SmsConfiguration", "UserPoolTier"]
        );
        assert!(log_unhonoured(Scope::Pool, "p2", "p2", &doc).is_empty());
    }

    #[test]
    fn the_table_counts_every_row() {
        let md = markdown();
        let table_rows = md.lines().filter(|l| l.starts_with("| ")).count();
        assert_eq!(table_rows, SETTINGS.len() + 2);
    }
}
