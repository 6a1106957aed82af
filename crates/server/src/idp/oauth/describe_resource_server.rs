//! `DescribeResourceServer`.
use tessera_wire::idp::{DescribeResourceServerRequest, DescribeResourceServerResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: DescribeResourceServerRequest,
) -> Result<DescribeResourceServerResponse, ApiError> {
    let resource_server = ctx
        .core
        .describe_resource_server(&req.user_pool_id, &req.identifier)
        .await?;
    Ok(DescribeResourceServerResponse { resource_server })
}
