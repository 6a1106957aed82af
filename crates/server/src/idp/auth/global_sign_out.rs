//! `GlobalSignOut`: Ends every sign-in of the access token's user.
use tessera_wire::idp::{GlobalSignOutRequest, GlobalSignOutResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: GlobalSignOutRequest,
) -> Result<GlobalSignOutResponse, ApiError> {
    ctx.core.global_sign_out(&req.access_token).await?;
    Ok(GlobalSignOutResponse {})
}
