//! The `hosted_form` fuzz target (see `fuzz/` and docs/security.md): what the hosted login
//! reads from a request before any core call. The input is
//!
//! ```text
//! <Cookie header>
//! <Host header>
//! <Authorization header>
//! <query string>
//! <form body>
//! ```
//!
//! and goes through the same extractors and functions as a real request: the cookie and
//! CSRF check, the domain named by `Host`, HTTP Basic client credentials, axum's `Form` into
//! every hosted form and `Query` into the authorization request, and the login and
//! new-password pages rendered with what was posted. Invariants, besides not panicking:
//! - the CSRF check passes only when the form's token is the cookie's (22 characters or
//!   more), and passes whenever a browser would send that token back;
//! - posted text is HTML-escaped: it adds no `<`, `>` or `"` to a page;
//! - an authorization request's parameters survive the trip through a page's URL;
//! - client credentials survive HTTP Basic encoding.

use axum::body::Body;
use axum::extract::{Form, FromRequest, Query};
use axum::http::{HeaderMap, HeaderValue, Request, Uri, header};
use axum::response::Response;
use tessera_core::oauth::domains::DomainRoute;
use tessera_core::oauth::flow::{AuthorizeParams, percent};
use tessera_core::oauth::token::{TokenParams, basic_client_auth};

use super::account::AccountForm;
use super::endpoints::RevokeForm;
use super::{CSRF_COOKIE, LoginForm, Site, Urls, cookie, domain_candidates, pages};
use crate::fuzzing::ready;

fn site() -> Site {
    Site {
        route: DomainRoute {
            domain: "fuzz".into(),
            pool_id: "us-east-1_Fuzz".into(),
            managed_login_version: 1,
        },
        base_path: "/domain/fuzz".into(),
        secure: true,
        csrf: Some("c".repeat(32)),
        style: None,
        upstreams: Vec::new(),
        corporate: false,
        preview: false,
        secondary: false,
    }
}

fn lines(data: &[u8]) -> ([&[u8]; 4], &[u8]) {
    let mut rest = data;
    let mut out: [&[u8]; 4] = [&[]; 4];
    for slot in &mut out {
        let (line, tail) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &[][..]),
        };
        *slot = line;
        rest = tail;
    }
    (out, rest)
}

fn form<T: serde::de::DeserializeOwned>(body: &[u8]) -> Option<T> {
    let request = Request::builder()
        .method("POST")
        .uri("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_vec()))
        .ok()?;
    ready(Form::<T>::from_request(request, &()))?
        .ok()
        .map(|Form(f)| f)
}

fn text(response: Response) -> String {
    let body = ready(axum::body::to_bytes(response.into_body(), usize::MAX));
    let bytes = body.and_then(Result::ok).unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `"x"` for text that is not empty: the same page branches, no markup of its own.
fn plain(s: &str) -> &'static str {
    if s.is_empty() { "" } else { "x" }
}

fn markup(page: &str) -> [usize; 3] {
    ['<', '>', '"'].map(|c| page.matches(c).count())
}

/// Runs one input; panics when an invariant does not hold.
pub fn run(data: &[u8]) {
    let ([cookie_line, host_line, authorization, query], body) = lines(data);
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_bytes(cookie_line) {
        headers.insert(header::COOKIE, v);
    }
    let host = String::from_utf8_lossy(host_line);
    let candidates = domain_candidates(&host);
    assert!(
        candidates
            .first()
            .is_some_and(|c| host.starts_with(c.as_str())),
        "the first domain is the host: {candidates:?}"
    );
    let _ = basic_client_auth(&String::from_utf8_lossy(authorization));

    let _ = form::<AccountForm>(body);
    let _ = form::<RevokeForm>(body);
    let _ = form::<TokenParams>(body);

    let site = site();
    let params = format!("/domain/fuzz/login?{}", String::from_utf8_lossy(query));
    let params = params
        .parse::<Uri>()
        .ok()
        .and_then(|uri| Query::<AuthorizeParams>::try_from_uri(&uri).ok())
        .map(|Query(p)| p)
        .unwrap_or_default();
    let login_url = super::page_url(&site, "/login", &params);
    let back = login_url
        .parse::<Uri>()
        .ok()
        .and_then(|uri| Query::<AuthorizeParams>::try_from_uri(&uri).ok());
    assert!(
        back.is_some(),
        "a page URL does not parse back: {login_url}"
    );
    let Some(Query(back)) = back else { return };
    let fields = |p: &AuthorizeParams| {
        [
            p.response_type.clone(),
            p.client_id.clone(),
            p.redirect_uri.clone(),
            p.state.clone(),
            p.scope.clone(),
            p.code_challenge.clone(),
            p.code_challenge_method.clone(),
            p.nonce.clone(),
            p.lang.clone(),
        ]
    };
    assert_eq!(fields(&back), fields(&params), "through {login_url}");

    let Some(login) = form::<LoginForm>(body) else {
        return;
    };
    check_csrf(&headers, &login.csrf);

    let basic = format!("{}:{}", percent(&login.username), percent(&login.password));
    let basic = format!(
        "Basic {}",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, basic)
    );
    let auth = basic_client_auth(&basic);
    assert!(
        auth.as_ref().is_some_and(|a| a.client_id == login.username
            && a.secret.as_deref() == Some(login.password.as_str())),
        "client credentials through HTTP Basic"
    );

    let urls = Urls {
        login: login_url.clone(),
        signup: Some(login_url.clone()),
        forgot: login_url,
        native: true,
        providers: Vec::new(),
        corporate: None,
        request: Vec::new(),
    };
    let plain_urls = Urls {
        login: "/l".into(),
        signup: Some("/s".into()),
        forgot: "/f".into(),
        native: true,
        providers: Vec::new(),
        corporate: None,
        request: Vec::new(),
    };
    let (user, error) = (login.username.as_str(), login.password.as_str());
    let page = text(pages::login(&site, &urls, user, Some(error), None));
    let baseline = text(pages::login(
        &site,
        &plain_urls,
        plain(user),
        Some(plain(error)),
        None,
    ));
    assert_eq!(markup(&page), markup(&baseline), "login page: {page}");

    let session = login.session.as_deref().unwrap_or_default();
    let page = text(pages::new_password(&site, "/a", user, session, Some(error)));
    let baseline = text(pages::new_password(
        &site,
        "/a",
        plain(user),
        plain(session),
        Some(plain(error)),
    ));
    assert_eq!(
        markup(&page),
        markup(&baseline),
        "new password page: {page}"
    );
}

fn check_csrf(headers: &HeaderMap, token: &str) {
    if pages::csrf_ok(headers, token) {
        assert_eq!(cookie(headers, CSRF_COOKIE), Some(token));
        assert!(token.len() >= 22, "a short token passed");
    }
    // A token a browser sends back as it was set: a cookie value of visible ASCII.
    let cookie_safe = token.len() >= 22
        && token
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b';' | b',' | b'"' | b'\\'));
    if cookie_safe {
        let mut sent = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(&format!("theme=dark; {CSRF_COOKIE}={token}")) {
            sent.insert(header::COOKIE, v);
        }
        assert!(
            pages::csrf_ok(&sent, token),
            "the cookie's own token refused"
        );
        let mut other = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(&format!("{CSRF_COOKIE}={token}x")) {
            other.insert(header::COOKIE, v);
        }
        assert!(!pages::csrf_ok(&other, token), "another token accepted");
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    include!("../../../../fuzz/smoke.rs");

    #[test]
    fn hosted_form_corpus_and_mutations() {
        smoke("hosted_form", super::run, 5_000);
    }
}
