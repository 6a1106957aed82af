//! `ListDevices`.
use tessera_wire::idp::{ListDevicesRequest, ListDevicesResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: ListDevicesRequest,
) -> Result<ListDevicesResponse, ApiError> {
    let (devices, pagination_token) = ctx
        .core
        .list_devices(
            &req.access_token,
            req.limit,
            req.pagination_token.as_deref(),
        )
        .await?;
    Ok(ListDevicesResponse {
        devices: Some(devices),
        pagination_token,
    })
}
