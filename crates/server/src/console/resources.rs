//! A pool's resource servers (custom OAuth scopes): the list, creating one with its scopes,
//! and deleting one.

use axum::extract::{Path, State};
use axum::response::Response;
use minijinja::context;
use serde_json::{Value, json};
use tessera_core::console::ConsoleSession;

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
    let input = json!({ "UserPoolId": pool_id, "MaxResults": 50 });
    let servers: Vec<_> = match call(st, "ListResourceServers", input).await {
        Ok(v) => v["ResourceServers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                let scopes: Vec<_> = r["Scopes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|sc| (text(sc, "ScopeName"), text(sc, "ScopeDescription")))
                    .collect();
                context! {
                    identifier => text(r, "Identifier"),
                    name => text(r, "Name"),
                    scopes,
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
        "resources.html",
        Some(s),
        context! { pool, tab => "resources", servers, error },
    )
}

/// Scopes from the form's text: one a line, `name description` (the first word is the
/// name); a line without a description sends none, and the model refuses it as the API would.
fn scopes(lines: &str) -> Vec<Value> {
    lines
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (name, description) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            json!({ "ScopeName": name, "ScopeDescription": description.trim() })
        })
        .collect()
}

pub(super) async fn create(
    State(st): State<AppState>,
    Path(pool_id): Path<String>,
    Posted { s, form }: Posted,
) -> Response {
    let mut input = json!({
        "UserPoolId": pool_id,
        "Identifier": form.get("identifier").cloned().unwrap_or_default(),
        "Name": form.get("name").cloned().unwrap_or_default(),
    });
    let scopes = scopes(form.get("scopes").map(String::as_str).unwrap_or_default());
    if !scopes.is_empty() {
        input["Scopes"] = json!(scopes);
    }
    match call(&st, "CreateResourceServer", input).await {
        Ok(_) => see_other(&format!("{BASE}/pools/{pool_id}/resource-servers")),
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
        "Identifier": form.get("identifier").cloned().unwrap_or_default(),
    });
    match call(&st, "DeleteResourceServer", input).await {
        Ok(_) => see_other(&format!("{BASE}/pools/{pool_id}/resource-servers")),
        Err(e) => view(&st, &s, &pool_id, Some(said(&e))).await,
    }
}

#[cfg(test)]
mod tests {
    use super::scopes;

    #[test]
    fn one_scope_a_line_name_then_description() {
        let s = scopes("read Read the reports\n\n  write  Change them \nbare");
        assert_eq!(s.len(), 3);
        assert_eq!(s[0]["ScopeName"], "read");
        assert_eq!(s[0]["ScopeDescription"], "Read the reports");
        assert_eq!(s[1]["ScopeDescription"], "Change them");
        assert_eq!(s[2]["ScopeDescription"], "");
    }
}
