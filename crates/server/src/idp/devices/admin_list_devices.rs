//! `AdminListDevices`.
use tessera_wire::idp::{AdminListDevicesRequest, AdminListDevicesResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: AdminListDevicesRequest,
) -> Result<AdminListDevicesResponse, ApiError> {
    let (devices, pagination_token) = ctx
        .core
        .admin_list_devices(
            &req.user_pool_id,
            &req.username,
            req.limit,
            req.pagination_token.as_deref(),
        )
        .await?;
    Ok(AdminListDevicesResponse {
        devices: Some(devices),
        pagination_token,
    })
}
