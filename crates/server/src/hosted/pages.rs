//! The hosted pages: templates (minijinja, HTML auto-escaped), security headers, and the
//! CSRF token every form carries (a random value that must equal the page's HttpOnly,
//! SameSite=Lax cookie: a form posted from another site has neither).

use std::sync::OnceLock;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use minijinja::{Environment, context};

use super::{CSRF_COOKIE, Site, cookie};

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
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
        ),
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

pub(super) fn error(status: StatusCode, error: &str, description: &str) -> Response {
    html(status, "error.html", context! { error, description })
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
    r.headers_mut()
        .append(header::SET_COOKIE, site.cookie(CSRF_COOKIE, token, 3600));
    r
}

pub(super) fn login(site: &Site, action: &str, username: &str, error: Option<&str>) -> Response {
    let csrf = csrf_token();
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let r = html(
        status,
        "login.html",
        context! { action, username, error, csrf },
    );
    with_csrf(site, r, &csrf)
}

pub(super) fn new_password(
    site: &Site,
    action: &str,
    username: &str,
    session: &str,
    error: Option<&str>,
) -> Response {
    let csrf = csrf_token();
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let r = html(
        status,
        "new_password.html",
        context! { action, username, session, error, csrf },
    );
    with_csrf(site, r, &csrf)
}
