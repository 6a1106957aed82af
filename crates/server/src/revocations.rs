//! `GET /tessera/revocations?since=<ms>`: the revoked sign-ins (`origin_jti`s) written at or
//! after `since` whose tokens may still be alive, for gateways that refuse revoked tokens
//! without asking Tessera about every request. Admin-only, like the outbox (SigV4 or HTTP
//! Basic with an admin key). Answers `{"now": <ms>, "revoked": [{"originJti", "untilMs"}]}`;
//! ask next with `since` a few seconds before `now` (rows commit a little after their time).

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::{ApiError, AppState};

#[derive(Deserialize)]
struct Since {
    since: Option<i64>,
}

pub(crate) async fn feed(State(st): State<AppState>, req: Request) -> Response {
    let parts = match crate::outbox::admin_get(&st, req, "revocations", None).await {
        Ok(parts) => parts,
        Err(refusal) => return refusal,
    };
    let Ok(q) = axum::extract::Query::<Since>::try_from_uri(&parts.uri) else {
        return ApiError::new(
            "InvalidParameterException",
            "since must be milliseconds since the epoch.",
        )
        .into_response();
    };
    match st.core.revocation_feed(q.0.since.unwrap_or(0)).await {
        Ok((now, rows)) => {
            let revoked: Vec<serde_json::Value> = rows
                .into_iter()
                .map(|r| serde_json::json!({ "originJti": r.origin_jti, "untilMs": r.until_ms }))
                .collect();
            axum::Json(serde_json::json!({ "now": now, "revoked": revoked })).into_response()
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}
