//! A pool's domain: the prefix domain (create, delete) and, for each app client that can use
//! the hosted sign-in, a live preview of its sign-in page with the client's branding. The
//! hosted pages send `frame-ancestors 'none'` (clickjacking defence for a password form), so
//! the preview is a console route rendering the same page (`hosted::preview`) that only the
//! console's own pages may frame, sandboxed (no script, no form posts); a link opens the
//! real page.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;
use serde_json::{Value, json};
use tessera_core::console::ConsoleSession;
use tessera_core::oauth::flow::{AuthorizeParams, percent};

use super::{BASE, Posted, Signed, call, described, facts, page, said, see_other, status_of, text};
use crate::AppState;

pub(super) async fn page_of(
    State(st): State<AppState>,
    Signed(s): Signed,
    Path(pool_id): Path<String>,
) -> Response {
    view(&st, &s, &pool_id, None).await
}

async fn view(st: &AppState, s: &ConsoleSession, pool_id: &str, error: Option<String>) -> Response {
    let d = match described(st, s, pool_id).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let mut error = error;
    let domain = d["Domain"].as_str().filter(|x| !x.is_empty());
    let custom = d["CustomDomain"].as_str().filter(|x| !x.is_empty());
    let mut status = String::new();
    let mut version = String::new();
    if let Some(name) = domain.or(custom) {
        match call(st, "DescribeUserPoolDomain", json!({ "Domain": name })).await {
            Ok(v) => {
                status = text(&v["DomainDescription"], "Status");
                version = text(&v["DomainDescription"], "ManagedLoginVersion");
            }
            Err(e) => error = Some(said(&e)),
        }
    }
    let previews: Vec<minijinja::Value> = match domain.or(custom) {
        Some(name) => previews(st, pool_id)
            .await
            .iter()
            .map(|p| {
                let client = percent(&p.id);
                context! {
                    name => p.name,
                    id => p.id,
                    callback => p.callback,
                    branding => p.branding,
                    href => with_request(&format!("/domain/{}/login", percent(name)), p),
                    frame => format!("{BASE}/pools/{}/domain/preview?client_id={client}", percent(pool_id)),
                }
            })
            .collect(),
        None => Vec::new(),
    };
    let code = status_of(&error);
    page(
        code,
        "domains.html",
        Some(s),
        context! {
            pool => facts(pool_id, &d),
            tab => "domain",
            domain,
            custom,
            status,
            version,
            previews,
            error,
        },
    )
}

/// An app client that can sign in through the hosted pages.
struct Preview {
    name: String,
    id: String,
    callback: String,
    scope: String,
    branding: String,
}

/// A sign-in page's URL for the client's authorization request.
fn with_request(page: &str, p: &Preview) -> String {
    format!(
        "{page}?client_id={}&response_type=code&scope={}&redirect_uri={}",
        percent(&p.id),
        percent(&p.scope),
        percent(&p.callback)
    )
}

/// The app client `client_id` of the pool, if it can sign in through the hosted pages (the
/// code flow and a callback URL): its name, first callback URL and scopes. Branding is left
/// for the caller to fill in.
async fn hosted_client(st: &AppState, pool_id: &str, client_id: &str) -> Option<Preview> {
    let who = json!({ "UserPoolId": pool_id, "ClientId": client_id });
    let v = call(st, "DescribeUserPoolClient", who).await.ok()?;
    let client = &v["UserPoolClient"];
    let code_flow = client["AllowedOAuthFlows"]
        .as_array()
        .is_some_and(|a| a.iter().any(|x| x == "code"));
    if !code_flow || client["AllowedOAuthFlowsUserPoolClient"] != true {
        return None;
    }
    let callback = client["CallbackURLs"]
        .as_array()
        .and_then(|a| a.first())
        .and_then(Value::as_str)?;
    let scope = client["AllowedOAuthScopes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    Some(Preview {
        name: text(client, "ClientName"),
        id: text(client, "ClientId"),
        callback: callback.to_string(),
        scope,
        branding: String::new(),
    })
}

/// The app clients that can sign in through the hosted pages, each with the branding it gets.
async fn previews(st: &AppState, pool_id: &str) -> Vec<Preview> {
    let input = json!({ "UserPoolId": pool_id, "MaxResults": 60 });
    let Ok(listed) = call(st, "ListUserPoolClients", input).await else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for c in listed["UserPoolClients"].as_array().into_iter().flatten() {
        let Some(mut p) = hosted_client(st, pool_id, &text(c, "ClientId")).await else {
            continue;
        };
        let who = json!({ "UserPoolId": pool_id, "ClientId": p.id });
        p.branding = match call(st, "DescribeManagedLoginBrandingByClient", who.clone()).await {
            Ok(b) if b["ManagedLoginBranding"].is_object() => {
                let b = &b["ManagedLoginBranding"];
                format!("managed login style {}", text(b, "ManagedLoginBrandingId"))
            }
            _ => match call(st, "GetUICustomization", who).await {
                Ok(u) if u["UICustomization"]["CSS"].is_string() => "hosted UI CSS".into(),
                _ => "the default look".into(),
            },
        };
        out.push(p);
    }
    out
}

#[derive(Deserialize)]
pub(super) struct PreviewQuery {
    client_id: String,
}

/// `GET …/domain/preview?client_id=`: the client's hosted sign-in page as its users see it,
/// for the domain page's frame.
pub(super) async fn preview(
    State(st): State<AppState>,
    Signed(s): Signed,
    Path(pool_id): Path<String>,
    Query(q): Query<PreviewQuery>,
) -> Response {
    let d = match described(&st, &s, &pool_id).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let domain = ["Domain", "CustomDomain"]
        .iter()
        .find_map(|k| d[*k].as_str().filter(|x| !x.is_empty()).map(str::to_string));
    let found = hosted_client(&st, &pool_id, &q.client_id).await;
    let (Some(domain), Some(p)) = (domain, found) else {
        let why = "This app client has no hosted sign-in page in this pool.";
        return view(&st, &s, &pool_id, Some(why.into())).await;
    };
    let request = AuthorizeParams {
        response_type: Some("code".into()),
        client_id: Some(p.id.clone()),
        redirect_uri: Some(p.callback.clone()),
        scope: Some(p.scope.clone()),
        ..Default::default()
    };
    crate::hosted::preview(&st, &domain, &request).await
}

pub(super) async fn create(
    State(st): State<AppState>,
    Path(pool_id): Path<String>,
    Posted { s, form }: Posted,
) -> Response {
    let mut input = json!({
        "UserPoolId": pool_id,
        "Domain": form.get("domain").map(|d| d.trim()).unwrap_or_default(),
    });
    if let Some(v) = form.get("version").and_then(|v| v.parse::<i64>().ok()) {
        input["ManagedLoginVersion"] = json!(v);
    }
    match call(&st, "CreateUserPoolDomain", input).await {
        Ok(_) => see_other(&format!("{BASE}/pools/{}/domain", percent(&pool_id))),
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
        "Domain": form.get("domain").cloned().unwrap_or_default(),
    });
    match call(&st, "DeleteUserPoolDomain", input).await {
        Ok(_) => see_other(&format!("{BASE}/pools/{}/domain", percent(&pool_id))),
        Err(e) => view(&st, &s, &pool_id, Some(said(&e))).await,
    }
}
