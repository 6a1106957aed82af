//! `ListUserPools`.
use tessera_wire::idp::{ListUserPoolsRequest, ListUserPoolsResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: ListUserPoolsRequest,
) -> Result<ListUserPoolsResponse, ApiError> {
    let (pools, next) = ctx
        .core
        .list_user_pools(req.max_results, req.next_token.as_deref())
        .await?;
    Ok(ListUserPoolsResponse {
        user_pools: Some(pools),
        next_token: next,
    })
}
