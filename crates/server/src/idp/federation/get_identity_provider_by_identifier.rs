//! `GetIdentityProviderByIdentifier`.
use tessera_wire::idp::{
    GetIdentityProviderByIdentifierRequest, GetIdentityProviderByIdentifierResponse,
};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: GetIdentityProviderByIdentifierRequest,
) -> Result<GetIdentityProviderByIdentifierResponse, ApiError> {
    let identity_provider = ctx
        .core
        .get_identity_provider_by_identifier(&req.user_pool_id, &req.idp_identifier)
        .await?;
    Ok(GetIdentityProviderByIdentifierResponse { identity_provider })
}
