//! `AdminDeleteUser`: Deletes a user and everything that belongs to it.
use tessera_wire::idp::AdminDeleteUserRequest;

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(ctx: Ctx, req: AdminDeleteUserRequest) -> Result<(), ApiError> {
    Ok(ctx
        .core
        .admin_delete_user(&req.user_pool_id, &req.username)
        .await?)
}
