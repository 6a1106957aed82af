//! `ListUserPoolClients`.
use tessera_wire::idp::{ListUserPoolClientsRequest, ListUserPoolClientsResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: ListUserPoolClientsRequest,
) -> Result<ListUserPoolClientsResponse, ApiError> {
    let (clients, next) = ctx
        .core
        .list_user_pool_clients(
            &req.user_pool_id,
            req.max_results,
            req.next_token.as_deref(),
            req.client_type.as_deref(),
        )
        .await?;
    Ok(ListUserPoolClientsResponse {
        user_pool_clients: Some(clients),
        next_token: next,
    })
}
