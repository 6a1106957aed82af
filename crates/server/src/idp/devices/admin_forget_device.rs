//! `AdminForgetDevice`.
use tessera_wire::idp::AdminForgetDeviceRequest;

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(ctx: Ctx, req: AdminForgetDeviceRequest) -> Result<(), ApiError> {
    ctx.core
        .admin_forget_device(&req.user_pool_id, &req.username, &req.device_key)
        .await?;
    Ok(())
}
