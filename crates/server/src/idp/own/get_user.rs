//! `GetUser`: The access token's user and attributes.
use tessera_wire::idp::{GetUserRequest, GetUserResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(ctx: Ctx, req: GetUserRequest) -> Result<GetUserResponse, ApiError> {
    Ok(ctx.core.get_user(&req.access_token).await?)
}
