//! `GetTokensFromRefreshToken`: New tokens for a refresh token, rotating it when the client
//! enables rotation.
use tessera_wire::idp::{GetTokensFromRefreshTokenRequest, GetTokensFromRefreshTokenResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: GetTokensFromRefreshTokenRequest,
) -> Result<GetTokensFromRefreshTokenResponse, ApiError> {
    Ok(GetTokensFromRefreshTokenResponse {
        authentication_result: Some(ctx.core.get_tokens_from_refresh_token(req).await?),
    })
}
