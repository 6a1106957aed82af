//! `UpdateDeviceStatus`.
use tessera_wire::idp::{UpdateDeviceStatusRequest, UpdateDeviceStatusResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: UpdateDeviceStatusRequest,
) -> Result<UpdateDeviceStatusResponse, ApiError> {
    ctx.core
        .update_device_status(
            &req.access_token,
            &req.device_key,
            req.device_remembered_status.as_deref(),
        )
        .await?;
    Ok(UpdateDeviceStatusResponse {})
}
