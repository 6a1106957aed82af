//! `DescribeUserImportJob`.
use tessera_wire::idp::{DescribeUserImportJobRequest, DescribeUserImportJobResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: DescribeUserImportJobRequest,
) -> Result<DescribeUserImportJobResponse, ApiError> {
    let job = ctx
        .core
        .describe_user_import_job(&req.user_pool_id, &req.job_id)
        .await?;
    Ok(DescribeUserImportJobResponse {
        user_import_job: Some(job),
    })
}
