//! The hosted pages: templates (minijinja, HTML auto-escaped), security headers, and the
//! CSRF token every form carries (a random value that must equal the page's HttpOnly,
//! SameSite=Lax cookie: a form posted from another site has neither).

use std::sync::OnceLock;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use minijinja::{Environment, context};

use super::{CSRF_COOKIE, Site, Urls, cookie};

fn templates() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        let all = [
            ("layout.html", include_str!("templates/layout.html")),
            ("login.html", include_str!("templates/login.html")),
            (
                "new_password.html",
                include_str!("templates/new_password.html"),
            ),
            ("error.html", include_str!("templates/error.html")),
            ("signup.html", include_str!("templates/signup.html")),
            ("confirm.html", include_str!("templates/confirm.html")),
            (
                "forgot_password.html",
                include_str!("templates/forgot_password.html"),
            ),
            (
                "reset_password.html",
                include_str!("templates/reset_password.html"),
            ),
            ("mfa_code.html", include_str!("templates/mfa_code.html")),
            ("select_mfa.html", include_str!("templates/select_mfa.html")),
            ("mfa_setup.html", include_str!("templates/mfa_setup.html")),
            ("repost.html", include_str!("templates/repost.html")),
        ];
        for (name, source) in all {
            // The templates are part of the binary; a broken one fails the tests.
            if let Err(e) = env.add_template(name, source) {
                tracing::error!(template = name, error = %e, "hosted page template does not parse");
            }
        }
        env
    })
}

fn html(status: StatusCode, name: &str, ctx: minijinja::Value) -> Response {
    let body = templates().get_template(name).and_then(|t| t.render(ctx));
    let (status, body) = match body {
        Ok(b) => (status, b),
        Err(e) => {
            tracing::error!(template = name, error = %e, "hosted page did not render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "<!doctype html><title>Error</title><p>Something went wrong.</p>".to_string(),
            )
        }
    };
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}

/// No page may frame a hosted page (an overlaid password form is clickjacking)...
const PAGE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'";

/// ...except the admin console's preview, framed by the console's own pages only, and
/// without the hosted CSRF cookie (nothing is posted from a preview).
pub(super) fn framed_by_console(r: &mut Response) {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'none'; frame-ancestors 'self'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    h.remove(header::SET_COOKIE);
}

pub(super) fn error(status: StatusCode, error: &str, description: &str) -> Response {
    html(status, "error.html", context! { error, description })
}

/// A page that posts `fields` again to `action` on this site, with `marker` set: a form an
/// upstream provider posted cross-site came without the SameSite=Lax cookies, and comes back
/// with them when this same-site page sends it. Its one script runs by nonce.
pub(super) fn repost(action: &str, fields: &[(String, String)], marker: &str) -> Response {
    let nonce = csrf_token();
    let mut r = html(
        StatusCode::OK,
        "repost.html",
        context! { action, fields, marker, nonce },
    );
    let csp = format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; frame-ancestors 'none'; base-uri 'none'"
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        r.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    r
}

/// A branding colour (`rrggbb` or `rrggbbaa`, as the branding editor writes them) as CSS.
fn colour(v: Option<&serde_json::Value>) -> Option<String> {
    let hex = v?.as_str()?;
    let ok = matches!(hex.len(), 6 | 8) && hex.bytes().all(|b| b.is_ascii_hexdigit());
    ok.then(|| format!("#{hex}"))
}

/// A new CSRF token for a page (its cookie is set with the page).
fn csrf_token() -> String {
    let mut raw = [0u8; 24];
    aws_lc_rs::rand::fill(&mut raw).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(raw)
}

/// Whether a posted form's token matches its cookie.
pub(super) fn csrf_ok(headers: &HeaderMap, given: &str) -> bool {
    match cookie(headers, CSRF_COOKIE) {
        Some(c) if c.len() >= 22 => {
            aws_lc_rs::constant_time::verify_slices_are_equal(c.as_bytes(), given.as_bytes())
                .is_ok()
        }
        _ => false,
    }
}

fn with_csrf(site: &Site, mut r: Response, token: &str) -> Response {
    if site.csrf.as_deref() != Some(token) {
        r.headers_mut()
            .append(header::SET_COOKIE, site.cookie(CSRF_COOKIE, token, 3600));
    }
    r
}

/// Renders a page with a form: the CSRF token of the cookie (a new one, and the cookie, if
/// there is none) in the page.
pub(super) fn form(
    site: &Site,
    name: &str,
    error: Option<&str>,
    ctx: minijinja::Value,
) -> Response {
    let csrf = site.csrf.clone().unwrap_or_else(csrf_token);
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let style = site.style.as_ref();
    let custom_css = style.and_then(|s| s.css.clone());
    let logo = style.and_then(|s| s.logo_data_url.clone());
    let background = style.and_then(|s| s.background_data_url.clone());
    let settings = style.and_then(|s| s.settings.as_ref());
    let accent = settings.and_then(|v| {
        colour(v.pointer("/components/primaryButton/lightMode/defaults/backgroundColor"))
    });
    let page_background =
        settings.and_then(|v| colour(v.pointer("/components/pageBackground/lightMode/color")));
    let r = html(
        status,
        name,
        context! {
            csrf, error, custom_css, logo, background, accent, page_background,
            preview => site.preview, ..ctx
        },
    );
    with_csrf(site, r, &csrf)
}

pub(super) fn login(
    site: &Site,
    urls: &Urls,
    username: &str,
    error: Option<&str>,
    notice: Option<&str>,
) -> Response {
    let providers: Vec<_> = urls
        .providers
        .iter()
        .map(|(name, url)| context! { name, url })
        .collect();
    let request: Vec<_> = urls
        .request
        .iter()
        .map(|(name, value)| context! { name, value })
        .collect();
    let ctx = context! {
        action => urls.login, username, notice,
        signup_url => urls.signup, forgot_url => urls.forgot,
        native => urls.native, providers, corporate => urls.corporate, request,
    };
    form(site, "login.html", error, ctx)
}

pub(super) fn new_password(
    site: &Site,
    action: &str,
    username: &str,
    session: &str,
    error: Option<&str>,
) -> Response {
    form(
        site,
        "new_password.html",
        error,
        context! { action, username, session },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses_and_renders() {
        let env = templates();
        for name in [
            "login.html",
            "new_password.html",
            "error.html",
            "signup.html",
            "confirm.html",
            "forgot_password.html",
            "reset_password.html",
            "mfa_code.html",
            "select_mfa.html",
            "mfa_setup.html",
        ] {
            let t = env.get_template(name);
            assert!(t.is_ok(), "{name}: {:?}", t.err());
            let out = t.and_then(|t| t.render(context! { csrf => "x", action => "/login" }));
            assert!(out.is_ok(), "{name}: {:?}", out.err());
        }
    }
}
