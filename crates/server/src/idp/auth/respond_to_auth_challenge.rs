//! `RespondToAuthChallenge`: Answers a sign-in challenge (PASSWORD_VERIFIER, NEW_PASSWORD_REQUIRED).
use tessera_wire::idp::{RespondToAuthChallengeRequest, RespondToAuthChallengeResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: RespondToAuthChallengeRequest,
) -> Result<RespondToAuthChallengeResponse, ApiError> {
    let out = ctx.core.respond_to_auth_challenge(req).await?;
    Ok(RespondToAuthChallengeResponse {
        challenge_name: out.challenge_name,
        session: out.session,
        challenge_parameters: out.challenge_parameters,
        authentication_result: out.authentication_result,
        available_challenges: out.available_challenges,
    })
}
