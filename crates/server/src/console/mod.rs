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

use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::{Environment, Value as Ctx, context};
use serde::Deserialize;
use serde_json::Value;
use tessera_core::console::ConsoleSession;
use tessera_wire::ops::{Service, find_operation};

use crate::{ApiError, AppState};

pub(crate) mod activity;
mod clients;
mod domains;
mod groups;
mod identity_pools;
mod login;
mod pools;
mod providers;
mod resources;
mod routes;
mod settings;
mod settings_edit;
mod user;
mod users;

pub(crate) use routes::routes;

/// Where the console lives.
pub(super) const BASE: &str = "/console";
const COOKIE: &str = "tessera_console";
/// Users per page: one keyset-paged ListUsers call.
pub(super) const PAGE: u32 = 25;

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                   frame-src 'self'; frame-ancestors 'none'; base-uri 'none'";

fn templates() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        let all = [
            ("layout.html", include_str!("templates/layout.html")),
            ("login.html", include_str!("templates/login.html")),
            ("overview.html", include_str!("templates/overview.html")),
            ("pool.html", include_str!("templates/pool.html")),
            ("pool_nav.html", include_str!("templates/pool_nav.html")),
            ("clients.html", include_str!("templates/clients.html")),
            ("groups.html", include_str!("templates/groups.html")),
            ("user.html", include_str!("templates/user.html")),
            ("outbox.html", include_str!("templates/outbox.html")),
            ("settings.html", include_str!("templates/settings.html")),
            ("resources.html", include_str!("templates/resources.html")),
            ("domains.html", include_str!("templates/domains.html")),
            ("providers.html", include_str!("templates/providers.html")),
            (
                "identity_pools.html",
                include_str!("templates/identity_pools.html"),
            ),
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
pub(super) fn page(
    status: StatusCode,
    name: &str,
    session: Option<&ConsoleSession>,
    ctx: Ctx,
) -> Response {
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

pub(super) fn see_other(location: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    secure_headers(&mut r);
    r
}

pub(super) async fn css() -> Response {
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

pub(super) fn cookie(st: &AppState, value: &str, max_age: i64) -> HeaderValue {
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

/// The request's session: sealed by this server, unexpired, and of an admin key still
/// configured or of an enabled user of the console's admin pool.
pub(super) async fn session(st: &AppState, headers: &HeaderMap) -> Option<ConsoleSession> {
    let value = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v)?;
    let s = st.core.open_console_session(value).await?;
    if st.config.admin_keys.contains_key(&s.who) {
        return Some(s);
    }
    let username = s.who.strip_prefix(USER_PREFIX)?;
    let pool = st.config.console_admin_pool.as_deref()?;
    let user = call(
        st,
        "AdminGetUser",
        serde_json::json!({ "UserPoolId": pool, "Username": username }),
    )
    .await
    .ok()?;
    user["Enabled"].as_bool().unwrap_or(true).then_some(s)
}

/// How a session of an admin pool's user names it (`who`).
pub(super) const USER_PREFIX: &str = "user:";

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

/// The session of a console page (the extractor every page handler takes); a request without
/// a live session is sent to the sign-in page.
pub(super) struct Signed(pub(super) ConsoleSession);

impl axum::extract::FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        st: &AppState,
    ) -> Result<Self, Response> {
        session(st, &parts.headers)
            .await
            .map(Signed)
            .ok_or_else(|| Refused::NoSession.answer())
    }
}

/// A console form post whose session and CSRF token were checked (the extractor every
/// state-changing handler takes); refused as [`Refused::answer`] says otherwise.
pub(super) struct Posted {
    pub(super) s: ConsoleSession,
    pub(super) form: HashMap<String, String>,
}

impl axum::extract::FromRequest<AppState> for Posted {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, st: &AppState) -> Result<Self, Response> {
        let headers = req.headers().clone();
        let Form(form) = Form::<HashMap<String, String>>::from_request(req, st)
            .await
            .map_err(IntoResponse::into_response)?;
        let s = checked(st, &headers, &form)
            .await
            .map_err(Refused::answer)?;
        Ok(Posted { s, form })
    }
}

/// The session of a form post whose token matches it.
async fn checked(
    st: &AppState,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<ConsoleSession, Refused> {
    let s = session(st, headers).await.ok_or(Refused::NoSession)?;
    if !csrf_ok(&s, form) {
        return Err(Refused::Forged);
    }
    Ok(s)
}

/// Runs a user-pool operation through the API's own path.
pub(super) async fn call(st: &AppState, name: &str, input: Value) -> Result<Value, ApiError> {
    call_in(st, Service::CognitoIdp, name, input).await
}

/// Runs an operation of `service` (user pools or identity pools) through the API's own path.
pub(super) async fn call_in(
    st: &AppState,
    service: Service,
    name: &str,
    input: Value,
) -> Result<Value, ApiError> {
    let op = find_operation(service, name)
        .ok_or_else(|| ApiError::internal(format!("console: no operation {name}")))?;
    let region = st.core.settings().default_region.clone();
    crate::dispatch::invoke(st, op, input, region).await
}

/// A page with a refusal on it answers 400.
pub(super) fn status_of(error: &Option<String>) -> StatusCode {
    if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    }
}

/// How a refusal reads in a page: Cognito's exception name and message.
pub(super) fn said(e: &ApiError) -> String {
    format!("{}: {}", e.code, e.message)
}

pub(super) async fn logout(State(st): State<AppState>, Posted { s, .. }: Posted) -> Response {
    if let Err(e) = st.core.end_console_session(&s).await {
        tracing::warn!(error = %e, "console session not ended");
        return login::form(
            &st,
            StatusCode::SERVICE_UNAVAILABLE,
            Some("Signing out failed: try again."),
        );
    }
    let mut r = see_other("/console/login");
    r.headers_mut()
        .append(header::SET_COOKIE, cookie(&st, "", 0));
    r
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Paging {
    pub(super) next: Option<String>,
    pub(super) filter: Option<String>,
    pub(super) done: Option<String>,
    pub(super) user: Option<String>,
    pub(super) username: Option<String>,
}

pub(super) fn text(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// The facts every page of a pool shows (DescribeUserPool), or the overview with Cognito's
/// refusal when there is no such pool.
pub(super) async fn pool_facts(
    st: &AppState,
    s: &ConsoleSession,
    pool_id: &str,
) -> Result<Ctx, Response> {
    let described = described(st, s, pool_id).await?;
    Ok(facts(pool_id, &described))
}

/// DescribeUserPool's `UserPool`, or the overview with Cognito's refusal.
pub(super) async fn described(
    st: &AppState,
    s: &ConsoleSession,
    pool_id: &str,
) -> Result<Value, Response> {
    match call(
        st,
        "DescribeUserPool",
        serde_json::json!({ "UserPoolId": pool_id }),
    )
    .await
    {
        Ok(v) => Ok(v["UserPool"].clone()),
        Err(e) => {
            Err(pools::overview_page(st, s, None, Some(said(&e)), StatusCode::NOT_FOUND).await)
        }
    }
}

/// The facts of a described pool that every page of it shows.
pub(super) fn facts(pool_id: &str, described: &Value) -> Ctx {
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
    context! {
        id => pool_id,
        name => text(described, "Name"),
        users => text(described, "EstimatedNumberOfUsers"),
        sign_in,
        mfa => text(described, "MfaConfiguration"),
    }
}
