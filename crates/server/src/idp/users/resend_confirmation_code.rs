//! `ResendConfirmationCode`: Sends a new sign-up confirmation code.
use tessera_wire::idp::{ResendConfirmationCodeRequest, ResendConfirmationCodeResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: ResendConfirmationCodeRequest,
) -> Result<ResendConfirmationCodeResponse, ApiError> {
    let details = ctx.core.resend_confirmation_code(req).await?;
    Ok(ResendConfirmationCodeResponse {
        code_delivery_details: details,
    })
}
