//! Managed login: the hosted OAuth 2.0 / OpenID Connect endpoints and sign-in pages.
//!
//! A domain names a pool. Requests reach it by the `Host` header (a custom domain, or a
//! prefix domain as `<prefix>.localhost` / `<prefix>.auth.<region>.amazoncognito.com`), or
//! under `/domain/<domain>/` on the server's own address, which needs no DNS. Pages are
//! server-rendered (minijinja), forms carry a CSRF token that must match a cookie, and the
//! sign-in session is a sealed, HttpOnly, SameSite=Lax cookie scoped to the domain's path.
//! The rules (what a request may ask, what a code is worth) live in `tessera_core::oauth`.

mod account;
mod challenge;
mod endpoints;
mod federation;
pub(crate) mod fuzz;
mod pages;

use axum::Router;
use axum::extract::{Form, Query, RawPathParams, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use tessera_core::oauth::domains::DomainRoute;
use tessera_core::oauth::flow::{Authorization, AuthorizeError, AuthorizeParams, with_params};
use tessera_core::{CoreError, Tessera};

use crate::AppState;

const SESSION_COOKIE: &str = "tessera_session";
const CSRF_COOKIE: &str = "tessera_csrf";

/// The hosted endpoints, mounted at the root (routed by `Host`) and under
/// `/domain/{domain}` (routed by the path).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/oauth2/authorize", get(authorize))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", get(logout))
        .route("/signup", get(account::signup).post(account::signup_submit))
        .route(
            "/confirm",
            get(account::confirm).post(account::confirm_submit),
        )
        .route(
            "/forgotPassword",
            get(account::forgot).post(account::forgot_submit),
        )
        .route(
            "/confirmForgotPassword",
            axum::routing::post(account::reset_submit),
        )
        .route(
            "/oauth2/idpresponse",
            get(federation::idp_response_get).post(federation::idp_response_post),
        )
        .route(
            "/saml2/idpresponse",
            axum::routing::post(federation::saml_response),
        )
        .route("/saml2/logout", get(federation::saml_logout))
        .route("/oauth2/token", axum::routing::post(endpoints::token))
        .route(
            "/oauth2/userInfo",
            get(endpoints::user_info).post(endpoints::user_info),
        )
        .route("/oauth2/revoke", axum::routing::post(endpoints::revoke))
        .route("/error", get(error_page))
}

#[derive(Debug, Deserialize)]
struct ErrorQuery {
    error: Option<String>,
}

/// `GET /error`: Cognito's page for a request it will not send back to a client, as for a
/// redirect_uri that is not one of the client's callback URLs (docs/fidelity.md M9).
async fn error_page(
    State(state): State<AppState>,
    params: RawPathParams,
    headers: HeaderMap,
    Query(q): Query<ErrorQuery>,
) -> Response {
    if let Err(r) = site(&state, &params, &headers).await {
        return r;
    }
    pages::error(
        StatusCode::BAD_REQUEST,
        q.error.as_deref().unwrap_or("invalid_request"),
        "An error was encountered with the requested page.",
    )
}

/// The pool a hosted request is for, and the path its endpoints live under.
pub(super) struct Site {
    route: DomainRoute,
    /// `""` when routed by host, `/domain/<domain>` when routed by path.
    base_path: String,
    secure: bool,
    /// The request's CSRF cookie, reused by the pages it renders (so several open pages
    /// stay valid together).
    csrf: Option<String>,
    /// The client's UI customisation and branding, once the request names a client.
    style: Option<tessera_core::oauth::branding::PageStyle>,
    /// The client's upstream providers (sign-in buttons), and whether any has
    /// IdpIdentifiers (the email-domain field).
    upstreams: Vec<String>,
    corporate: bool,
    /// Rendered for the admin console's preview frame (sandboxed: nothing takes focus).
    preview: bool,
    /// This node serves the pool as its secondary Region (sign-in only: ADR 0024).
    secondary: bool,
}

impl Site {
    fn cookie(&self, name: &str, value: &str, max_age: i64) -> HeaderValue {
        let path = if self.base_path.is_empty() {
            "/"
        } else {
            &self.base_path
        };
        let secure = if self.secure { "; Secure" } else { "" };
        let v = format!(
            "{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
        );
        HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
    }
}

fn not_found() -> Response {
    pages::error(
        StatusCode::NOT_FOUND,
        "not_found",
        "No sign-in domain here.",
    )
}

/// Finds the domain from the path (`/domain/<domain>/...`) or from the `Host` header.
async fn site(
    state: &AppState,
    params: &RawPathParams,
    headers: &HeaderMap,
) -> Result<Site, Response> {
    let by_path = params
        .iter()
        .find(|(k, _)| *k == "domain")
        .map(|(_, v)| v.to_string());
    let (candidates, base_path) = match by_path {
        Some(d) => (vec![d.clone()], format!("/domain/{d}")),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or_default();
            (domain_candidates(host), String::new())
        }
    };
    let csrf = cookie(headers, CSRF_COOKIE)
        .filter(|c| c.len() >= 22)
        .map(str::to_string);
    site_at(state, candidates, base_path, csrf).await
}

/// The site of the first of `candidates` that is a domain.
async fn site_at(
    state: &AppState,
    candidates: Vec<String>,
    base_path: String,
    csrf: Option<String>,
) -> Result<Site, Response> {
    let secure = state.core.settings().public_url.starts_with("https://");
    for d in candidates {
        match state.core.domain_route(&d).await {
            Ok(Some(route)) => {
                use tessera_core::replicas::Role;
                // A site that answers as one Region: the pool must exist here, and a closed
                // (INACTIVE) secondary serves no end user.
                let secondary = match state.core.site_role(&route.pool_id).await {
                    Ok(None | Some(Role::Primary)) => false,
                    Ok(Some(Role::Secondary { active: true })) => true,
                    Ok(Some(Role::Secondary { active: false })) => {
                        return Err(pages::error(
                            StatusCode::FORBIDDEN,
                            "not_available",
                            "Sign-in is not available in this Region right now.",
                        ));
                    }
                    Err(tessera_core::CoreError::ResourceNotFound(_)) => return Err(not_found()),
                    Err(_) => return Err(unavailable()),
                };
                return Ok(Site {
                    secondary,
                    route,
                    base_path,
                    secure,
                    csrf,
                    style: None,
                    upstreams: Vec::new(),
                    corporate: false,
                    preview: false,
                });
            }
            Ok(None) => {}
            Err(_) => return Err(unavailable()),
        }
    }
    Err(not_found())
}

/// The page for a store that cannot be read.
fn unavailable() -> Response {
    pages::error(
        StatusCode::SERVICE_UNAVAILABLE,
        "server_error",
        "Try again later.",
    )
}

/// The domains a `Host` header may name: the host without its port, and for
/// `<prefix>.localhost` or `<prefix>.auth.<region>.amazoncognito.com` the prefix.
fn domain_candidates(host: &str) -> Vec<String> {
    let host = host.rsplit_once(':').map_or(host, |(h, p)| {
        if p.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    let mut c = vec![host.to_string()];
    if let Some((prefix, rest)) = host.split_once('.')
        && (rest == "localhost" || rest.ends_with(".amazoncognito.com"))
    {
        c.push(prefix.to_string());
    }
    c
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub(super) fn redirect(location: &str) -> Response {
    let mut r = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn authorize_error(e: AuthorizeError) -> Response {
    match e {
        AuthorizeError::Page { error, description } => {
            pages::error(StatusCode::BAD_REQUEST, &error, &description)
        }
        AuthorizeError::Redirect(location) => redirect(&location),
    }
}

/// The domain's own error page (`GET /error`) with `query`, spaces written `+` as in
/// Cognito's URLs (`error=Required+parameters+missing`); `with_params` writes them `%20`,
/// and since it writes a `%` as `%25`, every `%20` it leaves is a space.
fn error_page_url(site: &Site, query: &[(&str, &str)]) -> String {
    with_params(&format!("{}/error", site.base_path), query, false).replace("%20", "+")
}

/// The login page's URL for an authorization request (same parameters, as Cognito's).
fn login_url(site: &Site, p: &AuthorizeParams) -> String {
    page_url(site, "/login", p)
}

/// A hosted page's URL carrying the authorization request's parameters.
pub(super) fn page_url(site: &Site, page: &str, p: &AuthorizeParams) -> String {
    let fields = request_fields(p);
    let params: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    with_params(&format!("{}{page}", site.base_path), &params, false)
}

/// The domain's site and the checked authorization request a page is for.
pub(super) async fn begin(
    state: &AppState,
    params: &RawPathParams,
    headers: &HeaderMap,
    p: &AuthorizeParams,
) -> Result<(Site, Authorization), Response> {
    let site = site(state, params, headers).await?;
    begin_at(state, site, p).await
}

/// The admin console's preview of `domain`'s sign-in page for an authorization request:
/// the page its users see, with its branding, that only the console's own pages may frame
/// (`frame-ancestors 'self'`) and that sets no hosted cookie. The console frames it
/// sandboxed, so its form cannot be posted from there.
pub(crate) async fn preview(state: &AppState, domain: &str, p: &AuthorizeParams) -> Response {
    let page = async {
        let base_path = format!("/domain/{domain}");
        let site = site_at(state, vec![domain.to_string()], base_path, None).await?;
        let site = Site {
            preview: true,
            ..site
        };
        let (site, a) = begin_at(state, site, p).await?;
        Ok::<_, Response>(pages::login(
            &site,
            &urls(state, &site, &a, p),
            "",
            None,
            None,
        ))
    };
    let mut r = page.await.unwrap_or_else(|refused| refused);
    pages::framed_by_console(&mut r);
    r
}

async fn begin_at(
    state: &AppState,
    mut site: Site,
    p: &AuthorizeParams,
) -> Result<(Site, Authorization), Response> {
    let a = state
        .core
        .check_authorize(&site.route, p)
        .await
        .map_err(|e| match e {
            // Cognito sends a redirect_uri it does not trust to its own error page, never to
            // the client (docs/fidelity.md M9).
            AuthorizeError::Page { error, .. } if error == "redirect_mismatch" => {
                redirect(&error_page_url(
                    &site,
                    &[
                        ("error", error.as_str()),
                        ("client_id", p.client_id.as_deref().unwrap_or_default()),
                    ],
                ))
            }
            other => authorize_error(other),
        })?;
    for name in a
        .client
        .config
        .supported_identity_providers
        .iter()
        .flatten()
        .filter(|n| n.as_str() != "COGNITO")
    {
        if let Ok(Some(provider)) = state.core.identity_provider(&a.pool.id, name).await {
            site.corporate |= !provider.idp_identifiers.is_empty();
            site.upstreams.push(provider.name);
        }
    }
    // A broken style must not keep anyone from signing in: the plain page is used. The
    // classic hosted UI (ManagedLoginVersion 1) takes SetUICustomization's CSS and logo,
    // managed login (2) its branding style, as in Cognito.
    site.style = state
        .core
        .page_style(&a.pool.id, &a.client.client_id)
        .await
        .ok()
        .map(|mut s| {
            if site.route.managed_login_version >= 2 {
                s.css = None;
                s.logo_data_url = s.branding_logo.take();
            } else {
                s.settings = None;
                s.branding_logo = None;
                s.background_data_url = None;
            }
            s
        });
    Ok((site, a))
}

/// The hosted pages an authorization request can go through.
pub(super) struct Urls {
    pub login: String,
    pub signup: Option<String>,
    pub forgot: String,
    /// Whether the client signs in with the pool's own passwords (COGNITO).
    pub native: bool,
    /// A button per upstream provider: its name and `/oauth2/authorize` URL.
    pub providers: Vec<(String, String)>,
    /// Where the email-domain field goes (`/oauth2/authorize` with `idp_identifier`), when
    /// a provider has identifiers, and the request's parameters it carries along.
    pub corporate: Option<String>,
    pub request: Vec<(&'static str, String)>,
}

pub(super) fn urls(state: &AppState, site: &Site, a: &Authorization, p: &AuthorizeParams) -> Urls {
    Urls {
        login: login_url(site, p),
        signup: state
            .core
            .sign_up_fields(a)
            .open
            .then(|| page_url(site, "/signup", p)),
        forgot: page_url(site, "/forgotPassword", p),
        native: a
            .client
            .config
            .supported_identity_providers
            .iter()
            .flatten()
            .any(|n| n == "COGNITO"),
        providers: site
            .upstreams
            .iter()
            .map(|name| {
                let mut q = p.clone();
                q.identity_provider = Some(name.clone());
                (name.clone(), authorize_url(site, &q))
            })
            .collect(),
        corporate: site
            .corporate
            .then(|| format!("{}/oauth2/authorize", site.base_path)),
        request: request_fields(p),
    }
}

/// An authorization request's parameters, for a form that carries them along.
fn request_fields(p: &AuthorizeParams) -> Vec<(&'static str, String)> {
    [
        ("response_type", &p.response_type),
        ("client_id", &p.client_id),
        ("redirect_uri", &p.redirect_uri),
        ("state", &p.state),
        ("scope", &p.scope),
        ("code_challenge", &p.code_challenge),
        ("code_challenge_method", &p.code_challenge_method),
        ("nonce", &p.nonce),
        ("lang", &p.lang),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
    .collect()
}

/// `/oauth2/authorize` with an authorization request's parameters (and its provider).
fn authorize_url(site: &Site, p: &AuthorizeParams) -> String {
    let mut url = page_url(site, "/oauth2/authorize", p);
    if let Some(name) = &p.identity_provider {
        url = with_params(&url, &[("identity_provider", name)], false);
    }
    url
}

fn forces_login(a: &Authorization) -> bool {
    a.prompt
        .as_deref()
        .is_some_and(|p| p.split(' ').any(|x| x == "login" || x == "select_account"))
}

/// Finishes an authorization for a session: the redirect to the client (or, if the user
/// can no longer sign in, the sign-in page without the stale session).
async fn finish(
    state: &AppState,
    site: &Site,
    a: &Authorization,
    session: &tessera_core::oauth::flow::HostedSession,
    set_cookie: Option<HeaderValue>,
) -> Response {
    match state.core.complete_authorize(a, session).await {
        Ok(location) => {
            let mut r = redirect(&location);
            if let Some(c) = set_cookie {
                r.headers_mut().append(header::SET_COOKIE, c);
            }
            r
        }
        Err(CoreError::NotAuthorized(_)) => {
            let mut r = redirect(&Tessera::authorize_error(a, "access_denied"));
            r.headers_mut()
                .append(header::SET_COOKIE, site.cookie(SESSION_COOKIE, "", 0));
            r
        }
        Err(_) => redirect(&Tessera::authorize_error(a, "server_error")),
    }
}

fn current_session(
    state: &AppState,
    site: &Site,
    headers: &HeaderMap,
) -> Option<tessera_core::oauth::flow::HostedSession> {
    cookie(headers, SESSION_COOKIE)
        .and_then(|c| state.core.open_hosted_session(&site.route.pool_id, c))
}

/// `GET /oauth2/authorize`.
async fn authorize(
    State(state): State<AppState>,
    params: RawPathParams,
    headers: HeaderMap,
    Query(p): Query<AuthorizeParams>,
) -> Response {
    let (site, a) = match begin(&state, &params, &headers, &p).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Some(name) = a.upstream.clone() {
        return federation::go(&state, &site, &headers, &a, &p, &name).await;
    }
    if !forces_login(&a)
        && let Some(session) = current_session(&state, &site, &headers)
    {
        return finish(&state, &site, &a, &session, None).await;
    }
    if a.prompt
        .as_deref()
        .is_some_and(|x| x.split(' ').any(|v| v == "none"))
    {
        return redirect(&Tessera::authorize_error(&a, "login_required"));
    }
    redirect(&login_url(&site, &p))
}

/// `GET /login`: the sign-in form (or, with a session, straight back to the client).
async fn login_page(
    State(state): State<AppState>,
    params: RawPathParams,
    headers: HeaderMap,
    Query(p): Query<AuthorizeParams>,
) -> Response {
    let (site, a) = match begin(&state, &params, &headers, &p).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if !forces_login(&a)
        && let Some(session) = current_session(&state, &site, &headers)
    {
        return finish(&state, &site, &a, &session, None).await;
    }
    pages::login(&site, &urls(&state, &site, &a, &p), "", None, None)
}

/// What the sign-in and new-password forms post.
#[derive(Debug, Deserialize)]
pub(super) struct LoginForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    challenge: Option<String>,
    #[serde(default)]
    session: Option<String>,
    #[serde(default)]
    new_password: Option<String>,
    #[serde(default)]
    confirm_password: Option<String>,
    /// An MFA code.
    #[serde(default)]
    code: Option<String>,
    /// SELECT_MFA_TYPE's choice.
    #[serde(default)]
    answer: Option<String>,
    /// MFA_SETUP: the key shown, to show it again after a wrong code.
    #[serde(default)]
    secret: Option<String>,
}

/// The message a sign-in error shows on the page (never a secret; storage failures are
/// not detailed).
pub(super) fn page_message(e: &CoreError) -> String {
    match e {
        CoreError::Storage(_) => "Something went wrong. Try again.".into(),
        other => other.to_string(),
    }
}

/// `POST /login`: checks the form's CSRF token, proves the password, and signs in.
async fn login_submit(
    State(state): State<AppState>,
    params: RawPathParams,
    headers: HeaderMap,
    Query(p): Query<AuthorizeParams>,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let (site, a) = match begin(&state, &params, &headers, &p).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let urls = urls(&state, &site, &a, &p);
    let action = urls.login.clone();
    let Ok(Form(form)) = form else {
        return pages::login(&site, &urls, "", Some("The form could not be read."), None);
    };
    if !pages::csrf_ok(&headers, &form.csrf) {
        return pages::login(
            &site,
            &urls,
            &form.username,
            Some("Your session on this page expired. Try again."),
            None,
        );
    }
    let outcome = if form.challenge.is_some() {
        match challenge::answer(&state, &site, &a, &action, &form).await {
            Ok(o) => o,
            Err(page) => return page,
        }
    } else {
        match state
            .core
            .hosted_sign_in(&a, &form.username, &form.password)
            .await
        {
            Ok(o) => o,
            Err(CoreError::UserNotConfirmed(_)) => {
                return redirect(&account::confirm_url(&site, &p, &form.username));
            }
            Err(e) => {
                return pages::login(&site, &urls, &form.username, Some(&page_message(&e)), None);
            }
        }
    };
    if let Some(sub) = outcome.signed_in {
        let session = state.core.new_hosted_session(&site.route.pool_id, &sub);
        let sealed = state.core.seal_hosted_session(&session);
        let max_age = tessera_core::oauth::flow::SESSION_TTL_MS / 1000;
        let cookie = site.cookie(SESSION_COOKIE, &sealed, max_age);
        return finish(&state, &site, &a, &session, Some(cookie)).await;
    }
    challenge::show(&state, &site, &a, &action, &form.username, outcome).await
}

#[derive(Debug, Deserialize)]
struct LogoutParams {
    client_id: Option<String>,
    logout_uri: Option<String>,
    redirect_uri: Option<String>,
}

/// `GET /logout`: ends the session, then goes to the client's sign-out URL or, given an
/// authorization request's parameters, back to the sign-in page.
async fn logout(
    State(state): State<AppState>,
    params: RawPathParams,
    headers: HeaderMap,
    Query(q): Query<LogoutParams>,
    Query(p): Query<AuthorizeParams>,
) -> Response {
    let site = match site(&state, &params, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let target = match (&q.client_id, &q.logout_uri, &q.redirect_uri) {
        (Some(c), Some(uri), _) => state.core.logout_target(&site.route, c, uri).await,
        (Some(_), None, Some(_)) => match state.core.check_authorize(&site.route, &p).await {
            Ok(_) => Ok(login_url(&site, &p)),
            Err(e) => Err(e),
        },
        _ => Err(AuthorizeError::Page {
            error: "invalid_request".into(),
            description: "client_id and logout_uri are required.".into(),
        }),
    };
    // Cognito sends a sign-out request it cannot honour (no logout_uri nor redirect_uri, or a
    // logout_uri that is not a sign-out URL) to its own error page (docs/fidelity.md M16).
    let target = target.map_err(|e| match e {
        AuthorizeError::Page { error, .. } if error == "invalid_request" => {
            AuthorizeError::Redirect(error_page_url(
                &site,
                &[("error", "Required parameters missing")],
            ))
        }
        other => other,
    });
    match target {
        Ok(location) => {
            // A SAML sign-in with IDPSignout signs out at the IdP first (it sends the
            // browser back to /saml2/logout, which goes on to `location`).
            let location = match current_session(&state, &site, &headers) {
                Some(session) => state
                    .core
                    .saml_logout_url(&session, &location)
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or(location),
                None => location,
            };
            let mut r = redirect(&location);
            r.headers_mut()
                .append(header::SET_COOKIE, site.cookie(SESSION_COOKIE, "", 0));
            r
        }
        Err(AuthorizeError::Page { error, description }) => {
            pages::error(StatusCode::BAD_REQUEST, &error, &description)
        }
        Err(AuthorizeError::Redirect(location)) => redirect(&location),
    }
}
