//! `DeleteUserPoolDomain`.
use tessera_wire::idp::{DeleteUserPoolDomainRequest, DeleteUserPoolDomainResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: DeleteUserPoolDomainRequest,
) -> Result<DeleteUserPoolDomainResponse, ApiError> {
    ctx.core
        .delete_user_pool_domain(&req.user_pool_id, &req.domain)
        .await?;
    Ok(DeleteUserPoolDomainResponse {})
}
