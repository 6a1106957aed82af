//! `AdminEnableUser`: Enables a user.
use tessera_wire::idp::{AdminEnableUserRequest, AdminEnableUserResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: AdminEnableUserRequest,
) -> Result<AdminEnableUserResponse, ApiError> {
    ctx.core
        .admin_set_enabled(&req.user_pool_id, &req.username, true)
        .await?;
    Ok(AdminEnableUserResponse {})
}
