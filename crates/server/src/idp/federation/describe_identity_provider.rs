//! `DescribeIdentityProvider`.
use tessera_wire::idp::{DescribeIdentityProviderRequest, DescribeIdentityProviderResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: DescribeIdentityProviderRequest,
) -> Result<DescribeIdentityProviderResponse, ApiError> {
    let identity_provider = ctx
        .core
        .describe_identity_provider(&req.user_pool_id, &req.provider_name)
        .await?;
    Ok(DescribeIdentityProviderResponse { identity_provider })
}
