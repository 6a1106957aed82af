//! `UpdateIdentityProvider`.
use tessera_wire::idp::{UpdateIdentityProviderRequest, UpdateIdentityProviderResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: UpdateIdentityProviderRequest,
) -> Result<UpdateIdentityProviderResponse, ApiError> {
    let identity_provider = ctx.core.update_identity_provider(req).await?;
    Ok(UpdateIdentityProviderResponse { identity_provider })
}
