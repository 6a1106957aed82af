//! `CreateUserPoolClient`.
use tessera_wire::idp::{CreateUserPoolClientRequest, CreateUserPoolClientResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: CreateUserPoolClientRequest,
) -> Result<CreateUserPoolClientResponse, ApiError> {
    let client = ctx.core.create_user_pool_client(req).await?;
    Ok(CreateUserPoolClientResponse {
        user_pool_client: Some(client),
    })
}
