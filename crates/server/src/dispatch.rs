//! AWS JSON 1.1 dispatch: target → operation → SigV4 (when the model requires it) →
//! input validation → handler → response. Reference: the AWS JSON 1.1 protocol
//! (<https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html>).

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tessera_core::clock::{Clock, SystemClock};
use tessera_wire::ops::{find_operation, split_target};
use tessera_wire::sigv4;

use crate::registry::Ctx;
use crate::{ApiError, AppState, MAX_BODY_BYTES};

/// A random request id shaped like AWS's (8-4-4-4-12 hex).
fn request_id() -> String {
    tessera_core::rand::uuid_v4(&tessera_core::rand::SystemRng)
}

fn with_request_id(mut resp: Response, id: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(id) {
        resp.headers_mut().insert("x-amzn-requestid", v);
    }
    resp
}

pub(crate) async fn api(State(st): State<AppState>, req: Request) -> Response {
    let id = request_id();
    let started = std::time::Instant::now();
    let target = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    // For logs: the operation name, bounded (the header is client input).
    let operation: String = target
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .chars()
        .take(64)
        .collect();
    let resp = match handle(st, &target, req).await {
        Ok(v) => {
            let mut r = (StatusCode::OK, v.to_string()).into_response();
            r.headers_mut().insert(
                "content-type",
                HeaderValue::from_static(tessera_wire::error::CONTENT_TYPE),
            );
            r
        }
        Err(e) => {
            tracing::info!(request_id = %id, operation = %operation, error = e.code, "refused");
            e.into_response()
        }
    };
    tracing::debug!(
        request_id = %id,
        operation = %operation,
        status = resp.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    with_request_id(resp, &id)
}

async fn handle(st: AppState, target: &str, req: Request) -> Result<Value, ApiError> {
    let (parts, body) = req.into_parts();
    let (service, name) = split_target(target).ok_or_else(|| {
        ApiError::new(
            "UnknownOperationException",
            "Missing or malformed X-Amz-Target header.",
        )
    })?;
    let op = find_operation(service, name).ok_or_else(|| {
        ApiError::new(
            "UnknownOperationException",
            format!("Operation {name} is not known."),
        )
    })?;

    let bytes = read_body(body).await?;

    let region = if op.signed {
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
            body: &bytes,
        };
        let keys = &st.config.admin_keys;
        let verified = sigv4::verify(
            &request,
            service.signing_name(),
            SystemClock.now_secs(),
            |akid| keys.get(akid).map(|s| s.expose().clone()),
        )
        .map_err(|e| {
            let status = if e.aws_error_code() == "MissingAuthenticationTokenException" {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::BAD_REQUEST
            };
            ApiError::new(e.aws_error_code(), e.message()).with_status(status)
        })?;
        verified.region
    } else {
        st.core.settings().default_region.clone()
    };

    let input = read_input(&bytes)?;
    invoke(&st, op, input, region).await
}

/// Runs `op` with `input` for a caller already authenticated (the API after SigV4, the
/// console after its session check): model validation, the operation's handler, and the
/// mapping of its errors. Every change goes through here, whoever asks.
pub(crate) async fn invoke(
    st: &AppState,
    op: &'static tessera_wire::ops::Operation,
    input: Value,
    region: String,
) -> Result<Value, ApiError> {
    let service = op.service;
    tessera_wire::validate::validate_input(op, &input)?;

    let handler = st.registry.get(service, op.name).ok_or_else(|| {
        ApiError::new(
            "UnsupportedOperationException",
            format!("Tessera does not implement {} yet.", op.name),
        )
    })?;
    // A site that is a pool's secondary Region refuses what a secondary may not do.
    if service == tessera_wire::ops::Service::CognitoIdp {
        st.core.site_gate(op, &input).await?;
    }
    let ctx = Ctx {
        core: st.core.clone(),
        identity: st.identity.clone(),
        region,
    };
    let result = handler(ctx, input).await.map_err(|e| unmodeled_race(op, e));
    if let Err(e) = &result {
        if !op.may_return(e.code) && !PROTOCOL_ERRORS.contains(&e.code) {
            tracing::warn!(
                operation = op.name,
                code = e.code,
                "returned an exception the model does not list"
            );
        }
        tracing::debug!(operation = op.name, code = e.code, "operation failed");
    }
    result
}

/// An operation that lost every optimistic retry to concurrent writers, where its model has
/// no ConcurrentModificationException (ConfirmSignUp, RespondToAuthChallenge, ...: Cognito
/// never answers it there), answers InternalErrorException instead: a 500 that the SDKs
/// retry by themselves, and an exception every such operation lists.
fn unmodeled_race(op: &tessera_wire::ops::Operation, e: ApiError) -> ApiError {
    const RACE: &str = "ConcurrentModificationException";
    if e.code == RACE && !op.may_return(RACE) {
        return ApiError::internal(format!("{}: {}", op.name, e.message));
    }
    e
}

/// The request body as JSON: empty means `{}`, nulls are dropped (the `wire_json` fuzz target
/// calls this too).
pub(crate) fn read_input(bytes: &[u8]) -> Result<Value, ApiError> {
    let mut input: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(bytes).map_err(|e| {
            ApiError::serialization(format!("The request body is not valid JSON: {e}"))
        })?
    };
    drop_nulls(&mut input);
    Ok(input)
}

/// Errors of the protocol itself, which any operation may return.
const PROTOCOL_ERRORS: &[&str] = &[
    "SerializationException",
    "UnknownOperationException",
    "UnsupportedOperationException",
];

async fn read_body(body: Body) -> Result<bytes::Bytes, ApiError> {
    to_bytes(body, MAX_BODY_BYTES).await.map_err(|_| {
        ApiError::serialization(format!(
            "The request body exceeds the limit of {MAX_BODY_BYTES} bytes."
        ))
        .with_status(StatusCode::PAYLOAD_TOO_LARGE)
    })
}

/// `POST /moto-api/reset` (test mode only): wipes all state, as moto's server mode does.
pub(crate) async fn reset(State(st): State<AppState>) -> Response {
    match st.core.reset_all().await {
        Ok(()) => (
            StatusCode::OK,
            [("content-type", "application/json")],
            r#"{"status": "ok"}"#,
        )
            .into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// AWS JSON treats `null` as absent, and browser SDKs send it (amazon-cognito-identity-js
/// puts `"DEVICE_KEY": null` into AuthParameters): drop nulls from objects, at any depth.
fn drop_nulls(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use tessera_wire::ops::{Service, operations};

    use super::*;

    #[test]
    fn a_lost_race_is_an_internal_error_where_the_model_has_no_concurrent_modification() {
        let race = || ApiError::new("ConcurrentModificationException", "lost");
        let confirm = find_operation(Service::CognitoIdp, "ConfirmSignUp").unwrap();
        assert!(!confirm.may_return("ConcurrentModificationException"));
        let e = unmodeled_race(confirm, race());
        assert_eq!(
            (e.code, e.status),
            ("InternalErrorException", StatusCode::INTERNAL_SERVER_ERROR)
        );
        assert!(confirm.may_return("InternalErrorException"));
        // Where the model lists it, it stays.
        let modeled = operations(Service::CognitoIdp)
            .iter()
            .find(|o| o.may_return("ConcurrentModificationException"))
            .unwrap();
        assert_eq!(
            unmodeled_race(modeled, race()).code,
            "ConcurrentModificationException"
        );
        // Other errors pass through.
        let other = ApiError::new("NotAuthorizedException", "no");
        assert_eq!(
            unmodeled_race(confirm, other).code,
            "NotAuthorizedException"
        );
    }
}
