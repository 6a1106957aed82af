//! `StartWebAuthnRegistration`.
use tessera_wire::idp::{StartWebAuthnRegistrationRequest, StartWebAuthnRegistrationResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: StartWebAuthnRegistrationRequest,
) -> Result<StartWebAuthnRegistrationResponse, ApiError> {
    let credential_creation_options = ctx
        .core
        .start_web_authn_registration(&req.access_token)
        .await?;
    Ok(StartWebAuthnRegistrationResponse {
        credential_creation_options,
    })
}
