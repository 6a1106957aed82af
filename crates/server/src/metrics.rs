//! `GET /tessera/metrics`: Prometheus text exposition of Tessera's counters (trigger
//! invocations by trigger and outcome, and their durations). Admin-only, like the outbox: a
//! SigV4-signed GET or HTTP Basic `access_key_id:secret_access_key` (Prometheus's
//! `basic_auth`). The figures hold no secrets, but they describe the deployment's traffic.
//!
//! The recorder is process-wide (the `metrics` facade has one): the first server started in a
//! process installs it, later ones share it.

use std::sync::OnceLock;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::AppState;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process's recorder (once); `None` if another recorder was installed first.
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| match PrometheusBuilder::new().install_recorder() {
            Ok(h) => Some(h),
            Err(e) => {
                tracing::warn!(error = %e, "metrics recorder not installed");
                None
            }
        })
        .as_ref()
}

/// The value of the counter `name` on this node (0 when not recorded yet): its samples summed
/// over their labels, read from the exposition the recorder renders.
pub(crate) fn counter(name: &str) -> u64 {
    let Some(handle) = install() else {
        return 0;
    };
    handle
        .render()
        .lines()
        .filter(|l| {
            l.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with(' ') || rest.starts_with('{'))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

/// The samples of the counter `name` on this node, each with its labels in the order the
/// exposition writes them (`{trigger="PreSignUp",outcome="ok"} 3` → `[("trigger",
/// "PreSignUp"), ("outcome", "ok")], 3`). Empty when not recorded yet.
pub(crate) fn samples(name: &str) -> Vec<(Vec<(String, String)>, u64)> {
    let Some(handle) = install() else {
        return Vec::new();
    };
    handle
        .render()
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix(name)?.strip_prefix('{')?;
            let (labels, value) = rest.rsplit_once("} ")?;
            let value = value.trim().parse::<f64>().ok()? as u64;
            let labels = labels
                .split("\",")
                .filter_map(|kv| {
                    let (k, v) = kv.split_once("=\"")?;
                    Some((k.to_string(), v.trim_end_matches('"').to_string()))
                })
                .collect();
            Some((labels, value))
        })
        .collect()
}

pub(crate) async fn metrics(State(st): State<AppState>, req: Request) -> Response {
    let challenge = Some("Basic realm=\"tessera-metrics\", charset=\"UTF-8\"");
    if let Err(refusal) = crate::outbox::admin_get(&st, req, "metrics", challenge).await {
        return refusal;
    }
    let Some(handle) = install() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "metrics are not recorded").into_response();
    };
    let mut resp = (StatusCode::OK, handle.render()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}
