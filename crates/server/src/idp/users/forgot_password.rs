//! `ForgotPassword`: Sends a password reset code.
use tessera_wire::idp::{ForgotPasswordRequest, ForgotPasswordResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: ForgotPasswordRequest,
) -> Result<ForgotPasswordResponse, ApiError> {
    let details = ctx.core.forgot_password(req).await?;
    Ok(ForgotPasswordResponse {
        code_delivery_details: Some(details),
    })
}
