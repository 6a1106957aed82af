//! `AdminUpdateDeviceStatus`.
use tessera_wire::idp::{AdminUpdateDeviceStatusRequest, AdminUpdateDeviceStatusResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: AdminUpdateDeviceStatusRequest,
) -> Result<AdminUpdateDeviceStatusResponse, ApiError> {
    ctx.core
        .admin_update_device_status(
            &req.user_pool_id,
            &req.username,
            &req.device_key,
            req.device_remembered_status.as_deref(),
        )
        .await?;
    Ok(AdminUpdateDeviceStatusResponse {})
}
