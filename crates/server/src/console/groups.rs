//! A pool's groups: the list (keyset pages), creating one and deleting one.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use minijinja::context;
use serde_json::{Value, json};
use tessera_core::console::ConsoleSession;
use tessera_core::oauth::flow::percent;

use super::{
    BASE, Paging, Posted, Signed, call, page, pool_facts, said, see_other, status_of, text,
};
use crate::AppState;

pub(super) async fn page_of(
    State(st): State<AppState>,
    Signed(s): Signed,
    Path(pool_id): Path<String>,
    Query(q): Query<Paging>,
) -> Response {
    view(&st, &s, &pool_id, q.next.as_deref(), None).await
}

async fn view(
    st: &AppState,
    s: &ConsoleSession,
    pool_id: &str,
    next: Option<&str>,
    error: Option<String>,
) -> Response {
    let pool = match pool_facts(st, s, pool_id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let mut input = json!({ "UserPoolId": pool_id, "Limit": 60 });
    if let Some(n) = next.filter(|n| !n.is_empty()) {
        input["NextToken"] = json!(n);
    }
    let mut error = error;
    let (groups, next_url) = match call(st, "ListGroups", input).await {
        Ok(v) => {
            let groups: Vec<_> = v["Groups"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|g| {
                    context! {
                        name => text(g, "GroupName"),
                        description => text(g, "Description"),
                        precedence => text(g, "Precedence"),
                    }
                })
                .collect();
            let next_url = v.get("NextToken").and_then(Value::as_str).map(|n| {
                format!(
                    "{BASE}/pools/{}/groups?next={}",
                    percent(pool_id),
                    percent(n)
                )
            });
            (groups, next_url)
        }
        Err(e) => {
            error = Some(said(&e));
            (Vec::new(), None)
        }
    };
    let status = status_of(&error);
    page(
        status,
        "groups.html",
        Some(s),
        context! { pool, tab => "groups", groups, next_url, error },
    )
}

pub(super) async fn create(
    State(st): State<AppState>,
    Path(pool_id): Path<String>,
    Posted { s, form }: Posted,
) -> Response {
    let mut input = json!({
        "UserPoolId": pool_id,
        "GroupName": form.get("group").cloned().unwrap_or_default(),
    });
    if let Some(d) = form.get("description").filter(|d| !d.is_empty()) {
        input["Description"] = json!(d);
    }
    if let Some(p) = form.get("precedence").filter(|p| !p.trim().is_empty()) {
        // Not a number: the model's own refusal, as the API would give it.
        input["Precedence"] = p
            .trim()
            .parse::<i64>()
            .map_or_else(|_| json!(p), |n| json!(n));
    }
    match call(&st, "CreateGroup", input).await {
        Ok(_) => see_other(&format!("{BASE}/pools/{pool_id}/groups")),
        Err(e) => view(&st, &s, &pool_id, None, Some(said(&e))).await,
    }
}

pub(super) async fn delete(
    State(st): State<AppState>,
    Path(pool_id): Path<String>,
    Posted { s, form }: Posted,
) -> Response {
    let input = json!({
        "UserPoolId": pool_id,
        "GroupName": form.get("group").cloned().unwrap_or_default(),
    });
    match call(&st, "DeleteGroup", input).await {
        Ok(_) => see_other(&format!("{BASE}/pools/{pool_id}/groups")),
        Err(e) => view(&st, &s, &pool_id, None, Some(said(&e))).await,
    }
}
