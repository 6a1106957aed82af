//! `GET /tessera/outbox?poolId=&username=&destination=`: the development outbox, for a
//! person or a test to read the codes Tessera "sent". Answers `{"messages": [...]}`.
//!
//! The messages hold live codes and temporary passwords, so the endpoint is admin-only. A
//! caller proves it holds an admin key either with a SigV4-signed GET (signing name
//! `cognito-idp`, any region) or, as a development convenience (curl, a browser), with HTTP
//! Basic authentication `access_key_id:secret_access_key` (RFC 7617), compared in constant
//! time. Refusals carry the AWS error envelope and reveal nothing about the keys.
//!
//! The server does not depend on the delivery crate: the binary hands in an [`OutboxView`].

use std::collections::HashMap;
use std::fmt::Debug;

use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tessera_core::clock::{Clock, SystemClock};
use tessera_core::secret::Secret;
use tessera_wire::sigv4;

use crate::{ApiError, AppState};

/// Read access to the development outbox.
pub trait OutboxView: Send + Sync + Debug {
    /// The messages in the order sent, as a JSON array of entries (camelCase), optionally only
    /// those for one pool, user or destination.
    fn messages(
        &self,
        pool_id: Option<&str>,
        username: Option<&str>,
        destination: Option<&str>,
    ) -> serde_json::Value;
}

/// A GET has no meaningful body; anything larger than this is refused.
const MAX_BODY: usize = 64 * 1024;

/// The signing name SigV4-signed outbox requests must use.
const SIGNING_NAME: &str = "cognito-idp";

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Filter {
    pool_id: Option<String>,
    username: Option<String>,
    destination: Option<String>,
}

pub(crate) async fn outbox(State(st): State<AppState>, req: Request) -> Response {
    let Some(view) = st.config.outbox.clone() else {
        return ApiError::new("ResourceNotFoundException", "The outbox is not enabled.")
            .with_status(StatusCode::NOT_FOUND)
            .into_response();
    };
    let parts = match admin_get(
        &st,
        req,
        "outbox",
        Some("Basic realm=\"tessera-outbox\", charset=\"UTF-8\""),
    )
    .await
    {
        Ok(parts) => parts,
        Err(refusal) => return refusal,
    };
    let filter = match axum::extract::Query::<Filter>::try_from_uri(&parts.uri) {
        Ok(q) => q.0,
        Err(_) => {
            return ApiError::new(
                "InvalidParameterException",
                "The query string is not valid.",
            )
            .into_response();
        }
    };
    let messages = view.messages(
        non_empty(&filter.pool_id),
        non_empty(&filter.username),
        non_empty(&filter.destination),
    );
    let body = serde_json::json!({ "messages": messages });
    let mut resp = (StatusCode::OK, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

/// An admin endpoint's request: its (small) body read and its admin credentials checked
/// ([`authenticate`]). Else the refusal to answer, a 401 carrying `challenge` as its
/// `WWW-Authenticate` when given (RFC 9110 §11.6.1: lets a browser or scraper ask).
pub(crate) async fn admin_get(
    st: &AppState,
    req: Request,
    endpoint: &'static str,
    challenge: Option<&'static str>,
) -> Result<axum::http::request::Parts, Response> {
    let (parts, body) = req.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY).await else {
        return Err(ApiError::serialization("The request body is too large.")
            .with_status(StatusCode::PAYLOAD_TOO_LARGE)
            .into_response());
    };
    if let Err(e) = authenticate(&parts, &body, &st.config.admin_keys) {
        tracing::info!(error = e.code, endpoint, "admin request refused");
        let unauthorized = e.status == StatusCode::UNAUTHORIZED;
        let mut resp = e.into_response();
        if let Some(c) = challenge.filter(|_| unauthorized) {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(c));
        }
        return Err(resp);
    }
    Ok(parts)
}

/// Accepts a SigV4 signature or Basic credentials of a configured admin key.
pub(crate) fn authenticate(
    parts: &axum::http::request::Parts,
    body: &[u8],
    keys: &HashMap<String, Secret<String>>,
) -> Result<(), ApiError> {
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if let Some(encoded) = strip_prefix_ignore_case(authorization, "Basic ") {
        return basic(encoded.trim(), keys);
    }
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let request = sigv4::RequestParts {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or_default(),
        headers: &headers,
        body,
    };
    sigv4::verify(&request, SIGNING_NAME, SystemClock.now_secs(), |akid| {
        keys.get(akid).map(|s| s.expose().clone())
    })
    .map(|_| ())
    .map_err(|e| match e {
        sigv4::SigV4Error::Missing => unauthenticated(),
        other => ApiError::new(other.aws_error_code(), other.message())
            .with_status(StatusCode::FORBIDDEN),
    })
}

fn unauthenticated() -> ApiError {
    ApiError::new(
        "MissingAuthenticationTokenException",
        "Missing Authentication Token",
    )
    .with_status(StatusCode::UNAUTHORIZED)
}

fn bad_credentials() -> ApiError {
    ApiError::new(
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )
    .with_status(StatusCode::FORBIDDEN)
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

fn basic(encoded: &str, keys: &HashMap<String, Secret<String>>) -> Result<(), ApiError> {
    let decoded = base64_decode(encoded).ok_or_else(bad_credentials)?;
    let decoded = Secret::new(decoded);
    let text = std::str::from_utf8(decoded.expose()).map_err(|_| bad_credentials())?;
    let (akid, secret) = text.split_once(':').ok_or_else(bad_credentials)?;
    // The access key id is not a secret; the secret access key is compared in constant time.
    let expected = keys.get(akid).ok_or_else(bad_credentials)?;
    if constant_time_eq(expected.expose().as_bytes(), secret.as_bytes()) {
        Ok(())
    } else {
        Err(bad_credentials())
    }
}

/// Compares without an early exit on the first differing byte (the length is not secret).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a, b).is_ok()
}

/// Standard base64 (RFC 4648 §4), padding optional. `None` on any invalid character.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const STANDARD_ANY_PADDING: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    STANDARD_ANY_PADDING.decode(s).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn decodes_base64() {
        assert_eq!(base64_decode("QUtJRDpzZWNyZXQ=").unwrap(), b"AKID:secret");
        assert_eq!(base64_decode("YQ").unwrap(), b"a");
        assert_eq!(base64_decode("YWI=").unwrap(), b"ab");
        assert_eq!(base64_decode("").unwrap(), b"");
        assert!(base64_decode("Y").is_none());
        assert!(base64_decode("Y!==").is_none());
    }

    #[test]
    fn basic_auth_checks_the_secret() {
        let mut keys = HashMap::new();
        keys.insert("AKID".to_string(), Secret::new("secret".to_string()));
        assert!(basic("QUtJRDpzZWNyZXQ=", &keys).is_ok());
        // AKID:secreT, AKID:, OTHER:secret
        assert!(basic("QUtJRDpzZWNyZVQ=", &keys).is_err());
        assert!(basic("QUtJRDo=", &keys).is_err());
        assert!(basic("T1RIRVI6c2VjcmV0", &keys).is_err());
        assert!(basic("!!!", &keys).is_err());
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
