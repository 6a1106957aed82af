//! `StopUserImportJob`.
use tessera_wire::idp::{StopUserImportJobRequest, StopUserImportJobResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: StopUserImportJobRequest,
) -> Result<StopUserImportJobResponse, ApiError> {
    let job = ctx
        .core
        .stop_user_import_job(&req.user_pool_id, &req.job_id)
        .await?;
    Ok(StopUserImportJobResponse {
        user_import_job: Some(job),
    })
}
