//! `ListUsersInGroup`.
use tessera_wire::idp::{ListUsersInGroupRequest, ListUsersInGroupResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: ListUsersInGroupRequest,
) -> Result<ListUsersInGroupResponse, ApiError> {
    let (users, next) = ctx
        .core
        .list_users_in_group(
            &req.user_pool_id,
            &req.group_name,
            req.limit,
            req.next_token.as_deref(),
        )
        .await?;
    Ok(ListUsersInGroupResponse {
        users: Some(users),
        next_token: next,
    })
}
