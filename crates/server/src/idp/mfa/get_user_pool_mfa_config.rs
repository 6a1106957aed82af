//! `GetUserPoolMfaConfig`.
use tessera_wire::idp::{GetUserPoolMfaConfigRequest, GetUserPoolMfaConfigResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: GetUserPoolMfaConfigRequest,
) -> Result<GetUserPoolMfaConfigResponse, ApiError> {
    Ok(ctx.core.get_user_pool_mfa_config(&req.user_pool_id).await?)
}
