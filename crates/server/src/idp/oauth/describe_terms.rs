//! `DescribeTerms`.
use tessera_wire::idp::{DescribeTermsRequest, DescribeTermsResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: DescribeTermsRequest,
) -> Result<DescribeTermsResponse, ApiError> {
    let terms = ctx
        .core
        .describe_terms(&req.user_pool_id, &req.terms_id)
        .await?;
    Ok(DescribeTermsResponse { terms: Some(terms) })
}
