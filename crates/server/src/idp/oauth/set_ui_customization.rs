//! `SetUICustomization`: the classic hosted UI's CSS and logo, per app client or `ALL`.
use tessera_wire::idp::{SetUICustomizationRequest, SetUICustomizationResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: SetUICustomizationRequest,
) -> Result<SetUICustomizationResponse, ApiError> {
    let ui_customization = ctx.core.set_ui_customization(req).await?;
    Ok(SetUICustomizationResponse { ui_customization })
}
