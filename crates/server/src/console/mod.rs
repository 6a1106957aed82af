//! The admin console at `/console`: server-rendered pages (minijinja, HTML auto-escaped, no
//! script, a strict CSP) for operators who do not live in the AWS CLI.
//!
//! Sign-in is with an admin access key pair (compared in constant time); the session is a
//! sealed, HttpOnly, SameSite=Strict cookie on `/console` that carries the CSRF token every form
//! must send back, and is refused once its key leaves the configuration. Every change goes
//! through [`crate::dispatch::invoke`], the API's own path: the same model validation, the same
//! operation handlers and Cognito's exception names and messages, shown in the page.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use minijinja::{Environment, Value as Ctx, context};
use serde::Deserialize;
use serde_json::{Value, json};
use tessera_core::console::{ConsoleSession, SESSION_TTL_MS};
use tessera_core::oauth::flow::percent;
use tessera_wire::ops::{Service, find_operation};

use crate::{ApiError, AppState};

/// Where the console lives.
const BASE: &str = "/console";
const COOKIE: &str = "tessera_console";
/// Users per page: one keyset-paged ListUsers call.
const PAGE: u32 = 25;

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

/// The console's routes (mounted when the console is on).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(BASE, get(overview))
        .route("/console/console.css", get(css))
        .route("/console/login", get(login_page).post(login_submit))
        .route("/console/logout", post(logout))
        .route("/console/pools", post(create_pool))
        .route("/console/pools/{pool_id}", get(pool_page))
        .route("/console/pools/{pool_id}/users", post(create_user))
        .route("/console/pools/{pool_id}/users/action", post(user_action))
}

fn templates() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        let all = [
            ("layout.html", include_str!("templates/layout.html")),
            ("login.html", include_str!("templates/login.html")),
            ("overview.html", include_str!("templates/overview.html")),
            ("pool.html", include_str!("templates/pool.html")),
        ];
        for (name, source) in all {
            // The templates are part of the binary; a broken one fails the tests.
            if let Err(e) = env.add_template(name, source) {
                tracing::error!(template = name, error = %e, "console template does not parse");
            }
        }
        env
    })
}

fn secure_headers(r: &mut Response) {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
}

/// A page: `name` rendered with `ctx` plus the base path and, when signed in, who and the
/// CSRF token.
fn page(status: StatusCode, name: &str, session: Option<&ConsoleSession>, ctx: Ctx) -> Response {
    let base = context! {
        base => BASE,
        who => session.map(|s| s.who.clone()),
        csrf => session.map(|s| s.csrf.clone()),
    };
    let body = templates()
        .get_template(name)
        .and_then(|t| t.render(context! { ..ctx, ..base }));
    let (status, body) = match body {
        Ok(b) => (status, b),
        Err(e) => {
            tracing::error!(template = name, error = %e, "console page did not render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "<!doctype html><title>Error</title><p>Something went wrong.</p>".to_string(),
            )
        }
    };
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    secure_headers(&mut r);
    r
}

fn see_other(location: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    secure_headers(&mut r);
    r
}

async fn css() -> Response {
    let mut r = include_str!("templates/console.css").into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}

fn cookie(st: &AppState, value: &str, max_age: i64) -> HeaderValue {
    let secure = if st.core.settings().public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let v = format!(
        "{COOKIE}={value}; Path={BASE}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
    );
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The request's session: sealed by this server, unexpired, and of a key still configured.
fn session(st: &AppState, headers: &HeaderMap) -> Option<ConsoleSession> {
    let value = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v)?;
    let s = st.core.open_console_session(value)?;
    st.config.admin_keys.contains_key(&s.who).then_some(s)
}

/// A posted form's CSRF token matches its session's.
fn csrf_ok(s: &ConsoleSession, form: &HashMap<String, String>) -> bool {
    let given = form.get("csrf").map(String::as_str).unwrap_or_default();
    aws_lc_rs::constant_time::verify_slices_are_equal(s.csrf.as_bytes(), given.as_bytes()).is_ok()
}

/// Why a form post is refused.
enum Refused {
    NoSession,
    Forged,
}

impl Refused {
    fn answer(self) -> Response {
        match self {
            Refused::NoSession => see_other("/console/login"),
            Refused::Forged => page(
                StatusCode::FORBIDDEN,
                "login.html",
                None,
                context! { error => "This form has expired or did not come from this console. Sign in again." },
            ),
        }
    }
}

/// The session of a form post whose token matches it.
fn checked(
    st: &AppState,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<ConsoleSession, Refused> {
    let s = session(st, headers).ok_or(Refused::NoSession)?;
    if !csrf_ok(&s, form) {
        return Err(Refused::Forged);
    }
    Ok(s)
}

/// Runs a user-pool operation through the API's own path.
async fn call(st: &AppState, name: &str, input: Value) -> Result<Value, ApiError> {
    let op = find_operation(Service::CognitoIdp, name)
        .ok_or_else(|| ApiError::internal(format!("console: no operation {name}")))?;
    let region = st.core.settings().default_region.clone();
    crate::dispatch::invoke(st, op, input, region).await
}

/// How a refusal reads in a page: Cognito's exception name and message.
fn said(e: &ApiError) -> String {
    format!("{}: {}", e.code, e.message)
}

async fn login_page(State(st): State<AppState>, headers: HeaderMap) -> Response {
    if session(&st, &headers).is_some() {
        return see_other(BASE);
    }
    page(StatusCode::OK, "login.html", None, context! {})
}

async fn login_submit(
    State(st): State<AppState>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let akid = form.get("access_key_id").map(String::as_str).unwrap_or("");
    let given = form
        .get("secret_access_key")
        .map(String::as_str)
        .unwrap_or("");
    // The same comparison whether or not the key id exists.
    let (want, known) = match st.config.admin_keys.get(akid) {
        Some(s) => (s.expose().as_str(), true),
        None => (
            "tessera console: no such access key id, compared anyway",
            false,
        ),
    };
    let same = aws_lc_rs::constant_time::verify_slices_are_equal(want.as_bytes(), given.as_bytes())
        .is_ok();
    if !(known && same) {
        tracing::info!("console sign-in refused");
        return page(
            StatusCode::UNAUTHORIZED,
            "login.html",
            None,
            context! { error => "Incorrect access key ID or secret access key." },
        );
    }
    let s = st.core.new_console_session(akid);
    let mut r = see_other(BASE);
    r.headers_mut().append(
        header::SET_COOKIE,
        cookie(
            &st,
            &st.core.seal_console_session(&s),
            SESSION_TTL_MS / 1000,
        ),
    );
    r
}

async fn logout(
    State(st): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Err(r) = checked(&st, &headers, &form) {
        return r.answer();
    }
    let mut r = see_other("/console/login");
    r.headers_mut()
        .append(header::SET_COOKIE, cookie(&st, "", 0));
    r
}

#[derive(Debug, Default, Deserialize)]
struct Paging {
    next: Option<String>,
    filter: Option<String>,
    done: Option<String>,
    user: Option<String>,
}

fn text(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// `YYYY-MM-DD` (UTC) of an epoch-seconds value.
fn day(v: &Value) -> String {
    let secs = v.as_f64().unwrap_or_default() as i64;
    let (y, m, d) = tessera_core::srp::timestamp::civil_from_days(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

async fn overview(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Paging>,
) -> Response {
    let Some(s) = session(&st, &headers) else {
        return see_other("/console/login");
    };
    overview_page(&st, &s, q.next.as_deref(), None, StatusCode::OK).await
}

async fn overview_page(
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
            next_url => listed
                .get("NextToken")
                .and_then(Value::as_str)
                .map(|n| format!("{BASE}?next={}", percent(n))),
        },
    )
}

async fn create_pool(
    State(st): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let s = match checked(&st, &headers, &form) {
        Ok(s) => s,
        Err(r) => return r.answer(),
    };
    let name = form.get("pool_name").cloned().unwrap_or_default();
    match call(&st, "CreateUserPool", json!({ "PoolName": name })).await {
        Ok(v) => see_other(&format!("{BASE}/pools/{}", text(&v["UserPool"], "Id"))),
        Err(e) => overview_page(&st, &s, None, Some(said(&e)), StatusCode::BAD_REQUEST).await,
    }
}

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

async fn pool_page(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(pool_id): Path<String>,
    Query(q): Query<Paging>,
) -> Response {
    let Some(s) = session(&st, &headers) else {
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
    let described = match call(st, "DescribeUserPool", json!({ "UserPoolId": pool_id })).await {
        Ok(v) => v["UserPool"].clone(),
        Err(e) => {
            return overview_page(st, s, None, Some(said(&e)), StatusCode::NOT_FOUND).await;
        }
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
            let status = if error.is_some() {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            };
            (users, next, error, status)
        }
        Err(e) => (Vec::new(), None, Some(said(&e)), StatusCode::BAD_REQUEST),
    };
    let sign_in = described["UsernameAttributes"]
        .as_array()
        .filter(|a| !a.is_empty())
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" or ")
        })
        .unwrap_or_else(|| "username".into());
    let pool = context! {
        id => pool_id,
        name => text(&described, "Name"),
        users => text(&described, "EstimatedNumberOfUsers"),
        sign_in,
        mfa => text(&described, "MfaConfiguration"),
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
            users,
            filter,
            error,
            notice,
        },
    )
}

async fn create_user(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(pool_id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let s = match checked(&st, &headers, &form) {
        Ok(s) => s,
        Err(r) => return r.answer(),
    };
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

async fn user_action(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(pool_id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let s = match checked(&st, &headers, &form) {
        Ok(s) => s,
        Err(r) => return r.answer(),
    };
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
