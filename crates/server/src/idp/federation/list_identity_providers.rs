//! `ListIdentityProviders`.
use tessera_wire::idp::{ListIdentityProvidersRequest, ListIdentityProvidersResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: ListIdentityProvidersRequest,
) -> Result<ListIdentityProvidersResponse, ApiError> {
    let (providers, next_token) = ctx
        .core
        .list_identity_providers(
            &req.user_pool_id,
            req.max_results,
            req.next_token.as_deref(),
        )
        .await?;
    Ok(ListIdentityProvidersResponse {
        providers,
        next_token,
    })
}
