//! Per-pool discovery documents, as Cognito serves them at
//! `https://cognito-idp.<region>.amazonaws.com/<pool id>/.well-known/...`:
//! the JWKS that verifies the pool's tokens and the OpenID Connect configuration.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tessera_core::CoreError;

use crate::{ApiError, AppState};

fn json(body: String, max_age: &'static str) -> Response {
    let mut resp = (StatusCode::OK, body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(max_age));
    resp
}

fn not_found(e: CoreError) -> Response {
    match e {
        CoreError::ResourceNotFound(_) => (
            StatusCode::NOT_FOUND,
            r#"{"message":"User pool not found"}"#,
        )
            .into_response(),
        other => ApiError::from(other).into_response(),
    }
}

/// `GET /<pool id>/.well-known/jwks.json`
pub(crate) async fn jwks(State(state): State<AppState>, Path(pool_id): Path<String>) -> Response {
    match state.core.jwks(&pool_id).await {
        Ok(doc) => json(doc.as_ref().clone(), "public, max-age=300"),
        Err(e) => not_found(e),
    }
}

/// `GET /<pool id>/.well-known/openid-configuration`
pub(crate) async fn openid_configuration(
    State(state): State<AppState>,
    Path(pool_id): Path<String>,
) -> Response {
    match state.core.openid_configuration(&pool_id).await {
        Ok(doc) => json(doc.to_string(), "public, max-age=300"),
        Err(e) => not_found(e),
    }
}

/// `GET /identity/.well-known/jwks_uri` (Cognito's own location) and `.../jwks.json`: the
/// keys of the identity issuer (`GetOpenIdToken`'s tokens).
pub(crate) async fn identity_jwks(State(state): State<AppState>) -> Response {
    match state.identity.jwks().await {
        Ok(doc) => json(doc.as_ref().clone(), "public, max-age=300"),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `GET /identity/.well-known/openid-configuration`: what an STS or IAM reads to register
/// Tessera's identity issuer as an OpenID Connect provider.
pub(crate) async fn identity_openid_configuration(State(state): State<AppState>) -> Response {
    json(
        state.identity.openid_configuration().to_string(),
        "public, max-age=300",
    )
}
