//! `DescribeManagedLoginBranding`: `ReturnMergedResources` answers what is stored.
use tessera_wire::idp::{
    DescribeManagedLoginBrandingRequest, DescribeManagedLoginBrandingResponse,
};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: DescribeManagedLoginBrandingRequest,
) -> Result<DescribeManagedLoginBrandingResponse, ApiError> {
    let branding = ctx
        .core
        .describe_managed_login_branding(&req.user_pool_id, &req.managed_login_branding_id)
        .await?;
    Ok(DescribeManagedLoginBrandingResponse {
        managed_login_branding: Some(branding),
    })
}
