//! `GetUICustomization`: the app client's, else the pool's `ALL` one, else an empty shape.
use tessera_wire::idp::{GetUICustomizationRequest, GetUICustomizationResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: GetUICustomizationRequest,
) -> Result<GetUICustomizationResponse, ApiError> {
    let ui_customization = ctx
        .core
        .get_ui_customization(&req.user_pool_id, req.client_id.as_deref())
        .await?;
    Ok(GetUICustomizationResponse { ui_customization })
}
