//! `CreateIdentityProvider`.
use tessera_wire::idp::{CreateIdentityProviderRequest, CreateIdentityProviderResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: CreateIdentityProviderRequest,
) -> Result<CreateIdentityProviderResponse, ApiError> {
    let identity_provider = ctx.core.create_identity_provider(req).await?;
    Ok(CreateIdentityProviderResponse { identity_provider })
}
