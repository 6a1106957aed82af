//! `AdminConfirmSignUp`: Confirms a user without a code.
use tessera_wire::idp::{AdminConfirmSignUpRequest, AdminConfirmSignUpResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: AdminConfirmSignUpRequest,
) -> Result<AdminConfirmSignUpResponse, ApiError> {
    ctx.core
        .admin_confirm_sign_up(
            &req.user_pool_id,
            &req.username,
            req.client_metadata.as_ref(),
        )
        .await?;
    Ok(AdminConfirmSignUpResponse {})
}
