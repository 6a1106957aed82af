//! A pool's identity providers: the list (name, type), creating an OpenID Connect provider
//! (its endpoints from the issuer's discovery document unless given), and deleting one.

use axum::extract::{Path, State};
use axum::response::Response;
use minijinja::context;
use serde_json::json;
use tessera_core::console::ConsoleSession;
use tessera_core::oauth::flow::percent;

use super::{BASE, Posted, Signed, call, page, pool_facts, said, see_other, status_of, text};
use crate::AppState;

pub(super) async fn page_of(
    State(st): State<AppState>,
    Signed(s): Signed,
    Path(pool_id): Path<String>,
) -> Response {
    view(&st, &s, &pool_id, None).await
}

async fn view(st: &AppState, s: &ConsoleSession, pool_id: &str, error: Option<String>) -> Response {
    let pool = match pool_facts(st, s, pool_id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let mut error = error;
    let input = json!({ "UserPoolId": pool_id, "MaxResults": 60 });
    let providers: Vec<_> = match call(st, "ListIdentityProviders", input).await {
        Ok(v) => v["Providers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                context! {
                    name => text(p, "ProviderName"),
                    kind => text(p, "ProviderType"),
                    created => super::pools::day(&p["CreationDate"]),
                }
            })
            .collect(),
        Err(e) => {
            error = Some(said(&e));
            Vec::new()
        }
    };
    let status = status_of(&error);
    page(
        status,
        "providers.html",
        Some(s),
        context! { pool, tab => "providers", providers, error },
    )
}

/// The form fields that become OIDC ProviderDetails when given (blank ones are left out, so
/// that the issuer's discovery document fills the endpoints).
const DETAILS: [(&str, &str); 8] = [
    ("client_id", "client_id"),
    ("client_secret", "client_secret"),
    ("issuer", "oidc_issuer"),
    ("scopes", "authorize_scopes"),
    ("authorize_url", "authorize_url"),
    ("token_url", "token_url"),
    ("attributes_url", "attributes_url"),
    ("jwks_uri", "jwks_uri"),
];

pub(super) async fn create(
    State(st): State<AppState>,
    Path(pool_id): Path<String>,
    Posted { s, form }: Posted,
) -> Response {
    let mut details = json!({ "attributes_request_method": "GET" });
    for (field, key) in DETAILS {
        if let Some(v) = form.get(field).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            details[key] = json!(v);
        }
    }
    let mut input = json!({
        "UserPoolId": pool_id,
        "ProviderName": form.get("name").map(|n| n.trim()).unwrap_or_default(),
        "ProviderType": "OIDC",
        "ProviderDetails": details,
    });
    if form.get("map_email").is_some_and(|v| v == "1") {
        input["AttributeMapping"] = json!({ "email": "email" });
    }
    match call(&st, "CreateIdentityProvider", input).await {
        Ok(_) => see_other(&format!("{BASE}/pools/{}/providers", percent(&pool_id))),
        Err(e) => view(&st, &s, &pool_id, Some(said(&e))).await,
    }
}

pub(super) async fn delete(
    State(st): State<AppState>,
    Path(pool_id): Path<String>,
    Posted { s, form }: Posted,
) -> Response {
    let input = json!({
        "UserPoolId": pool_id,
        "ProviderName": form.get("name").cloned().unwrap_or_default(),
    });
    match call(&st, "DeleteIdentityProvider", input).await {
        Ok(_) => see_other(&format!("{BASE}/pools/{}/providers", percent(&pool_id))),
        Err(e) => view(&st, &s, &pool_id, Some(said(&e))).await,
    }
}
