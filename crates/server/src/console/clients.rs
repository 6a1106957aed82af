//! A pool's app clients: the list (with each client's flows and callback URLs), creating one
//! (its secret shown once, in the answer to the create), and deleting one.

use axum::extract::{Path, State};
use axum::response::Response;
use minijinja::{Value as Ctx, context};
use serde_json::{Value, json};
use tessera_core::console::ConsoleSession;

use super::{BASE, Posted, Signed, call, page, pool_facts, said, see_other, status_of, text};
use crate::AppState;

pub(super) async fn page_of(
    State(st): State<AppState>,
    Signed(s): Signed,
    Path(pool_id): Path<String>,
) -> Response {
    view(&st, &s, &pool_id, None, None).await
}

/// The clients page, with a refusal or a new client's secret.
async fn view(
    st: &AppState,
    s: &ConsoleSession,
    pool_id: &str,
    error: Option<String>,
    secret: Option<Ctx>,
) -> Response {
    let pool = match pool_facts(st, s, pool_id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let listed = call(
        st,
        "ListUserPoolClients",
        json!({ "UserPoolId": pool_id, "MaxResults": 60 }),
    )
    .await;
    let mut clients = Vec::new();
    let mut error = error;
    match listed {
        Ok(v) => {
            for c in v["UserPoolClients"].as_array().into_iter().flatten() {
                let id = text(c, "ClientId");
                let described = call(
                    st,
                    "DescribeUserPoolClient",
                    json!({ "UserPoolId": pool_id, "ClientId": id }),
                )
                .await
                .map(|d| d["UserPoolClient"].clone())
                .unwrap_or(Value::Null);
                let list = |key: &str| {
                    described[key]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(Value::as_str)
                                .collect::<Vec<_>>()
                                .join(", ")
                        })
                        .unwrap_or_default()
                };
                clients.push(context! {
                    name => text(c, "ClientName"),
                    id,
                    // Whether it has one; the value is never shown again.
                    secret => described.get("ClientSecret").is_some(),
                    flows => list("ExplicitAuthFlows"),
                    callbacks => list("CallbackURLs"),
                });
            }
        }
        Err(e) => error = Some(said(&e)),
    }
    let status = status_of(&error);
    page(
        status,
        "clients.html",
        Some(s),
        context! { pool, tab => "clients", clients, error, secret },
    )
}

pub(super) async fn create(
    State(st): State<AppState>,
    Path(pool_id): Path<String>,
    Posted { s, form }: Posted,
) -> Response {
    let on = |k: &str| form.get(k).is_some_and(|v| v == "1");
    let flows: Vec<&str> = [
        ("flow_srp", "ALLOW_USER_SRP_AUTH"),
        ("flow_password", "ALLOW_USER_PASSWORD_AUTH"),
        ("flow_admin", "ALLOW_ADMIN_USER_PASSWORD_AUTH"),
        ("flow_refresh", "ALLOW_REFRESH_TOKEN_AUTH"),
    ]
    .iter()
    .filter(|(k, _)| on(k))
    .map(|(_, f)| *f)
    .collect();
    let mut input = json!({
        "UserPoolId": pool_id,
        "ClientName": form.get("client_name").cloned().unwrap_or_default(),
        "GenerateSecret": on("generate_secret"),
        "ExplicitAuthFlows": flows,
    });
    if let Some(cb) = form.get("callback_url").filter(|c| !c.trim().is_empty()) {
        input["CallbackURLs"] = json!([cb.trim()]);
        input["AllowedOAuthFlows"] = json!(["code"]);
        input["AllowedOAuthScopes"] = json!(["openid", "email", "profile"]);
        input["AllowedOAuthFlowsUserPoolClient"] = json!(true);
        input["SupportedIdentityProviders"] = json!(["COGNITO"]);
    }
    match call(&st, "CreateUserPoolClient", input).await {
        Ok(v) => {
            let c = &v["UserPoolClient"];
            match c.get("ClientSecret").and_then(Value::as_str) {
                // Shown in this answer only (no-store), never in a URL or a later page.
                Some(secret) => {
                    let shown = context! {
                        name => text(c, "ClientName"),
                        id => text(c, "ClientId"),
                        value => secret,
                    };
                    view(&st, &s, &pool_id, None, Some(shown)).await
                }
                None => see_other(&format!("{BASE}/pools/{pool_id}/clients")),
            }
        }
        Err(e) => view(&st, &s, &pool_id, Some(said(&e)), None).await,
    }
}

pub(super) async fn delete(
    State(st): State<AppState>,
    Path(pool_id): Path<String>,
    Posted { s, form }: Posted,
) -> Response {
    let input = json!({
        "UserPoolId": pool_id,
        "ClientId": form.get("client_id").cloned().unwrap_or_default(),
    });
    match call(&st, "DeleteUserPoolClient", input).await {
        Ok(_) => see_other(&format!("{BASE}/pools/{pool_id}/clients")),
        Err(e) => view(&st, &s, &pool_id, Some(said(&e)), None).await,
    }
}
