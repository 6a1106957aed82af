//! `ConfirmSignUp`: Confirms a sign-up with the emailed or texted code.
use tessera_wire::idp::{ConfirmSignUpRequest, ConfirmSignUpResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: ConfirmSignUpRequest,
) -> Result<ConfirmSignUpResponse, ApiError> {
    ctx.core.confirm_sign_up(req).await?;
    Ok(ConfirmSignUpResponse { session: None })
}
