//! `AdminDeleteUserAttributes`: Removes attributes from a user.
use tessera_wire::idp::{AdminDeleteUserAttributesRequest, AdminDeleteUserAttributesResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: AdminDeleteUserAttributesRequest,
) -> Result<AdminDeleteUserAttributesResponse, ApiError> {
    ctx.core
        .admin_delete_user_attributes(&req.user_pool_id, &req.username, &req.user_attribute_names)
        .await?;
    Ok(AdminDeleteUserAttributesResponse {})
}
