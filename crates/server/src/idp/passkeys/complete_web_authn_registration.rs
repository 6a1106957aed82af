//! `CompleteWebAuthnRegistration`.
use tessera_wire::idp::{
    CompleteWebAuthnRegistrationRequest, CompleteWebAuthnRegistrationResponse,
};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: CompleteWebAuthnRegistrationRequest,
) -> Result<CompleteWebAuthnRegistrationResponse, ApiError> {
    ctx.core
        .complete_web_authn_registration(&req.access_token, req.credential)
        .await?;
    Ok(CompleteWebAuthnRegistrationResponse {})
}
