//! `DeleteManagedLoginBranding`.
use tessera_wire::idp::DeleteManagedLoginBrandingRequest;

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: DeleteManagedLoginBrandingRequest,
) -> Result<(), ApiError> {
    ctx.core
        .delete_managed_login_branding(&req.user_pool_id, &req.managed_login_branding_id)
        .await?;
    Ok(())
}
