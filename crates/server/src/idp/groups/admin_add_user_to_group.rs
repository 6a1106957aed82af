//! `AdminAddUserToGroup`: adding a member again succeeds.
use tessera_wire::idp::AdminAddUserToGroupRequest;

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(ctx: Ctx, req: AdminAddUserToGroupRequest) -> Result<(), ApiError> {
    ctx.core
        .admin_add_user_to_group(&req.user_pool_id, &req.username, &req.group_name)
        .await?;
    Ok(())
}
