//! `StartUserImportJob`.
use tessera_wire::idp::{StartUserImportJobRequest, StartUserImportJobResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: StartUserImportJobRequest,
) -> Result<StartUserImportJobResponse, ApiError> {
    let job = ctx
        .core
        .start_user_import_job(&req.user_pool_id, &req.job_id)
        .await?;
    Ok(StartUserImportJobResponse {
        user_import_job: Some(job),
    })
}
