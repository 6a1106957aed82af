//! `AdminDisableUser`: Disables a user.
use tessera_wire::idp::{AdminDisableUserRequest, AdminDisableUserResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: AdminDisableUserRequest,
) -> Result<AdminDisableUserResponse, ApiError> {
    ctx.core
        .admin_set_enabled(&req.user_pool_id, &req.username, false)
        .await?;
    Ok(AdminDisableUserResponse {})
}
