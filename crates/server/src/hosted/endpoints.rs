//! The hosted JSON endpoints: `/oauth2/token`, `/oauth2/userInfo` and `/oauth2/revoke`,
//! with OAuth's error shapes (RFC 6749 §5.2) and HTTP Basic client authentication.

use axum::extract::{Form, RawPathParams, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tessera_core::oauth::token::{OAuthError, TokenParams, basic_client_auth};

use super::site;
use crate::AppState;

/// How much of an OAuth error an endpoint shows.
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// `{"error": ...}` only: the token and revoke endpoints (developer guide, "Token
    /// endpoint" and "Revoke endpoint"; docs/fidelity.md M10, M15). The description is
    /// logged, not sent.
    ErrorOnly,
    /// `error` and `error_description`, in the body and in `WWW-Authenticate`: userInfo.
    Described,
}

/// An OAuth error as JSON (RFC 6749 §5.2), with `WWW-Authenticate` on a 401 (and, for
/// userInfo, on every refusal, as Cognito's "userInfo endpoint" page shows).
fn oauth_error(e: OAuthError, shape: Shape) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    let body = match shape {
        Shape::ErrorOnly => {
            tracing::debug!(error = e.error, description = %e.description, "oauth refusal");
            serde_json::json!({ "error": e.error })
        }
        Shape::Described => {
            serde_json::json!({ "error": e.error, "error_description": e.description })
        }
    };
    let mut r = (status, body.to_string()).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if status == StatusCode::UNAUTHORIZED || shape == Shape::Described {
        let v = match shape {
            Shape::ErrorOnly => format!("Bearer error=\"{}\"", e.error),
            Shape::Described => format!(
                "Bearer error=\"{}\", error_description=\"{}\"",
                e.error,
                e.description.replace('"', "'")
            ),
        };
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(header::WWW_AUTHENTICATE, v);
        }
    }
    r
}

fn json_ok(body: String) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    r
}

fn basic_auth(headers: &HeaderMap) -> Option<tessera_core::oauth::token::ClientAuth> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(basic_client_auth)
}

fn bad_form() -> Response {
    oauth_error(
        OAuthError::new(
            400,
            "invalid_request",
            "The body must be application/x-www-form-urlencoded.",
        ),
        Shape::ErrorOnly,
    )
}

/// `POST /oauth2/token`.
pub(super) async fn token(
    State(state): State<AppState>,
    params: RawPathParams,
    headers: HeaderMap,
    form: Result<Form<TokenParams>, axum::extract::rejection::FormRejection>,
) -> Response {
    let site = match site(&state, &params, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(Form(p)) = form else { return bad_form() };
    match state
        .core
        .token_grant(&site.route, basic_auth(&headers), p)
        .await
    {
        Ok(answer) => json_ok(serde_json::to_string(&answer).unwrap_or_default()),
        Err(e) => oauth_error(e, Shape::ErrorOnly),
    }
}

/// `GET|POST /oauth2/userInfo`.
pub(super) async fn user_info(
    State(state): State<AppState>,
    params: RawPathParams,
    headers: HeaderMap,
) -> Response {
    let site = match site(&state, &params, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        });
    // No bearer token: 400, as the "userInfo endpoint" page shows (docs/fidelity.md M12).
    let Some(token) = token else {
        return oauth_error(
            OAuthError::new(
                400,
                "invalid_request",
                "Bad OAuth2 request at UserInfo Endpoint",
            ),
            Shape::Described,
        );
    };
    match state.core.user_info(&site.route, token.trim()).await {
        Ok(claims) => json_ok(serde_json::Value::Object(claims).to_string()),
        Err(e) => oauth_error(e, Shape::Described),
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct RevokeForm {
    token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// `POST /oauth2/revoke`.
pub(super) async fn revoke(
    State(state): State<AppState>,
    params: RawPathParams,
    headers: HeaderMap,
    form: Result<Form<RevokeForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let site = match site(&state, &params, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(Form(f)) = form else { return bad_form() };
    let auth = basic_auth(&headers).or_else(|| {
        f.client_secret
            .clone()
            .zip(f.client_id.clone())
            .map(|(secret, id)| tessera_core::oauth::token::ClientAuth {
                client_id: id,
                secret: Some(secret),
                basic: false,
            })
    });
    match state
        .core
        .oauth_revoke(&site.route, auth, f.client_id, f.token)
        .await
    {
        Ok(()) => json_ok(String::new()),
        Err(e) => oauth_error(e, Shape::ErrorOnly),
    }
}
