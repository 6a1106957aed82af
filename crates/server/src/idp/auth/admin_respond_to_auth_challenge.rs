//! `AdminRespondToAuthChallenge`: Answers a sign-in challenge as an administrator.
use tessera_wire::idp::{AdminRespondToAuthChallengeRequest, AdminRespondToAuthChallengeResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: AdminRespondToAuthChallengeRequest,
) -> Result<AdminRespondToAuthChallengeResponse, ApiError> {
    let out = ctx.core.admin_respond_to_auth_challenge(req).await?;
    Ok(AdminRespondToAuthChallengeResponse {
        challenge_name: out.challenge_name,
        session: out.session,
        challenge_parameters: out.challenge_parameters,
        authentication_result: out.authentication_result,
        available_challenges: out.available_challenges,
    })
}
