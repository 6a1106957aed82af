//! `ChangePassword`: The user changes its password, giving the previous one.
use tessera_wire::idp::{ChangePasswordRequest, ChangePasswordResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: ChangePasswordRequest,
) -> Result<ChangePasswordResponse, ApiError> {
    ctx.core.change_password(req).await?;
    Ok(ChangePasswordResponse {})
}
