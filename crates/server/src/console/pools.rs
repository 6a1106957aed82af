//! The console's overview: user pools with their estimated user counts, and creating one.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::{Value as Ctx, context};
use serde_json::{Value, json};
use tessera_core::console::ConsoleSession;
use tessera_core::oauth::flow::percent;

use super::{BASE, Paging, Posted, Signed, call, page, said, see_other, text};
use crate::AppState;

/// `YYYY-MM-DD` (UTC) of an epoch-seconds value.
pub(super) fn day(v: &Value) -> String {
    let secs = v.as_f64().unwrap_or_default() as i64;
    let (y, m, d) = tessera_core::srp::timestamp::civil_from_days(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// A time in seconds since the epoch as `YYYY-MM-DD HH:MM:SS` (UTC).
pub(super) fn instant(secs: i64) -> String {
    let (y, m, d) = tessera_core::srp::timestamp::civil_from_days(secs.div_euclid(86_400));
    let in_day = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        in_day / 3600,
        in_day % 3600 / 60,
        in_day % 60
    )
}

pub(super) async fn overview(
    State(st): State<AppState>,
    Signed(s): Signed,
    Query(q): Query<Paging>,
) -> Response {
    overview_page(&st, &s, q.next.as_deref(), None, StatusCode::OK).await
}

pub(super) async fn overview_page(
    st: &AppState,
    s: &ConsoleSession,
    next: Option<&str>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let mut input = json!({ "MaxResults": 60 });
    if let Some(n) = next {
        input["NextToken"] = json!(n);
    }
    let listed = match call(st, "ListUserPools", input).await {
        Ok(v) => v,
        Err(e) => {
            return page(
                StatusCode::BAD_REQUEST,
                "overview.html",
                Some(s),
                context! { error => said(&e), pools => Vec::<Ctx>::new() },
            );
        }
    };
    let mut pools = Vec::new();
    for p in listed["UserPools"].as_array().into_iter().flatten() {
        let id = text(p, "Id");
        let users = match call(st, "DescribeUserPool", json!({ "UserPoolId": id })).await {
            Ok(d) => text(&d["UserPool"], "EstimatedNumberOfUsers"),
            Err(_) => "?".into(),
        };
        pools.push(context! {
            id,
            name => text(p, "Name"),
            users,
            created => day(&p["CreationDate"]),
        });
    }
    page(
        status,
        "overview.html",
        Some(s),
        context! {
            pools,
            error,
            sign_ins => crate::metrics::counter("tessera_sign_ins_total"),
            failures => crate::metrics::counter("tessera_sign_in_failures_total"),
            sign_ups => crate::metrics::counter("tessera_sign_ups_total"),
            charts => super::activity::charts(),
            next_url => listed
                .get("NextToken")
                .and_then(Value::as_str)
                .map(|n| format!("{BASE}?next={}", percent(n))),
        },
    )
}

/// `GET /console/outbox`: the development outbox, newest first (404 when not in use).
pub(super) async fn outbox(State(st): State<AppState>, Signed(s): Signed) -> Response {
    let Some(view) = st.config.outbox.clone() else {
        return page(
            StatusCode::NOT_FOUND,
            "outbox.html",
            Some(&s),
            context! { error => "The development outbox is not in use: messages go out by SMTP or SMS." },
        );
    };
    let all = view.messages(None, None, None);
    let messages: Vec<Ctx> = all
        .as_array()
        .into_iter()
        .flatten()
        .rev()
        .take(100)
        .map(|m| {
            let ms = m["sentAtMs"].as_i64().unwrap_or_default();
            context! {
                sent => instant(ms.div_euclid(1000)),
                pool => text(m, "poolId"),
                user => text(m, "username"),
                to => text(m, "destination"),
                purpose => text(m, "purpose"),
                subject => m.get("subject").and_then(Value::as_str),
                body => text(m, "body"),
            }
        })
        .collect();
    page(
        StatusCode::OK,
        "outbox.html",
        Some(&s),
        context! { messages },
    )
}

pub(super) async fn create_pool(
    State(st): State<AppState>,
    Posted { s, form }: Posted,
) -> Response {
    let name = form.get("pool_name").cloned().unwrap_or_default();
    match call(&st, "CreateUserPool", json!({ "PoolName": name })).await {
        Ok(v) => see_other(&format!("{BASE}/pools/{}", text(&v["UserPool"], "Id"))),
        Err(e) => overview_page(&st, &s, None, Some(said(&e)), StatusCode::BAD_REQUEST).await,
    }
}
