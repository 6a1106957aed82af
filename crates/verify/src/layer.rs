//! An axum middleware: the bearer token of each request is verified and its claims put into
//! the request's extensions (`Arc<Claims>`), or the request is answered `401` (no or a bad
//! token, with `WWW-Authenticate: Bearer` as RFC 6750 says) or `403` (a valid token without
//! a required scope or group), with API Gateway's JSON bodies.
//!
//! ```no_run
//! use std::sync::Arc;
//! use axum::{Extension, Router, routing::get, middleware};
//! use tessera_verify::{Claims, Config, TokenUse, Verifier, require_bearer};
//!
//! let verifier = Arc::new(Verifier::new(
//!     Config::cognito("eu-west-1", "eu-west-1_AbCdEf").token_use(TokenUse::Access),
//! ));
//! let app: Router = Router::new()
//!     .route("/me", get(|Extension(c): Extension<Arc<Claims>>| async move {
//!         c.sub().unwrap_or_default().to_string()
//!     }))
//!     .layer(middleware::from_fn_with_state(verifier, require_bearer));
//! ```

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::{Verifier, VerifyError};

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The answer for a refused request.
pub fn refusal(err: &VerifyError) -> Response {
    if err.is_forbidden() {
        let body = r#"{"message":"Forbidden"}"#;
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
    }
    let challenge = match err {
        VerifyError::Missing => HeaderValue::from_static("Bearer"),
        VerifyError::Jwks(_) => {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"message":"Service Unavailable"}"#,
            )
                .into_response();
        }
        _ => HeaderValue::from_static(r#"Bearer error="invalid_token""#),
    };
    let mut r = (
        StatusCode::UNAUTHORIZED,
        [(header::CONTENT_TYPE, "application/json")],
        r#"{"message":"Unauthorized"}"#,
    )
        .into_response();
    r.headers_mut().insert(header::WWW_AUTHENTICATE, challenge);
    r
}

/// Middleware for `axum::middleware::from_fn_with_state(Arc<Verifier>, require_bearer)`.
pub async fn require_bearer(
    State(verifier): State<Arc<Verifier>>,
    mut req: Request,
    next: Next,
) -> Response {
    let token = bearer(req.headers()).unwrap_or_default();
    match verifier.verify(token).await {
        Ok(claims) => {
            req.extensions_mut().insert(claims);
            next.run(req).await
        }
        Err(e) => refusal(&e),
    }
}
