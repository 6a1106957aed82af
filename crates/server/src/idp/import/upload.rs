//! `PUT /tessera/import/<pool id>/<job id>?expires=…&signature=…`: the `PreSignedUrl` of a
//! user import job, where `curl -T users.csv "$PreSignedUrl"` uploads the file as Cognito's
//! guide shows (its `x-amz-server-side-encryption` header is accepted and ignored). The
//! signature (server key) and the 15-minute expiry are the authorization; answers are
//! S3-style (empty 200, or an XML error).

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tessera_core::import::UploadRefusal;

use crate::AppState;

#[derive(Deserialize)]
pub(crate) struct Signed {
    expires: i64,
    signature: String,
}

fn s3_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        [("content-type", "application/xml")],
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>"),
    )
        .into_response()
}

pub(crate) async fn upload(
    State(st): State<AppState>,
    Path((pool_id, job_id)): Path<(String, String)>,
    Query(signed): Query<Signed>,
    body: Body,
) -> Response {
    // The signature first: nobody without the URL makes the server read 100 MB.
    if st
        .core
        .check_upload(&pool_id, &job_id, signed.expires, &signed.signature)
        .is_err()
    {
        return s3_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Request has expired or the signature does not match.",
        );
    }
    let Ok(body) = axum::body::to_bytes(body, tessera_core::import::MAX_FILE_BYTES).await else {
        return s3_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "EntityTooLarge",
            "The file is larger than 100 MB.",
        );
    };
    match st
        .core
        .upload_import_file(&pool_id, &job_id, signed.expires, &signed.signature, &body)
        .await
    {
        Ok(()) => StatusCode::OK.into_response(),
        Err(UploadRefusal::Forbidden) => s3_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Request has expired or the signature does not match.",
        ),
        Err(UploadRefusal::NotFound) => {
            s3_error(StatusCode::NOT_FOUND, "NoSuchKey", "No such import job.")
        }
        Err(UploadRefusal::Conflict) => s3_error(
            StatusCode::CONFLICT,
            "InvalidRequest",
            "The import job was started already; create a new job to upload another file.",
        ),
        Err(UploadRefusal::TooLarge) => s3_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "EntityTooLarge",
            "The file is larger than 100 MB.",
        ),
    }
}
