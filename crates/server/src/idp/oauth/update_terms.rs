//! `UpdateTerms`: members left out keep their values.
use tessera_wire::idp::{UpdateTermsRequest, UpdateTermsResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: UpdateTermsRequest,
) -> Result<UpdateTermsResponse, ApiError> {
    let terms = ctx.core.update_terms(req).await?;
    Ok(UpdateTermsResponse { terms: Some(terms) })
}
