//! `ListTagsForResource`.
use tessera_wire::idp::{ListTagsForResourceRequest, ListTagsForResourceResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: ListTagsForResourceRequest,
) -> Result<ListTagsForResourceResponse, ApiError> {
    let tags = ctx.core.list_tags_for_resource(&req.resource_arn).await?;
    Ok(ListTagsForResourceResponse { tags: Some(tags) })
}
