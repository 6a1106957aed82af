//! `DescribeManagedLoginBrandingByClient`.
use tessera_wire::idp::{
    DescribeManagedLoginBrandingByClientRequest, DescribeManagedLoginBrandingByClientResponse,
};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: DescribeManagedLoginBrandingByClientRequest,
) -> Result<DescribeManagedLoginBrandingByClientResponse, ApiError> {
    let branding = ctx
        .core
        .describe_managed_login_branding_by_client(&req.user_pool_id, &req.client_id)
        .await?;
    Ok(DescribeManagedLoginBrandingByClientResponse {
        managed_login_branding: Some(branding),
    })
}
