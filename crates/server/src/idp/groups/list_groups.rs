//! `ListGroups`.
use tessera_wire::idp::{ListGroupsRequest, ListGroupsResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: ListGroupsRequest,
) -> Result<ListGroupsResponse, ApiError> {
    let (groups, next) = ctx
        .core
        .list_groups(&req.user_pool_id, req.limit, req.next_token.as_deref())
        .await?;
    Ok(ListGroupsResponse {
        groups: Some(groups),
        next_token: next,
    })
}
