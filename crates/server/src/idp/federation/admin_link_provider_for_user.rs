//! `AdminLinkProviderForUser`.
use tessera_wire::idp::{AdminLinkProviderForUserRequest, AdminLinkProviderForUserResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: AdminLinkProviderForUserRequest,
) -> Result<AdminLinkProviderForUserResponse, ApiError> {
    ctx.core
        .admin_link_provider_for_user(&req.user_pool_id, &req.destination_user, &req.source_user)
        .await?;
    Ok(AdminLinkProviderForUserResponse {})
}
