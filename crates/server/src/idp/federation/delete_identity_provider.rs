//! `DeleteIdentityProvider`.
use tessera_wire::idp::DeleteIdentityProviderRequest;

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(ctx: Ctx, req: DeleteIdentityProviderRequest) -> Result<(), ApiError> {
    ctx.core
        .delete_identity_provider(&req.user_pool_id, &req.provider_name)
        .await?;
    Ok(())
}
