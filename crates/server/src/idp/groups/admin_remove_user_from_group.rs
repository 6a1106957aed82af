//! `AdminRemoveUserFromGroup`: removing a non-member succeeds.
use tessera_wire::idp::AdminRemoveUserFromGroupRequest;

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(ctx: Ctx, req: AdminRemoveUserFromGroupRequest) -> Result<(), ApiError> {
    ctx.core
        .admin_remove_user_from_group(&req.user_pool_id, &req.username, &req.group_name)
        .await?;
    Ok(())
}
