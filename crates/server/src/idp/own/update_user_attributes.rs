//! `UpdateUserAttributes`: The user changes its own attributes.
use tessera_wire::idp::{UpdateUserAttributesRequest, UpdateUserAttributesResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: UpdateUserAttributesRequest,
) -> Result<UpdateUserAttributesResponse, ApiError> {
    Ok(ctx.core.update_user_attributes(req).await?)
}
