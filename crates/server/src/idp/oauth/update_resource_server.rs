//! `UpdateResourceServer`: the name and the whole scope list are replaced.
use tessera_wire::idp::{UpdateResourceServerRequest, UpdateResourceServerResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: UpdateResourceServerRequest,
) -> Result<UpdateResourceServerResponse, ApiError> {
    let resource_server = ctx.core.update_resource_server(req).await?;
    Ok(UpdateResourceServerResponse { resource_server })
}
