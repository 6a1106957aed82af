//! A pool's page: its facts and its users (ListUsers filter search, keyset pages), and the
//! actions on a user, each one API operation.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::{Value as Ctx, context};
use serde_json::{Value, json};
use tessera_core::console::ConsoleSession;
use tessera_core::oauth::flow::percent;

use super::{
    BASE, PAGE, Paging, Posted, Signed, call, page, pool_facts, said, see_other, status_of, text,
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
    Signed(s): Signed,
    Path(pool_id): Path<String>,
    Query(q): Query<Paging>,
) -> Response {
    let note = notice(q.done.as_deref(), q.user.as_deref());
    pool_view(&st, &s, &pool_id, &q, None, note).await
}

pub(super) async fn pool_view(
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
