//! `ListTerms`.
use tessera_wire::idp::{ListTermsRequest, ListTermsResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(ctx: Ctx, req: ListTermsRequest) -> Result<ListTermsResponse, ApiError> {
    let (terms, next_token) = ctx
        .core
        .list_terms(
            &req.user_pool_id,
            req.max_results,
            req.next_token.as_deref(),
        )
        .await?;
    Ok(ListTermsResponse { terms, next_token })
}
