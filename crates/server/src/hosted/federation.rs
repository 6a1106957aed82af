//! Federated sign-in at the hosted domain: `/oauth2/authorize` naming an upstream provider
//! goes there, and `/oauth2/idpresponse` (GET, or POST for Apple's form post) takes the
//! upstream's answer. The rules live in `tessera_core::federation`.

use std::collections::HashMap;

use axum::extract::{Query, RawPathParams, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use tessera_core::oauth::flow::{Authorization, AuthorizeParams};

use super::{SESSION_COOKIE, Site, authorize_error, finish, pages, redirect, site};
use crate::AppState;

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
    match state
        .core
        .upstream_authorize_url(&provider, &request, &callback)
        .await
    {
        Ok(url) => redirect(&url),
        Err(_) => redirect(&tessera_core::Tessera::authorize_error(a, "server_error")),
    }
}

async fn respond(
    state: AppState,
    params: RawPathParams,
    headers: HeaderMap,
    form: HashMap<String, String>,
) -> Response {
    let site = match site(&state, &params, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let callback = callback_url(&state, &site, &headers);
    match state
        .core
        .finish_upstream(&site.route, &form, &callback)
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
    respond(state, params, headers, form).await
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
        Ok(axum::extract::Form(form)) => respond(state, params, headers, form).await,
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
    let acs = saml_acs(&state, &site, &headers);
    match state.core.finish_saml(&site.route, &form, &acs).await {
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
