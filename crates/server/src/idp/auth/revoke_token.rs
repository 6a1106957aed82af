//! `RevokeToken`: Ends the sign-in a refresh token belongs to, with its access and ID tokens.
use tessera_wire::idp::{RevokeTokenRequest, RevokeTokenResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: RevokeTokenRequest,
) -> Result<RevokeTokenResponse, ApiError> {
    ctx.core.revoke_token(req).await?;
    Ok(RevokeTokenResponse {})
}
