//! `ConfirmForgotPassword`: Sets a new password with a reset code.
use tessera_wire::idp::{ConfirmForgotPasswordRequest, ConfirmForgotPasswordResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: ConfirmForgotPasswordRequest,
) -> Result<ConfirmForgotPasswordResponse, ApiError> {
    ctx.core.confirm_forgot_password(req).await?;
    Ok(ConfirmForgotPasswordResponse {})
}
