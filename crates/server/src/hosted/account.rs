//! The hosted account pages: `/signup`, `/confirm`, `/forgotPassword` and
//! `/confirmForgotPassword`. Each carries the authorization request's parameters, so the
//! user ends up back on the sign-in page of the same request.

use axum::extract::{Form, Query, RawPathParams, State};
use axum::http::HeaderMap;
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;
use tessera_core::oauth::flow::{Authorization, AuthorizeParams, with_params};

use super::{Site, begin, page_message, page_url, pages, redirect, urls};
use crate::AppState;

/// Every account form's fields (each page reads the ones it has).
#[derive(Debug, Default, Deserialize)]
pub(super) struct AccountForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    resend: Option<String>,
    #[serde(default)]
    accept_terms: Option<String>,
    /// `attr:<name>` fields of the sign-up form.
    #[serde(flatten)]
    rest: std::collections::HashMap<String, String>,
}

type FormResult = Result<Form<AccountForm>, axum::extract::rejection::FormRejection>;

#[derive(Debug, Default, Deserialize)]
pub(super) struct UserQuery {
    #[serde(default)]
    username: String,
}

fn label(name: &str) -> String {
    let plain = name
        .strip_prefix("custom:")
        .unwrap_or(name)
        .replace('_', " ");
    let mut c = plain.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => plain,
    }
}

fn input_type(name: &str) -> (&'static str, &'static str) {
    match name {
        "email" => ("email", "email"),
        "phone_number" => ("tel", "tel"),
        "name" => ("text", "name"),
        "given_name" => ("text", "given-name"),
        "family_name" => ("text", "family-name"),
        "birthdate" => ("text", "bday"),
        _ => ("text", "off"),
    }
}

/// The confirmation page's URL for a user.
pub(super) fn confirm_url(site: &Site, p: &AuthorizeParams, username: &str) -> String {
    with_params(
        &page_url(site, "/confirm", p),
        &[("username", username)],
        false,
    )
}

async fn signup_page(
    state: &AppState,
    site: &Site,
    a: &Authorization,
    p: &AuthorizeParams,
    form: &AccountForm,
    error: Option<&str>,
) -> Response {
    let fields = state.core.sign_up_fields(a);
    let (username_label, username_type) = match fields.username_attribute.as_deref() {
        Some("email") => ("Email", "email"),
        Some("phone_number") => ("Phone number", "tel"),
        _ => ("Username", "text"),
    };
    let inputs: Vec<minijinja::Value> = fields
        .required
        .iter()
        .map(|name| {
            let (ty, autocomplete) = input_type(name);
            let value = form
                .rest
                .get(&format!("attr:{name}"))
                .cloned()
                .unwrap_or_default();
            context! { name, label => label(name), type => ty, autocomplete, value }
        })
        .collect();
    let terms: Vec<minijinja::Value> = state
        .core
        .terms_for_client(&a.pool.id, &a.client.client_id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(name, url)| context! { label => label(&name), url })
        .collect();
    let ctx = context! {
        action => page_url(site, "/signup", p), login_url => urls(state, site, a, p).login,
        username => form.username, username_label, username_type, fields => inputs, terms,
    };
    pages::form(site, "signup.html", error, ctx)
}

/// [`begin`] for the account pages (sign-up, its confirmation, password reset): a secondary
/// Region of a replicated pool creates and changes no user (ADR 0024).
async fn begin_account(
    state: &AppState,
    params: &RawPathParams,
    headers: &HeaderMap,
    p: &AuthorizeParams,
) -> Result<(Site, Authorization), Response> {
    let (site, a) = begin(state, params, headers, p).await?;
    if site.secondary {
        return Err(pages::error(
            axum::http::StatusCode::FORBIDDEN,
            "not_available",
            "Accounts can be created and passwords reset only in the user pool's primary Region.",
        ));
    }
    Ok((site, a))
}

/// `GET /signup`.
pub(super) async fn signup(
    State(state): State<AppState>,
    params: RawPathParams,
    headers: HeaderMap,
    Query(p): Query<AuthorizeParams>,
) -> Response {
    let (site, a) = match begin_account(&state, &params, &headers, &p).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if !state.core.sign_up_fields(&a).open {
        return pages::error(
            axum::http::StatusCode::FORBIDDEN,
            "signup_disabled",
            "Only administrators can create accounts in this user pool.",
        );
    }
    signup_page(&state, &site, &a, &p, &AccountForm::default(), None).await
}

/// `POST /signup`: creates the account, then asks for the code that was sent.
pub(super) async fn signup_submit(
    State(state): State<AppState>,
    params: RawPathParams,
    headers: HeaderMap,
    Query(p): Query<AuthorizeParams>,
    form: FormResult,
) -> Response {
    let (site, a) = match begin_account(&state, &params, &headers, &p).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let fail = |msg: String| {
        let (state, site, a, p, form) = (&state, &site, &a, &p, &form);
        async move { signup_page(state, site, a, p, form, Some(&msg)).await }
    };
    if !pages::csrf_ok(&headers, &form.csrf) {
        return fail("Your session on this page expired. Try again.".into()).await;
    }
    if form.password != form.confirm_password {
        return fail("The passwords do not match.".into()).await;
    }
    let has_terms = !state
        .core
        .terms_for_client(&a.pool.id, &a.client.client_id)
        .await
        .unwrap_or_default()
        .is_empty();
    if has_terms && form.accept_terms.as_deref() != Some("yes") {
        return fail("Accept the terms to create an account.".into()).await;
    }
    let attributes: Vec<(String, String)> = form
        .rest
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("attr:").map(|n| (n.to_string(), v.clone())))
        .collect();
    match state
        .core
        .hosted_sign_up(&a, &form.username, &form.password, attributes)
        .await
    {
        Ok(out) if out.user_confirmed => pages::login(
            &site,
            &urls(&state, &site, &a, &p),
            &form.username,
            None,
            Some("Your account is ready. Sign in."),
        ),
        Ok(_) => redirect(&confirm_url(&site, &p, &form.username)),
        Err(e) => fail(page_message(&e)).await,
    }
}

/// A code page (`confirm.html` or `reset_password.html`): the form, a notice, an error.
fn code_page(
    template: &str,
    site: &Site,
    login_url: &str,
    action: &str,
    username: &str,
    error: Option<&str>,
    notice: Option<&str>,
) -> Response {
    pages::form(
        site,
        template,
        error,
        context! { action, login_url, username, notice },
    )
}

/// `GET /confirm`.
pub(super) async fn confirm(
    State(state): State<AppState>,
    params: RawPathParams,
    headers: HeaderMap,
    Query(p): Query<AuthorizeParams>,
    Query(u): Query<UserQuery>,
) -> Response {
    let (site, a) = match begin_account(&state, &params, &headers, &p).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let login = urls(&state, &site, &a, &p).login;
    let notice = "We sent a code to your account's address. Enter it to confirm your account.";
    code_page(
        "confirm.html",
        &site,
        &login,
        &page_url(&site, "/confirm", &p),
        &u.username,
        None,
        Some(notice),
    )
}

/// `POST /confirm`: confirms the account (or sends a new code), then back to sign-in.
pub(super) async fn confirm_submit(
    State(state): State<AppState>,
    params: RawPathParams,
    headers: HeaderMap,
    Query(p): Query<AuthorizeParams>,
    form: FormResult,
) -> Response {
    let (site, a) = match begin_account(&state, &params, &headers, &p).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let urls = urls(&state, &site, &a, &p);
    let action = page_url(&site, "/confirm", &p);
    let page = |error: Option<&str>, notice: Option<&str>| {
        code_page(
            "confirm.html",
            &site,
            &urls.login,
            &action,
            &form.username,
            error,
            notice,
        )
    };
    if !pages::csrf_ok(&headers, &form.csrf) {
        return page(Some("Your session on this page expired. Try again."), None);
    }
    if form.resend.is_some() {
        return match state.core.hosted_resend_code(&a, &form.username).await {
            Ok(_) => page(None, Some("We sent a new code.")),
            Err(e) => page(Some(&page_message(&e)), None),
        };
    }
    match state
        .core
        .hosted_confirm_sign_up(&a, &form.username, &form.code)
        .await
    {
        Ok(()) => pages::login(
            &site,
            &urls,
            &form.username,
            None,
            Some("Your account is confirmed. Sign in."),
        ),
        Err(e) => page(Some(&page_message(&e)), None),
    }
}

fn forgot_page(
    site: &Site,
    login_url: &str,
    action: &str,
    username: &str,
    error: Option<&str>,
) -> Response {
    pages::form(
        site,
        "forgot_password.html",
        error,
        context! { action, login_url, username },
    )
}

/// `GET /forgotPassword`.
pub(super) async fn forgot(
    State(state): State<AppState>,
    params: RawPathParams,
    headers: HeaderMap,
    Query(p): Query<AuthorizeParams>,
) -> Response {
    let (site, a) = match begin_account(&state, &params, &headers, &p).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let login = urls(&state, &site, &a, &p).login;
    forgot_page(
        &site,
        &login,
        &page_url(&site, "/forgotPassword", &p),
        "",
        None,
    )
}

/// `POST /forgotPassword`: sends the code, then asks for it with the new password.
pub(super) async fn forgot_submit(
    State(state): State<AppState>,
    params: RawPathParams,
    headers: HeaderMap,
    Query(p): Query<AuthorizeParams>,
    form: FormResult,
) -> Response {
    let (site, a) = match begin_account(&state, &params, &headers, &p).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let login = urls(&state, &site, &a, &p).login;
    let action = page_url(&site, "/forgotPassword", &p);
    if !pages::csrf_ok(&headers, &form.csrf) {
        let msg = "Your session on this page expired. Try again.";
        return forgot_page(&site, &login, &action, &form.username, Some(msg));
    }
    match state.core.hosted_forgot_password(&a, &form.username).await {
        Ok(d) => {
            let to = d.destination.unwrap_or_default();
            let notice = format!("We sent a code to {to}.");
            let reset = page_url(&site, "/confirmForgotPassword", &p);
            code_page(
                "reset_password.html",
                &site,
                &login,
                &reset,
                &form.username,
                None,
                Some(&notice),
            )
        }
        Err(e) => forgot_page(
            &site,
            &login,
            &action,
            &form.username,
            Some(&page_message(&e)),
        ),
    }
}

/// `POST /confirmForgotPassword`: the code and the new password.
pub(super) async fn reset_submit(
    State(state): State<AppState>,
    params: RawPathParams,
    headers: HeaderMap,
    Query(p): Query<AuthorizeParams>,
    form: FormResult,
) -> Response {
    let (site, a) = match begin_account(&state, &params, &headers, &p).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let urls = urls(&state, &site, &a, &p);
    let action = page_url(&site, "/confirmForgotPassword", &p);
    let page = |error: &str| {
        code_page(
            "reset_password.html",
            &site,
            &urls.login,
            &action,
            &form.username,
            Some(error),
            None,
        )
    };
    if !pages::csrf_ok(&headers, &form.csrf) {
        return page("Your session on this page expired. Try again.");
    }
    if form.new_password != form.confirm_password {
        return page("The passwords do not match.");
    }
    match state
        .core
        .hosted_reset_password(&a, &form.username, &form.code, &form.new_password)
        .await
    {
        Ok(()) => pages::login(
            &site,
            &urls,
            &form.username,
            None,
            Some("Your password is reset. Sign in with the new one."),
        ),
        Err(e) => page(&page_message(&e)),
    }
}
