//! `GetDevice`.
use tessera_wire::idp::{GetDeviceRequest, GetDeviceResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(ctx: Ctx, req: GetDeviceRequest) -> Result<GetDeviceResponse, ApiError> {
    let token = super::token(req.access_token.as_deref())?;
    let device = ctx.core.get_device(token, &req.device_key).await?;
    Ok(GetDeviceResponse { device })
}
