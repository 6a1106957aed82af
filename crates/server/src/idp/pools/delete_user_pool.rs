//! `DeleteUserPool`: refused while deletion protection is active.
use tessera_wire::idp::DeleteUserPoolRequest;

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(ctx: Ctx, req: DeleteUserPoolRequest) -> Result<(), ApiError> {
    Ok(ctx.core.delete_user_pool(&req.user_pool_id).await?)
}
