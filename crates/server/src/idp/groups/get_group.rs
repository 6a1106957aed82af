//! `GetGroup`.
use tessera_wire::idp::{GetGroupRequest, GetGroupResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(ctx: Ctx, req: GetGroupRequest) -> Result<GetGroupResponse, ApiError> {
    let group = ctx
        .core
        .get_group(&req.user_pool_id, &req.group_name)
        .await?;
    Ok(GetGroupResponse { group: Some(group) })
}
