//! `ListResourceServers`.
use tessera_wire::idp::{ListResourceServersRequest, ListResourceServersResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: ListResourceServersRequest,
) -> Result<ListResourceServersResponse, ApiError> {
    let (resource_servers, next_token) = ctx
        .core
        .list_resource_servers(
            &req.user_pool_id,
            req.max_results,
            req.next_token.as_deref(),
        )
        .await?;
    Ok(ListResourceServersResponse {
        resource_servers,
        next_token,
    })
}
