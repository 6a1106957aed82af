//! `AdminSetUserSettings (legacy SMS MFA)`.
use tessera_wire::idp::{AdminSetUserSettingsRequest, AdminSetUserSettingsResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: AdminSetUserSettingsRequest,
) -> Result<AdminSetUserSettingsResponse, ApiError> {
    ctx.core
        .admin_set_user_settings(&req.user_pool_id, &req.username, &req.mfa_options)
        .await?;
    Ok(AdminSetUserSettingsResponse {})
}
