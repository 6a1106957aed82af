//! `AdminSetUserMFAPreference`.
use tessera_wire::idp::{AdminSetUserMFAPreferenceRequest, AdminSetUserMFAPreferenceResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: AdminSetUserMFAPreferenceRequest,
) -> Result<AdminSetUserMFAPreferenceResponse, ApiError> {
    ctx.core.admin_set_user_mfa_preference(req).await?;
    Ok(AdminSetUserMFAPreferenceResponse {})
}
