//! `SetUserSettings (legacy SMS MFA)`.
use tessera_wire::idp::{SetUserSettingsRequest, SetUserSettingsResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: SetUserSettingsRequest,
) -> Result<SetUserSettingsResponse, ApiError> {
    ctx.core
        .set_user_settings(&req.access_token, &req.mfa_options)
        .await?;
    Ok(SetUserSettingsResponse {})
}
