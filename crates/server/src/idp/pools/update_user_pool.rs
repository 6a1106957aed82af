//! `UpdateUserPool`: omitted settings return to their defaults, as in Cognito.
use tessera_wire::idp::{UpdateUserPoolRequest, UpdateUserPoolResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: UpdateUserPoolRequest,
) -> Result<UpdateUserPoolResponse, ApiError> {
    ctx.core.update_user_pool(req).await?;
    Ok(UpdateUserPoolResponse {})
}
