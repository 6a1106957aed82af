//! `AdminGetUserAuthFactors`.
use tessera_wire::idp::{AdminGetUserAuthFactorsRequest, AdminGetUserAuthFactorsResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: AdminGetUserAuthFactorsRequest,
) -> Result<AdminGetUserAuthFactorsResponse, ApiError> {
    let f = ctx
        .core
        .admin_get_user_auth_factors(&req.user_pool_id, &req.username)
        .await?;
    Ok(AdminGetUserAuthFactorsResponse {
        username: f.username,
        preferred_mfa_setting: f.preferred_mfa_setting,
        user_mfa_setting_list: f.user_mfa_setting_list,
        configured_user_auth_factors: f.configured_user_auth_factors,
    })
}
