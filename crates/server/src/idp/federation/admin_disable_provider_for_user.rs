//! `AdminDisableProviderForUser`.
use tessera_wire::idp::{AdminDisableProviderForUserRequest, AdminDisableProviderForUserResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: AdminDisableProviderForUserRequest,
) -> Result<AdminDisableProviderForUserResponse, ApiError> {
    ctx.core
        .admin_disable_provider_for_user(&req.user_pool_id, &req.user)
        .await?;
    Ok(AdminDisableProviderForUserResponse {})
}
