//! `DeleteUserPoolClient`.
use tessera_wire::idp::DeleteUserPoolClientRequest;

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(ctx: Ctx, req: DeleteUserPoolClientRequest) -> Result<(), ApiError> {
    Ok(ctx
        .core
        .delete_user_pool_client(&req.user_pool_id, &req.client_id)
        .await?)
}
