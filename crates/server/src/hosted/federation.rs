//! Federated sign-in at the hosted domain: `/oauth2/authorize` naming an upstream provider
//! goes there, and `/oauth2/idpresponse` (GET, or POST for Apple's form post) takes the
//! upstream's answer. The rules live in `tessera_core::federation`.

use std::collections::HashMap;

use axum::extract::{Query, RawPathParams, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use tessera_core::oauth::flow::{Authorization, AuthorizeParams};

use super::{SESSION_COOKIE, Site, authorize_error, cookie, finish, pages, redirect, site};
use crate::AppState;

/// The short-lived cookie that binds a trip upstream to the browser that started it: its
/// digest travels in the sealed state, and the answer is taken only with it (docs/security.md
/// "Federation").
const BINDING_COOKIE: &str = "tessera_upstream";

/// The field a same-site re-post adds, so a form that still lacks the cookie is refused.
const REPOST_MARKER: &str = "tessera_repost";

/// This browser's binding value: the one it holds (several tabs may sign in at once), or a
/// new random one; `None` only if the system's random source fails.
fn binding(headers: &HeaderMap) -> Option<String> {
    if let Some(b) = cookie(headers, BINDING_COOKIE).filter(|b| b.len() >= 22 && b.len() <= 64) {
        return Some(b.to_string());
    }
    let mut raw = [0u8; 24];
    aws_lc_rs::rand::fill(&mut raw).ok()?;
    Some(base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        raw,
    ))
}

/// A posted answer without the binding cookie, the first time: the provider posted it
/// cross-site, where SameSite=Lax cookies stay behind, so a page of this site posts it again.
fn needs_repost(headers: &HeaderMap, form: &HashMap<String, String>) -> bool {
    cookie(headers, BINDING_COOKIE).is_none() && !form.contains_key(REPOST_MARKER)
}

fn repost(site: &Site, endpoint: &str, form: HashMap<String, String>) -> Response {
    let mut fields: Vec<(String, String)> = form.into_iter().collect();
    fields.sort();
    pages::repost(
        &format!("{}{endpoint}", site.base_path),
        &fields,
        REPOST_MARKER,
    )
}

/// This domain's `/oauth2/idpresponse`, as the upstream sees it: the public URL's
/// `/domain/<domain>` when the request came by path, else the host it came to.
fn callback_url(state: &AppState, site: &Site, headers: &HeaderMap) -> String {
    let public = state.core.settings().public_url.trim_end_matches('/');
    if !site.base_path.is_empty() {
        return format!("{public}{}/oauth2/idpresponse", site.base_path);
    }
    let scheme = if site.secure { "https" } else { "http" };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or(&site.route.domain);
    format!("{scheme}://{host}/oauth2/idpresponse")
}

/// This domain's SAML assertion consumer, `/saml2/idpresponse`.
fn saml_acs(state: &AppState, site: &Site, headers: &HeaderMap) -> String {
    callback_url(state, site, headers).replace("/oauth2/idpresponse", "/saml2/idpresponse")
}

/// Sends the browser to the upstream provider `name` for the authorization request `p`.
pub(super) async fn go(
    state: &AppState,
    site: &Site,
    headers: &HeaderMap,
    a: &Authorization,
    p: &AuthorizeParams,
    name: &str,
) -> Response {
    let provider = match state.core.identity_provider(&a.pool.id, name).await {
        Ok(Some(provider)) => provider,
        Ok(None) => {
            return redirect(&tessera_core::Tessera::authorize_error(
                a,
                "invalid_request",
            ));
        }
        Err(_) => return redirect(&tessera_core::Tessera::authorize_error(a, "server_error")),
    };
    // What comes back is the client's request without the provider choice.
    let mut request = p.clone();
    request.identity_provider = Some(provider.name.clone());
    request.idp_identifier = None;
    let callback = callback_url(state, site, headers);
    let callback = if provider.provider_type == tessera_core::federation::details::SAML {
        saml_acs(state, site, headers)
    } else {
        callback
    };
    let Some(binding) = binding(headers) else {
        return redirect(&tessera_core::Tessera::authorize_error(a, "server_error"));
    };
    match state
        .core
        .upstream_authorize_url(&provider, &request, &callback, &binding)
        .await
    {
        Ok(url) => {
            let mut r = redirect(&url);
            let max_age = tessera_core::federation::oidc::STATE_TTL_MS / 1000;
            r.headers_mut().append(
                header::SET_COOKIE,
                site.cookie(BINDING_COOKIE, &binding, max_age),
            );
            r
        }
        Err(_) => redirect(&tessera_core::Tessera::authorize_error(a, "server_error")),
    }
}

async fn respond(
    state: AppState,
    params: RawPathParams,
    headers: HeaderMap,
    form: HashMap<String, String>,
    posted: bool,
) -> Response {
    let site = match site(&state, &params, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if posted && needs_repost(&headers, &form) {
        return repost(&site, "/oauth2/idpresponse", form);
    }
    let callback = callback_url(&state, &site, &headers);
    match state
        .core
        .finish_upstream(
            &site.route,
            &form,
            &callback,
            cookie(&headers, BINDING_COOKIE),
        )
        .await
    {
        Ok((a, session)) => signed_in(&state, &site, &a, &session).await,
        Err(e) => authorize_error(e),
    }
}

/// A federated sign-in that went through: the session cookie, and the client's answer.
async fn signed_in(
    state: &AppState,
    site: &Site,
    a: &Authorization,
    session: &tessera_core::oauth::flow::HostedSession,
) -> Response {
    let sealed = state.core.seal_hosted_session(session);
    let max_age = tessera_core::oauth::flow::SESSION_TTL_MS / 1000;
    let cookie = site.cookie(SESSION_COOKIE, &sealed, max_age);
    finish(state, site, a, session, Some(cookie)).await
}

/// `GET /oauth2/idpresponse`.
pub(super) async fn idp_response_get(
    State(state): State<AppState>,
    params: RawPathParams,
    headers: HeaderMap,
    Query(form): Query<HashMap<String, String>>,
) -> Response {
    respond(state, params, headers, form, false).await
}

/// `POST /oauth2/idpresponse` (`response_mode=form_post`).
pub(super) async fn idp_response_post(
    State(state): State<AppState>,
    params: RawPathParams,
    headers: HeaderMap,
    form: Result<
        axum::extract::Form<HashMap<String, String>>,
        axum::extract::rejection::FormRejection,
    >,
) -> Response {
    match form {
        Ok(axum::extract::Form(form)) => respond(state, params, headers, form, true).await,
        Err(_) => pages::error(
            axum::http::StatusCode::BAD_REQUEST,
            "invalid_request",
            "The form could not be read.",
        ),
    }
}

/// `POST /saml2/idpresponse`: the SAML assertion consumer.
pub(super) async fn saml_response(
    State(state): State<AppState>,
    params: RawPathParams,
    headers: HeaderMap,
    form: Result<
        axum::extract::Form<HashMap<String, String>>,
        axum::extract::rejection::FormRejection,
    >,
) -> Response {
    let Ok(axum::extract::Form(form)) = form else {
        return pages::error(
            axum::http::StatusCode::BAD_REQUEST,
            "invalid_request",
            "The form could not be read.",
        );
    };
    let site = match site(&state, &params, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if needs_repost(&headers, &form) {
        return repost(&site, "/saml2/idpresponse", form);
    }
    let acs = saml_acs(&state, &site, &headers);
    match state
        .core
        .finish_saml(&site.route, &form, &acs, cookie(&headers, BINDING_COOKIE))
        .await
    {
        Ok((a, session)) => signed_in(&state, &site, &a, &session).await,
        Err(e) => authorize_error(e),
    }
}

/// `GET /saml2/logout`: the IdP's answer to our LogoutRequest, or its own LogoutRequest.
/// The session ends either way.
pub(super) async fn saml_logout(
    State(state): State<AppState>,
    params: RawPathParams,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let site = match site(&state, &params, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let raw = uri.query().unwrap_or_default();
    match state.core.saml_logout(&site.route, &query, raw).await {
        Ok(location) => {
            let mut r = redirect(&location);
            r.headers_mut()
                .append(header::SET_COOKIE, site.cookie(SESSION_COOKIE, "", 0));
            r
        }
        Err(e) => authorize_error(e),
    }
}
