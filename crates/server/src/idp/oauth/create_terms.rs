//! `CreateTerms`.
use tessera_wire::idp::{CreateTermsRequest, CreateTermsResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: CreateTermsRequest,
) -> Result<CreateTermsResponse, ApiError> {
    let terms = ctx.core.create_terms(req).await?;
    Ok(CreateTermsResponse { terms: Some(terms) })
}
