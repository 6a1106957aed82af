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

const fn honoured(scope: Scope, path: &'static str, how: &'static str) -> Setting {
    Setting {
        scope,
        path,
        support: Support::Honoured { how },
        inert: &[],
    }
}

const fn mapped(
    scope: Scope,
    path: &'static str,
    what: &'static str,
    reason: &'static str,
) -> Setting {
    Setting {
        scope,
        path,
        support: Support::MappedTo { what, reason },
        inert: &[],
    }
}

const fn stored(
    scope: Scope,
    path: &'static str,
    reason: &'static str,
    inert: &'static [&'static str],
) -> Setting {
    Setting {
        scope,
        path,
        support: Support::StoredOnly { reason },
        inert,
    }
}

use Scope::{Client as C, Pool as P};

const TRIGGER: &str = "the `[[trigger]]` target the deployment maps the function ARN to";
const TRIGGER_WHY: &str = "Lambda is AWS's; the trigger fires with Cognito's event JSON at that \
                           webhook or command, and an unmapped ARN fails as an unreachable \
                           function does";
const NO_THREAT_PROTECTION: &str = "threat protection (advanced security: risk scores, \
                                    compromised-credential checks, adaptive authentication) is \
                                    not implemented";
const NO_LINK: &str = "confirmation by link (CONFIRM_WITH_LINK) is not implemented: Tessera always \
                       sends a code with EmailMessage/EmailSubject";

/// The declaration: every setting of the four inputs and what Tessera does with it.
pub const SETTINGS: &[Setting] = &[
    // --- User pools -----------------------------------------------------------------------
    honoured(
        P,
        "AccountRecoverySetting",
        "ForgotPassword sends the code to the first verified channel in priority order; \
         admin_only refuses self-service resets",
    ),
    stored(
        P,
        "AcrConfiguration",
        "authentication-context (acr) settings: the member has no fields in the vendored \
         model, so there is nothing to apply",
        &["{}"],
    ),
    honoured(
        P,
        "AdminCreateUserConfig.AllowAdminCreateUserOnly",
        "SignUp and the hosted sign-up page are refused when true",
    ),
    honoured(
        P,
        "AdminCreateUserConfig.InviteMessageTemplate",
        "the text of AdminCreateUser's invitation email and SMS",
    ),
    stored(
        P,
        "AdminCreateUserConfig.UnusedAccountValidityDays",
        "Cognito no longer uses it once PasswordPolicy.TemporaryPasswordValidityDays is set; \
         Tessera always sets that (default 7) and enforces it instead",
        &["7"],
    ),
    honoured(
        P,
        "AliasAttributes",
        "verified email, phone number or preferred_username sign in as the user",
    ),
    honoured(
        P,
        "AutoVerifiedAttributes",
        "the attributes SignUp and attribute changes send a verification code to",
    ),
    stored(
        P,
        "DcrConfiguration",
        "dynamic client registration (RFC 7591) is not implemented: no registration endpoint \
         is served",
        &[],
    ),
    honoured(
        P,
        "DeletionProtection",
        "DeleteUserPool is refused while ACTIVE",
    ),
    honoured(
        P,
        "DeviceConfiguration.ChallengeRequiredOnNewDevice",
        "when true a remembered device's DEVICE_SRP_AUTH stands in for the MFA factor; when \
         false MFA is asked on every device",
    ),
    honoured(
        P,
        "DeviceConfiguration.DeviceOnlyRememberedOnUserPrompt",
        "ConfirmDevice leaves the device not remembered until UpdateDeviceStatus; any \
         DeviceConfiguration turns device tracking on",
    ),
    mapped(
        P,
        "EmailConfiguration",
        "the deployment's email sender (`[messages]`: SMTP with `[messages.smtp] from`, or the \
         development outbox)",
        "SES identities, configuration sets, From and Reply-To addresses and the sending \
         account are AWS settings; every pool's email leaves through the one sender the \
         deployment configures",
    ),
    honoured(
        P,
        "EmailVerificationMessage",
        "kept in step with VerificationMessageTemplate.EmailMessage",
    ),
    honoured(
        P,
        "EmailVerificationSubject",
        "kept in step with VerificationMessageTemplate.EmailSubject",
    ),
    mapped(
        P,
        "IssuerConfiguration",
        "Tessera's issuer, `<public URL>/<pool id>`",
        "both issuer types name amazonaws.com hosts; tokens carry the issuer of the Tessera \
         that signs them, as its openid-configuration says",
    ),
    stored(
        P,
        "KeyConfiguration",
        "chooses the AWS KMS key that encrypts the pool's data at AWS; Tessera's data is in \
         its own database (secrets sealed with the server key) and KMS is not reachable",
        &[],
    ),
    mapped(P, "LambdaConfig.CreateAuthChallenge", TRIGGER, TRIGGER_WHY),
    mapped(
        P,
        "LambdaConfig.CustomEmailSender",
        TRIGGER,
        "Lambda is AWS's; codes reach the target encrypted with the `[[kms_key]]` of \
         KMSKeyID",
    ),
    mapped(P, "LambdaConfig.CustomMessage", TRIGGER, TRIGGER_WHY),
    mapped(
        P,
        "LambdaConfig.CustomSMSSender",
        TRIGGER,
        "Lambda is AWS's; codes reach the target encrypted with the `[[kms_key]]` of \
         KMSKeyID",
    ),
    mapped(P, "LambdaConfig.DefineAuthChallenge", TRIGGER, TRIGGER_WHY),
    stored(
        P,
        "LambdaConfig.InboundFederation",
        "fires on federated sign-in, and Tessera has no external identity providers yet",
        &[],
    ),
    mapped(
        P,
        "LambdaConfig.KMSKeyID",
        "the `[[kms_key]]` with the same id in the deployment's configuration",
        "KMS is AWS's; that key encrypts the codes given to the custom sender triggers",
    ),
    mapped(P, "LambdaConfig.PostAuthentication", TRIGGER, TRIGGER_WHY),
    mapped(P, "LambdaConfig.PostConfirmation", TRIGGER, TRIGGER_WHY),
    mapped(P, "LambdaConfig.PreAuthentication", TRIGGER, TRIGGER_WHY),
    mapped(P, "LambdaConfig.PreSignUp", TRIGGER, TRIGGER_WHY),
    mapped(P, "LambdaConfig.PreTokenGeneration", TRIGGER, TRIGGER_WHY),
    mapped(
        P,
        "LambdaConfig.PreTokenGenerationConfig",
        TRIGGER,
        "Lambda is AWS's; the event version (V1_0, V2_0, V3_0) is honoured",
    ),
    mapped(P, "LambdaConfig.UserMigration", TRIGGER, TRIGGER_WHY),
    mapped(
        P,
        "LambdaConfig.VerifyAuthChallengeResponse",
        TRIGGER,
        TRIGGER_WHY,
    ),
    honoured(
        P,
        "MfaConfiguration",
        "OFF, OPTIONAL or ON decide the MFA challenge after the password",
    ),
    honoured(
        P,
        "Policies.PasswordPolicy",
        "length, character classes, history and the temporary password's validity are \
         checked",
    ),
    honoured(
        P,
        "Policies.SignInPolicy",
        "AllowedFirstAuthFactors limits USER_AUTH's first factors",
    ),
    honoured(P, "PoolName", "the pool's name"),
    honoured(
        P,
        "Schema",
        "standard and custom attributes, their types, constraints, mutability and required \
         flags",
    ),
    honoured(P, "SmsAuthenticationMessage", "the text of SMS MFA codes"),
    mapped(
        P,
        "SmsConfiguration",
        "the deployment's SMS sender (`[messages.sms_webhook]`, or the development outbox)",
        "SNS roles, external ids, regions and End User Messaging settings are AWS's; as in \
         Cognito, SMS MFA needs SnsCallerArn and ExternalId (or EumsSms.CallerArn) to be \
         set, but text messages leave through the one sender the deployment configures",
    ),
    honoured(
        P,
        "SmsVerificationMessage",
        "kept in step with VerificationMessageTemplate.SmsMessage",
    ),
    honoured(
        P,
        "UserAttributeUpdateSettings",
        "listed attributes keep their old value until the new one is verified",
    ),
    stored(
        P,
        "UserPoolAddOns",
        NO_THREAT_PROTECTION,
        &[r#"{"AdvancedSecurityMode":"OFF"}"#],
    ),
    honoured(P, "UserPoolId", "names the pool to update"),
    honoured(
        P,
        "UserPoolTags",
        "the pool's tags, as ListTagsForResource and TagResource see them",
    ),
    stored(
        P,
        "UserPoolTier",
        "Cognito's pricing tier gates features; Tessera has no tiers and offers what it \
         implements at every tier",
        &[r#""ESSENTIALS""#],
    ),
    honoured(
        P,
        "UsernameAttributes",
        "email and/or phone number are the username",
    ),
    honoured(
        P,
        "UsernameConfiguration",
        "CaseSensitive false makes usernames and sign-in names match in any case",
    ),
    stored(
        P,
        "VerificationMessageTemplate.DefaultEmailOption",
        NO_LINK,
        &[r#""CONFIRM_WITH_CODE""#],
    ),
    honoured(
        P,
        "VerificationMessageTemplate.EmailMessage",
        "the text of emailed verification codes",
    ),
    stored(
        P,
        "VerificationMessageTemplate.EmailMessageByLink",
        NO_LINK,
        &[],
    ),
    honoured(
        P,
        "VerificationMessageTemplate.EmailSubject",
        "the subject of emailed verification codes",
    ),
    stored(
        P,
        "VerificationMessageTemplate.EmailSubjectByLink",
        NO_LINK,
        &[],
    ),
    honoured(
        P,
        "VerificationMessageTemplate.SmsMessage",
        "the text of verification codes sent by SMS",
    ),
    // --- App clients ----------------------------------------------------------------------
    honoured(
        C,
        "AccessTokenValidity",
        "the access token's lifetime, in TokenValidityUnits",
    ),
    honoured(
        C,
        "AllowedOAuthFlows",
        "the grants /oauth2/authorize and /oauth2/token accept",
    ),
    honoured(
        C,
        "AllowedOAuthFlowsUserPoolClient",
        "managed login serves the client only when true",
    ),
    honoured(
        C,
        "AllowedOAuthScopes",
        "the scopes a managed-login or client-credentials token may carry",
    ),
    stored(
        C,
        "AnalyticsConfiguration",
        "Amazon Pinpoint analytics: Tessera sends no analytics events",
        &[],
    ),
    honoured(
        C,
        "AuthSessionValidity",
        "minutes a challenge Session stays usable",
    ),
    honoured(
        C,
        "CallbackURLs",
        "redirect_uri must be one of them, exactly",
    ),
    honoured(C, "ClientId", "names the client to update"),
    honoured(C, "ClientName", "the client's name"),
    honoured(
        C,
        "ClientSecret",
        "the secret the client proves (SECRET_HASH, token endpoint); stored sealed",
    ),
    stored(
        C,
        "DefaultRedirectURI",
        "checked as Cognito checks it (one of CallbackURLs); /oauth2/authorize takes \
         redirect_uri from the request, as Cognito's requires it, and does not fall back to it",
        &[],
    ),
    stored(
        C,
        "EnablePropagateAdditionalUserContextData",
        "passes UserContextData on to threat protection, which is not implemented",
        &["false"],
    ),
    honoured(
        C,
        "EnableTokenRevocation",
        "RevokeToken and /oauth2/revoke work only when true",
    ),
    honoured(
        C,
        "ExplicitAuthFlows",
        "the sign-in flows InitiateAuth and AdminInitiateAuth accept",
    ),
    honoured(
        C,
        "GenerateSecret",
        "a client secret is generated when true",
    ),
    honoured(
        C,
        "IdTokenValidity",
        "the ID token's lifetime, in TokenValidityUnits",
    ),
    honoured(C, "LogoutURLs", "/logout's logout_uri must be one of them"),
    honoured(
        C,
        "PreventUserExistenceErrors",
        "ENABLED answers for a missing user as for a wrong password",
    ),
    honoured(
        C,
        "ReadAttributes",
        "the attributes ID tokens and userInfo carry for this client",
    ),
    honoured(
        C,
        "RefreshTokenRotation",
        "ENABLED rotates refresh tokens, with the retry grace period",
    ),
    honoured(
        C,
        "RefreshTokenValidity",
        "the refresh token's lifetime, in TokenValidityUnits",
    ),
    honoured(
        C,
        "SupportedIdentityProviders",
        "managed login offers them; only COGNITO exists (no federation yet), others are \
         refused as Cognito refuses unknown providers",
    ),
    honoured(
        C,
        "TokenValidityUnits",
        "units of the three token validities",
    ),
    honoured(C, "UserPoolId", "the client's pool"),
    honoured(
        C,
        "WriteAttributes",
        "the attributes this client may set in SignUp and UpdateUserAttributes",
    ),
];

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
