//! `UpdateUserPoolDomain`.
use tessera_wire::idp::{UpdateUserPoolDomainRequest, UpdateUserPoolDomainResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: UpdateUserPoolDomainRequest,
) -> Result<UpdateUserPoolDomainResponse, ApiError> {
    Ok(ctx.core.update_user_pool_domain(req).await?)
}
