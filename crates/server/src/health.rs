//! Probes for load balancers and orchestrators, unauthenticated and cheap:
//! `GET /health/live` (the process answers; `GET /health` is its alias) and
//! `GET /health/ready` (the checks in `tessera_core::health`; 503 while any fails, and
//! 503 `draining` as soon as a graceful shutdown begins, before connections are refused).

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::AppState;

fn json(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [
            ("content-type", "application/json"),
            ("cache-control", "no-store"),
        ],
        body.to_string(),
    )
        .into_response()
}

/// `GET /health/live`: the process is up and answering.
pub(crate) async fn live() -> Response {
    json(
        StatusCode::OK,
        serde_json::json!({ "status": "ok", "checks": { "process": { "status": "ok" } } }),
    )
}

/// `GET /health/ready`: whether this node should receive traffic.
pub(crate) async fn ready(State(st): State<AppState>) -> Response {
    if st.config.draining.load(Ordering::SeqCst) {
        return json(
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({ "status": "draining" }),
        );
    }
    let readiness = st.core.readiness().await;
    let mut checks = serde_json::Map::new();
    for (name, check) in &readiness.checks {
        let mut c = serde_json::Map::new();
        c.insert("status".into(), if check.ok { "ok" } else { "fail" }.into());
        if let Some(d) = &check.detail {
            c.insert("detail".into(), d.clone().into());
        }
        checks.insert((*name).into(), c.into());
    }
    let (status, word) = if readiness.ready() {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "fail")
    };
    json(
        status,
        serde_json::json!({ "status": word, "checks": checks }),
    )
}
