//! A pool's page: its facts and its users (ListUsers filter search, keyset pages), and the
//! actions on a user, each one API operation.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::{Value as Ctx, context};
use serde_json::{Value, json};
use tessera_core::console::ConsoleSession;
use tessera_core::oauth::flow::percent;

use super::{
    BASE, PAGE, Paging, Posted, call, page, pool_facts, said, see_other, session, status_of, text,
};
use crate::AppState;

/// The actions offered for a user, as (action, label).
fn actions(enabled: bool, status: &str) -> Vec<(&'static str, &'static str)> {
    let mut a = vec![if enabled {
        ("disable", "Disable")
    } else {
        ("enable", "Enable")
    }];
    if status == "UNCONFIRMED" {
        a.push(("confirm", "Confirm"));
    }
    a.push(("reset", "Reset password"));
    a.push(("delete", "Delete"));
    a
}

/// What a finished action says, from a fixed set (never text from the query).
fn notice(done: Option<&str>, user: Option<&str>) -> Option<String> {
    let user = user.unwrap_or_default();
    let what = match done? {
        "disable" => "disabled",
        "enable" => "enabled",
        "confirm" => "confirmed",
        "reset" => "reset: they must choose a new password at their next sign-in",
        "delete" => "deleted",
        "create" => "created",
        _ => return None,
    };
    Some(format!("User {user} {what}."))
}

pub(super) async fn pool_page(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(pool_id): Path<String>,
    Query(q): Query<Paging>,
) -> Response {
    let Some(s) = session(&st, &headers).await else {
        return see_other("/console/login");
    };
    let note = notice(q.done.as_deref(), q.user.as_deref());
    pool_view(&st, &s, &pool_id, &q, None, note).await
}

async fn pool_view(
    st: &AppState,
    s: &ConsoleSession,
    pool_id: &str,
    q: &Paging,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let pool = match pool_facts(st, s, pool_id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let filter = q.filter.clone().unwrap_or_default();
    let mut input = json!({ "UserPoolId": pool_id, "Limit": PAGE });
    if !filter.trim().is_empty() {
        input["Filter"] = json!(filter);
    }
    if let Some(n) = q.next.as_deref().filter(|n| !n.is_empty()) {
        input["PaginationToken"] = json!(n);
    }
    let (users, next, error, status) = match call(st, "ListUsers", input).await {
        Ok(v) => {
            let users: Vec<Ctx> = v["Users"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|u| {
                    let email = u["Attributes"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .find(|a| a["Name"] == "email")
                        .map(|a| text(a, "Value"))
                        .unwrap_or_default();
                    let enabled = u["Enabled"].as_bool().unwrap_or(true);
                    let status = text(u, "UserStatus");
                    context! {
                        username_q => percent(&text(u, "Username")),
                        username => text(u, "Username"),
                        email,
                        enabled,
                        actions => actions(enabled, &status),
                        status,
                    }
                })
                .collect();
            let next = v
                .get("PaginationToken")
                .and_then(Value::as_str)
                .map(str::to_string);
            let status = status_of(&error);
            (users, next, error, status)
        }
        Err(e) => (Vec::new(), None, Some(said(&e)), StatusCode::BAD_REQUEST),
    };
    page(
        status,
        "pool.html",
        Some(s),
        context! {
            next_url => next.map(|n| format!(
                "{BASE}/pools/{}?filter={}&next={}",
                percent(pool_id),
                percent(&filter),
                percent(&n)
            )),
            pool,
            tab => "users",
            users,
            filter,
            error,
            notice,
        },
    )
}

pub(super) async fn create_user(
    State(st): State<AppState>,
    Path(pool_id): Path<String>,
    Posted { s, form }: Posted,
) -> Response {
    let username = form.get("username").cloned().unwrap_or_default();
    let mut input = json!({ "UserPoolId": pool_id, "Username": username });
    if let Some(email) = form.get("email").filter(|e| !e.trim().is_empty()) {
        input["UserAttributes"] = json!([
            { "Name": "email", "Value": email.trim() },
            { "Name": "email_verified", "Value": "true" },
        ]);
    }
    if let Some(p) = form.get("temporary_password").filter(|p| !p.is_empty()) {
        input["TemporaryPassword"] = json!(p);
    }
    match call(&st, "AdminCreateUser", input).await {
        Ok(_) => see_other(&done_url(&pool_id, "create", &username)),
        Err(e) => pool_view(&st, &s, &pool_id, &Paging::default(), Some(said(&e)), None).await,
    }
}

fn done_url(pool_id: &str, done: &str, user: &str) -> String {
    format!(
        "{BASE}/pools/{}?done={done}&user={}",
        percent(pool_id),
        percent(user)
    )
}

pub(super) async fn user_action(
    State(st): State<AppState>,
    Path(pool_id): Path<String>,
    Posted { s, form }: Posted,
) -> Response {
    let username = form.get("username").cloned().unwrap_or_default();
    let action = form.get("action").map(String::as_str).unwrap_or_default();
    let operation = match action {
        "disable" => "AdminDisableUser",
        "enable" => "AdminEnableUser",
        "confirm" => "AdminConfirmSignUp",
        "reset" => "AdminResetUserPassword",
        "delete" => "AdminDeleteUser",
        _ => {
            return pool_view(
                &st,
                &s,
                &pool_id,
                &Paging::default(),
                Some("Unknown action.".into()),
                None,
            )
            .await;
        }
    };
    let input = json!({ "UserPoolId": pool_id, "Username": username });
    match call(&st, operation, input).await {
        Ok(_) => see_other(&done_url(&pool_id, action, &username)),
        Err(e) => pool_view(&st, &s, &pool_id, &Paging::default(), Some(said(&e)), None).await,
    }
}

/// `GET /console/pools/{pool}/user?username=`: one user's facts, attributes, groups and
/// remembered devices.
pub(super) async fn user_page(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(pool_id): Path<String>,
    Query(q): Query<Paging>,
) -> Response {
    let Some(s) = session(&st, &headers).await else {
        return see_other("/console/login");
    };
    let username = q.username.unwrap_or_default();
    user_view(&st, &s, &pool_id, &username, None).await
}

async fn user_view(
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
    let mfa = got["UserMFASettingList"]
        .as_array()
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_else(|| "none".into());
    let user = context! {
        username => text(&got, "Username"),
        status => text(&got, "UserStatus"),
        enabled => got["Enabled"].as_bool().unwrap_or(true),
        created => super::pools::day(&got["UserCreateDate"]),
        mfa,
        attributes,
        groups => member_of,
        devices,
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
