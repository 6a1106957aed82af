//! `ForgetDevice`.
use tessera_wire::idp::ForgetDeviceRequest;

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(ctx: Ctx, req: ForgetDeviceRequest) -> Result<(), ApiError> {
    let token = super::token(req.access_token.as_deref())?;
    ctx.core.forget_device(token, &req.device_key).await?;
    Ok(())
}
