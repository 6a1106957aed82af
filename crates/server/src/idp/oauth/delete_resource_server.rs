//! `DeleteResourceServer`.
use tessera_wire::idp::DeleteResourceServerRequest;

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(ctx: Ctx, req: DeleteResourceServerRequest) -> Result<(), ApiError> {
    ctx.core
        .delete_resource_server(&req.user_pool_id, &req.identifier)
        .await?;
    Ok(())
}
