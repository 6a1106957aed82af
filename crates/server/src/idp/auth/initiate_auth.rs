//! `InitiateAuth`: Starts a sign-in (password, SRP or refresh).
use tessera_wire::idp::{InitiateAuthRequest, InitiateAuthResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: InitiateAuthRequest,
) -> Result<InitiateAuthResponse, ApiError> {
    let out = ctx.core.initiate_auth(req).await?;
    Ok(InitiateAuthResponse {
        challenge_name: out.challenge_name,
        session: out.session,
        challenge_parameters: out.challenge_parameters,
        authentication_result: out.authentication_result,
        available_challenges: out.available_challenges,
    })
}
