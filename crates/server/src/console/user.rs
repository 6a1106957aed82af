//! One user's page: facts, attributes, groups, MFA factors (AdminGetUser's settings list
//! and preference), whether they have a passkey (AdminGetUserAuthFactors: Cognito has no
//! admin operation that lists a user's passkeys), remembered devices and sign-ins (refresh
//! token families, read through core: no Cognito operation lists them); each change one API
//! operation.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use minijinja::context;
use serde_json::{Value, json};
use tessera_core::console::ConsoleSession;
use tessera_core::oauth::flow::percent;

use super::users::pool_view;
use super::{
    BASE, Paging, Posted, Signed, call, page, pool_facts, said, see_other, status_of, text,
};
use crate::AppState;

/// The MFA factors AdminGetUser names, as (setting name, label, AdminSetUserMFAPreference key).
const FACTORS: [(&str, &str, &str); 3] = [
    (
        "SOFTWARE_TOKEN_MFA",
        "Authenticator app (TOTP)",
        "SoftwareTokenMfaSettings",
    ),
    ("SMS_MFA", "SMS code", "SMSMfaSettings"),
    ("EMAIL_OTP", "Email code", "EmailMfaSettings"),
];

/// `GET /console/pools/{pool}/user?username=`: one user's facts, attributes, groups, MFA
/// factors, passkey and remembered devices.
pub(super) async fn user_page(
    State(st): State<AppState>,
    Signed(s): Signed,
    Path(pool_id): Path<String>,
    Query(q): Query<Paging>,
) -> Response {
    let username = q.username.unwrap_or_default();
    user_view(&st, &s, &pool_id, &username, None).await
}

pub(super) async fn user_view(
    st: &AppState,
    s: &ConsoleSession,
    pool_id: &str,
    username: &str,
    error: Option<String>,
) -> Response {
    let pool = match pool_facts(st, s, pool_id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let who = json!({ "UserPoolId": pool_id, "Username": username });
    let got = match call(st, "AdminGetUser", who.clone()).await {
        Ok(v) => v,
        Err(e) => {
            let q = Paging::default();
            return pool_view(st, s, pool_id, &q, Some(said(&e)), None).await;
        }
    };
    let attributes: Vec<(String, String)> = got["UserAttributes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| (text(a, "Name"), text(a, "Value")))
        .collect();
    let mut member_of: Vec<String> = Vec::new();
    if let Ok(v) = call(
        st,
        "AdminListGroupsForUser",
        json!({ "UserPoolId": pool_id, "Username": username, "Limit": 60 }),
    )
    .await
    {
        member_of = v["Groups"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|g| text(g, "GroupName"))
            .collect();
    }
    let mut others: Vec<String> = Vec::new();
    if let Ok(v) = call(
        st,
        "ListGroups",
        json!({ "UserPoolId": pool_id, "Limit": 60 }),
    )
    .await
    {
        others = v["Groups"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|g| text(g, "GroupName"))
            .filter(|g| !member_of.contains(g))
            .collect();
    }
    let mut devices = Vec::new();
    if let Ok(v) = call(
        st,
        "AdminListDevices",
        json!({ "UserPoolId": pool_id, "Username": username, "Limit": 60 }),
    )
    .await
    {
        for d in v["Devices"].as_array().into_iter().flatten() {
            let name = d["DeviceAttributes"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|a| a["Name"] == "device_name")
                .map(|a| text(a, "Value"))
                .unwrap_or_default();
            devices.push(context! {
                key => text(d, "DeviceKey"),
                name,
                last => super::pools::day(&d["DeviceLastAuthenticatedDate"]),
            });
        }
    }
    let enabled: Vec<&str> = got["UserMFASettingList"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mfa = if enabled.is_empty() {
        "none".to_string()
    } else {
        enabled.join(", ")
    };
    let preferred = text(&got, "PreferredMfaSetting");
    let factors: Vec<_> = FACTORS
        .iter()
        .filter(|(name, _, _)| enabled.contains(name))
        .map(|(name, label, _)| {
            context! { name, label, preferred => preferred == *name }
        })
        .collect();
    // Cognito has no admin operation that lists passkeys: a read through core (no change).
    let passkeys: Option<Vec<_>> = st
        .core
        .admin_list_passkeys(pool_id, &text(&got, "Username"))
        .await
        .ok()
        .map(|list| {
            list.into_iter()
                .map(|p| {
                    context! {
                        name => p.friendly_credential_name,
                        rp => p.relying_party_id,
                        attachment => p.authenticator_attachment.unwrap_or_default(),
                        created => super::pools::day(&json!(p.created_at)),
                    }
                })
                .collect()
        });
    // Cognito has no operation that lists a user's sign-ins: a read through core; ending
    // them is AdminUserGlobalSignOut.
    const SHOWN: usize = 50;
    let listed = st
        .core
        .admin_list_user_sessions(pool_id, &text(&got, "Username"), SHOWN as i64 + 1)
        .await
        .ok();
    let more_sessions = listed.as_ref().is_some_and(|l| l.len() > SHOWN);
    let sessions: Option<Vec<_>> = listed.map(|list| {
        list.into_iter()
            .take(SHOWN)
            .map(|f| {
                context! {
                    client => f.client_id,
                    signed_in => super::pools::instant(f.auth_time),
                    expires => super::pools::instant(f.expires_ms.div_euclid(1000)),
                    device => f.device_key.unwrap_or_default(),
                    hosted => f.scopes.is_some(),
                    revoked => f.revoked_ms.is_some(),
                }
            })
            .collect()
    });
    let user = context! {
        username => text(&got, "Username"),
        status => text(&got, "UserStatus"),
        enabled => got["Enabled"].as_bool().unwrap_or(true),
        created => super::pools::day(&got["UserCreateDate"]),
        mfa,
        factors,
        passkeys,
        attributes,
        groups => member_of,
        devices,
        sessions,
        more_sessions,
    };
    let status = status_of(&error);
    page(
        status,
        "user.html",
        Some(s),
        context! { pool, tab => "users", user, groups => others, error },
    )
}

fn user_url(pool_id: &str, username: &str) -> String {
    format!(
        "{BASE}/pools/{}/user?username={}",
        percent(pool_id),
        percent(username)
    )
}

/// `POST .../user/attribute`: AdminUpdateUserAttributes with one attribute.
pub(super) async fn set_attribute(
    State(st): State<AppState>,
    Path(pool_id): Path<String>,
    Posted { s, form }: Posted,
) -> Response {
    let username = form.get("username").cloned().unwrap_or_default();
    let input = json!({
        "UserPoolId": pool_id,
        "Username": username,
        "UserAttributes": [{
            "Name": form.get("name").cloned().unwrap_or_default(),
            "Value": form.get("value").cloned().unwrap_or_default(),
        }],
    });
    match call(&st, "AdminUpdateUserAttributes", input).await {
        Ok(_) => see_other(&user_url(&pool_id, &username)),
        Err(e) => user_view(&st, &s, &pool_id, &username, Some(said(&e))).await,
    }
}

/// `POST .../user/groups`: AdminAddUserToGroup or AdminRemoveUserFromGroup.
pub(super) async fn change_group(
    State(st): State<AppState>,
    Path(pool_id): Path<String>,
    Posted { s, form }: Posted,
) -> Response {
    let username = form.get("username").cloned().unwrap_or_default();
    let operation = match form.get("change").map(String::as_str) {
        Some("add") => "AdminAddUserToGroup",
        _ => "AdminRemoveUserFromGroup",
    };
    let input = json!({
        "UserPoolId": pool_id,
        "Username": username,
        "GroupName": form.get("group").cloned().unwrap_or_default(),
    });
    match call(&st, operation, input).await {
        Ok(_) => see_other(&user_url(&pool_id, &username)),
        Err(e) => user_view(&st, &s, &pool_id, &username, Some(said(&e))).await,
    }
}

/// `POST .../user/sign-out`: AdminUserGlobalSignOut, ending every sign-in of the user.
pub(super) async fn sign_out(
    State(st): State<AppState>,
    Path(pool_id): Path<String>,
    Posted { s, form }: Posted,
) -> Response {
    let username = form.get("username").cloned().unwrap_or_default();
    let input = json!({ "UserPoolId": pool_id, "Username": username });
    match call(&st, "AdminUserGlobalSignOut", input).await {
        Ok(_) => see_other(&user_url(&pool_id, &username)),
        Err(e) => user_view(&st, &s, &pool_id, &username, Some(said(&e))).await,
    }
}

/// `POST .../user/mfa`: AdminSetUserMFAPreference turning one factor off (a user who lost
/// their phone); the API's rules decide whether the pool allows it.
pub(super) async fn turn_off_mfa(
    State(st): State<AppState>,
    Path(pool_id): Path<String>,
    Posted { s, form }: Posted,
) -> Response {
    let username = form.get("username").cloned().unwrap_or_default();
    let factor = form.get("factor").map(String::as_str).unwrap_or_default();
    let Some((_, _, key)) = FACTORS.iter().find(|(name, _, _)| *name == factor) else {
        let refused = Some("Unknown MFA factor.".to_string());
        return user_view(&st, &s, &pool_id, &username, refused).await;
    };
    let mut input = json!({ "UserPoolId": pool_id, "Username": username });
    input[*key] = json!({ "Enabled": false, "PreferredMfa": false });
    match call(&st, "AdminSetUserMFAPreference", input).await {
        Ok(_) => see_other(&user_url(&pool_id, &username)),
        Err(e) => user_view(&st, &s, &pool_id, &username, Some(said(&e))).await,
    }
}
