//! `CreateUserPoolDomain`.
use tessera_wire::idp::{CreateUserPoolDomainRequest, CreateUserPoolDomainResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: CreateUserPoolDomainRequest,
) -> Result<CreateUserPoolDomainResponse, ApiError> {
    Ok(ctx.core.create_user_pool_domain(req).await?)
}
