//! `CreateManagedLoginBranding`: one style per app client.
use tessera_wire::idp::{CreateManagedLoginBrandingRequest, CreateManagedLoginBrandingResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: CreateManagedLoginBrandingRequest,
) -> Result<CreateManagedLoginBrandingResponse, ApiError> {
    let branding = ctx.core.create_managed_login_branding(req).await?;
    Ok(CreateManagedLoginBrandingResponse {
        managed_login_branding: Some(branding),
    })
}
