//! `CreateResourceServer`.
use tessera_wire::idp::{CreateResourceServerRequest, CreateResourceServerResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: CreateResourceServerRequest,
) -> Result<CreateResourceServerResponse, ApiError> {
    let resource_server = ctx.core.create_resource_server(req).await?;
    Ok(CreateResourceServerResponse { resource_server })
}
