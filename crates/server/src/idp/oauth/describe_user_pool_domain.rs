//! `DescribeUserPoolDomain`: an empty description for a domain no pool has.
use tessera_wire::idp::{DescribeUserPoolDomainRequest, DescribeUserPoolDomainResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: DescribeUserPoolDomainRequest,
) -> Result<DescribeUserPoolDomainResponse, ApiError> {
    let desc = ctx.core.describe_user_pool_domain(&req.domain).await?;
    Ok(DescribeUserPoolDomainResponse {
        domain_description: Some(desc),
    })
}
