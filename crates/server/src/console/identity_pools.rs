//! Identity pools (cognito-identity): the list, creating one (guests allowed or not, and
//! optionally a user pool's app client as its provider), and deleting one. Identity pools
//! belong to the account, not to a user pool, so the page hangs off the overview. Every
//! change goes through the identity-pools service's own operations, as the API runs them.

use axum::extract::{Query, State};
use axum::response::Response;
use minijinja::context;
use serde_json::{Value, json};
use tessera_core::console::ConsoleSession;
use tessera_core::oauth::flow::percent;
use tessera_wire::ops::Service;

use super::{BASE, Paging, Posted, Signed, call_in, page, said, see_other, status_of, text};
use crate::{ApiError, AppState};

async fn identity(st: &AppState, name: &str, input: Value) -> Result<Value, ApiError> {
    call_in(st, Service::CognitoIdentity, name, input).await
}

pub(super) async fn page_of(
    State(st): State<AppState>,
    Signed(s): Signed,
    Query(q): Query<Paging>,
) -> Response {
    view(&st, &s, q.next.as_deref(), None).await
}

async fn view(
    st: &AppState,
    s: &ConsoleSession,
    next: Option<&str>,
    error: Option<String>,
) -> Response {
    let mut input = json!({ "MaxResults": 60 });
    if let Some(n) = next.filter(|n| !n.is_empty()) {
        input["NextToken"] = json!(n);
    }
    let mut error = error;
    let (pools, next_url) = match identity(st, "ListIdentityPools", input).await {
        Ok(v) => {
            let mut pools = Vec::new();
            for p in v["IdentityPools"].as_array().into_iter().flatten() {
                let id = text(p, "IdentityPoolId");
                let d = identity(st, "DescribeIdentityPool", json!({ "IdentityPoolId": id }))
                    .await
                    .unwrap_or(Value::Null);
                let providers: Vec<String> = d["CognitoIdentityProviders"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| format!("{} ({})", text(c, "ProviderName"), text(c, "ClientId")))
                    .collect();
                pools.push(context! {
                    name => text(p, "IdentityPoolName"),
                    id,
                    guests => d["AllowUnauthenticatedIdentities"].as_bool().unwrap_or(false),
                    providers,
                });
            }
            let next_url = v
                .get("NextToken")
                .and_then(Value::as_str)
                .map(|n| format!("{BASE}/identity-pools?next={}", percent(n)));
            (pools, next_url)
        }
        Err(e) => {
            error = Some(said(&e));
            (Vec::new(), None)
        }
    };
    let status = status_of(&error);
    page(
        status,
        "identity_pools.html",
        Some(s),
        context! { pools, next_url, error },
    )
}

pub(super) async fn create(State(st): State<AppState>, Posted { s, form }: Posted) -> Response {
    let mut input = json!({
        "IdentityPoolName": form.get("name").map(|n| n.trim()).unwrap_or_default(),
        "AllowUnauthenticatedIdentities": form.get("guests").is_some_and(|v| v == "1"),
    });
    let given = |k: &str| form.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    if let (Some(pool), Some(client)) = (given("user_pool_id"), given("client_id")) {
        // A user pool id starts with its region: `us-east-1_AbC`.
        let region = pool.split('_').next().unwrap_or_default();
        input["CognitoIdentityProviders"] = json!([{
            "ProviderName": format!("cognito-idp.{region}.amazonaws.com/{pool}"),
            "ClientId": client,
        }]);
    }
    match identity(&st, "CreateIdentityPool", input).await {
        Ok(_) => see_other(&format!("{BASE}/identity-pools")),
        Err(e) => view(&st, &s, None, Some(said(&e))).await,
    }
}

pub(super) async fn delete(State(st): State<AppState>, Posted { s, form }: Posted) -> Response {
    let input = json!({ "IdentityPoolId": form.get("id").cloned().unwrap_or_default() });
    match identity(&st, "DeleteIdentityPool", input).await {
        Ok(_) => see_other(&format!("{BASE}/identity-pools")),
        Err(e) => view(&st, &s, None, Some(said(&e))).await,
    }
}
