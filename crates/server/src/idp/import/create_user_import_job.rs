//! `CreateUserImportJob`.
use tessera_wire::idp::{CreateUserImportJobRequest, CreateUserImportJobResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: CreateUserImportJobRequest,
) -> Result<CreateUserImportJobResponse, ApiError> {
    let job = ctx.core.create_user_import_job(req).await?;
    Ok(CreateUserImportJobResponse {
        user_import_job: Some(job),
    })
}
