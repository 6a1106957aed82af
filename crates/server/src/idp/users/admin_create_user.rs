//! `AdminCreateUser`: Creates a user with a temporary password and (unless suppressed) an invitation.
use tessera_wire::idp::{AdminCreateUserRequest, AdminCreateUserResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: AdminCreateUserRequest,
) -> Result<AdminCreateUserResponse, ApiError> {
    let user = ctx.core.admin_create_user(req).await?;
    Ok(AdminCreateUserResponse { user: Some(user) })
}
