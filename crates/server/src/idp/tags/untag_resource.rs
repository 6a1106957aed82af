//! `UntagResource`.
use tessera_wire::idp::{UntagResourceRequest, UntagResourceResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: UntagResourceRequest,
) -> Result<UntagResourceResponse, ApiError> {
    ctx.core
        .untag_resource(&req.resource_arn, &req.tag_keys)
        .await?;
    Ok(UntagResourceResponse {})
}
