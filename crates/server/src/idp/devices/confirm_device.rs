//! `ConfirmDevice`.
use tessera_wire::idp::{ConfirmDeviceRequest, ConfirmDeviceResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: ConfirmDeviceRequest,
) -> Result<ConfirmDeviceResponse, ApiError> {
    Ok(ctx.core.confirm_device(req).await?)
}
