//! `CreateGroup`.
use tessera_wire::idp::{CreateGroupRequest, CreateGroupResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: CreateGroupRequest,
) -> Result<CreateGroupResponse, ApiError> {
    let group = ctx.core.create_group(req).await?;
    Ok(CreateGroupResponse { group: Some(group) })
}
