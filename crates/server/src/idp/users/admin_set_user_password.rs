//! `AdminSetUserPassword`: Sets a permanent or temporary password.
use tessera_wire::idp::{AdminSetUserPasswordRequest, AdminSetUserPasswordResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: AdminSetUserPasswordRequest,
) -> Result<AdminSetUserPasswordResponse, ApiError> {
    ctx.core
        .admin_set_user_password(
            &req.user_pool_id,
            &req.username,
            &req.password,
            req.permanent.unwrap_or(false),
        )
        .await?;
    Ok(AdminSetUserPasswordResponse {})
}
