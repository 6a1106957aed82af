//! `AdminListGroupsForUser`.
use tessera_wire::idp::{AdminListGroupsForUserRequest, AdminListGroupsForUserResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: AdminListGroupsForUserRequest,
) -> Result<AdminListGroupsForUserResponse, ApiError> {
    let (groups, next) = ctx
        .core
        .admin_list_groups_for_user(
            &req.user_pool_id,
            &req.username,
            req.limit,
            req.next_token.as_deref(),
        )
        .await?;
    Ok(AdminListGroupsForUserResponse {
        groups: Some(groups),
        next_token: next,
    })
}
