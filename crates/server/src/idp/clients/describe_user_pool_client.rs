//! `DescribeUserPoolClient`.
use tessera_wire::idp::{DescribeUserPoolClientRequest, DescribeUserPoolClientResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: DescribeUserPoolClientRequest,
) -> Result<DescribeUserPoolClientResponse, ApiError> {
    let client = ctx
        .core
        .describe_user_pool_client(&req.user_pool_id, &req.client_id)
        .await?;
    Ok(DescribeUserPoolClientResponse {
        user_pool_client: Some(client),
    })
}
