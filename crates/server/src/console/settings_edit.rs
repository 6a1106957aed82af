//! Saving a section of a pool's settings page. UpdateUserPool resets every setting it is not
//! sent (Cognito's semantics), so each save starts from DescribeUserPool's answer, keeps what
//! UpdateUserPool accepts, and changes only the section's fields; MFA goes through
//! SetUserPoolMfaConfig. Both through the API's own path, refusals shown in the page.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Map, Value, json};
use tessera_core::oauth::flow::percent;
use tessera_wire::idp::UpdateUserPoolRequest;

use super::settings::{TRIGGERS, saved, view};
use super::{BASE, Posted, call, said, see_other};
use crate::{ApiError, AppState};

type Form = HashMap<String, String>;

/// `POST /console/pools/{pool}/settings/{section}`.
pub(super) async fn save(
    State(st): State<AppState>,
    Path((pool_id, section)): Path<(String, String)>,
    Posted { s, form }: Posted,
) -> Response {
    if saved(&section).is_none() {
        return view(&st, &s, &pool_id, Some("Unknown settings.".into()), None).await;
    }
    let done = if section == "mfa" {
        save_mfa(&st, &pool_id, &form).await
    } else {
        update(&st, &pool_id, &section, &form).await
    };
    match done {
        Ok(_) => see_other(&format!(
            "{BASE}/pools/{}/settings?saved={section}",
            percent(&pool_id)
        )),
        Err(e) => view(&st, &s, &pool_id, Some(said(&e)), None).await,
    }
}

/// The pool's current settings as UpdateUserPool's input: DescribeUserPool's answer through
/// UpdateUserPoolRequest (which keeps exactly the fields the operation takes), without the
/// legacy message fields that VerificationMessageTemplate carries too.
async fn current(st: &AppState, pool_id: &str) -> Result<Value, ApiError> {
    let mut answer = call(st, "DescribeUserPool", json!({ "UserPoolId": pool_id })).await?;
    let mut d = answer["UserPool"].take();
    d["UserPoolId"] = json!(pool_id);
    let req: UpdateUserPoolRequest = serde_json::from_value(d)
        .map_err(|e| ApiError::internal(format!("console: the pool as an update: {e}")))?;
    let mut input = serde_json::to_value(req)
        .map_err(|e| ApiError::internal(format!("console: the pool as an update: {e}")))?;
    if let Some(o) = input.as_object_mut() {
        for legacy in [
            "EmailVerificationMessage",
            "EmailVerificationSubject",
            "SmsVerificationMessage",
        ] {
            o.remove(legacy);
        }
    }
    Ok(input)
}

/// Sets `key` of the object `obj` to a non-blank form value, or removes it (the default).
fn set(obj: &mut Value, key: &str, value: Option<&String>) {
    if !obj.is_object() {
        *obj = Value::Object(Map::new());
    }
    if let Some(o) = obj.as_object_mut() {
        match value.map(|v| v.trim()).filter(|v| !v.is_empty()) {
            Some(v) => {
                o.insert(key.into(), json!(v));
            }
            None => {
                o.remove(key);
            }
        }
    }
}

/// A number field: the number, or the text as given so that the model refuses it as the API
/// would; blank removes it.
fn number(obj: &mut Value, key: &str, value: Option<&String>) {
    set(obj, key, value);
    if let Some(v) = obj.get_mut(key)
        && let Some(n) = v.as_str().and_then(|t| t.parse::<i64>().ok())
    {
        *v = json!(n);
    }
}

async fn update(st: &AppState, pool_id: &str, section: &str, form: &Form) -> Result<(), ApiError> {
    let mut input = current(st, pool_id).await?;
    let on = |k: &str| form.get(k).is_some_and(|v| v == "1");
    match section {
        "password" => {
            let pp = &mut input["Policies"]["PasswordPolicy"];
            number(pp, "MinimumLength", form.get("min_length"));
            number(pp, "TemporaryPasswordValidityDays", form.get("temp_days"));
            for (field, key) in [
                ("upper", "RequireUppercase"),
                ("lower", "RequireLowercase"),
                ("numbers", "RequireNumbers"),
                ("symbols", "RequireSymbols"),
            ] {
                pp[key] = json!(on(field));
            }
        }
        "messages" => {
            let tpl = &mut input["VerificationMessageTemplate"];
            set(tpl, "EmailSubject", form.get("email_subject"));
            set(tpl, "EmailMessage", form.get("email_message"));
            set(tpl, "SmsMessage", form.get("sms_message"));
            let invite = &mut input["AdminCreateUserConfig"]["InviteMessageTemplate"];
            set(invite, "EmailSubject", form.get("invite_subject"));
            set(invite, "EmailMessage", form.get("invite_email"));
            set(invite, "SMSMessage", form.get("invite_sms"));
        }
        "protection" => {
            input["DeletionProtection"] =
                json!(form.get("protection").cloned().unwrap_or_default());
        }
        _ => {
            let lambda = &mut input["LambdaConfig"];
            for t in TRIGGERS {
                set(lambda, t, form.get(t));
            }
            // The V2/V3 form of the same trigger follows the ARN the form gives.
            let arn = lambda.get("PreTokenGeneration").cloned();
            if let Some(o) = lambda.as_object_mut() {
                match arn {
                    Some(a) => {
                        if let Some(cfg) = o.get_mut("PreTokenGenerationConfig") {
                            cfg["LambdaArn"] = a;
                        }
                    }
                    None => {
                        o.remove("PreTokenGenerationConfig");
                    }
                }
            }
        }
    }
    call(st, "UpdateUserPool", input).await.map(|_| ())
}

/// SetUserPoolMfaConfig: the mode, TOTP on or off, and SMS or email on with the pool's
/// current configuration for them (a factor not sent stays as it is).
async fn save_mfa(st: &AppState, pool_id: &str, form: &Form) -> Result<(), ApiError> {
    let now = call(st, "GetUserPoolMfaConfig", json!({ "UserPoolId": pool_id })).await?;
    let on = |k: &str| form.get(k).is_some_and(|v| v == "1");
    let mut input = json!({
        "UserPoolId": pool_id,
        "MfaConfiguration": form.get("mode").cloned().unwrap_or_default(),
        "SoftwareTokenMfaConfiguration": { "Enabled": on("totp") },
    });
    for (field, key) in [
        ("sms", "SmsMfaConfiguration"),
        ("email", "EmailMfaConfiguration"),
    ] {
        if on(field) {
            input[key] = now
                .get(key)
                .filter(|v| !v.is_null())
                .cloned()
                .unwrap_or_else(|| json!({}));
        }
    }
    call(st, "SetUserPoolMfaConfig", input).await.map(|_| ())
}
