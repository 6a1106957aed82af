//! A pool's settings page: password policy, MFA, verification and invitation messages,
//! deletion protection and trigger ARNs as DescribeUserPool and GetUserPoolMfaConfig give
//! them, with this node's trigger outcome counters. The forms post to
//! [`super::settings_edit`].

use axum::extract::{Path, State};
use axum::response::Response;
use minijinja::{Value as Ctx, context};
use serde_json::{Value, json};
use tessera_core::console::ConsoleSession;

use super::{Signed, call, described, facts, page, said, status_of, text};
use crate::AppState;

/// The triggers the form edits, as LambdaConfig names them (the custom senders need a KMS
/// key and stay as they are).
pub(super) const TRIGGERS: [&str; 10] = [
    "PreSignUp",
    "CustomMessage",
    "PostConfirmation",
    "PreAuthentication",
    "PostAuthentication",
    "DefineAuthChallenge",
    "CreateAuthChallenge",
    "VerifyAuthChallengeResponse",
    "PreTokenGeneration",
    "UserMigration",
];

/// The outcomes `tessera_trigger_invocations_total` counts, in the order the page shows them.
const OUTCOMES: [&str; 6] = [
    "ok",
    "refused",
    "timeout",
    "unreachable",
    "invalid",
    "unmapped",
];

/// What a saved section says, from a fixed set (never text from the query).
pub(super) fn saved(section: &str) -> Option<&'static str> {
    Some(match section {
        "password" => "Password policy saved.",
        "mfa" => "MFA configuration saved.",
        "messages" => "Messages saved.",
        "protection" => "Deletion protection saved.",
        "triggers" => "Triggers saved.",
        _ => return None,
    })
}

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct Saved {
    saved: Option<String>,
}

pub(super) async fn page_of(
    State(st): State<AppState>,
    Signed(s): Signed,
    Path(pool_id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<Saved>,
) -> Response {
    let notice = q.saved.as_deref().and_then(saved);
    view(&st, &s, &pool_id, None, notice).await
}

pub(super) async fn view(
    st: &AppState,
    s: &ConsoleSession,
    pool_id: &str,
    error: Option<String>,
    notice: Option<&str>,
) -> Response {
    let d = match described(st, s, pool_id).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let mut error = error;
    let mfa = match call(st, "GetUserPoolMfaConfig", json!({ "UserPoolId": pool_id })).await {
        Ok(m) => m,
        Err(e) => {
            error.get_or_insert(said(&e));
            Value::Null
        }
    };
    let pp = &d["Policies"]["PasswordPolicy"];
    let flag = |k: &str| pp[k].as_bool().unwrap_or(false);
    let policy = context! {
        min_length => text(pp, "MinimumLength"),
        upper => flag("RequireUppercase"),
        lower => flag("RequireLowercase"),
        numbers => flag("RequireNumbers"),
        symbols => flag("RequireSymbols"),
        temp_days => text(pp, "TemporaryPasswordValidityDays"),
    };
    let sms_ready = d["SmsConfiguration"]["SnsCallerArn"]
        .as_str()
        .is_some_and(|a| !a.is_empty());
    let mfa = context! {
        mode => mfa["MfaConfiguration"].as_str().unwrap_or("OFF"),
        totp => mfa["SoftwareTokenMfaConfiguration"]["Enabled"].as_bool().unwrap_or(false),
        sms => mfa.get("SmsMfaConfiguration").is_some_and(|v| !v.is_null()),
        email => mfa.get("EmailMfaConfiguration").is_some_and(|v| !v.is_null()),
        sms_ready,
    };
    let tpl = &d["VerificationMessageTemplate"];
    let invite = &d["AdminCreateUserConfig"]["InviteMessageTemplate"];
    let messages = context! {
        email_subject => text(tpl, "EmailSubject"),
        email_message => text(tpl, "EmailMessage"),
        sms_message => text(tpl, "SmsMessage"),
        invite_subject => text(invite, "EmailSubject"),
        invite_email => text(invite, "EmailMessage"),
        invite_sms => text(invite, "SMSMessage"),
    };
    let triggers: Vec<Ctx> = TRIGGERS
        .iter()
        .map(|t| context! { name => t, arn => text(&d["LambdaConfig"], t) })
        .collect();
    let status = status_of(&error);
    page(
        status,
        "settings.html",
        Some(s),
        context! {
            pool => facts(pool_id, &d),
            tab => "settings",
            policy,
            mfa,
            messages,
            protection => d["DeletionProtection"].as_str().unwrap_or("INACTIVE"),
            triggers,
            outcomes => OUTCOMES,
            counted => outcome_rows(),
            error,
            notice,
        },
    )
}

/// This node's `tessera_trigger_invocations_total` by trigger and outcome (the counters carry
/// no pool: they are the node's, since it started).
fn outcome_rows() -> Vec<Ctx> {
    let mut by: Vec<(String, [u64; OUTCOMES.len()])> = Vec::new();
    for (labels, n) in crate::metrics::samples("tessera_trigger_invocations_total") {
        let label = |k: &str| {
            labels
                .iter()
                .find(|(name, _)| name == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let (trigger, outcome) = (label("trigger"), label("outcome"));
        let Some(i) = OUTCOMES.iter().position(|o| *o == outcome) else {
            continue;
        };
        match by.iter_mut().find(|(t, _)| *t == trigger) {
            Some((_, counts)) => counts[i] += n,
            None => {
                let mut counts = [0; OUTCOMES.len()];
                counts[i] = n;
                by.push((trigger, counts));
            }
        }
    }
    by.sort();
    by.into_iter()
        .map(|(trigger, counts)| context! { trigger, counts => counts.to_vec() })
        .collect()
}
