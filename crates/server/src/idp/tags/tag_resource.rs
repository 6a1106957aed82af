//! `TagResource`.
use tessera_wire::idp::{TagResourceRequest, TagResourceResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: TagResourceRequest,
) -> Result<TagResourceResponse, ApiError> {
    ctx.core.tag_resource(&req.resource_arn, req.tags).await?;
    Ok(TagResourceResponse {})
}
