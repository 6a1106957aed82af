//! `AdminGetUser`: Reads a user by username or alias.
use tessera_wire::idp::{AdminGetUserRequest, AdminGetUserResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: AdminGetUserRequest,
) -> Result<AdminGetUserResponse, ApiError> {
    Ok(ctx
        .core
        .admin_get_user(&req.user_pool_id, &req.username)
        .await?)
}
