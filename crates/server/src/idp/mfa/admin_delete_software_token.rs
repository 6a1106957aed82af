//! `AdminDeleteSoftwareToken`.
use tessera_wire::idp::{AdminDeleteSoftwareTokenRequest, AdminDeleteSoftwareTokenResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: AdminDeleteSoftwareTokenRequest,
) -> Result<AdminDeleteSoftwareTokenResponse, ApiError> {
    ctx.core
        .admin_delete_software_token(&req.user_pool_id, &req.username)
        .await?;
    Ok(AdminDeleteSoftwareTokenResponse {})
}
