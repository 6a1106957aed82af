//! `AdminUpdateUserAttributes`: Changes a user's attributes.
use tessera_wire::idp::{AdminUpdateUserAttributesRequest, AdminUpdateUserAttributesResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: AdminUpdateUserAttributesRequest,
) -> Result<AdminUpdateUserAttributesResponse, ApiError> {
    ctx.core.admin_update_user_attributes(req).await?;
    Ok(AdminUpdateUserAttributesResponse {})
}
