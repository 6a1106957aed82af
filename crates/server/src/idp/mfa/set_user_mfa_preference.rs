//! `SetUserMFAPreference`.
use tessera_wire::idp::{SetUserMFAPreferenceRequest, SetUserMFAPreferenceResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: SetUserMFAPreferenceRequest,
) -> Result<SetUserMFAPreferenceResponse, ApiError> {
    ctx.core.set_user_mfa_preference(req).await?;
    Ok(SetUserMFAPreferenceResponse {})
}
