//! `AdminResetUserPassword`: Forces a password reset with a code.
use tessera_wire::idp::{AdminResetUserPasswordRequest, AdminResetUserPasswordResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: AdminResetUserPasswordRequest,
) -> Result<AdminResetUserPasswordResponse, ApiError> {
    ctx.core
        .admin_reset_user_password(
            &req.user_pool_id,
            &req.username,
            req.client_metadata.as_ref(),
        )
        .await?;
    Ok(AdminResetUserPasswordResponse {})
}
