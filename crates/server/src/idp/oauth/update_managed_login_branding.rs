//! `UpdateManagedLoginBranding`: settings and assets not given are kept.
use tessera_wire::idp::{UpdateManagedLoginBrandingRequest, UpdateManagedLoginBrandingResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: UpdateManagedLoginBrandingRequest,
) -> Result<UpdateManagedLoginBrandingResponse, ApiError> {
    let branding = ctx.core.update_managed_login_branding(req).await?;
    Ok(UpdateManagedLoginBrandingResponse {
        managed_login_branding: Some(branding),
    })
}
