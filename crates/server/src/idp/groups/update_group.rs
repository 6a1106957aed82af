//! `UpdateGroup`: only the members the request carries change.
use tessera_wire::idp::{UpdateGroupRequest, UpdateGroupResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: UpdateGroupRequest,
) -> Result<UpdateGroupResponse, ApiError> {
    let group = ctx.core.update_group(req).await?;
    Ok(UpdateGroupResponse { group: Some(group) })
}
