//! `DeleteTerms`.
use tessera_wire::idp::DeleteTermsRequest;

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(ctx: Ctx, req: DeleteTermsRequest) -> Result<(), ApiError> {
    ctx.core
        .delete_terms(&req.user_pool_id, &req.terms_id)
        .await?;
    Ok(())
}
