//! `ListUsers`: Lists users with Cognito's filter language and keyset pagination.
use tessera_wire::idp::{ListUsersRequest, ListUsersResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(ctx: Ctx, req: ListUsersRequest) -> Result<ListUsersResponse, ApiError> {
    let (users, token) = ctx.core.list_users(req).await?;
    Ok(ListUsersResponse {
        users: Some(users),
        pagination_token: token,
    })
}
