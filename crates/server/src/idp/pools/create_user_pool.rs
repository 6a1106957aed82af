//! `CreateUserPool`: the pool's region is the caller's SigV4 region.
use tessera_wire::idp::{CreateUserPoolRequest, CreateUserPoolResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: CreateUserPoolRequest,
) -> Result<CreateUserPoolResponse, ApiError> {
    let pool = ctx.core.create_user_pool(req, &ctx.region).await?;
    Ok(CreateUserPoolResponse {
        user_pool: Some(pool),
    })
}
