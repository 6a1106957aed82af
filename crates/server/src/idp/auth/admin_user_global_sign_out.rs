//! `AdminUserGlobalSignOut`: Ends every sign-in of a user.
use tessera_wire::idp::{AdminUserGlobalSignOutRequest, AdminUserGlobalSignOutResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: AdminUserGlobalSignOutRequest,
) -> Result<AdminUserGlobalSignOutResponse, ApiError> {
    ctx.core
        .admin_user_global_sign_out(&req.user_pool_id, &req.username)
        .await?;
    Ok(AdminUserGlobalSignOutResponse {})
}
