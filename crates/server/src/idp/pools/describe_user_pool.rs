//! `DescribeUserPool`.
use tessera_wire::idp::{DescribeUserPoolRequest, DescribeUserPoolResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: DescribeUserPoolRequest,
) -> Result<DescribeUserPoolResponse, ApiError> {
    let pool = ctx.core.describe_user_pool(&req.user_pool_id).await?;
    Ok(DescribeUserPoolResponse {
        user_pool: Some(pool),
    })
}
