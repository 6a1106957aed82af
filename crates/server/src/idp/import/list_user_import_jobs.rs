//! `ListUserImportJobs`.
use tessera_wire::idp::{ListUserImportJobsRequest, ListUserImportJobsResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: ListUserImportJobsRequest,
) -> Result<ListUserImportJobsResponse, ApiError> {
    let (jobs, next) = ctx
        .core
        .list_user_import_jobs(
            &req.user_pool_id,
            req.max_results,
            req.pagination_token.as_deref(),
        )
        .await?;
    Ok(ListUserImportJobsResponse {
        user_import_jobs: Some(jobs),
        pagination_token: next,
    })
}
