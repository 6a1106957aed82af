//! `DeleteUserAttributes`: The user removes some of its own attributes.
use tessera_wire::idp::{DeleteUserAttributesRequest, DeleteUserAttributesResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: DeleteUserAttributesRequest,
) -> Result<DeleteUserAttributesResponse, ApiError> {
    ctx.core
        .delete_user_attributes(&req.access_token, &req.user_attribute_names)
        .await?;
    Ok(DeleteUserAttributesResponse {})
}
