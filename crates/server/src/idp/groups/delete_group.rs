//! `DeleteGroup`: the group's memberships go with it.
use tessera_wire::idp::DeleteGroupRequest;

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(ctx: Ctx, req: DeleteGroupRequest) -> Result<(), ApiError> {
    ctx.core
        .delete_group(&req.user_pool_id, &req.group_name)
        .await?;
    Ok(())
}
