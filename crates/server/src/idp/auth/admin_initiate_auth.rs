//! `AdminInitiateAuth`: Starts a sign-in as an administrator (also the ADMIN_USER_PASSWORD_AUTH flow).
use tessera_wire::idp::{AdminInitiateAuthRequest, AdminInitiateAuthResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: AdminInitiateAuthRequest,
) -> Result<AdminInitiateAuthResponse, ApiError> {
    let out = ctx.core.admin_initiate_auth(req).await?;
    Ok(AdminInitiateAuthResponse {
        challenge_name: out.challenge_name,
        session: out.session,
        challenge_parameters: out.challenge_parameters,
        authentication_result: out.authentication_result,
        available_challenges: out.available_challenges,
    })
}
