//! `AddCustomAttributes`.
use tessera_wire::idp::{AddCustomAttributesRequest, AddCustomAttributesResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: AddCustomAttributesRequest,
) -> Result<AddCustomAttributesResponse, ApiError> {
    ctx.core.add_custom_attributes(req).await?;
    Ok(AddCustomAttributesResponse {})
}
