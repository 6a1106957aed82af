//! `DeleteUser`: The user deletes itself.
use tessera_wire::idp::DeleteUserRequest;

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(ctx: Ctx, req: DeleteUserRequest) -> Result<(), ApiError> {
    ctx.core.delete_user(&req.access_token).await?;
    Ok(())
}
