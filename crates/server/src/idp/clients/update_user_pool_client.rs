//! `UpdateUserPoolClient`: omitted settings return to their defaults, as in Cognito.
use tessera_wire::idp::{UpdateUserPoolClientRequest, UpdateUserPoolClientResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: UpdateUserPoolClientRequest,
) -> Result<UpdateUserPoolClientResponse, ApiError> {
    let client = ctx.core.update_user_pool_client(req).await?;
    Ok(UpdateUserPoolClientResponse {
        user_pool_client: Some(client),
    })
}
