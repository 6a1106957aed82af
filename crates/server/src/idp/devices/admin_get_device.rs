//! `AdminGetDevice`.
use tessera_wire::idp::{AdminGetDeviceRequest, AdminGetDeviceResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: AdminGetDeviceRequest,
) -> Result<AdminGetDeviceResponse, ApiError> {
    let device = ctx
        .core
        .admin_get_device(&req.user_pool_id, &req.username, &req.device_key)
        .await?;
    Ok(AdminGetDeviceResponse { device })
}
