//! `GetUserAuthFactors`.
use tessera_wire::idp::{GetUserAuthFactorsRequest, GetUserAuthFactorsResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: GetUserAuthFactorsRequest,
) -> Result<GetUserAuthFactorsResponse, ApiError> {
    Ok(ctx.core.get_user_auth_factors(&req.access_token).await?)
}
